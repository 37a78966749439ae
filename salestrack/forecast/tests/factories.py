"""Hand-built deal histories: a deal and its exact stays, for the forecast tests."""

from datetime import datetime
from decimal import Decimal

from salestrack.deals.models import Deal, StageChange
from salestrack.deals.tests.factories import DealFactory
from salestrack.pipeline.models import Stage


def deal_with_history(
    *, path: list[tuple[Stage, datetime]], amount: str | int = 100000, **fields
) -> Deal:
    """A deal that went through `path` [(stage, entered_at), ...]; each stay ends when the next
    begins; the deal sits in the last stage (won or lost: closed then)."""
    last_stage, last_at = path[-1]
    deal = DealFactory(
        stage=last_stage,
        stage_entered_at=last_at,
        status=last_stage.kind,
        amount=Decimal(str(amount)),
        closed_at=last_at if last_stage.kind != Stage.Kind.OPEN else None,
        **fields,
    )
    Deal.objects.filter(pk=deal.pk).update(created_at=path[0][1])
    StageChange.objects.filter(deal=deal).delete()
    previous = None
    for index, (stage, entered_at) in enumerate(path):
        left_at = path[index + 1][1] if index + 1 < len(path) else None
        StageChange.objects.create(
            deal=deal,
            from_stage=previous,
            from_kind=previous.kind if previous else "",
            to_stage=stage,
            to_kind=stage.kind,
            entered_at=entered_at,
            left_at=left_at,
            duration_seconds=(left_at - entered_at).total_seconds() if left_at else None,
        )
        previous = stage
    deal.refresh_from_db()
    return deal
