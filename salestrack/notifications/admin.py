from django.contrib import admin

from salestrack.notifications.models import Delivery, Notification


class ReadOnlyAdmin(admin.ModelAdmin):
    """For looking only: notifications are written by notify(), deliveries by the worker, and
    retries go through /notifications/failed/ (audited)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "event", "in_app", "read_at", "dedup_key"]
    list_filter = ["event", "in_app"]
    search_fields = ["recipient__username", "event", "dedup_key"]
    date_hierarchy = "created_at"


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "channel", "event", "status", "attempts", "next_attempt_at"]
    list_filter = ["status", "channel", "event"]
    search_fields = ["idempotency_key", "last_error"]
    date_hierarchy = "created_at"
