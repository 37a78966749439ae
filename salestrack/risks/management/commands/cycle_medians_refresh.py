from django.core.management.base import BaseCommand

from salestrack.risks.services import cycle_medians_refresh


class Command(BaseCommand):
    help = "Rebuild the median time to win per pipeline and customer industry (cycle warnings)."

    def handle(self, *args, **options):
        rows = cycle_medians_refresh()
        self.stdout.write(f"{len(rows)} segment medians")
