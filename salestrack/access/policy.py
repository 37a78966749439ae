"""Role permissions: record scope and actions per record type, and a level per field.

`permissions_for(user)` loads the user's role once per request (cached on the user object) and
answers every question the rest of the code asks: which records (scope.py turns the scope into
a query), which actions, which fields are hidden, masked, read-only or editable. Field masking
is applied to model instances as they are loaded through `scope_queryset` (see `PolicyIterable`
in scope.py), so templates, exports and JSON only ever see what the role may see.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salestrack.access.models import FieldLevel, FieldPolicy, ObjectPolicy, Role, Scope

# Record types a role is configured for, with the model each one governs.
OBJECT_TYPES: dict[str, str] = {
    "customer": "customers.customer",
    "contact": "customers.contact",
    "deal": "deals.deal",
    "followup": "activities.followup",
}
OBJECT_TYPE_LABELS = {
    "customer": gettext_lazy("Customers"),
    "contact": gettext_lazy("Contacts"),
    "deal": gettext_lazy("Deals"),
    "followup": gettext_lazy("Follow-ups"),
}
# Contacts are reached through their customer: the customer's scope applies to them.
SCOPED_TYPES = ("customer", "deal", "followup")
ACTIONS = ("create", "edit", "delete", "export", "bulk")
CAPABILITIES = ("manage_settings", "view_audit", "view_analytics", "handover")

# The fields a role can be given a level on, per record type: everything an edit form offers.
GOVERNED_FIELDS: dict[str, tuple[str, ...]] = {
    "customer": (
        "name",
        "industry",
        "region",
        "size",
        "source",
        "budget",
        "tier",
        "owner",
        "pain_points",
    ),
    "contact": ("name", "title", "phone", "email", "wechat", "decision_role", "preferences"),
    "deal": (
        "title",
        "customer",
        "stage",
        "amount",
        "expected_close_date",
        "probability",
        "owner",
        "collaborators",
        "source",
        "competitor",
        "next_step",
        "lost_reason",
        "confirmed_requirements",
        "quote_amount",
        "budget_confirmed",
        "contract_number",
        "contract_signed_on",
        "payment_received",
    ),
    "followup": (
        "kind",
        "occurred_at",
        "customer_words",
        "summary",
        "next_step",
        "next_due_on",
        "resources_needed",
    ),
}
# Relations can only be read or edited; free text can also be masked; other values hidden.
RELATION_FIELDS = {"owner", "customer", "stage", "collaborators"}
TEXT_FIELDS = {
    "name",
    "industry",
    "region",
    "pain_points",
    "title",
    "phone",
    "email",
    "wechat",
    "preferences",
    "competitor",
    "next_step",
    "lost_reason",
    "confirmed_requirements",
    "contract_number",
    "customer_words",
    "summary",
    "resources_needed",
}
LEVEL_ORDER = [FieldLevel.HIDDEN, FieldLevel.MASKED, FieldLevel.READ, FieldLevel.EDIT]


def allowed_levels(name: str) -> list[FieldLevel]:
    if name in RELATION_FIELDS:
        return [FieldLevel.READ, FieldLevel.EDIT]
    if name in TEXT_FIELDS:
        return list(LEVEL_ORDER)
    return [FieldLevel.HIDDEN, FieldLevel.READ, FieldLevel.EDIT]


def mask_value(name: str, value: Any) -> str:
    """138****5678 for phones, a***@x.com for e-mail, 张** for other text."""
    if value in (None, ""):
        return ""
    text = str(value)
    if name == "email" and "@" in text:
        local, domain = text.split("@", 1)
        return f"{local[:1]}***@{domain}"
    digits = re.sub(r"\D", "", text)
    if name == "phone" and len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return text[:1] + "*" * min(max(len(text) - 1, 2), 6)


@dataclass
class Permissions:
    role_key: str
    role: Role | None
    superuser: bool = False
    objects: dict[str, ObjectPolicy] = field(default_factory=dict)
    fields: dict[tuple[str, str], str] = field(default_factory=dict)
    _withheld: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def scope(self, object_type: str) -> str:
        if self.superuser:
            return Scope.ALL
        object_type = "customer" if object_type == "contact" else object_type
        policy = self.objects.get(object_type)
        return policy.scope if policy else Scope.NONE

    def can(self, object_type: str, action: str) -> bool:
        if action not in ACTIONS:
            raise ValueError(action)
        if self.superuser:
            return True
        policy = self.objects.get(object_type)
        return bool(policy and getattr(policy, f"can_{action}"))

    def has(self, capability: str) -> bool:
        if capability not in CAPABILITIES:
            raise ValueError(capability)
        return self.superuser or bool(self.role and getattr(self.role, f"can_{capability}"))

    def field_level(self, object_type: str, name: str) -> str:
        default = FieldLevel.EDIT if self.can(object_type, "edit") else FieldLevel.READ
        if self.superuser or name not in GOVERNED_FIELDS.get(object_type, ()):
            return default
        level = self.fields.get((object_type, name), default)
        return FieldLevel.READ if level == FieldLevel.EDIT and default != level else level

    def withheld(self, object_type: str) -> dict[str, str]:
        """Governed fields this role may not read in clear: {name: hidden|masked}.

        Asked once per loaded row (apply_field_policy): computed once per record type."""
        if object_type not in self._withheld:
            self._withheld[object_type] = {
                name: level
                for (kind, name), level in self.fields.items()
                if kind == object_type and level in (FieldLevel.HIDDEN, FieldLevel.MASKED)
            }
        return self._withheld[object_type]

    def editable(self, object_type: str, names) -> list[str]:
        return [n for n in names if self.field_level(object_type, n) == FieldLevel.EDIT]

    def visible(self, object_type: str, name: str) -> bool:
        return self.field_level(object_type, name) != FieldLevel.HIDDEN

    def require(self, object_type: str, action: str) -> None:
        if not self.can(object_type, action):
            raise PermissionDenied(_("Your role may not do this."))


NO_PERMISSIONS = Permissions(role_key="", role=None)


def permissions_for(user) -> Permissions:
    """The user's permissions, loaded once per user object (i.e. once per request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_PERMISSIONS
    cached = getattr(user, "_access_permissions", None)
    if cached is not None and cached.role_key == user.role:
        return cached
    role = Role.objects.filter(key=user.role).first()
    perms = Permissions(role_key=user.role, role=role, superuser=user.is_superuser)
    if role is not None:
        perms.objects = {p.object_type: p for p in ObjectPolicy.objects.filter(role=role)}
        perms.fields = {
            (p.object_type, p.field): p.level for p in FieldPolicy.objects.filter(role=role)
        }
    user._access_permissions = perms
    return perms


def object_type_of(model: type[Model]) -> str | None:
    label = model._meta.label_lower
    return next((kind for kind, lbl in OBJECT_TYPES.items() if lbl == label), None)


def apply_field_policy(perms: Permissions, obj: Model) -> Model:
    """Blank or mask, in place, the fields of `obj` (and of records cached on it) the role may
    not read; records the instance as withheld so it can never be saved (see guard_save)."""
    if getattr(obj, "_access_applied", False):
        return obj
    obj._access_applied = True
    kind = object_type_of(type(obj))
    if kind is not None:
        withheld = perms.withheld(kind)
        for name, level in withheld.items():
            value = getattr(obj, name, None)
            setattr(obj, name, mask_value(name, value) if level == FieldLevel.MASKED else "")
        if withheld:
            obj._access_withheld = set(withheld)
    for related in getattr(obj._state, "fields_cache", {}).values():
        if isinstance(related, Model):
            apply_field_policy(perms, related)
    return obj


def guard_save(sender, instance, update_fields=None, **kwargs) -> None:
    """pre_save: a record whose fields were masked for display is never written back."""
    withheld = getattr(instance, "_access_withheld", None)
    if not withheld:
        return
    if update_fields is None or withheld & set(update_fields):
        raise PermissionDenied(_("Masked values cannot be saved."))


def restrict_form(form, user, object_type: str):
    """Drop the form fields the user's role may not edit (a form ignores undeclared input)."""
    perms = permissions_for(user)
    for name in list(form.fields):
        if name in GOVERNED_FIELDS[object_type] and perms.field_level(object_type, name) != (
            FieldLevel.EDIT
        ):
            del form.fields[name]
    return form


def field_labels() -> dict[str, dict[str, str]]:
    """Verbose names of the governed fields, per record type (for the role editor)."""
    from django.apps import apps

    labels = {}
    for kind, label in OBJECT_TYPES.items():
        model = apps.get_model(label)
        labels[kind] = {
            name: str(model._meta.get_field(name).verbose_name) for name in GOVERNED_FIELDS[kind]
        }
    return labels
