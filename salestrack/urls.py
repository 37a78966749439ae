from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="today:index", permanent=False)),
    path("today/", include("salestrack.today.urls")),
    path("accounts/", include("salestrack.accounts.urls")),
    path("customers/", include("salestrack.customers.urls")),
    path("pipelines/", include("salestrack.pipeline.urls")),
    path("deals/", include("salestrack.deals.urls")),
    path("followups/", include("salestrack.activities.urls")),
    path("access/", include("salestrack.access.urls")),
    path("audit/", include("salestrack.audit.urls")),
    path("trash/", include("salestrack.trash.urls")),
    path("handover/", include("salestrack.handover.urls")),
    path("exports/", include("salestrack.exports.urls")),
    path("imports/", include("salestrack.imports.urls")),
    path("tiers/", include("salestrack.tiers.urls")),
    path("pool/", include("salestrack.pool.urls")),
    path("goals/", include("salestrack.goals.urls")),
    path("risks/", include("salestrack.risks.urls")),
    path("analytics/", include("salestrack.analytics.urls")),
    path("forecast/", include("salestrack.forecast.urls")),
    path("hygiene/", include("salestrack.hygiene.urls")),
    path("cadence/", include("salestrack.cadence.urls")),
    path("notifications/", include("salestrack.notifications.urls")),
    path("bots/", include("salestrack.bots.urls")),
    path("reports/", include("salestrack.reports.urls")),
    path("calendar/", include("salestrack.calendars.urls")),
    path("winprob/", include("salestrack.winprob.urls")),
    path("jobs/", include("salestrack.jobs.urls")),
    path("admin/", admin.site.urls),
]
