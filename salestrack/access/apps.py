from django.apps import AppConfig, apps
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "salestrack.access"
    label = "access"
    verbose_name = _("Access control")

    def ready(self) -> None:
        from salestrack.access.policy import OBJECT_TYPES, guard_save

        for label in OBJECT_TYPES.values():
            pre_save.connect(guard_save, sender=apps.get_model(label), dispatch_uid=label)
