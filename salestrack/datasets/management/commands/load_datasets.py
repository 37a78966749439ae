"""Load the real public datasets into salestrack through the import wizard's code.

    manage.py load_datasets [--path DIR] [--only maven|xeducation] [--as USERNAME]

DIR (default SALESTRACK_DATASETS_DIR, i.e. ../shared/datasets beside the checkout) holds
maven_crm_sales_opportunities/ and x_education_leads/ as published (see their SOURCE.md).
How each file maps onto customers, deals, teams, users, products and pipelines, and every
decision taken on the way, is written at the top of salestrack/datasets/maven.py and
salestrack/datasets/xeducation.py. In short:

- Maven CRM: regional offices → teams under a root team "Maven CRM", managers → sub-teams
  (manager role), agents → reps in them; products → products; accounts → customers (import);
  sales_pipeline → deals in the pipeline "Maven CRM" (import), then each deal's dates, stage
  history and product line from the file. The 1,425 rows without an account are refused by
  the import and counted; "GTXPro" is matched to "GTX Pro" and counted.
- X Education: each lead → a customer and a deal in the pipeline "X Education", won when
  Converted = 1, else lost, with its lead source mapped to a source channel.

Each dataset loads in one transaction (all or nothing) and once: a dataset loaded already is
skipped (and said so) until its import batches are undone. The command prints what it created,
what it refused and why, and the time taken (rows read per second). The importing user
(--as; default the first superuser) needs a role that may create customers and deals and sees
all deals (the agents must be users it may assign deals to).
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from salestrack.access.models import Scope
from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User
from salestrack.core.exceptions import ApplicationError
from salestrack.datasets import maven, sources, xeducation
from salestrack.datasets.services import AlreadyLoaded, LoadReport, dataset_load

LOADERS = {
    "maven": (sources.MAVEN_DIR, maven.load),
    "xeducation": (sources.XEDUCATION_DIR, xeducation.load),
}


class Command(BaseCommand):
    help = "Load the public datasets (Maven CRM, X Education) through the import code."

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", help="datasets folder (default: SALESTRACK_DATASETS_DIR)", default=None
        )
        parser.add_argument("--only", choices=sorted(LOADERS), help="load one dataset only")
        parser.add_argument(
            "--as", dest="username", help="importing user (default: first superuser)"
        )

    def handle(self, *args, path=None, only=None, username=None, **options):
        folder = Path(path or settings.SALESTRACK_DATASETS_DIR).resolve()
        if not folder.is_dir():
            raise CommandError(f"No datasets folder: {folder}")
        actor = self._actor(username)
        failed = []
        for name in [only] if only else list(LOADERS):
            subfolder, run = LOADERS[name]
            self.stdout.write(self.style.MIGRATE_HEADING(f"{name} ({folder / subfolder})"))
            if not (folder / subfolder).is_dir():
                self.stdout.write(f"  refused: no folder {subfolder}")
                failed.append(name)
                continue
            try:
                _load, report = dataset_load(dataset=name, path=folder, actor=actor, run=run)
            except AlreadyLoaded as exc:
                self.stdout.write(f"  skipped: {exc.message}")
                continue
            except (ApplicationError, PermissionDenied) as exc:
                message = exc.message if isinstance(exc, ApplicationError) else str(exc)
                self.stdout.write(self.style.ERROR(f"  refused, nothing written: {message}"))
                failed.append(name)
                continue
            self._print(report)
        if failed:
            raise CommandError(f"Not loaded: {', '.join(failed)}")

    def _actor(self, username: str | None) -> User:
        qs = User.objects.filter(is_active=True)
        actor = (
            qs.filter(username=username).first()
            if username
            else qs.filter(is_superuser=True).order_by("pk").first()
        )
        if actor is None:
            raise CommandError(f"No active user {username or '(superuser)'}")
        if permissions_for(actor).scope("deal") != Scope.ALL:
            raise CommandError(
                f"{actor.username}: the importing user's role must see all deals "
                "(the agents become owners it assigns deals to)"
            )
        return actor

    def _print(self, report: LoadReport) -> None:
        write = self.stdout.write
        write("  created: " + ", ".join(f"{k} {v}" for k, v in report.created.items()))
        for item in report.refused:
            details = ", ".join(f"{k} {v}" for k, v in item.items() if k not in ("reason", "rows"))
            write(f"  refused {item['rows']} rows: {item['reason']} ({details})")
        for note in report.notes:
            write(f"  note: {note}")
        rate = report.rows / report.seconds if report.seconds else 0
        write(
            self.style.SUCCESS(
                f"  import batches {', '.join(f'#{b}' for b in report.batches)}; "
                f"{report.rows} rows read in {report.seconds:.1f} s ({rate:,.0f} rows/s)"
            )
        )
