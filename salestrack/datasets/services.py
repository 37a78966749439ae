"""Loading the public datasets: the shared steps (see datasets.maven and datasets.xeducation
for what each file becomes, and `manage.py load_datasets` for the whole story).

Every record goes in through the import wizard's own code (imports.services: a batch from the
file, its preview, its commit); the loader only adds what that code has no column for (the
organisation, the pipeline, products, and the dates the files give), afterwards, in the same
transaction. A load is all or nothing: one transaction around everything a dataset writes.
"""

import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_record
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.models import Customer
from salestrack.datasets.models import DatasetLoad
from salestrack.deals.models import Deal, DealLine, StageChange
from salestrack.deals.services import reached_stage_after
from salestrack.deals.stalls import stalls_at_for
from salestrack.imports import services as imports
from salestrack.imports.models import ImportBatch
from salestrack.pipeline.models import Stage

IN_CHUNKS = 500  # ids per `pk__in` (SQLite's variable limit)
NOON = clock(12)  # a day of the files becomes noon local time: never a day off in any zone


def day_moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, NOON))


def chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), IN_CHUNKS):
        yield ids[start : start + IN_CHUNKS]


@dataclass
class LoadReport:
    """What a load created, refused and changed, printed by the command and kept on the load."""

    dataset: str
    created: dict[str, int] = field(default_factory=dict)
    refused: list[dict[str, Any]] = field(default_factory=list)  # {reason, rows, ...}
    notes: list[str] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)
    rows: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "refused": self.refused,
            "notes": self.notes,
            "batches": self.batches,
            "rows": self.rows,
            "seconds": round(self.seconds, 2),
        }


def dataset_loaded(*, dataset: str) -> DatasetLoad | None:
    """The load that is still in place: one whose import batches are not all undone."""
    for load in DatasetLoad.objects.filter(dataset=dataset):
        live = ImportBatch.objects.filter(pk__in=load.batches).exclude(
            status=ImportBatch.Status.UNDONE
        )
        if not load.batches or live.exists():
            return load
    return None


def import_preview_file(
    *, actor: User, record_type: str, source: Path, name: str, options: dict
) -> ImportBatch:
    """A copy of the file in the imports folder (as an upload is kept), a batch, its preview."""
    path = imports.import_dir() / f"{uuid.uuid4().hex}{source.suffix.lower()}"
    shutil.copyfile(source, path)
    batch = imports.batch_create_from_path(
        actor=actor, record_type=record_type, path=path, name=name
    )
    imports.import_preview(batch=batch, options=options)
    if batch.result.get("problem"):
        raise ApplicationError(f"{name}: {batch.result['problem']}")
    if batch.result.get("unknown_stages"):
        raise ApplicationError(
            _("%(file)s: unknown stages %(stages)s")
            % {"file": name, "stages": ", ".join(sorted(batch.result["unknown_stages"]))}
        )
    return batch


def import_commit_batch(*, batch: ImportBatch, actor: User) -> list[int]:
    """Commit in this process (never queued: the load's transaction holds it); the ids of the
    deals it created."""
    imports.import_commit(batch=batch, actor=actor, background=False)
    batch.refresh_from_db()
    if batch.status != ImportBatch.Status.DONE:
        raise ApplicationError(
            _("Import of %(file)s failed: %(error)s")
            % {"file": batch.file_name, "error": batch.error}
        )
    return created_ids(batch, "deal")


def created_ids(batch: ImportBatch, kind: str) -> list[int]:
    """The ids of `kind` records a committed batch created: its undo list holds plain ids or
    runs [first, last] of consecutive ids."""
    ids: list[int] = []
    for item in batch.undo.get("created", {}).get(kind, []):
        if isinstance(item, list):
            ids.extend(range(item[0], item[1] + 1))
        else:
            ids.append(item)
    return ids


def refuse_unexpected(batch: ImportBatch, allowed_errors: set[int]) -> None:
    """Every row must be a plain create, except the rows the loader expects to be refused
    (`allowed_errors`): anything else (a duplicate of an existing customer, a row needing a
    decision, an error of another row) stops the load, naming the rows."""
    result = batch.result
    errors = dict(imports.batch_errors(batch=batch))
    unexpected = {row: reason for row, reason in errors.items() if row not in allowed_errors}
    missing = allowed_errors - set(errors)
    problems = [f"row {row}: {reason}" for row, reason in sorted(unexpected.items())[:10]]
    for match in result.get("matches", [])[:10]:
        problems.append(f"row {match['row']}: {match['action']} ({match['match']})")
    counts = result["counts"]
    if unexpected or missing or counts["update"] or counts["skip"] or counts["ask"]:
        raise ApplicationError(
            _(
                "%(file)s would not load as published (%(counts)s); nothing was written. "
                "%(problems)s"
            )
            % {
                "file": batch.file_name,
                "counts": ", ".join(f"{k} {v}" for k, v in counts.items()),
                "problems": "; ".join(problems),
            }
        )


def rows_update(model: type[models.Model], objs: list, fields: list[str]) -> None:
    """UPDATE one row per object with its own values of `fields` (one prepared statement run
    for all of them): Django's bulk_update builds a CASE per field and row, minutes here."""
    if not objs:
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns] + [obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


@dataclass
class Stay:
    stage: Stage
    entered_at: datetime


def deal_history_replace(*, histories: dict[int, list[Stay]], actors: dict[int, int]) -> int:
    """Give each deal the stage history its file tells (instead of the import's single row
    "entered its stage at import time"): consecutive stays as deals.services writes them —
    each with the stage and kind it came from, left when the next one was entered, with its
    duration; the last one still open. The deal's stage_entered_at and stalls_at follow its
    last stay, its furthest stage reached its stays (deals.services.reached_stage_after).
    Returns the rows written."""
    ids = list(histories)
    for chunk in chunks(ids):
        StageChange.objects.filter(deal_id__in=chunk).delete()
    rows = []
    for deal_id, stays in histories.items():
        previous = None
        for index, stay in enumerate(stays):
            following = stays[index + 1] if index + 1 < len(stays) else None
            left = following.entered_at if following else None
            rows.append(
                StageChange(
                    deal_id=deal_id,
                    from_stage=previous.stage if previous else None,
                    to_stage=stay.stage,
                    from_kind=previous.stage.kind if previous else "",
                    to_kind=stay.stage.kind,
                    entered_at=stay.entered_at,
                    left_at=left,
                    duration_seconds=int((left - stay.entered_at).total_seconds())
                    if left
                    else None,
                    actor_id=actors.get(deal_id),
                )
            )
            previous = stay
    StageChange.objects.bulk_create(rows, batch_size=1000)
    deals = []
    for chunk in chunks(ids):
        for deal in Deal.objects.filter(pk__in=chunk).only("pk", "stage_id"):
            stays = histories[deal.pk]
            last = stays[-1]
            if last.stage.pk != deal.stage_id:
                raise ApplicationError(f"deal {deal.pk}: history ends in another stage")
            deal.stage_entered_at = last.entered_at
            deal.stalls_at = stalls_at_for(stage=last.stage, entered_at=last.entered_at)
            reached = None
            for stay in stays:
                reached = reached_stage_after(reached=reached, stage=stay.stage)
            deal.reached_stage = reached
            deals.append(deal)
    rows_update(Deal, deals, ["stage_entered_at", "stalls_at", "reached_stage"])
    return len(rows)


def dataset_load(
    *, dataset: str, path: Path, actor: User, run: Callable[..., LoadReport]
) -> tuple[DatasetLoad, LoadReport]:
    """Run one dataset's loader in one transaction; refused when it is loaded already."""
    existing = dataset_loaded(dataset=dataset)
    if existing is not None:
        raise AlreadyLoaded(existing)
    started = time.perf_counter()
    with transaction.atomic():
        report = run(path=path, actor=actor)
        report.seconds = time.perf_counter() - started
        load = DatasetLoad.objects.create(
            dataset=dataset,
            user=actor,
            path=str(path),
            batches=report.batches,
            report=report.as_dict(),
            rows=report.rows,
            seconds=report.seconds,
        )
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            obj=load,
            extra={"dataset": dataset, "created": report.created, "batches": report.batches},
        )
    _analyze()
    return load, report


def _analyze() -> None:
    """PostgreSQL plans from table statistics that a bulk load makes stale (autovacuum gets
    to them later): refreshed now for the tables the dashboards read."""
    if connection.vendor != "postgresql":
        return
    tables = [m._meta.db_table for m in (Deal, StageChange, DealLine, Customer)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


class AlreadyLoaded(ApplicationError):
    def __init__(self, load: DatasetLoad) -> None:
        super().__init__(
            _("%(dataset)s is loaded already (load #%(id)d, import batches %(batches)s).")
            % {
                "dataset": load.get_dataset_display(),
                "id": load.pk,
                "batches": ", ".join(f"#{b}" for b in load.batches) or "-",
            }
        )
        self.load = load
