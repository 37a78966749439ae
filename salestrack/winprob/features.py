"""The feature table of the win-probability model, built with database queries.

A *snapshot* is one deal at one moment T while it was open, described only by what was known
at T. Training uses snapshots of closed deals taken while they were still open: for each open
stay of a won or lost deal (a StageChange row into an open stage), the moments T = entered_at
+ k days for k in LANDMARK_DAYS, kept only while the deal was still in that stay at T (the
choice of T depends on nothing after T). The label is the deal's final outcome. Scoring uses
one snapshot per open deal: its current stay at T = now. Both go through `_snapshots`, so a
feature means the same in training and in scoring.

Every feature is computed as of T by the database (correlated subqueries on the stage
history, the follow-ups and the contacts, one query per landmark), except the owner's past
win rate, which comes from one query of all closed deals and a binary search per snapshot
(deals the owner closed strictly before T). What the database cannot give as of T is read as
it is today and documented as such: the amount, the customer's tier and industry, the lead
source (no history of them is kept).
"""

import bisect
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, NullIf, TruncDate

from salestrack.activities.models import FollowUp
from salestrack.customers.models import Contact
from salestrack.deals.models import Deal, StageChange
from salestrack.pipeline.models import Stage

# Days after entering an open stage at which a closed deal is photographed (while still there).
LANDMARK_DAYS = (0, 7, 30, 90)
FOLLOWUP_WINDOW_DAYS = 30
# An owner's past win rate is smoothed towards the overall rate as if the owner had this many
# more closed deals at that rate (a new rep is not 0 % or 100 %).
OWNER_PRIOR_DEALS = 5

NUMERIC = (
    "days_in_stage",
    "deal_age",
    "amount",
    "stage_moves",
    "backward_moves",
    "followups_30d",
    "days_since_activity",
    "owner_win_rate",
    "has_decision_maker",
)
CATEGORICAL = ("stage", "tier", "industry", "source")
FEATURES = NUMERIC + CATEGORICAL
DAY = 86400.0


@dataclass
class FeatureTable:
    """Snapshots in rows: `rows[i]` maps each feature to its raw value (as shown to users)."""

    deal_ids: list[int] = field(default_factory=list)
    moments: list[datetime] = field(default_factory=list)
    stage_ids: list[int] = field(default_factory=list)
    stage_probability: list[int] = field(default_factory=list)  # the baseline score (%)
    rows: list[dict] = field(default_factory=list)
    won: list[int] = field(default_factory=list)  # training only: 1 won, 0 lost
    closed_at: list[datetime] = field(default_factory=list)  # training only

    def __len__(self) -> int:
        return len(self.rows)

    def extend(self, other: "FeatureTable") -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))


def _smoothed(won: int, closed: int, prior: float) -> float:
    return (won + OWNER_PRIOR_DEALS * prior) / (closed + OWNER_PRIOR_DEALS)


class OwnerHistory:
    """Owners' win rates at any moment, from deals closed strictly before it: one query of all
    closed deals, then a binary search per snapshot (training: many moments)."""

    def __init__(self) -> None:
        closed = (
            Deal.objects.filter(
                status__in=[Deal.Status.WON, Deal.Status.LOST], closed_at__isnull=False
            )
            .order_by("closed_at")
            .values_list("owner_id", "closed_at", "status")
        )
        self._times: dict[int, list[float]] = {}
        self._wins: dict[int, list[int]] = {}
        self._all_times: list[float] = []
        self._all_wins: list[int] = []
        for owner_id, closed_at, status in closed:
            won = int(status == Deal.Status.WON)
            stamp = closed_at.timestamp()
            for times, wins in (
                (self._times.setdefault(owner_id, []), self._wins.setdefault(owner_id, [])),
                (self._all_times, self._all_wins),
            ):
                times.append(stamp)
                wins.append((wins[-1] if wins else 0) + won)

    @staticmethod
    def _before(times: list[float], wins: list[int], stamp: float) -> tuple[int, int]:
        n = bisect.bisect_left(times, stamp)
        return n, (wins[n - 1] if n else 0)

    def rate(self, owner_id: int, moment: datetime) -> float:
        stamp = moment.timestamp()
        n_all, won_all = self._before(self._all_times, self._all_wins, stamp)
        n, won = self._before(self._times.get(owner_id, []), self._wins.get(owner_id, []), stamp)
        return _smoothed(won, n, won_all / n_all if n_all else 0.5)


class OwnerRatesAt:
    """Owners' win rates at one moment (scoring): one GROUP BY owner, plus the totals."""

    def __init__(self, moment: datetime, owner_ids=None) -> None:
        closed = Deal.objects.filter(
            status__in=[Deal.Status.WON, Deal.Status.LOST], closed_at__lt=moment
        )
        totals = closed.aggregate(n=Count("id"), won=Count("id", filter=Q(status="won")))
        self._prior = totals["won"] / totals["n"] if totals["n"] else 0.5
        if owner_ids is not None:
            closed = closed.filter(owner_id__in=owner_ids)
        self._by_owner = {
            row["owner_id"]: (row["won"], row["n"])
            for row in closed.order_by()
            .values("owner_id")
            .annotate(n=Count("id"), won=Count("id", filter=Q(status="won")))
        }

    def rate(self, owner_id: int, moment: datetime) -> float:
        won, n = self._by_owner.get(owner_id, (0, 0))
        return _smoothed(won, n, self._prior)


def _count(qs: QuerySet) -> Coalesce:
    rows = qs.order_by().values("deal_id").annotate(n=Count("id")).values("n")[:1]
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _snapshots(stays: QuerySet, moment) -> list[dict]:
    """`stays` (StageChange rows of open stays) annotated with every feature as of `moment`
    (an expression over the stay: a constant for scoring, entered_at + k days for training)."""
    deal = OuterRef("deal_id")
    qs = stays.annotate(
        moment=ExpressionWrapper(moment, output_field=DateTimeField()),
    ).annotate(
        window_start=ExpressionWrapper(
            F("moment") - timedelta(days=FOLLOWUP_WINDOW_DAYS), output_field=DateTimeField()
        ),
        moment_date=TruncDate("moment"),
    )
    history = StageChange.objects.filter(deal_id=deal, entered_at__lte=OuterRef("moment"))
    followups = FollowUp.objects.filter(
        deal_id=deal, planned=False, occurred_at__lte=OuterRef("moment")
    )
    decision_makers = Contact.all_objects.filter(
        customer_id=OuterRef("deal__customer_id"),
        decision_role=Contact.Role.DECISION_MAKER,
        created_at__lte=OuterRef("moment"),
    ).filter(
        Q(deleted_at__isnull=True) | Q(deleted_at__gt=OuterRef("moment")),
        Q(left_company_on__isnull=True) | Q(left_company_on__gt=OuterRef("moment_date")),
    )
    qs = qs.annotate(
        opened_at=Subquery(
            StageChange.objects.filter(deal_id=deal).order_by("entered_at").values("entered_at")[:1]
        ),
        moves=_count(history.filter(from_stage__isnull=False)),
        back_moves=_count(
            history.filter(
                from_stage__isnull=False, to_stage__position__lt=F("from_stage__position")
            )
        ),
        recent_followups=_count(followups.filter(occurred_at__gt=OuterRef("window_start"))),
        last_followup_at=Subquery(followups.order_by("-occurred_at").values("occurred_at")[:1]),
        has_dm=Exists(decision_makers),
        lead_source=Coalesce(NullIf(F("deal__source"), Value("")), F("deal__customer__source")),
    )
    return list(
        qs.order_by("deal_id", "entered_at").values(
            "deal_id",
            "entered_at",
            "to_stage_id",
            "to_stage__probability",
            "deal__amount",
            "deal__owner_id",
            "deal__customer__tier",
            "deal__customer__industry",
            "deal__status",
            "deal__closed_at",
            "opened_at",
            "moves",
            "back_moves",
            "recent_followups",
            "last_followup_at",
            "has_dm",
            "lead_source",
        )
    )


def _days(later: datetime, earlier: datetime | None) -> float:
    return 0.0 if earlier is None else max((later - earlier).total_seconds() / DAY, 0.0)


def _add(table: FeatureTable, row: dict, at: datetime, owners, training: bool) -> None:
    opened = min(row["opened_at"] or row["entered_at"], row["entered_at"])
    table.deal_ids.append(row["deal_id"])
    table.moments.append(at)
    table.stage_ids.append(row["to_stage_id"])
    table.stage_probability.append(row["to_stage__probability"])
    table.rows.append(
        {
            "days_in_stage": _days(at, row["entered_at"]),
            "deal_age": _days(at, opened),
            "amount": float(row["deal__amount"] or 0),
            "stage_moves": row["moves"],
            "backward_moves": row["back_moves"],
            "followups_30d": row["recent_followups"],
            "days_since_activity": _days(at, row["last_followup_at"] or opened),
            "owner_win_rate": owners.rate(row["deal__owner_id"], at),
            "has_decision_maker": int(bool(row["has_dm"])),
            "stage": str(row["to_stage_id"]),
            "tier": row["deal__customer__tier"] or "",
            "industry": row["deal__customer__industry"] or "",
            "source": row["lead_source"] or "",
        }
    )
    if training:
        table.won.append(int(row["deal__status"] == Deal.Status.WON))
        table.closed_at.append(row["deal__closed_at"])


def training_table() -> FeatureTable:
    """Snapshots of every live won or lost deal at each landmark of each of its open stays."""
    owners = OwnerHistory()
    table = FeatureTable()
    for days in LANDMARK_DAYS:
        offset = timedelta(days=days)
        stays = StageChange.objects.filter(
            to_kind=Stage.Kind.OPEN,
            deal__deleted_at__isnull=True,
            deal__status__in=[Deal.Status.WON, Deal.Status.LOST],
            deal__closed_at__isnull=False,
            left_at__gt=F("entered_at") + offset,
            deal__closed_at__gt=F("entered_at") + offset,
        )
        part = FeatureTable()
        for row in _snapshots(stays, F("entered_at") + offset):
            _add(part, row, row["entered_at"] + offset, owners, training=True)
        table.extend(part)
    return table


def scoring_table(*, now: datetime, deal_ids: list[int] | None = None) -> FeatureTable:
    """One snapshot per live open deal (or of `deal_ids`): its current stay, as of `now`."""
    stays = StageChange.objects.filter(
        to_kind=Stage.Kind.OPEN,
        left_at__isnull=True,
        entered_at__lte=now,
        deal__deleted_at__isnull=True,
        deal__status=Deal.Status.OPEN,
    )
    if deal_ids is not None:
        stays = stays.filter(deal_id__in=deal_ids)
    # One row per deal; a damaged history with two unfinished stays: the later one.
    current = {row["deal_id"]: row for row in _snapshots(stays, Value(now, DateTimeField()))}
    owners = OwnerRatesAt(
        now,
        owner_ids=None if deal_ids is None else {row["deal__owner_id"] for row in current.values()},
    )
    table = FeatureTable()
    for row in current.values():
        _add(table, row, now, owners, training=False)
    return table


def log_days(value: float) -> float:
    return math.log1p(max(value, 0.0))
