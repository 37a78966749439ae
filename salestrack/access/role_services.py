"""Writes to roles: create (as a copy), change the rules, delete, assign to a user. Audited."""

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from salestrack.access.models import FieldLevel, FieldPolicy, ObjectPolicy, Role, Scope
from salestrack.access.policy import (
    ACTIONS,
    CAPABILITIES,
    GOVERNED_FIELDS,
    OBJECT_TYPES,
    allowed_levels,
)
from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_record
from salestrack.core.exceptions import ApplicationError


def role_rules(role: Role) -> dict:
    """A role's complete rule set as plain data (also what the audit trail compares)."""
    objects = {p.object_type: p for p in role.object_policies.all()}
    fields = {(p.object_type, p.field): p.level for p in role.field_policies.all()}
    rules: dict = {f"cap.{c}": getattr(role, f"can_{c}") for c in CAPABILITIES}
    for kind in OBJECT_TYPES:
        policy = objects.get(kind)
        rules[f"{kind}.scope"] = policy.scope if policy else Scope.NONE
        for action in ACTIONS:
            rules[f"{kind}.{action}"] = bool(policy and getattr(policy, f"can_{action}"))
        default = FieldLevel.EDIT if rules[f"{kind}.edit"] else FieldLevel.READ
        for name in GOVERNED_FIELDS[kind]:
            rules[f"{kind}.field.{name}"] = fields.get((kind, name), default)
    return rules


def _validate_rules(rules: dict) -> None:
    for kind in OBJECT_TYPES:
        if rules[f"{kind}.scope"] not in Scope.values:
            raise ApplicationError(
                _("Unknown scope: %(value)s") % {"value": rules[f"{kind}.scope"]}
            )
        for name in GOVERNED_FIELDS[kind]:
            level = rules[f"{kind}.field.{name}"]
            if level not in allowed_levels(name):
                raise ApplicationError(
                    _("%(field)s cannot be set to “%(level)s”.") % {"field": name, "level": level}
                )


@transaction.atomic
def role_save_rules(*, role: Role, rules: dict, actor: User, name: str | None = None) -> Role:
    """Replace a role's capabilities, record rules and field levels with `rules`."""
    before = role_rules(role) | {"name": role.name}
    merged = before | rules
    _validate_rules(merged)
    if name is not None:
        if not name.strip():
            raise ApplicationError(_("Enter a name for the role."))
        role.name = name.strip()
    for capability in CAPABILITIES:
        setattr(role, f"can_{capability}", bool(merged[f"cap.{capability}"]))
    if role.key == User.Role.ADMIN and not role.can_manage_settings:
        raise ApplicationError(_("The administrator role must keep the right to manage settings."))
    role.save()
    role.object_policies.all().delete()
    role.field_policies.all().delete()
    ObjectPolicy.objects.bulk_create(
        ObjectPolicy(
            role=role,
            object_type=kind,
            scope=merged[f"{kind}.scope"],
            **{f"can_{a}": bool(merged[f"{kind}.{a}"]) for a in ACTIONS},
        )
        for kind in OBJECT_TYPES
    )
    FieldPolicy.objects.bulk_create(
        FieldPolicy(role=role, object_type=kind, field=name, level=merged[f"{kind}.field.{name}"])
        for kind in OBJECT_TYPES
        for name in GOVERNED_FIELDS[kind]
    )
    after = role_rules(role) | {"name": role.name}
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if changes:
        audit_record(
            actor=actor,
            action=AuditEntry.Action.PERMISSION_CHANGE,
            obj=role,
            changes=changes,
            extra={"event": "role_update"},
        )
    return role


@transaction.atomic
def role_create(*, key: str, name: str, copy_from: Role, actor: User) -> Role:
    key = slugify(key)[:20]
    if not key:
        raise ApplicationError(_("Enter a key of latin letters, digits or dashes."))
    if Role.objects.filter(key=key).exists():
        raise ApplicationError(_("A role with the key “%(key)s” exists already.") % {"key": key})
    if not name.strip():
        raise ApplicationError(_("Enter a name for the role."))
    role = Role.objects.create(key=key, name=name.strip())
    role_save_rules(role=role, rules=role_rules(copy_from), actor=actor)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.PERMISSION_CHANGE,
        obj=role,
        changes={"key": [None, key], "name": [None, role.name]},
        extra={"event": "role_create", "copied_from": copy_from.key},
    )
    return role


@transaction.atomic
def role_delete(*, role: Role, actor: User) -> None:
    if role.builtin:
        raise ApplicationError(_("Built-in roles cannot be deleted; change their rules instead."))
    holders = User.objects.filter(role=role.key).count()
    if holders:
        raise ApplicationError(
            _("%(count)d users still have this role: give them another role first.")
            % {"count": holders}
        )
    rules = role_rules(role)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.PERMISSION_CHANGE,
        obj=role,
        changes={k: [v, None] for k, v in rules.items()},
        extra={"event": "role_delete"},
    )
    role.delete()


@transaction.atomic
def user_set_role(*, user: User, role_key: str, actor: User) -> User:
    if not Role.objects.filter(key=role_key).exists():
        raise ApplicationError(_("Unknown role: %(key)s") % {"key": role_key})
    before = user.role
    if before == role_key:
        return user
    user.role = role_key
    user.save(update_fields=["role"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.PERMISSION_CHANGE,
        obj=user,
        changes={"role": [before, role_key]},
        extra={"event": "user_role"},
    )
    return user
