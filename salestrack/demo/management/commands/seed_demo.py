import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from salestrack.accounts.models import User
from salestrack.demo.generator import DEFAULT_SEED, DemoResult, demo_data_exists, demo_seed
from salestrack.demo.goals import demo_goals_seed
from salestrack.demo.org import DEMO_USERNAME, DemoLogin

PROGRESS_FROM_DEALS = 2000
DEMO_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = (
        "Fill the database with realistic Chinese demo data: an organisation, customers, "
        "deals with stage histories, and follow-ups. Prints the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("--deals", type=int, default=300, help="number of deals (300)")
        parser.add_argument(
            "--followups-per-deal",
            type=float,
            default=5,
            help="average follow-ups per deal, about a tenth of them on customers (5)",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="same seed, same data (%(default)s)"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already has deals (for container start-up)",
        )

    def handle(self, *args, deals, followups_per_deal, seed, if_empty, **options):
        if deals < 0 or followups_per_deal < 0:
            raise CommandError("--deals and --followups-per-deal must not be negative.")
        if if_empty and demo_data_exists():
            self.stdout.write("demo data already present")
            return
        started = time.monotonic()
        result = demo_seed(
            deals=deals,
            followups_per_deal=followups_per_deal,
            seed=seed,
            progress=self._progress if deals >= PROGRESS_FROM_DEALS else None,
        )
        if deals:
            demo_goals_seed()
        with connection.cursor() as cursor:
            # Fresh planner statistics (and PostgreSQL's visibility map) after a bulk load.
            # VACUUM cannot run inside a transaction (as in tests); ANALYZE alone can.
            vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
        self._report(result, time.monotonic() - started)

    def _progress(self, done: int, total: int) -> None:
        self.stderr.write(f"seed_demo: {done:,}/{total:,} deals", style_func=str)

    def _report(self, result: DemoResult, seconds: float) -> None:
        c = result.counts
        self.stdout.write(
            f"Created {c['deals']:,} deals ({c['deals_won']:,} won, {c['deals_lost']:,} lost, "
            f"{c['deals_open']:,} open), {c['customers']:,} customers, {c['contacts']:,} contacts, "
            f"{c['followups']:,} follow-ups, {c['stage_changes']:,} stage changes "
            f"for {c['reps']:,} reps in {seconds:.1f} s."
        )
        self.stdout.write("")
        demo = [login for login in result.logins if login.username == DEMO_USERNAME]
        others = [login for login in result.logins if login.username != DEMO_USERNAME]
        for login in demo:
            self.stdout.write(self.style.SUCCESS(f"Demo login: {DEMO_URL}  {_describe(login)}"))
        self.stdout.write("Other accounts:")
        for login in others:
            self.stdout.write(f"  {_describe(login)}")
        self.stdout.write(
            self.style.WARNING(
                "These accounts share a published password: change or deactivate them before "
                "the server is reachable from a network."
            )
        )


def _describe(login: DemoLogin) -> str:
    password = login.password or "(existing account, password unchanged)"
    role = User.Role(login.role).label
    where = f"{role}, {login.team}" if login.team else role
    return f"user: {login.username}  password: {password}  ({where})"
