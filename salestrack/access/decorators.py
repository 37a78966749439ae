from functools import wraps

from django.core.exceptions import PermissionDenied

from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User


def has_capability(user: User, capability: str) -> bool:
    return permissions_for(user).has(capability)


def is_admin(user: User) -> bool:
    """May change settings (pipelines, roles, users, the trash): the "manage settings" right."""
    return has_capability(user, "manage_settings")


def capability_required(capability: str):
    """Only users whose role has `capability`; others get 403 (not a login loop).

    Goes after login_required."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_capability(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


admin_required = capability_required("manage_settings")


def action_required(object_type: str, action: str):
    """Only users whose role may do `action` on `object_type` records (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            permissions_for(request.user).require(object_type, action)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
