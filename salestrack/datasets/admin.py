from django.contrib import admin

from salestrack.datasets.models import DatasetLoad


@admin.register(DatasetLoad)
class DatasetLoadAdmin(admin.ModelAdmin):
    """What each `load_datasets` run created and refused (read only: the command writes it)."""

    list_display = ["dataset", "created_at", "user", "rows", "seconds", "batches"]
    list_filter = ["dataset"]
    readonly_fields = ["dataset", "user", "path", "batches", "report", "rows", "seconds"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
