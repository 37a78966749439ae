from functools import wraps

from django.core.exceptions import PermissionDenied

from salestrack.accounts.models import User


def is_admin(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role == User.Role.ADMIN)
    )


def admin_required(view):
    """Administrators only; others get 403 (not a login loop). Goes after login_required."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
