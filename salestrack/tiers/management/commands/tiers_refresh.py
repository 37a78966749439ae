from django.core.management.base import BaseCommand

from salestrack.tiers.services import tier_proposals_generate, tier_recompute


class Command(BaseCommand):
    help = "Recompute rule-based customer tiers, then make upgrade/downgrade proposals."

    def handle(self, *args, **options):
        changed = tier_recompute()
        proposed = tier_proposals_generate()
        self.stdout.write(self.style.SUCCESS(f"Tiers changed: {changed}; proposals: {proposed}"))
