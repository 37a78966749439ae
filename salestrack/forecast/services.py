"""Writes of the forecast app: the stage statistics snapshots (forecast.models), a cache of
database aggregates over the stage history.

For a snapshot as of day D (cut-off: D's midnight, local time) and each open stage S:
- closed: deals that were ever in S and had been won or lost by the cut-off (their stay at the
  cut-off is a won or lost stage); each deal counts once per stage however often it entered S;
- won: those of them in a won stage at the cut-off;
- median_seconds: the median, over those won deals, of the time from first entering S to
  entering the won stage.
- lifetable: per lag bucket (days since first entering S, forecast.lifetable.EDGES), the deals
  that entered S by the cut-off and were won / lost in that bucket, or were still open at the
  cut-off at that age (censored); when an open deal is expected to win.
Per stage and customer industry, and per stage for the whole pipeline (industry NULL; the
fallback when an industry has too few deals). A stage-less row per pipeline counts its closed
and won deals. Deals closed after the cut-off, and stays entered after it, do not exist for the
snapshot: the backtest relies on this.
"""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from salestrack.deals.models import StageChange
from salestrack.forecast.history import closed_stays_at, day_start
from salestrack.forecast.lifetable import EDGES, HELD, LifeTable
from salestrack.forecast.models import StageStat, StatSnapshot
from salestrack.pipeline.models import Stage


def _first_entries(cutoff):
    """First entry of each deal closed by `cutoff` into each open stage it went through."""
    closed = closed_stays_at(moment=cutoff)
    earlier = StageChange.objects.filter(
        deal_id=OuterRef("deal_id"),
        to_stage_id=OuterRef("to_stage_id"),
        entered_at__lt=OuterRef("entered_at"),
    )
    return (
        StageChange.objects.filter(
            to_kind=Stage.Kind.OPEN,
            entered_at__lte=cutoff,
            deal_id__in=closed.values("deal_id"),
        )
        .filter(~Exists(earlier))
        .annotate(industry=F("deal__customer__industry"), pipeline_id=F("to_stage__pipeline_id"))
        .order_by()
    )


def _counts(cutoff) -> dict[tuple, list[int]]:
    """{(pipeline, stage, industry): [closed, won]} in one GROUP BY."""
    won_ids = closed_stays_at(moment=cutoff).filter(to_kind=Stage.Kind.WON).values("deal_id")
    rows = (
        _first_entries(cutoff)
        .values("pipeline_id", "to_stage_id", "industry")
        .annotate(closed=Count("id"), won=Count("id", filter=Q(deal_id__in=won_ids)))
    )
    return {
        (r["pipeline_id"], r["to_stage_id"], r["industry"] or None): [r["closed"], r["won"]]
        for r in rows
    }


def _medians(cutoff, partition: list[str]) -> dict[tuple, int]:
    """Median seconds from first entering a stage to winning, per partition, computed in the
    database as risks.services does: rank within the partition (window functions) and keep
    only the one or two middle rows. The won stay is joined (FilteredRelation), not looked up
    per row."""
    won_stay = (
        Q(deal__stage_changes__to_kind=Stage.Kind.WON)
        & Q(deal__stage_changes__entered_at__lte=cutoff)
        & (
            Q(deal__stage_changes__left_at__isnull=True)
            | Q(deal__stage_changes__left_at__gt=cutoff)
        )
    )
    duration = ExpressionWrapper(F("won_at") - F("entered_at"), output_field=DurationField())
    keys = [F(name) for name in partition]
    ranked = (
        _first_entries(cutoff)
        .annotate(won=FilteredRelation("deal__stage_changes", condition=won_stay))
        .filter(won__isnull=False)
        .annotate(won_at=F("won__entered_at"))
        .annotate(
            duration=duration,
            rank=Window(RowNumber(), partition_by=keys, order_by=[duration.asc(), F("id").asc()]),
            size=Window(Count("id"), partition_by=keys),
        )
        .filter(rank__gte=(F("size") + 1) / 2, rank__lte=(F("size") + 2) / 2)
        .values_list(*partition, "duration")
    )
    middles: dict[tuple, list[timedelta]] = {}
    for *key, value in ranked:
        middles.setdefault(tuple(key), []).append(value)
    return {
        key: round(sum(v.total_seconds() for v in values) / len(values))
        for key, values in middles.items()
    }


class EpochDays(Func):
    """A timestamp as (fractional) days on a fixed scale, computed by the database's own
    function (no per-row Python function as Django's duration arithmetic uses on SQLite)."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="julianday(%(expressions)s)", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM %(expressions)s) / 86400.0)",
            **extra,
        )

    def as_sql(self, compiler, connection, **extra):
        extra.setdefault("template", "(EXTRACT(EPOCH FROM %(expressions)s) / 86400.0)")
        return super().as_sql(compiler, connection, **extra)


def _life_tables(cutoff) -> dict[tuple, LifeTable]:
    """{(pipeline, stage, industry): LifeTable} of every deal that first entered an open stage
    by `cutoff`, closed or not, in one GROUP BY: cumulative counts below each bucket edge as
    conditional aggregates (won / lost: lag from entering to the closing stay; open: age at the
    cut-off), differenced here into per-bucket counts. Grouped too by how long that stay in
    the stage lasted (HELD buckets; still there at the cut-off: until then), so that a deal
    still in the stage after d days is compared with past deals that stayed at least d days
    (deals that moved on quickly win more often than those that linger)."""
    earlier = StageChange.objects.filter(
        deal_id=OuterRef("deal_id"),
        to_stage_id=OuterRef("to_stage_id"),
        entered_at__lt=OuterRef("entered_at"),
    )
    closed_stay = (
        Q(deal__stage_changes__to_kind__in=[Stage.Kind.WON, Stage.Kind.LOST])
        & Q(deal__stage_changes__entered_at__lte=cutoff)
        & (
            Q(deal__stage_changes__left_at__isnull=True)
            | Q(deal__stage_changes__left_at__gt=cutoff)
        )
    )
    won, lost = Q(closed__to_kind=Stage.Kind.WON), Q(closed__to_kind=Stage.Kind.LOST)
    still_open = Q(closed__isnull=True)
    aggregates = {
        "won_all": Count("id", filter=won),
        "lost_all": Count("id", filter=lost),
        "open_all": Count("id", filter=still_open),
    }
    for j, edge in enumerate(EDGES[1:], start=1):
        below = timedelta(days=edge)
        aggregates |= {
            f"won{j}": Count("id", filter=won & Q(lag__lt=edge)),
            f"lost{j}": Count("id", filter=lost & Q(lag__lt=edge)),
            f"open{j}": Count("id", filter=still_open & Q(entered_at__gt=cutoff - below)),
        }
    stay_end = Case(
        When(Q(left_at__isnull=True) | Q(left_at__gt=cutoff), then=Value(cutoff)),
        default=F("left_at"),
        output_field=DateTimeField(),
    )
    held = Case(
        *(
            When(stayed__gte=days, then=Value(index))
            for index, days in reversed(list(enumerate(HELD)))
            if index
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        StageChange.objects.filter(
            to_kind=Stage.Kind.OPEN, entered_at__lte=cutoff, deal__deleted_at__isnull=True
        )
        .filter(~Exists(earlier))
        .annotate(closed=FilteredRelation("deal__stage_changes", condition=closed_stay))
        .annotate(
            lag=EpochDays("closed__entered_at") - EpochDays("entered_at"),
            stayed=EpochDays(stay_end) - EpochDays("entered_at"),
        )
        .values(
            "to_stage_id",
            industry=F("deal__customer__industry"),
            pipeline_id=F("to_stage__pipeline_id"),
            held=held,
        )
        .annotate(**aggregates)
        .order_by()
    )

    def buckets(row, name):
        below = [0, *(row[f"{name}{j}"] for j in range(1, len(EDGES))), row[f"{name}_all"]]
        return [below[j + 1] - below[j] for j in range(len(EDGES))]

    # per key and HELD bucket: [won, lost, censored] per lag bucket
    counts: dict[tuple, list[list[list[int]]]] = {}
    for row in rows:
        key = (row["pipeline_id"], row["to_stage_id"], row["industry"] or None)
        triple = [buckets(row, name) for name in ("won", "lost", "open")]
        for k in {key, (key[0], key[1], None)}:
            per_held = counts.setdefault(k, [[[0] * len(EDGES) for _ in range(3)] for _ in HELD])
            for total, add in zip(per_held[row["held"]], triple, strict=True):
                for j, value in enumerate(add):
                    total[j] += value
    tables: dict[tuple, LifeTable] = {}
    for key, per_held in counts.items():
        # the deals that stayed at least HELD[i] days: the buckets from i on
        suffix = [[[0] * len(EDGES) for _ in range(3)]]
        for bucket in reversed(per_held):
            suffix.append(
                [
                    [a + b for a, b in zip(x, y, strict=True)]
                    for x, y in zip(suffix[-1], bucket, strict=True)
                ]
            )
        suffix = suffix[:0:-1]  # suffix[i]: buckets i.. (suffix[0]: everyone)
        table = LifeTable(*suffix[0])
        table.held = [(HELD[i], LifeTable(*suffix[i])) for i in range(1, len(HELD))]
        tables[key] = table
    return tables


def _stat_rows(as_of: date) -> list[StageStat]:
    cutoff = day_start(as_of)
    counts = _counts(cutoff)
    tables = _life_tables(cutoff)
    by_segment = _medians(cutoff, ["pipeline_id", "to_stage_id", "industry"])
    by_stage = _medians(cutoff, ["pipeline_id", "to_stage_id"])
    wide: dict[tuple, list[int]] = {}
    rows = []
    for (pipeline_id, stage_id, industry), (closed, won) in counts.items():
        total = wide.setdefault((pipeline_id, stage_id), [0, 0])
        total[0] += closed
        total[1] += won
        if industry is None:  # blank industry: only in the pipeline-wide row
            continue
        rows.append(
            StageStat(
                pipeline_id=pipeline_id,
                stage_id=stage_id,
                industry=industry,
                closed=closed,
                won=won,
                median_seconds=by_segment.get((pipeline_id, stage_id, industry)),
                lifetable=_table_json(tables.get((pipeline_id, stage_id, industry))),
            )
        )
    for (pipeline_id, stage_id), (closed, won) in wide.items():
        rows.append(
            StageStat(
                pipeline_id=pipeline_id,
                stage_id=stage_id,
                industry=None,
                closed=closed,
                won=won,
                median_seconds=by_stage.get((pipeline_id, stage_id)),
                lifetable=_table_json(tables.get((pipeline_id, stage_id, None))),
            )
        )
    totals = (
        closed_stays_at(moment=cutoff)
        .values(pipeline_id=F("to_stage__pipeline_id"))
        .annotate(closed=Count("id"), won=Count("id", filter=Q(to_kind=Stage.Kind.WON)))
    )
    rows += [
        StageStat(pipeline_id=t["pipeline_id"], closed=t["closed"], won=t["won"]) for t in totals
    ]
    return rows


def _table_json(table: LifeTable | None) -> dict | None:
    return None if table is None else table.as_json()


@transaction.atomic
def forecast_stats_compute(*, as_of: date) -> StatSnapshot:
    """(Re)build the snapshot of `as_of` from the stage history known at its cut-off."""
    rows = _stat_rows(as_of)
    StatSnapshot.objects.filter(as_of=as_of).delete()
    snapshot = StatSnapshot.objects.create(as_of=as_of, computed_at=timezone.now())
    for row in rows:
        row.snapshot = snapshot
    StageStat.objects.bulk_create(rows)
    return snapshot


def forecast_stats_refresh(
    *, dates: list[date], recompute: bool = False, prune: bool = False
) -> list[StatSnapshot]:
    """Make sure the snapshots of `dates` exist: build the missing ones (all of them with
    `recompute`); with `prune`, delete snapshots of other dates. A derived cache, so no audit
    entry."""
    wanted = sorted(set(dates))
    if prune:
        StatSnapshot.objects.exclude(as_of__in=wanted).delete()
    # a snapshot built before life tables were kept (stage rows without one) is rebuilt
    outdated = StageStat.objects.filter(
        snapshot=OuterRef("pk"), stage__isnull=False, lifetable__isnull=True
    )
    present = set(
        StatSnapshot.objects.filter(as_of__in=wanted)
        .filter(~Exists(outdated))
        .values_list("as_of", flat=True)
    )
    for day in wanted:
        if recompute or day not in present:
            forecast_stats_compute(as_of=day)
    return list(StatSnapshot.objects.filter(as_of__in=wanted))
