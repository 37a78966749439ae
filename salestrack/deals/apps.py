from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "salestrack.deals"
    label = "deals"
    verbose_name = _("Deals")

    def ready(self):
        from salestrack.deals.reverts import register_reverters

        register_reverters()  # the History card's "Revert" (audit.reverts)
