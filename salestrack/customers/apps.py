from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "salestrack.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from salestrack.customers.reverts import register_reverters

        register_reverters()  # the History card's "Revert" (audit.reverts)
