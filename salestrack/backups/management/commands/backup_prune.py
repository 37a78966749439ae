from pathlib import Path

from django.core.management.base import BaseCommand

from salestrack.backups.services import backup_prune, default_backup_dir


class Command(BaseCommand):
    help = "Delete old backups, keeping the newest of 7 days, 4 weeks and 12 months."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dest", type=Path, help="directory (default: $SALESTRACK_DATA_DIR/backups)"
        )

    def handle(self, *args, dest, **options):
        deleted = backup_prune(dest=dest or default_backup_dir())
        for path in deleted:
            self.stdout.write(f"pruned {path}")
        self.stdout.write(f"{len(deleted)} backup(s) pruned")
