"""Headless import for administrators: the wizard's pipeline, dry run unless --commit.

    manage.py import_records ledger.xlsx --type customers --as admin [--mapping NAME]
        [--sheet NAME] [--header-row N] [--exact skip|update|create]
        [--fuzzy skip|update|create] [--pipeline NAME] [--commit]

Prints one line per row that is not a plain create (row number, what happens, why), then the
counts. Rows similar to an existing record need --fuzzy when committing.
"""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from salestrack.accounts.models import User
from salestrack.core.exceptions import ApplicationError
from salestrack.imports import services
from salestrack.imports.models import ImportBatch, RecordType, SavedMapping
from salestrack.imports.plans import DECISIONS
from salestrack.pipeline.models import Pipeline


class Command(BaseCommand):
    help = "Import customers (with contacts) or deals from an .xlsx/.csv file (dry run by default)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--type", required=True, choices=RecordType.values, dest="record_type")
        parser.add_argument(
            "--as", dest="username", help="importing user (default: first superuser)"
        )
        parser.add_argument("--mapping", help="name of a saved column mapping")
        parser.add_argument("--sheet", default="")
        parser.add_argument("--header-row", type=int)
        parser.add_argument("--exact", choices=DECISIONS, default="skip")
        parser.add_argument("--fuzzy", choices=("ask", *DECISIONS), default="ask")
        parser.add_argument(
            "--pipeline", help="deals: the pipeline (name or id) whose stages the file names"
        )
        parser.add_argument("--commit", action="store_true", help="write (otherwise a dry run)")

    def handle(self, *args, **opts):
        path = Path(opts["file"]).resolve()
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = self._actor(opts["username"])
        try:
            batch = services.batch_create_from_path(
                actor=actor, record_type=opts["record_type"], path=path, name=path.name
            )
            options = {
                "sheet": opts["sheet"],
                "header_row": opts["header_row"],
                "exact": opts["exact"],
                "fuzzy": opts["fuzzy"],
                "pipeline": self._pipeline(opts["pipeline"]),
            }
            services.import_preview(batch=batch, options=options)
            if opts["mapping"]:
                mapping = self._mapping(actor, opts["record_type"], opts["mapping"])
                applied = services.mapping_apply(mapping=mapping, headers=batch.result["headers"])
                services.import_preview(batch=batch, options=applied)
            self._report(batch)
            if not opts["commit"]:
                self.stdout.write("Dry run: nothing was written (add --commit to import).")
                services.batch_forget(batch=batch)
                return
            services.import_commit(batch=batch, actor=actor, background=False)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{actor.username}: {exc}") from exc
        batch.refresh_from_db()
        if batch.status != ImportBatch.Status.DONE:
            raise CommandError(f"Import failed, nothing was written: {batch.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported (batch {batch.pk}): {batch.created_count} created, "
                f"{batch.updated_count} updated, {batch.skipped_count} skipped, "
                f"{batch.error_count} rows with errors left out."
            )
        )

    @staticmethod
    def _pipeline(name: str | None) -> int | None:
        if not name:
            return None
        active = Pipeline.objects.filter(is_active=True)
        by_name = Q(name=name) | Q(name_en__iexact=name)
        found = active.filter(by_name | (Q(pk=name) if name.isdigit() else Q())).first()
        if found is None:
            choices = ", ".join(active.values_list("name", flat=True))
            raise CommandError(f"No active pipeline {name!r} (active: {choices})")
        return found.pk

    def _actor(self, username: str | None) -> User:
        qs = User.objects.filter(is_active=True)
        actor = (
            qs.filter(username=username).first()
            if username
            else (qs.filter(is_superuser=True).order_by("pk").first())
        )
        if actor is None:
            raise CommandError(f"No active user {username or '(superuser)'}")
        return actor

    def _mapping(self, actor: User, record_type: str, name: str) -> SavedMapping:
        mapping = (
            SavedMapping.objects.filter(record_type=record_type, name=name)
            .filter(Q(user=actor) | Q(user__isnull=True))
            .order_by("user_id")
            .first()
        )
        if mapping is None:
            raise CommandError(f"No saved mapping named {name!r} for {record_type}")
        return mapping

    def _report(self, batch: ImportBatch) -> None:
        result = batch.result
        headers = result["headers"]
        columns = result["columns"]
        self.stdout.write(f"Header row {result['header_row']}:")
        for header, column in zip(headers, columns, strict=False):
            self.stdout.write(f"  {header or '-'} -> {column or '(not imported)'}")
        if result.get("problem"):
            self.stdout.write(result["problem"])
        for raw, row in sorted(result.get("unknown_stages", {}).items()):
            self.stdout.write(f"Unknown stage {raw!r} (first in row {row})")
        for row in _interesting(batch):
            detail = row.get("errors") or row.get("note") or ""
            if row.get("match"):
                detail = f"{detail} ({row['match']}, {row['score']})"
            self.stdout.write(f"row {row['row']}: {row['action']} {row['name']} {detail}".rstrip())
        counts = result["counts"]
        self.stdout.write(
            "Rows: {total}; create {create}, update {update}, skip {skip}, "
            "needs a decision {ask}, errors {error}".format(total=result["total"], **counts)
        )


def _interesting(batch: ImportBatch) -> list[dict]:
    """Every row that is not a plain create: errors (all of them) and matches."""
    result = batch.result
    rows = {r["row"]: r for r in result.get("matches", [])}
    for r in result.get("rows", []):
        if r["action"] != "create":
            rows.setdefault(r["row"], r)
    for number, reason in services.batch_errors(batch=batch):
        rows.setdefault(number, {"row": number, "action": "error", "name": "", "errors": reason})
    return [rows[k] for k in sorted(rows)]
