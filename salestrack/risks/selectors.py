"""Reads of the risks app: stalled deals, slow deals (cycle warning), flagged deals, and the
rows of the weekly review. Every deal query starts at deals.selectors.deal_queryset, so the
role's record scope and field policy apply; the conditions are SQL, so lists are paginated
and counted in the database.

Definitions, each in one place:
- stalled: deals.stalls (in a stage longer than its rot_days, or no follow-up for too long);
- late stage: `early_stage_condition` / `is_late_stage` below;
- cycle warning: `MedianBook.condition` (SQL) and `MedianBook.warning` (one loaded deal).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.access.models import Scope
from salestrack.access.policy import permissions_for
from salestrack.accounts.models import Team, User
from salestrack.deals.models import Deal
from salestrack.deals.selectors import days_between, deal_queryset
from salestrack.deals.stalls import (
    REASON_NO_FOLLOWUP,
    REASON_STAGE,
    no_followup_days,
    stall_reasons,
    stalled_condition,
)
from salestrack.pipeline.models import Stage
from salestrack.risks.models import CycleMedian, ReviewDecision, RiskFlag, week_start
from salestrack.risks.services import MEDIANS_MAX_AGE, cycle_medians_refresh

REVIEW_SCOPES = (Scope.TEAM, Scope.SUBTREE, Scope.ALL)


# Late stage ----------------------------------------------------------------------------------


def late_stage_probability() -> int:
    return settings.SALESTRACK_LATE_STAGE_PROBABILITY


def is_late_stage(stage: Stage) -> bool:
    """A late stage is an open stage whose default win probability is at least
    SALESTRACK_LATE_STAGE_PROBABILITY (60 %): deals there are not warned for being slow."""
    return stage.is_open and stage.probability >= late_stage_probability()


def early_stage_condition() -> Q:
    """Deals in an open stage that is not late (the SQL twin of `is_late_stage`)."""
    return Q(stage__kind=Stage.Kind.OPEN, stage__probability__lt=late_stage_probability())


# Cycle medians -------------------------------------------------------------------------------


@dataclass
class CycleWarning:
    age_days: int
    median: CycleMedian
    percent: int

    @property
    def median_days(self) -> float:
        return self.median.median_days

    @property
    def sample_size(self) -> int:
        return self.median.sample_size

    @property
    def pipeline_wide(self) -> bool:
        return self.median.is_pipeline_wide


@dataclass
class MedianBook:
    """The cached medians: a segment's own when it has enough won deals, else its pipeline's."""

    rows: dict[tuple[int, str | None], CycleMedian]
    min_sample: int
    percent: int

    def median_for(self, pipeline_id: int, industry: str | None) -> CycleMedian | None:
        own = self.rows.get((pipeline_id, industry))
        if own and own.median_seconds is not None and own.sample_size >= self.min_sample:
            return own
        whole = self.rows.get((pipeline_id, None))
        if whole and whole.median_seconds is not None and whole.sample_size:
            return whole
        return None

    def warn_after(self, median: CycleMedian) -> timedelta:
        return timedelta(seconds=median.median_seconds * self.percent / 100)

    def condition(self, *, now: datetime) -> Q:
        """Open deals at least `percent` % of their segment's median old (stage not checked)."""
        condition = Q(pk__in=[])
        pipelines = {pid for pid, industry in self.rows if industry is None}
        for pipeline_id in pipelines:
            own = [
                (industry, row)
                for (pid, industry), row in self.rows.items()
                if pid == pipeline_id
                and industry is not None
                and self.median_for(pid, industry) is row
            ]
            parts = [
                Q(customer__industry=industry, created_at__lte=now - self.warn_after(row))
                for industry, row in own
            ]
            whole = self.median_for(pipeline_id, None)
            if whole is not None:
                rest = Q(created_at__lte=now - self.warn_after(whole))
                if own:
                    rest &= ~Q(customer__industry__in=[industry for industry, _row in own])
                parts.append(rest)
            for part in parts:
                condition |= Q(pipeline_id=pipeline_id) & part
        return Q(status=Deal.Status.OPEN) & condition

    def warning(self, deal: Deal, industry: str | None, *, now: datetime) -> CycleWarning | None:
        """The warning for one loaded deal (stage and raw customer industry given)."""
        if deal.status != Deal.Status.OPEN or is_late_stage(deal.stage):
            return None
        median = self.median_for(deal.pipeline_id, industry)
        if median is None or now - deal.created_at < self.warn_after(median):
            return None
        return CycleWarning(
            age_days=days_between(deal.created_at, now), median=median, percent=self.percent
        )


def cycle_median_book(*, now: datetime | None = None) -> MedianBook:
    """The cached medians, rebuilt first when missing or older than a day (one query if fresh)."""
    now = now or timezone.now()
    rows = list(CycleMedian.objects.all())
    if not rows or min(r.computed_at for r in rows) < now - MEDIANS_MAX_AGE:
        try:
            rows = cycle_medians_refresh(now=now)
        except IntegrityError:  # another request rebuilt it at the same moment
            rows = list(CycleMedian.objects.all())
    return MedianBook(
        rows={(r.pipeline_id, r.industry): r for r in rows},
        min_sample=settings.SALESTRACK_CYCLE_MIN_SAMPLE,
        percent=settings.SALESTRACK_CYCLE_WARN_PERCENT,
    )


# Filters and querysets -----------------------------------------------------------------------


@dataclass
class RiskFilters:
    team: Team | None = None
    owner: User | None = None

    def apply(self, qs: QuerySet[Deal]) -> QuerySet[Deal]:
        if self.team is not None:
            qs = qs.filter(team__path__startswith=self.team.path)
        if self.owner is not None:
            qs = qs.filter(owner=self.owner)
        return qs


def can_review(user: User) -> bool:
    """The weekly review is for roles that see more than their own deals (team and up)."""
    # Sales managers: a team-wide deal scope and the right to create deals (finance and
    # marketing read every deal but do not run the sales review).
    perms = permissions_for(user)
    return perms.scope("deal") in REVIEW_SCOPES and perms.can("deal", "create")


def review_teams(user: User) -> QuerySet[Team]:
    """Teams the user may filter the review by: all, or their own team's subtree."""
    teams = Team.objects.order_by("path")
    if permissions_for(user).scope("deal") == Scope.ALL:
        return teams
    if user.team_id is None:
        return teams.none()
    return teams.filter(path__startswith=user.team.path)


def _listing(user: User, filters: RiskFilters | None) -> QuerySet[Deal]:
    qs = deal_queryset(user=user).filter(status=Deal.Status.OPEN)
    return (filters or RiskFilters()).apply(qs).select_related("customer", "stage", "owner")


def stalled_deals(
    *, user: User, filters: RiskFilters | None = None, now: datetime | None = None
) -> QuerySet[Deal]:
    """Open deals in the user's scope stalled at `now`, longest in their stage first."""
    now = now or timezone.now()
    qs = _listing(user, filters).filter(stalled_condition(now=now))
    return qs.order_by("stage_entered_at", "id")


def cycle_warned_deals(
    *,
    user: User,
    book: MedianBook,
    filters: RiskFilters | None = None,
    now: datetime | None = None,
) -> QuerySet[Deal]:
    """Open deals in an early stage that are older than `percent` % of their median, oldest
    first."""
    now = now or timezone.now()
    qs = _listing(user, filters).filter(early_stage_condition() & book.condition(now=now))
    return qs.order_by("created_at", "id")


def review_deals(
    *,
    user: User,
    book: MedianBook,
    filters: RiskFilters | None = None,
    now: datetime | None = None,
) -> QuerySet[Deal]:
    """Open deals that are stalled, cycle-warned or carry an open risk flag, by team and owner."""
    now = now or timezone.now()
    flagged = RiskFlag.objects.filter(resolved_at__isnull=True).values("deal_id")
    condition = (
        stalled_condition(now=now)
        | (early_stage_condition() & book.condition(now=now))
        | Q(pk__in=flagged)
    )
    qs = _listing(user, filters).filter(condition)
    return qs.order_by("team_id", "owner_id", "stage_entered_at", "id")


# Rows ----------------------------------------------------------------------------------------


@dataclass
class RiskRow:
    deal: Deal
    days_in_stage: int
    last_followup_at: datetime | None
    days_without_followup: int
    stall_reasons: list[str]
    cycle: CycleWarning | None
    flags: list[RiskFlag] = field(default_factory=list)
    decision: ReviewDecision | None = None

    @property
    def reasons(self) -> list[str]:
        """Every reason this deal is at risk, as sentences."""
        texts = []
        if REASON_STAGE in self.stall_reasons:
            texts.append(
                _("Stalled: %(days)d days in this stage (limit %(limit)d)")
                % {"days": self.days_in_stage, "limit": self.deal.stage.rot_days}
            )
        if REASON_NO_FOLLOWUP in self.stall_reasons:
            texts.append(
                _("Stalled: no follow-up for %(days)d days (limit %(limit)d)")
                % {"days": self.days_without_followup, "limit": no_followup_days()}
            )
        if self.cycle is not None:
            segment = _("pipeline median") if self.cycle.pipeline_wide else _("segment median")
            texts.append(
                _(
                    "Slow: %(age)d days old, %(percent)d%% of the %(segment)s of %(median)s "
                    "days to win is reached (%(n)d won deals)"
                )
                % {
                    "age": self.cycle.age_days,
                    "percent": self.cycle.percent,
                    "segment": segment,
                    "median": f"{self.cycle.median_days:g}",
                    "n": self.cycle.sample_size,
                }
            )
        for flag in self.flags:
            label = flag.get_kind_display()
            texts.append(f"{label}: {flag.reason}" if flag.reason else str(label))
        return texts


def risk_rows(
    *,
    deals: list[Deal],
    book: MedianBook | None = None,
    now: datetime | None = None,
    week: date | None = None,
) -> list[RiskRow]:
    """Decorate a page of deals (loaded with stage) with their risks: at most three queries,
    whatever the number of rows (raw industries, open flags, this week's decisions)."""
    now = now or timezone.now()
    ids = [d.pk for d in deals]
    industries: dict[int, str] = {}
    if book is not None and ids:
        # The raw industry picks the segment; the loaded customer may carry a masked one.
        industries = dict(Deal.objects.filter(pk__in=ids).values_list("pk", "customer__industry"))
    flags: dict[int, list[RiskFlag]] = {}
    if ids:
        for flag in RiskFlag.objects.filter(deal_id__in=ids, resolved_at__isnull=True):
            flags.setdefault(flag.deal_id, []).append(flag)
    decisions: dict[int, ReviewDecision] = {}
    if week is not None and ids:
        decisions = {
            d.deal_id: d
            for d in ReviewDecision.objects.filter(
                deal_id__in=ids, week=week_start(week)
            ).select_related("decided_by")
        }
    rows = []
    for deal in deals:
        last = deal.last_activity_at
        rows.append(
            RiskRow(
                deal=deal,
                days_in_stage=days_between(deal.stage_entered_at, now),
                last_followup_at=last,
                days_without_followup=days_between(last or deal.created_at, now),
                stall_reasons=stall_reasons(deal, now=now),
                cycle=(
                    book.warning(deal, industries.get(deal.pk), now=now)
                    if book is not None
                    else None
                ),
                flags=flags.get(deal.pk, []),
                decision=decisions.get(deal.pk),
            )
        )
    return rows


def deal_risk_panel(*, deal: Deal) -> dict:
    """The deal page's risk card: open flags and the review decisions, newest first."""
    return {
        "flags": list(
            RiskFlag.objects.filter(deal=deal, resolved_at__isnull=True).select_related("raised_by")
        ),
        "decisions": list(
            ReviewDecision.objects.filter(deal=deal).select_related("decided_by")[:5]
        ),
    }
