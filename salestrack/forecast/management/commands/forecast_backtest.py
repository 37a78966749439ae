from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from salestrack.forecast.selectors import (
    ForecastFilters,
    backtest,
    forecast_snapshot_dates,
    min_sample,
)
from salestrack.forecast.services import forecast_stats_refresh
from salestrack.pipeline.models import Pipeline

COLUMNS = (
    ("period", 9),
    ("as of", 10),
    ("open", 7),
    ("forecast", 14),
    ("p10", 14),
    ("p90", 14),
    ("actual", 14),
    ("error %", 9),
    ("won by open", 14),
    ("history", 8),
)


def _money(value) -> str:
    return "-" if value is None else f"{value:,.0f}"


class Command(BaseCommand):
    help = (
        "Print the forecast backtest (as of the first day of past quarters and months, against "
        "everything won in the period) with its MAPE and bias, over all deals. 'won by open': "
        "the part of it won by the deals open at the period's start."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pipeline", type=int, help="pipeline id (default: all pipelines)")
        parser.add_argument(
            "--recompute", action="store_true", help="rebuild the statistics snapshots first"
        )
        parser.add_argument(
            "--as-of",
            dest="as_of",
            metavar="YYYY-MM-DD",
            help="the day to run it as of (default today): the periods before it are tested",
        )

    def handle(self, *args, pipeline=None, recompute=False, as_of=None, **options):
        filters = ForecastFilters()
        if pipeline is not None:
            filters.pipeline = Pipeline.objects.filter(pk=pipeline).first()
            if filters.pipeline is None:
                raise CommandError(f"no pipeline with id {pipeline}")
        today = timezone.localdate()
        if as_of is not None:
            try:
                today = date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
            if today > timezone.localdate():
                raise CommandError(f"--as-of {as_of} is in the future")
        if recompute:
            forecast_stats_refresh(dates=forecast_snapshot_dates(today), recompute=True)
        result = backtest(user=None, filters=filters, today=today)
        for title, series in (("Quarters", result.quarters), ("Months", result.months)):
            self.stdout.write(f"\n{title}")
            self.stdout.write(" ".join(name.rjust(width) for name, width in COLUMNS))
            for row in series.rows:
                error = "-" if row.error_pct is None else f"{row.error_pct:+.1f}"
                cells = (
                    row.label,
                    row.as_of.isoformat(),
                    str(row.deals),
                    _money(row.forecast.expected),
                    _money(row.forecast.low),
                    _money(row.forecast.high),
                    _money(row.actual),
                    error,
                    _money(row.actual_open),
                    f"{row.history}{'' if row.enough_history else '*'}",
                )
                self.stdout.write(
                    " ".join(
                        cell.rjust(width) for cell, (_n, width) in zip(cells, COLUMNS, strict=True)
                    )
                )
            if series.mape is None:
                self.stdout.write("MAPE: - (no period with enough history and a won amount)")
            else:
                self.stdout.write(
                    f"MAPE: {series.mape:.1f} %  bias: {series.bias:+.1f} %  "
                    f"periods scored: {series.used}"
                )
            if not series.enough_history:
                self.stdout.write(
                    f"Too little history: fewer than two periods had {min_sample()} closed "
                    "deals to learn from and a won amount."
                )
        self.stdout.write(
            f"\n* fewer than {min_sample()} closed deals known at that date (not scored)"
        )
