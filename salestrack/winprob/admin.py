from django.contrib import admin

from salestrack.winprob.models import DealScore, WinModel


@admin.register(WinModel)
class WinModelAdmin(admin.ModelAdmin):
    list_display = ("id", "trained_at", "status", "trigger", "auc", "baseline_auc", "n_train")
    list_filter = ("status", "trigger")
    exclude = ("pipeline",)
    readonly_fields = [f.name for f in WinModel._meta.fields if f.name != "pipeline"]


@admin.register(DealScore)
class DealScoreAdmin(admin.ModelAdmin):
    list_display = ("deal", "probability", "stage_probability", "scored_at")
    raw_id_fields = ("deal", "model")
