from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from salestrack.backups.services import backup_restore
from salestrack.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Replace the configured database with a backup made by backup_create. A safety copy "
        "of the current database is taken first (pre-restore-*, in the backup directory)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="a salestrack-*.sqlite3.gz or *.pgdump file")
        parser.add_argument("--yes", action="store_true", help="really overwrite the database")
        parser.add_argument(
            "--safety-dir", type=Path, help="where the safety copy goes (default: backups dir)"
        )

    def handle(self, *args, path, yes, safety_dir, **options):
        if not yes:
            raise CommandError(
                "This overwrites every row of the configured database; run again with --yes."
            )
        try:
            safety = backup_restore(path=path, safety_dir=safety_dir)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if safety:
            self.stdout.write(f"safety copy of the previous database: {safety}")
        self.stdout.write(f"restored {path}")
