from django.contrib import admin

from salestrack.forecast.models import StageStat, StatSnapshot


@admin.register(StatSnapshot)
class StatSnapshotAdmin(admin.ModelAdmin):
    list_display = ["as_of", "computed_at"]


@admin.register(StageStat)
class StageStatAdmin(admin.ModelAdmin):
    list_display = ["snapshot", "pipeline", "stage", "industry", "closed", "won", "median_days"]
    list_filter = ["pipeline"]
