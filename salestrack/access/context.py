from salestrack.access.policy import CAPABILITIES, GOVERNED_FIELDS, permissions_for


class AccessFlags:
    """The permissions for templates: {{ access.view_audit }}, {{ access.deal.export }}."""

    def __init__(self, user) -> None:
        self._perms = permissions_for(user)

    def __getattr__(self, name: str):
        if name in CAPABILITIES:
            return self._perms.has(name)
        if name.startswith("_"):
            raise AttributeError(name)
        return _TypeFlags(self._perms, name)


class _TypeFlags:
    def __init__(self, perms, object_type: str) -> None:
        self._perms, self._type = perms, object_type

    def __getattr__(self, action: str) -> bool:
        if action.startswith("_"):
            raise AttributeError(action)
        if action == "scope":
            return self._perms.scope(self._type)
        if action == "field":  # {{ access.deal.field.amount }} -> hidden/masked/read/edit
            return {n: self._perms.field_level(self._type, n) for n in GOVERNED_FIELDS[self._type]}
        return self._perms.can(self._type, action)


def access(request) -> dict:
    return {"access": AccessFlags(request.user)}
