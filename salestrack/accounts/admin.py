from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from salestrack.accounts.models import Team, User
from salestrack.accounts.services import team_refresh_paths


class TeamAdminForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "parent"]

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent and self.instance.pk and f"/{self.instance.pk}/" in parent.path:
            raise forms.ValidationError(_("A team cannot be placed under itself or its sub-teams."))
        return parent


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    form = TeamAdminForm
    list_display = ["name", "parent", "path"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        team_refresh_paths(team=obj)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "team", "is_active"]
    list_filter = ["role", "team", "is_active"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Sales profile"), {"fields": ["display_name", "team", "role", "language"]}),
    ]
