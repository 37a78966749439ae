"""Consistent database snapshots: SQLite online backup API, or pg_dump on PostgreSQL.

Backups are named salestrack-YYYYmmdd-HHMMSS.<ext>; only files named so are ever pruned.
"""

import gzip
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

from salestrack.core.exceptions import ApplicationError

PREFIX = "salestrack-"
SAFETY_PREFIX = "pre-restore-"  # safety copies taken by backup_restore; never pruned
SQLITE_EXT = ".sqlite3.gz"
POSTGRES_EXT = ".pgdump"
STAMP = "%Y%m%d-%H%M%S"
NAME_RE = re.compile(rf"^{PREFIX}(\d{{8}}-\d{{6}})(?:{re.escape(SQLITE_EXT)}|{POSTGRES_EXT})$")

KEEP_DAILY = 7
KEEP_WEEKLY = 4
KEEP_MONTHLY = 12


def default_backup_dir() -> Path:
    return Path(settings.DATA_DIR) / "backups"


def _database(alias: str = "default") -> dict:
    return connections[alias].settings_dict


def _is_sqlite(db: dict) -> bool:
    return db["ENGINE"].endswith("sqlite3")


def _is_postgres(db: dict) -> bool:
    return db["ENGINE"].endswith(("postgresql", "postgis"))


def backup_create(*, dest: Path | None = None, now: datetime | None = None, prefix=PREFIX) -> Path:
    """Snapshot the default database into `dest`; returns the new file's path.

    Written under a hidden temporary name and renamed when complete, so a crash never leaves
    a half-written file that looks like a backup.
    """
    dest = Path(dest or default_backup_dir())
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = timezone.localtime(now or timezone.now()).strftime(STAMP)
    db = _database()
    if _is_sqlite(db):
        final = dest / f"{prefix}{stamp}{SQLITE_EXT}"
        _write_atomically(final, lambda tmp: _sqlite_backup(Path(db["NAME"]), tmp))
    elif _is_postgres(db):
        final = dest / f"{prefix}{stamp}{POSTGRES_EXT}"
        _write_atomically(final, lambda tmp: _pg_dump(db, tmp))
    else:
        raise ApplicationError(f"Backups are not supported for {db['ENGINE']}.")
    return final


def _write_atomically(final: Path, write) -> None:
    if final.exists():
        raise ApplicationError(f"{final} already exists.")
    tmp = final.with_name(f".{final.name}.partial")
    try:
        write(tmp)
        tmp.chmod(0o600)  # password hashes and every customer's details
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def _sqlite_backup(source: Path, target_gz: Path) -> None:
    if not source.exists():
        raise ApplicationError(f"The SQLite database {source} does not exist.")
    raw = target_gz.with_name(target_gz.name + ".raw")
    try:
        src = sqlite3.connect(source)
        dst = sqlite3.connect(raw)
        try:
            with dst:
                src.backup(dst)  # a consistent snapshot, even while others write (WAL)
        finally:
            dst.close()
            src.close()
        with raw.open("rb") as fin, gzip.open(target_gz, "wb") as fout:
            shutil.copyfileobj(fin, fout, 1024 * 1024)
    finally:
        raw.unlink(missing_ok=True)


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])  # never on the command line (ps shows it)
    return env


def _pg_args(db: dict) -> list[str]:
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return [*args, "--no-password", "--dbname", str(db["NAME"])]


def _run(args: list[str], env: dict) -> None:
    try:
        result = subprocess.run(args, env=env, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise ApplicationError(f"{args[0]} is not installed (Debian: postgresql-client).") from exc
    if result.returncode != 0:
        raise ApplicationError(f"{args[0]} failed: {result.stderr.strip()}")


def _pg_dump(db: dict, target: Path) -> None:
    _run(["pg_dump", "--format=custom", "--file", str(target), *_pg_args(db)], _pg_env(db))


def backup_restore(*, path: Path, safety_dir: Path | None = None) -> Path | None:
    """Replace the default database's contents with the backup at `path`.

    First takes a safety copy of the current database (returned; None when there is no
    database to copy).
    """
    path = Path(path)
    if not path.is_file():
        raise ApplicationError(f"{path} is not a file.")
    db = _database()
    safety = None
    if _is_sqlite(db):
        if not path.name.endswith(SQLITE_EXT):
            raise ApplicationError(f"{path.name} is not a SQLite backup (*{SQLITE_EXT}).")
        if Path(db["NAME"]).exists():
            safety = backup_create(dest=safety_dir, prefix=SAFETY_PREFIX)
        connections.close_all()
        _sqlite_restore(path, Path(db["NAME"]))
    elif _is_postgres(db):
        if not path.name.endswith(POSTGRES_EXT):
            raise ApplicationError(f"{path.name} is not a PostgreSQL backup (*{POSTGRES_EXT}).")
        safety = backup_create(dest=safety_dir, prefix=SAFETY_PREFIX)
        connections.close_all()
        args = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"]
        _run([*args, *_pg_args(db), str(path)], _pg_env(db))
    else:
        raise ApplicationError(f"Restore is not supported for {db['ENGINE']}.")
    return safety


def _sqlite_restore(backup_gz: Path, target: Path) -> None:
    raw = target.with_name(f".{target.name}.restore")
    try:
        with gzip.open(backup_gz, "rb") as fin, raw.open("wb") as fout:
            shutil.copyfileobj(fin, fout, 1024 * 1024)
        src = sqlite3.connect(raw)
        dst = sqlite3.connect(target)
        try:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise ApplicationError(f"{backup_gz} is damaged (integrity check failed).")
            # The backup API writes through SQLite itself, so the WAL and other connections
            # see the restored pages; replacing the file under them would not be safe.
            with dst:
                src.backup(dst)
        finally:
            dst.close()
            src.close()
    finally:
        raw.unlink(missing_ok=True)


def backup_list(*, dest: Path | None = None) -> list[tuple[str, datetime]]:
    """Backups in `dest` (names and the time in their name), oldest first."""
    dest = Path(dest or default_backup_dir())
    if not dest.is_dir():
        return []
    found = []
    for path in dest.iterdir():
        match = NAME_RE.match(path.name)
        if match and path.is_file():
            found.append((path.name, datetime.strptime(match.group(1), STAMP)))
    return sorted(found, key=lambda item: item[1])


def backups_to_keep(
    names_with_dates: Iterable[tuple[str, date | datetime]],
    today: date,
    *,
    daily: int = KEEP_DAILY,
    weekly: int = KEEP_WEEKLY,
    monthly: int = KEEP_MONTHLY,
) -> set[str]:
    """Names to keep: the newest backup of each of the last `daily` days that have one,
    of the last `weekly` ISO weeks and of the last `monthly` months.

    Periods are counted among those that have a backup (as restic's --keep-daily), so a pause
    in backups never prunes the last good copies. Anything dated after `today` is kept.
    """
    items = sorted(names_with_dates, key=lambda item: _as_datetime(item[1]), reverse=True)
    keep = {name for name, when in items if _as_date(when) > today}
    items = [(name, when) for name, when in items if name not in keep]
    rules = [
        (daily, lambda d: d),
        (weekly, lambda d: d.isocalendar()[:2]),
        (monthly, lambda d: (d.year, d.month)),
    ]
    for count, period_of in rules:
        seen = set()
        for name, when in items:
            period = period_of(_as_date(when))
            if period in seen:
                continue
            if len(seen) == count:
                break
            seen.add(period)
            keep.add(name)
    return keep


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _as_datetime(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time())


def backup_prune(*, dest: Path | None = None, today: date | None = None) -> list[Path]:
    """Delete the backups `backups_to_keep` does not keep; returns the deleted paths."""
    dest = Path(dest or default_backup_dir())
    found = backup_list(dest=dest)
    keep = backups_to_keep(found, today or timezone.localdate())
    deleted = []
    for name, _when in found:
        if name not in keep:
            (dest / name).unlink()
            deleted.append(dest / name)
    return deleted
