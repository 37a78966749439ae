from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CadenceConfig(AppConfig):
    name = "salestrack.cadence"
    label = "cadence"
    verbose_name = _("Follow-up rules")

    def ready(self):
        from salestrack.activities.signals import followup_recorded
        from salestrack.cadence import receivers
        from salestrack.customers.signals import decision_maker_left

        followup_recorded.connect(receivers.on_followup_recorded, dispatch_uid="cadence_rules")
        decision_maker_left.connect(
            receivers.on_decision_maker_left, dispatch_uid="cadence_decision_maker_left"
        )
