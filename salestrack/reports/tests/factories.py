"""Hand-built deals for the report tests: a deal that walked a path of stages at given times,
with its exact stage history (as deals.services would have written it)."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal, StageChange
from salestrack.deals.services import reached_stage_after
from salestrack.deals.tests.factories import DealFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def walked_deal(owner, stages: dict, path: list[tuple[str, datetime]], *, amount="100") -> Deal:
    """A deal of `owner` created in path[0]'s stage at path[0]'s time, then moved along the
    path ([(English stage name, entered at), ...])."""
    first, created = stages[path[0][0]], path[0][1]
    last, last_at = stages[path[-1][0]], path[-1][1]
    deal = DealFactory(
        owner=owner,
        customer=CustomerFactory(owner=owner),
        amount=Decimal(amount),
        stage=first,
        stage_entered_at=created,
    )
    StageChange.objects.filter(deal=deal).delete()
    rows = []
    reached = None
    for i, (name, entered) in enumerate(path):
        left = path[i + 1][1] if i + 1 < len(path) else None
        before = stages[path[i - 1][0]] if i else None
        rows.append(
            StageChange(
                deal=deal,
                from_stage=before,
                from_kind=before.kind if before else "",
                to_stage=stages[name],
                to_kind=stages[name].kind,
                entered_at=entered,
                left_at=left,
                duration_seconds=int((left - entered).total_seconds()) if left else None,
                actor=owner,
            )
        )
        reached = reached_stage_after(reached=reached, stage=stages[name])
    StageChange.objects.bulk_create(rows)
    Deal.objects.filter(pk=deal.pk).update(
        created_at=created,
        stage=last,
        reached_stage=reached,
        stage_entered_at=last_at,
        status=last.kind,
        closed_at=last_at if last.kind != "open" else None,
    )
    deal.refresh_from_db()
    return deal


def made_followup(owner, occurred_at: datetime, *, planned: bool = False, **fields):
    return FollowUpFactory(
        customer=CustomerFactory(owner=owner), occurred_at=occurred_at, planned=planned, **fields
    )
