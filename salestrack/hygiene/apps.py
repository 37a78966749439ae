from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HygieneConfig(AppConfig):
    name = "salestrack.hygiene"
    label = "hygiene"
    verbose_name = _("Data hygiene")
