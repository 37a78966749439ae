"""Reads of the analytics dashboard (数据驾驶舱): every figure is one or two database
aggregates over the deals the user may read (access scope), whatever the number of deals.

Modules: funnel (cohort funnel and bottleneck), durations (time in stage, sales cycle),
breakdowns (headline figures, by rep / team / source / industry / region, source quality,
industry mix), targets (goal completion), drilldown (the deals behind a figure), common (the
definitions figures and drill-downs share).
"""

from salestrack.analytics.selectors.breakdowns import (
    analytics_breakdown,
    analytics_industries,
    analytics_sources,
    analytics_summary,
)
from salestrack.analytics.selectors.drilldown import Drill, analytics_drilldown
from salestrack.analytics.selectors.durations import analytics_cycle, analytics_stage_times
from salestrack.analytics.selectors.funnel import analytics_funnel
from salestrack.analytics.selectors.targets import analytics_targets

__all__ = [
    "Drill",
    "analytics_breakdown",
    "analytics_cycle",
    "analytics_drilldown",
    "analytics_funnel",
    "analytics_industries",
    "analytics_sources",
    "analytics_stage_times",
    "analytics_summary",
    "analytics_targets",
]
