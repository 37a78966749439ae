from django.core.management.base import BaseCommand

from salestrack.pool.services import pool_sweep


class Command(BaseCommand):
    help = "Move customers without a follow-up for SALESTRACK_POOL_DAYS into the public pool."

    def handle(self, *args, **options):
        moved = pool_sweep()
        self.stdout.write(self.style.SUCCESS(f"Moved to the public pool: {moved}"))
