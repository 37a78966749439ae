from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from salestrack.access.scope import get_for_user, scope_queryset
from salestrack.accounts.models import User
from salestrack.core.exceptions import known_choice
from salestrack.core.urls import fast_url, fast_url_plain
from salestrack.deals.models import Deal, StageChange
from salestrack.deals.stalls import REASON_LABELS, stall_reasons
from salestrack.pipeline.models import Pipeline, Stage

DEAL_SORTS = {
    "updated": ("-updated_at", "-id"),
    "amount": ("-amount", "-id"),
    "close": ("expected_close_date", "id"),
    "created": ("-created_at", "-id"),
}


@dataclass
class DealFilters:
    """Board and list filters. `scope` is one of all / mine / team."""

    scope: str = "all"
    owner_id: int | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    q: str = ""
    status: str = ""
    stage_id: int | None = None

    def apply(self, qs: QuerySet[Deal], user: User) -> QuerySet[Deal]:
        if self.scope == "mine":
            qs = qs.filter(owner=user)
        elif self.scope == "team" and user.team_id:
            qs = qs.filter(team__path__startswith=user.team.path)
        if self.owner_id:
            qs = qs.filter(owner_id=self.owner_id)
        if self.min_amount is not None:
            qs = qs.filter(amount__gte=self.min_amount)
        if self.max_amount is not None:
            qs = qs.filter(amount__lte=self.max_amount)
        if self.q.strip():
            qs = qs.filter(Q(title__icontains=self.q.strip()) | Q(customer__name__icontains=self.q))
        if self.status:
            qs = qs.filter(status=self.status)
        if self.stage_id:
            qs = qs.filter(stage_id=self.stage_id)
        return qs


def deal_queryset(*, user: User) -> QuerySet[Deal]:
    return scope_queryset(user, Deal.objects.all())


def deal_get_for_user(*, user: User, pk: int, write: bool = False) -> Deal:
    """404 outside the user's scope; with `write`, 403 for a deal shared read-only."""
    qs = Deal.objects.select_related("customer", "pipeline", "stage", "owner", "decision_maker")
    return get_for_user(user, qs, pk, write=write)


@dataclass
class BoardColumn:
    stage: Stage
    count: int = 0
    total: Decimal = Decimal("0")
    cards: list[Deal] = field(default_factory=list)
    has_more: bool = False


def deal_board_totals(
    *, user: User, pipeline: Pipeline, filters: DealFilters
) -> dict[int, tuple[int, Decimal]]:
    """Deal count and amount per stage in one GROUP BY."""
    qs = filters.apply(deal_queryset(user=user).filter(pipeline=pipeline), user)
    rows = qs.values("stage_id").annotate(n=Count("id"), total=Sum("amount")).order_by()
    return {row["stage_id"]: (row["n"], row["total"] or Decimal("0")) for row in rows}


def deal_board_cards(
    *, user: User, stage: Stage, filters: DealFilters, page: int = 1
) -> tuple[list[Deal], bool]:
    """One page of a column's cards (oldest in stage first), plus whether more follow."""
    size = settings.SALESTRACK_BOARD_PAGE_SIZE
    qs = filters.apply(deal_queryset(user=user).filter(stage=stage), user)
    order = ("stage_entered_at", "id") if stage.is_open else ("-stage_entered_at", "-id")
    start = (max(page, 1) - 1) * size
    rows = list(
        qs.select_related("customer", "owner")
        .only(
            "id",
            "title",
            "amount",
            "stage_entered_at",
            "version",
            "stage_id",
            "status",
            "next_due_on",
            "stalls_at",
            "last_activity_at",
            "created_at",
            "customer__name",
            "owner__username",
            "owner__display_name",
            "owner__first_name",
            "owner__last_name",
        )
        .order_by(*order)[start : start + size + 1]
    )
    for deal in rows:
        deal.stage = stage
        decorate_card(deal)
    return rows[:size], len(rows) > size


def decorate_card(deal: Deal) -> Deal:
    deal.days_in_stage = days_between(deal.stage_entered_at)
    deal.stall_reasons = stall_reasons(deal)
    deal.stalled = bool(deal.stall_reasons)
    deal.stall_title = "; ".join(str(REASON_LABELS[r]) for r in deal.stall_reasons)
    deal.detail_url = fast_url("deals:detail", deal.pk)
    deal.move_url = fast_url("deals:move", deal.pk)
    deal.followup_url = f"{fast_url_plain('activities:create')}?deal={deal.pk}"
    return deal


def deal_board(*, user: User, pipeline: Pipeline, filters: DealFilters) -> list[BoardColumn]:
    stages = list(Stage.objects.filter(pipeline=pipeline))
    totals = deal_board_totals(user=user, pipeline=pipeline, filters=filters)
    columns = []
    for stage in stages:
        count, total = totals.get(stage.pk, (0, Decimal("0")))
        column = BoardColumn(stage=stage, count=count, total=total)
        if count:
            column.cards, column.has_more = deal_board_cards(
                user=user, stage=stage, filters=filters
            )
        columns.append(column)
    return columns


def deal_list(*, user: User, filters: DealFilters, sort: str = "updated") -> QuerySet[Deal]:
    qs = filters.apply(deal_queryset(user=user), user)
    order = DEAL_SORTS[known_choice(sort, DEAL_SORTS)]
    return qs.select_related("customer", "stage", "owner").order_by(*order)


def days_between(start: datetime, end: datetime | None = None) -> int:
    return max(((end or timezone.now()) - start).days, 0)


def is_stalled(deal: Deal) -> bool:
    return decorate_card(deal).stalled


@dataclass
class StageProgress:
    stage: Stage
    first_reached_at: datetime | None
    days_spent: float
    state: str  # "done", "current" or "ahead"


def deal_stage_history(*, deal: Deal) -> list[StageChange]:
    return list(
        StageChange.objects.filter(deal=deal)
        .select_related("from_stage", "to_stage", "actor")
        .order_by("entered_at", "id")
    )


def deal_stage_progress(*, deal: Deal, history: list[StageChange]) -> list[StageProgress]:
    """Each open stage of the pipeline with when the deal first reached it and total days in it."""
    now = timezone.now()
    reached: dict[int, datetime] = {}
    seconds: dict[int, float] = {}
    for row in history:
        reached.setdefault(row.to_stage_id, row.entered_at)
        end = row.left_at or now
        seconds[row.to_stage_id] = (
            seconds.get(row.to_stage_id, 0) + (end - row.entered_at).total_seconds()
        )
    stages = [s for s in Stage.objects.filter(pipeline_id=deal.pipeline_id)]
    current_position = deal.stage.position
    progress = []
    for stage in stages:
        if not stage.is_open and stage.pk != deal.stage_id:
            continue
        if stage.pk == deal.stage_id:
            state = "current"
        elif stage.pk in reached or stage.position < current_position:
            state = "done"
        else:
            state = "ahead"
        progress.append(
            StageProgress(
                stage=stage,
                first_reached_at=reached.get(stage.pk),
                days_spent=round(seconds.get(stage.pk, 0) / 86400, 1),
                state=state,
            )
        )
    return progress
