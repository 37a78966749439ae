"""Pruning files on disk, and how pg_dump/pg_restore are called (password never in argv)."""

import subprocess
from datetime import date

from salestrack.backups import services
from salestrack.backups.services import backup_list, backup_prune

TODAY = date(2026, 11, 23)


def test_it_prunes_only_what_retention_drops_and_only_its_own_files(tmp_path):
    for day in range(1, 24):
        (tmp_path / f"salestrack-202611{day:02d}-020000.sqlite3.gz").write_bytes(b"x")
    foreign = [
        tmp_path / "notes.txt",
        tmp_path / "pre-restore-20260101-020000.sqlite3.gz",
        tmp_path / ".salestrack-20261101-030000.sqlite3.gz.partial",
    ]
    for path in foreign:
        path.write_bytes(b"x")

    deleted = backup_prune(dest=tmp_path, today=TODAY)

    kept = [int(name[17:19]) for name, _ in backup_list(dest=tmp_path)]
    # 17–23 Nov daily; the newest of ISO weeks 2–8 and 9–15 Nov (Sundays) as weekly copies.
    assert kept == [8, 15, 17, 18, 19, 20, 21, 22, 23]
    assert len(deleted) == 23 - len(kept)
    assert all(path.exists() for path in foreign)


def test_it_lists_nothing_for_a_missing_directory(tmp_path):
    assert backup_list(dest=tmp_path / "none") == []


def test_pg_dump_gets_the_password_from_the_environment(monkeypatch, tmp_path):
    calls = []

    def fake_run(args, env, **kwargs):
        calls.append((args, env))
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(services.subprocess, "run", fake_run)
    db = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "salestrack",
        "USER": "salestrack",
        "PASSWORD": "s3cret-pw",
        "HOST": "127.0.0.1",
        "PORT": 5432,
    }

    services._pg_dump(db, tmp_path / "out.pgdump")

    args, env = calls[0]
    assert args[:2] == ["pg_dump", "--format=custom"]
    assert "s3cret-pw" not in " ".join(args)
    assert env["PGPASSWORD"] == "s3cret-pw"
    assert args[-2:] == ["--dbname", "salestrack"]
