from django.contrib import admin

from salestrack.bots.models import Bot


@admin.register(Bot)
class BotAdmin(admin.ModelAdmin):
    """Read-mostly: configure bots at /bots/ (the form checks the webhook target)."""

    list_display = ["name", "team", "kind", "enabled", "last_delivery_at", "last_delivery_ok"]
    list_filter = ["kind", "enabled"]
    search_fields = ["name"]
    exclude = ["secret"]
    readonly_fields = [
        "team",
        "kind",
        "webhook_url",
        "created_by",
        "updated_by",
        "last_delivery_at",
        "last_delivery_ok",
        "last_delivery_detail",
    ]

    def has_add_permission(self, request) -> bool:
        return False
