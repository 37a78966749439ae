"""Daily rebuild of the forecast statistics (today's and the backtest dates')."""

from django.conf import settings
from django.utils import timezone

from salestrack.core.jobs import logger, nightly_task
from salestrack.forecast.selectors import forecast_snapshot_dates
from salestrack.forecast.services import forecast_stats_refresh


@nightly_task(at=settings.SALESTRACK_FORECAST_STATS_AT, setting="SALESTRACK_FORECAST_STATS_AT")
def forecast_stats_refresh_task() -> int:
    dates = forecast_snapshot_dates(timezone.localdate())
    snapshots = forecast_stats_refresh(dates=dates, recompute=True, prune=True)
    logger.info("forecast statistics: %d snapshots", len(snapshots))
    return len(snapshots)
