"""Our system checks, and `check --deploy` with the production environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from salestrack.core.checks import (
    debug_with_https_check,
    sqlite_data_dir_check,
    sqlite_data_dir_errors,
)

ROOT = Path(__file__).resolve().parents[3]


def ids(errors) -> list[str]:
    return [e.id for e in errors]


def test_it_accepts_debug_without_https(settings):
    settings.DEBUG, settings.HTTPS = True, False
    assert debug_with_https_check(None) == []


def test_it_accepts_https_without_debug(settings):
    settings.DEBUG, settings.HTTPS = False, True
    assert debug_with_https_check(None) == []


def test_it_refuses_debug_with_https(settings):
    settings.DEBUG, settings.HTTPS = True, True
    assert ids(debug_with_https_check(None)) == ["salestrack.E001"]


SQLITE = "django.db.backends.sqlite3"


def test_it_accepts_a_writable_data_dir(tmp_path):
    db = {"ENGINE": SQLITE, "NAME": str(tmp_path / "salestrack.sqlite3")}
    assert sqlite_data_dir_errors(db) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_it_refuses_a_read_only_data_dir(tmp_path):
    tmp_path.chmod(0o500)
    try:
        db = {"ENGINE": SQLITE, "NAME": str(tmp_path / "salestrack.sqlite3")}
        assert ids(sqlite_data_dir_errors(db)) == ["salestrack.E002"]
    finally:
        tmp_path.chmod(0o700)


def test_it_refuses_a_missing_data_dir(tmp_path):
    db = {"ENGINE": SQLITE, "NAME": str(tmp_path / "gone" / "salestrack.sqlite3")}
    assert ids(sqlite_data_dir_errors(db)) == ["salestrack.E002"]


def test_it_ignores_postgresql_and_memory_databases():
    assert sqlite_data_dir_errors({"ENGINE": "django.db.backends.postgresql", "NAME": "x"}) == []
    assert sqlite_data_dir_errors({"ENGINE": SQLITE, "NAME": ":memory:"}) == []


def test_the_checks_pass_in_this_environment():
    assert debug_with_https_check(None) == []
    assert sqlite_data_dir_check(None) == []


def production_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESTRACK_", "SECRET_KEY"))}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        DJANGO_SETTINGS_MODULE="salestrack.settings",
        SALESTRACK_DATA_DIR=str(tmp_path),
        SALESTRACK_HTTPS="true",
        SALESTRACK_DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="crm.example.com",
        CSRF_TRUSTED_ORIGINS="https://crm.example.com",
    )
    env.update(extra)
    return env


def run_deploy_check(env: dict) -> subprocess.CompletedProcess:
    # Settings are read once per process, so the production environment needs its own.
    code = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_check_deploy_is_clean_with_the_production_environment(tmp_path):
    result = run_deploy_check(production_env(tmp_path))

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_fails_with_debug_and_https(tmp_path):
    result = run_deploy_check(production_env(tmp_path, SALESTRACK_DEBUG="true"))

    assert result.returncode != 0
    assert "salestrack.E001" in result.stderr
