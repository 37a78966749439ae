class ApplicationError(Exception):
    """The one domain error. `message` is user-facing (already translated); `extra` is data."""

    def __init__(self, message: str, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class ConflictError(ApplicationError):
    """The record changed since the user loaded it (optimistic version check failed)."""
