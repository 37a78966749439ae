from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "salestrack.deals"
    label = "deals"
    verbose_name = _("Deals")

    def ready(self):
        from salestrack.deals.reverts import register_reverters

        register_reverters()  # the History card's "Revert" (audit.reverts)

        from salestrack.deals.reached import on_stage_order_changed
        from salestrack.pipeline.signals import stage_order_changed

        stage_order_changed.connect(on_stage_order_changed, dispatch_uid="deals_reached_stage")
