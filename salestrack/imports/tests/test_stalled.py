"""Imports left "running" by a worker that died are marked failed (nothing was written)."""

import os
import time
from datetime import timedelta

from django.utils import timezone

from salestrack.imports.models import ImportBatch
from salestrack.imports.services import import_stalled_fail, progress_path


def _running(user, name: str, *, progress_age_minutes: float) -> ImportBatch:
    batch = ImportBatch.objects.create(
        user=user,
        record_type="customers",
        file_name=name,
        file_path=f"/nowhere/{name}",
        status=ImportBatch.Status.RUNNING,
    )
    path = progress_path(batch)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("1000")
    stamp = time.time() - progress_age_minutes * 60
    os.utime(path, (stamp, stamp))
    return batch


def test_a_running_import_without_progress_for_too_long_is_failed(personas, settings):
    settings.SALESTRACK_IMPORT_STALL_MINUTES = 30
    dead = _running(personas.alice, "dead.xlsx", progress_age_minutes=45)
    alive = _running(personas.alice, "alive.xlsx", progress_age_minutes=5)

    assert import_stalled_fail() == 1

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == ImportBatch.Status.FAILED and dead.error and dead.finished_at
    assert not progress_path(dead).exists()
    assert alive.status == ImportBatch.Status.RUNNING
    assert import_stalled_fail(now=timezone.now() + timedelta(minutes=40)) == 1
