"""Hand-built history for the analytics tests, at a frozen clock (2025-05-14, Q2 2025).

Stages of the default pipeline: Lead, Needs confirmed, Proposal / quote, Negotiation,
Contract, Payment, Won, Lost. Each deal walks a path of (stage, day) moves; its stage-history
rows carry the exact stays. The current period (this quarter) is 2025-04-01 – 06-30, the
previous one Q1 2025, the history the four quarters Q2 2024 – Q1 2025.

Alice's deals (team A):
  this quarter  d1 Lead 4-1 → Needs 4-3 → Proposal 4-8 → Won 4-18       (100, 金融, referral)
                d2 Lead 4-2 → Needs 4-6 → Proposal 4-10 → Needs 4-12     (200, 金融, referral)
                d3 Lead 4-5 → Needs 4-6 → Lost 4-16                      (300, 制造, website)
                d4 Lead 4-20                                             (400, 制造, no source)
  Q1 2025       p1 Lead 2-1 → Needs 2-3 → Proposal 2-5 → Negotiation 2-10 → Lost 2-20  (50)
                p2 Lead 2-10 → Needs 2-11                                (60)
                p3 Lead 1-5 → Won 3-6                                    (500, 金融, referral)
  Q3 2024       h1 Lead 8-1 → Needs 8-2 → Proposal 8-3 → Won 8-10        (70)
                h2 Lead 8-1 → Needs 8-5                                  (80)
Charlie's deal (team B): c1 Lead 4-3 → Needs 4-4 (this quarter, 900, 零售)
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal, StageChange
from salestrack.deals.services import reached_stage_after
from salestrack.deals.tests.factories import DealFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 5, 14, 10, 0, tzinfo=SHANGHAI)
STAGE_KEYS = {
    "lead": "Lead",
    "needs": "Needs confirmed",
    "proposal": "Proposal / quote",
    "negotiation": "Negotiation",
    "contract": "Contract",
    "payment": "Payment",
    "won": "Won",
    "lost": "Lost",
}


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def make_deal(owner, stages, path, *, amount="100", industry="", region="", source=""):
    """A deal of `owner` that walked `path` [(stage key, datetime), ...] (first = creation)."""
    by_key = {k: stages[v] for k, v in STAGE_KEYS.items()}
    first_stage, created = by_key[path[0][0]], path[0][1]
    last_stage, last_at = by_key[path[-1][0]], path[-1][1]
    deal = DealFactory(
        owner=owner,
        customer=CustomerFactory(owner=owner, industry=industry, region=region),
        amount=Decimal(amount),
        stage=first_stage,
        stage_entered_at=created,
        source=source,
    )
    StageChange.objects.filter(deal=deal).delete()
    rows = []
    for i, (key, entered) in enumerate(path):
        left = path[i + 1][1] if i + 1 < len(path) else None
        stage = by_key[key]
        rows.append(
            StageChange(
                deal=deal,
                from_stage=by_key[path[i - 1][0]] if i else None,
                from_kind=by_key[path[i - 1][0]].kind if i else "",
                to_stage=stage,
                to_kind=stage.kind,
                entered_at=entered,
                left_at=left,
                duration_seconds=int((left - entered).total_seconds()) if left else None,
                actor=owner,
            )
        )
    StageChange.objects.bulk_create(rows)
    closed = last_at if last_stage.kind != "open" else None
    reached = None
    for key, _ in path:  # what deal_move_stage would have kept along the way
        reached = reached_stage_after(reached=reached, stage=by_key[key])
    Deal.objects.filter(pk=deal.pk).update(
        created_at=created,
        stage=last_stage,
        reached_stage=reached,
        stage_entered_at=last_at,
        status=last_stage.kind,
        closed_at=closed,
    )
    deal.refresh_from_db()
    return deal


@dataclass
class History:
    deals: dict


@pytest.fixture
def history(personas, stages) -> History:
    a, c = personas.alice, personas.charlie
    d = {}
    d["d1"] = make_deal(
        a,
        stages,
        [
            ("lead", at(2025, 4, 1)),
            ("needs", at(2025, 4, 3)),
            ("proposal", at(2025, 4, 8)),
            ("won", at(2025, 4, 18)),
        ],
        amount="100",
        industry="金融",
        region="上海",
        source="referral",
    )
    d["d2"] = make_deal(
        a,
        stages,
        [
            ("lead", at(2025, 4, 2)),
            ("needs", at(2025, 4, 6)),
            ("proposal", at(2025, 4, 10)),
            ("needs", at(2025, 4, 12)),
        ],
        amount="200",
        industry="金融",
        region="上海",
        source="referral",
    )
    d["d3"] = make_deal(
        a,
        stages,
        [("lead", at(2025, 4, 5)), ("needs", at(2025, 4, 6)), ("lost", at(2025, 4, 16))],
        amount="300",
        industry="制造",
        region="江苏",
        source="website",
    )
    d["d4"] = make_deal(a, stages, [("lead", at(2025, 4, 20))], amount="400", industry="制造")
    d["p1"] = make_deal(
        a,
        stages,
        [
            ("lead", at(2025, 2, 1)),
            ("needs", at(2025, 2, 3)),
            ("proposal", at(2025, 2, 5)),
            ("negotiation", at(2025, 2, 10)),
            ("lost", at(2025, 2, 20)),
        ],
        amount="50",
        industry="制造",
        source="website",
    )
    d["p2"] = make_deal(
        a, stages, [("lead", at(2025, 2, 10)), ("needs", at(2025, 2, 11))], amount="60"
    )
    d["p3"] = make_deal(
        a,
        stages,
        [("lead", at(2025, 1, 5)), ("won", at(2025, 3, 6))],
        amount="500",
        industry="金融",
        source="referral",
    )
    d["h1"] = make_deal(
        a,
        stages,
        [
            ("lead", at(2024, 8, 1)),
            ("needs", at(2024, 8, 2)),
            ("proposal", at(2024, 8, 3)),
            ("won", at(2024, 8, 10)),
        ],
        amount="70",
    )
    d["h2"] = make_deal(
        a, stages, [("lead", at(2024, 8, 1)), ("needs", at(2024, 8, 5))], amount="80"
    )
    d["c1"] = make_deal(
        c,
        stages,
        [("lead", at(2025, 4, 3)), ("needs", at(2025, 4, 4))],
        amount="900",
        industry="零售",
        source="partner",
    )
    return History(deals=d)
