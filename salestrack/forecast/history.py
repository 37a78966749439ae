"""What was known at a past moment, read from the stage history (deals.StageChange).

A deal's stays are consecutive StageChange rows: it was in `to_stage` from `entered_at` until
`left_at` (NULL while it is still there). At a moment T it was in the one stay entered at or
before T and not left by T. Everything here filters on these timestamps only, so a
computation "as of T" never sees what happened after T.
"""

from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from salestrack.deals.models import StageChange
from salestrack.pipeline.models import Stage


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the site's time zone: the cut-off of "as of `day`"."""
    return timezone.make_aware(datetime.combine(day, time()))


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def stay_at(moment: datetime) -> Q:
    """StageChange rows of the stays deals were in at `moment`."""
    return Q(entered_at__lte=moment) & (Q(left_at__isnull=True) | Q(left_at__gt=moment))


def stays_at(*, moment: datetime, deals: QuerySet | None = None) -> QuerySet[StageChange]:
    """The stay each deal (of `deals`, default all live deals) was in at `moment`; deals created
    later have none. `to_stage` / `to_kind` is the stage and kind it was in then."""
    qs = StageChange.objects.filter(stay_at(moment), deal__deleted_at__isnull=True)
    if deals is not None:
        qs = qs.filter(deal__in=deals)
    return qs.order_by()


def open_stays_at(*, moment: datetime, deals: QuerySet | None = None) -> QuerySet[StageChange]:
    """Stays of deals that were open at `moment` (in an open stage)."""
    return stays_at(moment=moment, deals=deals).filter(to_kind=Stage.Kind.OPEN)


def closed_stays_at(*, moment: datetime) -> QuerySet[StageChange]:
    """Stays of deals that had been won or lost by `moment` (and were not reopened by then)."""
    return stays_at(moment=moment).filter(to_kind__in=[Stage.Kind.WON, Stage.Kind.LOST])
