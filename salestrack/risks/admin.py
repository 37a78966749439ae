from django.contrib import admin

from salestrack.risks.models import CycleMedian, ReviewDecision, RiskFlag


@admin.register(CycleMedian)
class CycleMedianAdmin(admin.ModelAdmin):
    list_display = ["pipeline", "industry", "median_days", "sample_size", "computed_at"]


@admin.register(RiskFlag)
class RiskFlagAdmin(admin.ModelAdmin):
    list_display = ["deal", "kind", "raised_at", "resolved_at"]
    raw_id_fields = ["deal"]


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(admin.ModelAdmin):
    list_display = ["deal", "week", "decision", "decided_by"]
    raw_id_fields = ["deal"]
