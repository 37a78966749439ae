class ApplicationError(Exception):
    """The one domain error. `message` is user-facing (already translated); `extra` is data."""

    def __init__(self, message: str, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


def known_choice(value: str, known) -> str:
    """Only listed sort keys / filter values reach the ORM; anything else is refused."""
    if value not in known:
        from django.utils.translation import gettext as _

        raise ApplicationError(
            _("“%(value)s” is not one of the allowed values.") % {"value": value}
        )
    return value


class ConflictError(ApplicationError):
    """The record changed since the user loaded it (optimistic version check failed)."""
