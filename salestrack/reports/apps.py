from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "salestrack.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from salestrack.reports.messages import register_report_events

        register_report_events()
