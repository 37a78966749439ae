"""Synthetic deal histories for the win-probability tests, written in bulk (fast enough for
a few hundred deals)."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from salestrack.activities.models import FollowUp
from salestrack.core.tests.factories import UserFactory
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal, StageChange
from salestrack.pipeline.models import Pipeline, Stage


def _stages():
    pipeline = Pipeline.objects.get(is_default=True)
    stages = list(pipeline.stages.order_by("position"))
    opens = [s for s in stages if s.kind == Stage.Kind.OPEN]
    won = next(s for s in stages if s.kind == Stage.Kind.WON)
    lost = next(s for s in stages if s.kind == Stage.Kind.LOST)
    return pipeline, opens, won, lost


def _deal(customer, owner, path, title) -> Deal:
    last, last_at = path[-1]
    return Deal(
        title=title or f"合成商机 {last_at:%Y%m%d%H%M%S%f}",
        customer=customer,
        pipeline=last.pipeline,
        stage=last,
        status=last.kind,
        amount=Decimal(100000),
        owner=owner,
        team=owner.team,
        stage_entered_at=last_at,
        closed_at=last_at if last.kind != Stage.Kind.OPEN else None,
    )


def write_deals(specs: list[dict]) -> list[Deal]:
    """Deals in bulk, each spec as write_deal's arguments."""
    deals = Deal.objects.bulk_create(
        _deal(s["customer"], s["owner"], s["path"], s.get("title", "")) for s in specs
    )
    changes, followups = [], []
    for deal, spec in zip(deals, specs, strict=True):
        previous = None
        for index, (stage, entered_at) in enumerate(spec["path"]):
            left_at = spec["path"][index + 1][1] if index + 1 < len(spec["path"]) else None
            changes.append(
                StageChange(
                    deal=deal,
                    from_stage=previous,
                    from_kind=previous.kind if previous else "",
                    to_stage=stage,
                    to_kind=stage.kind,
                    entered_at=entered_at,
                    left_at=left_at,
                    duration_seconds=int((left_at - entered_at).total_seconds())
                    if left_at
                    else None,
                )
            )
            previous = stage
        followups += [
            FollowUp(
                customer_id=deal.customer_id,
                deal=deal,
                owner=deal.owner,
                team=deal.team,
                occurred_at=at,
                summary="合成跟进",
            )
            for at in spec.get("followups", ())
        ]
    StageChange.objects.bulk_create(changes)
    FollowUp.objects.bulk_create(followups)
    return deals


def write_deal(
    *,
    customer,
    owner,
    path: list[tuple[Stage, datetime]],
    followups: list[datetime] = (),
    title: str = "",
) -> Deal:
    """One deal through `path` [(stage, entered_at), ...] (the last stage is where it is
    now: won/lost closes it), with follow-ups on the deal at `followups`."""
    spec = {"customer": customer, "owner": owner, "path": path, "followups": followups}
    return write_deals([spec | {"title": title}])[0]


def synthetic_history(
    *, closed: int = 160, open_deals: int = 0, seed: int = 7, now: datetime | None = None
) -> list[Deal]:
    """`closed` won/lost deals over the last two years in which follow-up activity truly
    predicts winning: won deals are followed up every few days until they close, lost deals
    once at the start and then go quiet. Stage paths are drawn independently of the outcome,
    so the stage's configured probability carries little signal. Plus `open_deals` open ones."""
    rng = random.Random(seed)
    now = now or timezone.now()
    _, opens, won_stage, lost_stage = _stages()
    owners = [UserFactory(username=f"winprob-rep-{i}") for i in range(3)]
    customers = [CustomerFactory(owner=owners[i % 3]) for i in range(6)]
    specs = []
    for i in range(closed + open_deals):
        is_open = i >= closed
        won = rng.random() < 0.5
        start = now - timedelta(days=rng.uniform(60, 700)) if not is_open else now
        steps = rng.randint(1, len(opens) - 1)
        stays = [rng.uniform(5, 40) for _ in range(steps)]
        if is_open:
            start = now - timedelta(days=sum(stays) - rng.uniform(0, stays[-1] * 0.9))
        path, at = [], start
        for k in range(steps):
            path.append((opens[k], at))
            at += timedelta(days=stays[k])
        if not is_open:
            path.append((won_stage if won else lost_stage, at))
        end = min(at, now)
        if won or (is_open and i % 2):
            gap = rng.uniform(2, 6)
            moments, t = [], start + timedelta(hours=2)
            while t < end:
                moments.append(t)
                t += timedelta(days=gap)
        else:
            moments = [start + timedelta(hours=2)]
        specs.append(
            {
                "customer": customers[i % len(customers)],
                "owner": customers[i % len(customers)].owner,
                "path": path,
                "followups": [m for m in moments if m < end],
                "title": f"合成商机 {i}",
            }
        )
    return write_deals(specs)
