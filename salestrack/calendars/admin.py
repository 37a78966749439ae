from django.contrib import admin

from salestrack.calendars.models import CalendarToken


@admin.register(CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "revoked", "revoked_at", "last_used_at")
    list_filter = ("revoked",)
    search_fields = ("user__username", "user__display_name")
    readonly_fields = ("user", "created_at", "revoked", "revoked_at", "last_used_at")

    def has_add_permission(self, request) -> bool:
        return False
