from django.contrib import admin

from salestrack.customers.models import Contact, Customer


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "title", "phone", "email", "decision_role"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "industry", "region", "owner", "updated_at"]
    list_filter = ["tier", "source"]
    search_fields = ["name", "search_key"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    inlines = [ContactInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
