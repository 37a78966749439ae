from django.contrib import admin

from salestrack.deals.models import Deal, Product, StageChange


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "series", "list_price", "is_active"]
    list_filter = ["series", "is_active"]
    search_fields = ["name", "series"]


class StageChangeInline(admin.TabularInline):
    model = StageChange
    fk_name = "deal"
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in StageChange._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    """Read-mostly: stage moves and edits go through the app so gates and history apply."""

    list_display = ["title", "customer", "stage", "status", "amount", "owner", "updated_at"]
    list_filter = ["pipeline", "status", "stage"]
    search_fields = ["title", "customer__name"]
    list_select_related = ["customer", "stage", "owner"]
    raw_id_fields = ["customer", "owner", "decision_maker"]
    inlines = [StageChangeInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
