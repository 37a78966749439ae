"""Back up, wipe, restore: every table's row count comes back.

SQLite: manage.py runs in subprocesses against a file database in tmp_path (the test database
of pytest-django is in memory). PostgreSQL: in-process against the test database, when that is
what DATABASE_URL points at and pg_dump/pg_restore are installed.
"""

import io
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands
from django.db import connection

from salestrack.backups.services import backup_create, backup_restore

ROOT = Path(__file__).resolve().parents[3]


def manage(data_dir: Path, *args: str, check=True) -> subprocess.CompletedProcess:
    """manage.py in its own process, on SQLite in `data_dir` (settings are read per process)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESTRACK_")}
    env.pop("DATABASE_URL", None)
    env["SALESTRACK_DATA_DIR"] = str(data_dir)
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if check:
        assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr}"
    return result


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def test_it_restores_every_row_of_a_sqlite_database(tmp_path):
    db = tmp_path / "salestrack.sqlite3"
    manage(tmp_path, "migrate", "--noinput", "-v", "0")
    manage(tmp_path, "seed_demo", "--deals", "30")
    before = sqlite_counts(db)
    assert before["deals_deal"] == 30

    out = manage(tmp_path, "backup_create").stdout
    backup = tmp_path / "backups" / out.split()[0].rsplit("/", 1)[-1]
    assert backup.name.startswith("salestrack-") and backup.name.endswith(".sqlite3.gz")
    assert "bytes" in out and backup.stat().st_size > 0

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    manage(tmp_path, "migrate", "--noinput", "-v", "0")  # an empty, freshly migrated database
    assert sqlite_counts(db)["deals_deal"] == 0

    manage(tmp_path, "backup_restore", str(backup), "--yes")

    assert sqlite_counts(db) == before
    if "audit_verify" in get_commands():
        manage(tmp_path, "audit_verify")


def test_restore_refuses_without_yes(tmp_path):
    manage(tmp_path, "migrate", "--noinput", "-v", "0")
    out = manage(tmp_path, "backup_create", "--dest", str(tmp_path / "b")).stdout
    before = (tmp_path / "salestrack.sqlite3").read_bytes()

    result = manage(tmp_path, "backup_restore", out.split()[0], check=False)

    assert result.returncode != 0
    assert "--yes" in result.stderr
    assert (tmp_path / "salestrack.sqlite3").read_bytes() == before


def postgres_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        return {t: cursor.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="the database is not PostgreSQL",
)
@pytest.mark.skipif(
    not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="pg_dump/pg_restore not installed",
)
# Committed data for pg_dump; serialized_rollback as in e2e/ (the flush after a transactional
# test would otherwise recreate content types that the next serialized test inserts again).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_restores_every_row_of_a_postgresql_database(tmp_path):
    call_command("seed_demo", "--deals", "30", stdout=io.StringIO())
    before = postgres_counts()
    backup = backup_create(dest=tmp_path)

    call_command("flush", "--noinput")
    assert postgres_counts()["deals_deal"] == 0
    safety = backup_restore(path=backup, safety_dir=tmp_path)

    assert postgres_counts() == before
    assert safety is not None and safety.exists()
    if "audit_verify" in get_commands():
        call_command("audit_verify")
