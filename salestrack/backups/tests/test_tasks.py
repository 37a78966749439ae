"""backup_create_task: nightly at 02:30, a snapshot then pruning (7 daily, 4 weekly, 12 monthly).

It runs in its own manage.py process on a SQLite file in tmp_path (the test database is in
memory), with SALESTRACK_HUEY_IMMEDIATE=true: the task runs inline where it is called.
"""

import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from huey.contrib.djhuey import HUEY

from salestrack.backups.services import backup_list, backups_to_keep
from salestrack.backups.tasks import backup_create_task

ROOT = Path(__file__).resolve().parents[3]

RUN_TASK = "from salestrack.backups.tasks import backup_create_task; backup_create_task()"


def manage(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """manage.py on SQLite in `data_dir`, jobs inline, no Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESTRACK_")}
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    env.update(SALESTRACK_DATA_DIR=str(data_dir), SALESTRACK_HUEY_IMMEDIATE="true")
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result


def test_it_takes_a_backup_and_prunes_the_old_ones(tmp_path):
    manage(tmp_path, "migrate", "--noinput", "-v", "0")
    backups = tmp_path / "backups"
    backups.mkdir()
    today = date.today()  # the task prunes against the real date (TZ_NAME's, near enough)
    for n in range(1, 60):  # one nightly copy on each of the 59 days before today
        (backups / f"salestrack-{today - timedelta(days=n):%Y%m%d}-023000.sqlite3.gz").write_bytes(
            b"x"
        )
    before = {name for name, _ in backup_list(dest=backups)}

    result = manage(tmp_path, "shell", "-c", RUN_TASK)

    after = backup_list(dest=backups)
    new = {name for name, _ in after} - before
    assert len(new) == 1 and (backups / new.pop()).stat().st_size > 0
    assert "pruned" in result.stderr  # the salestrack.jobs log line
    kept = {name for name, _ in after}
    assert kept == backups_to_keep([(n, d) for n, d in after], max(d for _, d in after).date())
    assert len(kept) < len(before)  # old copies went
    assert {n for n, d in after if d.date() >= today - timedelta(days=6)} <= kept


def test_it_is_scheduled_nightly_at_half_past_two_with_retries():
    def due(hour, minute):
        return {t.name for t in HUEY.read_periodic(datetime(2026, 11, 23, hour, minute))}

    assert "backup_create_task" in due(2, 30)
    assert "backup_create_task" not in due(2, 0) | due(14, 30)
    assert (backup_create_task.retries, backup_create_task.retry_delay) == (3, 300)
