from django.core.management.base import BaseCommand

from salestrack.cadence.services import touch_rules_run


class Command(BaseCommand):
    help = "Run the 'touch every N days' follow-up rules now (the daily job's entry point)."

    def handle(self, *args, **options):
        planned = touch_rules_run()
        self.stdout.write(self.style.SUCCESS(f"Follow-ups planned: {planned}"))
