from django.conf import settings
from django.core.management.base import BaseCommand

from salestrack.trash.services import trash_purge


class Command(BaseCommand):
    help = "Hard-delete customers, contacts and deals that have been in the trash too long."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.SALESTRACK_TRASH_DAYS,
            help="Retention in days (default SALESTRACK_TRASH_DAYS).",
        )

    def handle(self, *args, days: int, **options):
        purged = trash_purge(older_than_days=days)
        summary = ", ".join(f"{kind}: {n}" for kind, n in purged.items())
        self.stdout.write(self.style.SUCCESS(f"Purged ({summary})"))
