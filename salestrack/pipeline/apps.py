from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "salestrack.pipeline"
    label = "pipeline"
    verbose_name = _("Pipelines and stages")
