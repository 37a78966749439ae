from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WinprobConfig(AppConfig):
    name = "salestrack.winprob"
    label = "winprob"
    verbose_name = _("Win probability")
