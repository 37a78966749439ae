from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from salestrack.accounts.models import Team, User


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "path"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        prefix = obj.parent.path if obj.parent else "/"
        obj.path = f"{prefix}{obj.pk}/"
        obj.save(update_fields=["path"])


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "team", "is_active"]
    list_filter = ["role", "team", "is_active"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Sales"), {"fields": ["display_name", "team", "role", "language"]}),
    ]
