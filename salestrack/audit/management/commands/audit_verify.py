from django.core.management.base import BaseCommand, CommandError

from salestrack.audit.selectors import audit_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit 1 naming the first broken entry."

    def handle(self, *args, **options):
        result = audit_verify()
        if not result.ok:
            raise CommandError(
                f"audit chain broken at entry {result.first_bad_seq}: {result.reason} "
                f"({result.checked} entries checked before it)",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(f"OK: {result.checked} entries verified"))
