from django.contrib import admin

from salestrack.pipeline.models import Pipeline, Stage, StageRequirement


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "is_default", "is_active"]
    inlines = [StageInline]


@admin.register(StageRequirement)
class StageRequirementAdmin(admin.ModelAdmin):
    list_display = ["stage", "field"]
    list_filter = ["stage__pipeline"]
