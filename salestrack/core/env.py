"""Typed environment readers that fail loudly on malformed values."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def persistent_secret_key(path: Path) -> str:
    """Generate a secret key on first use and keep it next to the SQLite database."""
    if path.exists():
        return path.read_text().strip()
    from django.core.management.utils import get_random_secret_key

    path.parent.mkdir(parents=True, exist_ok=True)
    key = get_random_secret_key()
    path.write_text(key)
    path.chmod(0o600)
    return key


def ipware_proxy_settings(proxy_count: int) -> tuple[int | None, tuple[str, ...]]:
    """AXES_IPWARE_PROXY_COUNT and AXES_IPWARE_META_PRECEDENCE_ORDER for `proxy_count` reverse
    proxies in front of the app (SALESTRACK_PROXY_COUNT).

    0: REMOTE_ADDR only, so a forged X-Forwarded-For changes nothing. N: each proxy appends
    the address it saw, so the client is the header's Nth entry from the right; django-ipware
    counts the proxies listed after the client, N - 1 (the last proxy is REMOTE_ADDR).
    """
    if proxy_count < 0:
        raise ImproperlyConfigured(f"SALESTRACK_PROXY_COUNT={proxy_count} is negative")
    if proxy_count == 0:
        return None, ("REMOTE_ADDR",)
    return proxy_count - 1, ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
