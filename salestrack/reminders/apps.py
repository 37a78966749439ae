from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "salestrack.reminders"
    label = "reminders"
    verbose_name = _("Reminders")

    def ready(self):
        from salestrack.deals.signals import deal_stage_moved
        from salestrack.reminders import events, receivers
        from salestrack.risks.signals import risk_flag_raised

        events.register_all()
        deal_stage_moved.connect(receivers.on_deal_stage_moved, dispatch_uid="reminders_stage")
        risk_flag_raised.connect(receivers.on_risk_flag_raised, dispatch_uid="reminders_risk")
