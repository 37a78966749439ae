from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from salestrack.backups.services import backup_create, backup_prune, default_backup_dir
from salestrack.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Take a consistent snapshot of the database (SQLite online backup, gzip; or pg_dump), "
        "then prune old copies (7 daily, 4 weekly, 12 monthly)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dest", type=Path, help="directory (default: $SALESTRACK_DATA_DIR/backups)"
        )
        parser.add_argument("--no-prune", action="store_true", help="keep every old copy")

    def handle(self, *args, dest, no_prune, **options):
        dest = dest or default_backup_dir()
        try:
            path = backup_create(dest=dest)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{path} ({path.stat().st_size} bytes)")
        if not no_prune:
            for old in backup_prune(dest=dest):
                self.stdout.write(f"pruned {old}")
