from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from salestrack.access.services import share_delete_expired


class Command(BaseCommand):
    help = "Delete shares that expired more than --days days ago (each one audited)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.SALESTRACK_SHARE_KEEP_DAYS,
            help="Keep shares that expired less than this many days ago "
            "(default SALESTRACK_SHARE_KEEP_DAYS, 30).",
        )

    def handle(self, *args, days: int, **options):
        if days < 0:
            raise CommandError("--days cannot be negative.")
        removed = share_delete_expired(older_than_days=days)
        self.stdout.write(self.style.SUCCESS(f"Removed {removed} expired share(s)."))
