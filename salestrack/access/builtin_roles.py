"""The roles every installation starts with (admins may change them or add their own).

Plain data, read by the data migration that creates them (access 0003).
"""

from django.utils.translation import gettext_noop

from salestrack.access.policy import GOVERNED_FIELDS

ALL_ACTIONS = {"create": True, "edit": True, "delete": True, "export": True, "bulk": True}
OWN_WORK = {"create": True, "edit": True, "delete": True, "export": False, "bulk": False}
READ_ONLY = {"create": False, "edit": False, "delete": False, "export": False, "bulk": False}
CONTACT_DETAILS = ("phone", "email", "wechat")
PAYMENT_FIELDS = ("contract_number", "contract_signed_on", "payment_received")
DEAL_FIELDS_BUT_PAYMENT = tuple(f for f in GOVERNED_FIELDS["deal"] if f not in PAYMENT_FIELDS)


def _everywhere(scope: str, actions: dict) -> dict:
    return {
        kind: {"scope": scope, **actions} for kind in ("customer", "contact", "deal", "followup")
    }


BUILTIN_ROLES: list[dict] = [
    {
        "key": "admin",
        "name": gettext_noop("Administrator"),
        "description": gettext_noop("All records, all settings, the audit trail."),
        "capabilities": ["manage_settings", "view_audit", "view_analytics", "handover"],
        "objects": _everywhere("all", ALL_ACTIONS),
        "fields": {},
    },
    {
        "key": "director",
        "name": gettext_noop("Sales director"),
        "description": gettext_noop("All records of the company; hands over; analytics."),
        "capabilities": ["view_analytics", "handover"],
        "objects": _everywhere("all", ALL_ACTIONS),
        "fields": {},
    },
    {
        "key": "manager",
        "name": gettext_noop("Manager"),
        "description": gettext_noop("Own team and its sub-teams."),
        "capabilities": ["view_analytics", "handover"],
        "objects": _everywhere("subtree", ALL_ACTIONS),
        "fields": {},
    },
    {
        "key": "rep",
        "name": gettext_noop("Sales rep"),
        "description": gettext_noop("Own records and those shared with them; no export."),
        "capabilities": [],
        "objects": _everywhere("own", OWN_WORK),
        "fields": {},
    },
    {
        "key": "finance",
        "name": gettext_noop("Finance"),
        "description": gettext_noop(
            "Reads deals; edits contract and payment fields; contact details masked."
        ),
        "capabilities": [],
        "objects": {
            "customer": {"scope": "all", **READ_ONLY},
            "contact": {"scope": "all", **READ_ONLY},
            "deal": {"scope": "all", **READ_ONLY, "edit": True, "export": True},
            "followup": {"scope": "none", **READ_ONLY},
        },
        "fields": {
            "contact": {name: "masked" for name in CONTACT_DETAILS},
            "deal": {name: "read" for name in DEAL_FIELDS_BUT_PAYMENT},
        },
    },
    {
        "key": "marketing",
        "name": gettext_noop("Marketing"),
        "description": gettext_noop("Lead sources and analytics; no contact details."),
        "capabilities": ["view_analytics"],
        "objects": {
            "customer": {"scope": "all", **READ_ONLY, "edit": True, "export": True},
            "contact": {"scope": "all", **READ_ONLY},
            "deal": {"scope": "all", **READ_ONLY, "edit": True},
            "followup": {"scope": "none", **READ_ONLY},
        },
        "fields": {
            "customer": {
                name: "read"
                for name in (
                    "name",
                    "industry",
                    "region",
                    "size",
                    "budget",
                    "tier",
                    "owner",
                    "pain_points",
                )
            },
            "contact": {
                "name": "masked",
                "phone": "hidden",
                "email": "hidden",
                "wechat": "hidden",
                "preferences": "hidden",
            },
            "deal": {name: "read" for name in DEAL_FIELDS_BUT_PAYMENT if name != "source"}
            | {name: "hidden" for name in PAYMENT_FIELDS},
        },
    },
    {
        "key": "auditor",
        "name": gettext_noop("Auditor"),
        "description": gettext_noop("Reads the audit trail only."),
        "capabilities": ["view_audit"],
        "objects": _everywhere("none", READ_ONLY),
        "fields": {},
    },
]


def install_builtin_roles(role_model, object_model, field_model) -> None:
    """Create or reset the built-in roles (models passed in so migrations can use it)."""
    for spec in BUILTIN_ROLES:
        role, _ = role_model.objects.update_or_create(
            key=spec["key"],
            defaults={
                "name": spec["name"],
                "description": spec["description"],
                "builtin": True,
                **{f"can_{c}": c in spec["capabilities"] for c in _CAPABILITIES},
            },
        )
        object_model.objects.filter(role=role).delete()
        field_model.objects.filter(role=role).delete()
        object_model.objects.bulk_create(
            object_model(
                role=role,
                object_type=kind,
                scope=rules["scope"],
                **{f"can_{a}": rules[a] for a in ALL_ACTIONS},
            )
            for kind, rules in spec["objects"].items()
        )
        field_model.objects.bulk_create(
            field_model(role=role, object_type=kind, field=name, level=level)
            for kind, levels in spec["fields"].items()
            for name, level in levels.items()
        )


_CAPABILITIES = ("manage_settings", "view_audit", "view_analytics", "handover")
