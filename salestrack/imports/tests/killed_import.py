"""Run by test_killed.py in a subprocess: migrate a fresh SQLite file, then commit an import
and die (os._exit, as a kill would) after two chunks have been written."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salestrack.settings")
django.setup()

from django.core.management import call_command  # noqa: E402

from salestrack.accounts.models import User  # noqa: E402
from salestrack.imports import engine, services  # noqa: E402

call_command("migrate", verbosity=0)
admin = User.objects.create(username="admin", is_superuser=True, is_staff=True, role="admin")
path = sys.argv[1]
batch = services.batch_create_from_path(actor=admin, record_type="customers", path=path, name="x")
services.import_preview(batch=batch)
engine.CHUNK = 100


def die_after_two_chunks(done: int) -> None:
    if done >= 200:
        print(f"dying after {done} rows", flush=True)
        os._exit(9)


services.import_run(batch_id=batch.pk, on_progress=die_after_two_chunks)
print("not killed", flush=True)
