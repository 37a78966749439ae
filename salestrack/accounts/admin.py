from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from salestrack.accounts.models import Team, User
from salestrack.accounts.services import team_refresh_paths
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_diff, audit_record, audit_snapshot


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


def _role_choices() -> list[tuple[str, str]]:
    # Roles live in access (above accounts): looked up lazily through the app registry.
    return [(r.key, str(r)) for r in apps.get_model("access", "Role").objects.all()]


class UserChangeForm(BaseUserAdmin.form):
    role = forms.ChoiceField(label=_("role"), choices=_role_choices)

    class Meta(BaseUserAdmin.form.Meta):
        model = User


class UserCreationForm(BaseUserAdmin.add_form):
    role = forms.ChoiceField(label=_("role"), choices=_role_choices, initial=User.Role.REP)

    class Meta(BaseUserAdmin.add_form.Meta):
        model = User
        fields = [*BaseUserAdmin.add_form.Meta.fields, "role", "team"]


# Who may do what hangs on these fields: every change to them goes to the audit trail.
PERMISSION_FIELDS = ["role", "team", "is_active", "is_staff", "is_superuser"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "password1", "password2"]}),
        (_("Sales profile"), {"fields": ["display_name", "team", "role"]}),
    ]
    list_display = ["username", "display_name", "role", "team", "is_active"]
    list_filter = ["role", "team", "is_active"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Sales profile"), {"fields": ["display_name", "team", "role", "language"]}),
    ]

    def save_model(self, request, obj, form, change):
        before = audit_snapshot(User.objects.get(pk=obj.pk), PERMISSION_FIELDS) if change else {}
        super().save_model(request, obj, form, change)
        changes = audit_diff(before, audit_snapshot(obj, PERMISSION_FIELDS))
        if changes:
            audit_record(
                actor=request.user,
                action=AuditEntry.Action.PERMISSION_CHANGE,
                obj=obj,
                changes=changes,
                extra={"event": "user_update" if change else "user_create"},
                request=request,
            )
