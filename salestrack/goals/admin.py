from django.contrib import admin

from salestrack.goals.models import Goal, WorkCalendarDay


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(admin.ModelAdmin):
    """Holidays and make-up working days (调休); every working-day count reads them."""

    list_display = ["date", "is_workday", "name"]
    list_editable = ["is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    """Read-only: goals are set in the app (/goals/), where the rules and the audit apply."""

    list_display = ["__str__", "period_kind", "start", "end", "scope_kind", "metric", "target"]
    list_filter = ["period_kind", "scope_kind", "metric"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
