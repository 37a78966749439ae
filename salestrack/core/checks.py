"""System checks for settings that parse but cannot work (as paperless-ngx checks.py)."""

import os
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register


@register()
def debug_with_https_check(app_configs, **kwargs):
    if settings.DEBUG and getattr(settings, "HTTPS", False):
        return [
            Error(
                "SALESTRACK_DEBUG is on while SALESTRACK_HTTPS says this is a production site.",
                hint="Unset SALESTRACK_DEBUG (debug pages show settings and code to visitors).",
                id="salestrack.E001",
            )
        ]
    return []


@register()
def sqlite_data_dir_check(app_configs, **kwargs):
    return sqlite_data_dir_errors(settings.DATABASES["default"])


def sqlite_data_dir_errors(db: dict) -> list[Error]:
    if not db["ENGINE"].endswith("sqlite3") or str(db["NAME"]).startswith(":memory:"):
        return []
    directory = Path(db["NAME"]).parent
    if os.access(directory, os.W_OK | os.X_OK):
        return []
    return [
        Error(
            f"The SQLite data directory {directory} is not writable.",
            hint="SQLite writes its journal next to the database file: make "
            "SALESTRACK_DATA_DIR writable for the user running salestrack.",
            id="salestrack.E002",
        )
    ]
