"""Import batches: upload, preview (dry run), commit (one transaction), undo, saved mappings.

The preview and the commit run the same pipeline (imports.engine). A commit is one atomic
transaction around the whole file, so a failure or a killed process leaves nothing of it; files
with more rows than SALESTRACK_IMPORT_BACKGROUND_ROWS commit in a Huey job (imports.tasks)
whose progress is a small file next to the upload (readable while the transaction is open).
The audit trail gets one entry per commit or undo (counts and batch id); the batch itself is
the detailed history (every created id and the previous values of every updated record).
"""

import datetime
import json
import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User
from salestrack.activities.models import FollowUp
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_record
from salestrack.core.exceptions import ApplicationError
from salestrack.customers.models import Contact, Customer
from salestrack.customers.services import customer_refresh_search_key
from salestrack.deals.models import Deal
from salestrack.imports.engine import run_import
from salestrack.imports.fields import header_norm
from salestrack.imports.followups import undo_followups
from salestrack.imports.models import ImportBatch, RecordType, SavedMapping
from salestrack.imports.plans import Options, Report
from salestrack.imports.reading import SUFFIXES, check_readable, count_rows
from salestrack.imports.stagemoves import undo_stage_moves
from salestrack.imports.state import IdRuns, id_chunks, id_count, iter_ids
from salestrack.imports.writers import error_report_xlsx

IN_CHUNKS = 500  # ids per `pk__in` query (SQLite's variable limit)
MODELS = {"customer": Customer, "contact": Contact, "deal": Deal, "followup": FollowUp}


def import_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def require_import_rights(user: User, record_type: str) -> None:
    """Importing creates records: the role must be allowed to create this type."""
    kind = {"customers": "customer", "deals": "deal", "followups": "followup"}[record_type]
    permissions_for(user).require(kind, "create")


def may_import(user: User) -> bool:
    perms = permissions_for(user)
    return any(perms.can(kind, "create") for kind in ("customer", "deal", "followup"))


def batch_create(*, actor: User, record_type: str, upload: UploadedFile) -> ImportBatch:
    """Store the uploaded file under DATA_DIR/imports/ and open a batch in preview."""
    if record_type not in RecordType.values:
        raise ApplicationError(_("Unknown record type."))
    require_import_rights(actor, record_type)
    name = os.path.basename(upload.name or "upload")
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise ApplicationError(_("Upload an .xlsx, .xls or .csv file."))
    if upload.size > settings.SALESTRACK_IMPORT_MAX_MB * 1024 * 1024:
        raise ApplicationError(
            _("The file is larger than %(mb)d MB.") % {"mb": settings.SALESTRACK_IMPORT_MAX_MB}
        )
    path = import_dir() / f"{uuid.uuid4().hex}{suffix}"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        return batch_create_from_path(actor=actor, record_type=record_type, path=path, name=name)
    except ApplicationError:
        path.unlink(missing_ok=True)  # unreadable: nothing of it stays
        raise


def import_upload(*, actor: User, record_type: str, upload: UploadedFile) -> ImportBatch:
    """The wizard's upload: store the file, open a batch and check it (now, or in the
    background for large files). A file that cannot be read leaves nothing behind: no batch
    in the history, no stored file — only the reason."""
    batch = batch_create(actor=actor, record_type=record_type, upload=upload)
    try:
        with transaction.atomic():
            import_preview_start(batch=batch)
    except ApplicationError:
        batch_discard(batch=batch)
        raise
    return batch


def batch_discard(*, batch: ImportBatch) -> None:
    """Remove a batch that never got past its first check, with its stored files."""
    Path(batch.file_path).unlink(missing_ok=True)
    batch_forget(batch=batch)


def batch_forget(*, batch: ImportBatch) -> None:
    """Remove a batch and the files the import made for it, not the file it read (a dry run
    of import_records reads the administrator's own file)."""
    for path in (plan_cache_path(batch), progress_path(batch), error_file_path(batch)):
        path.unlink(missing_ok=True)
    batch.delete()


def batch_create_from_path(*, actor: User, record_type: str, path: Path, name: str) -> ImportBatch:
    """Open a batch in preview for a stored file; ApplicationError (and no batch) when the file
    cannot be read (not a spreadsheet, neither UTF-8 nor GBK text, empty)."""
    require_import_rights(actor, record_type)
    check_readable(path)
    return ImportBatch.objects.create(
        user=actor,
        record_type=record_type,
        file_name=name[:255],
        file_path=str(path),
        total_rows=count_rows(path),
    )


def batch_get_for_user(*, user: User, pk: int) -> ImportBatch:
    """A user's own batch; administrators (manage_settings) reach every batch. 404 otherwise."""
    from django.http import Http404

    qs = ImportBatch.objects.all()
    if not permissions_for(user).has("manage_settings"):
        qs = qs.filter(user=user)
    try:
        return qs.get(pk=pk)
    except ImportBatch.DoesNotExist as exc:
        raise Http404 from exc


def import_history(*, user: User) -> models.QuerySet:
    qs = ImportBatch.objects.select_related("user", "undone_by")
    if not permissions_for(user).has("manage_settings"):
        qs = qs.filter(user=user)
    return qs


def _apply_report(batch: ImportBatch, report: Report) -> None:
    counts = report.counts
    batch.result = report.as_dict()
    batch.total_rows = report.total
    batch.created_count = counts["create"]
    batch.updated_count = counts["update"]
    batch.skipped_count = counts["skip"] + counts["ask"]
    batch.error_count = counts["error"]


def import_preview(*, batch: ImportBatch, options: dict[str, Any] | None = None) -> Report:
    """Dry run with the batch's (or the given) options; the result is kept on the batch."""
    if batch.status != ImportBatch.Status.PREVIEW:
        raise ApplicationError(_("This import has already been committed."))
    if options is not None:
        batch.options = Options.from_dict({**batch.options, **options}).as_dict()
    progress = progress_path(batch)
    try:
        report = run_import(
            actor=batch.user,
            record_type=batch.record_type,
            path=batch.file_path,
            options=Options.from_dict(batch.options),
            on_progress=lambda done: progress.write_text(str(done)),
            cache=plan_cache_path(batch),
            errors=error_file_path(batch),
        )
    except ApplicationError as exc:
        if batch.result.get("checking"):  # in the background: say why on the page
            batch.result = {"failure": exc.message}
            batch.save(update_fields=["result", "updated_at"])
        raise
    finally:
        progress.unlink(missing_ok=True)
    batch.options = {
        **batch.options,
        "header_row": report.header_row,
        "columns": report.columns,
    }
    _apply_report(batch, report)
    batch.save()
    return report


def import_preview_start(*, batch: ImportBatch) -> None:
    """Preview now, or (files over SALESTRACK_IMPORT_BACKGROUND_ROWS rows) in the background:
    the page polls until the result is there."""
    if batch.total_rows <= settings.SALESTRACK_IMPORT_BACKGROUND_ROWS:
        import_preview(batch=batch)
        return
    from salestrack.imports.tasks import import_preview_task

    batch.result = {"checking": True}
    batch.save(update_fields=["result", "updated_at"])
    batch_id = batch.pk
    transaction.on_commit(lambda: import_preview_task(batch_id))


def progress_path(batch: ImportBatch) -> Path:
    return import_dir() / f"batch-{batch.pk}.progress"


def plan_cache_path(batch: ImportBatch) -> Path:
    """The preview's cleaned rows, read by the commit (imports.state.PlanCacheWriter)."""
    return import_dir() / f"batch-{batch.pk}.plans"


def error_file_path(batch: ImportBatch) -> Path:
    """Every row's errors of the last preview or commit, a JSON [row, reason] per line (the
    batch keeps the first ERRORS_KEPT)."""
    return import_dir() / f"batch-{batch.pk}.errors"


def batch_errors(*, batch: ImportBatch) -> Iterator[tuple[int, str]]:
    """All the rows with errors and their reasons, in row order."""
    path = error_file_path(batch)
    if batch.result.get("errors_truncated") and path.exists():
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                number, reason = json.loads(line)
                yield int(number), reason
        return
    yield from sorted((int(k), v) for k, v in batch.result.get("errors", {}).items())


def batch_progress(batch: ImportBatch) -> int:
    """Rows done so far of a running commit (0 when unknown)."""
    try:
        return int(progress_path(batch).read_text() or 0)
    except (OSError, ValueError):
        return 0


def import_commit(*, batch: ImportBatch, actor: User, background: bool | None = None) -> str:
    """Commit the batch now, or queue it (large files): returns the batch's new status."""
    if batch.status != ImportBatch.Status.PREVIEW:
        raise ApplicationError(_("This import has already been committed."))
    if batch.user_id != actor.pk:
        raise PermissionDenied(_("Only the person who uploaded the file may commit it."))
    if batch.result.get("problem"):
        raise ApplicationError(batch.result["problem"])
    if batch.result.get("counts", {}).get("ask"):
        raise ApplicationError(
            _("Some rows are similar to existing records: choose for each what to do first.")
        )
    if background is None:
        background = batch.total_rows > settings.SALESTRACK_IMPORT_BACKGROUND_ROWS
    if background:
        from salestrack.imports.tasks import import_commit_task

        updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEW).update(
            status=ImportBatch.Status.QUEUED
        )
        if not updated:
            raise ApplicationError(_("This import has already been committed."))
        batch_id = batch.pk
        transaction.on_commit(lambda: import_commit_task(batch_id))
        batch.status = ImportBatch.Status.QUEUED
        return batch.status
    import_run(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch.status


def import_run(*, batch_id: int, on_progress=None) -> ImportBatch:
    """Write the whole file in ONE transaction; on failure nothing of it stays."""
    claimed = ImportBatch.objects.filter(
        pk=batch_id, status__in=[ImportBatch.Status.PREVIEW, ImportBatch.Status.QUEUED]
    ).update(status=ImportBatch.Status.RUNNING, error="")
    batch = ImportBatch.objects.get(pk=batch_id)
    if not claimed:
        return batch  # another worker has it, or it is done
    progress = progress_path(batch)
    progress.write_text("0")  # the claim's time: import_stalled_fail reads the file's age

    def report_progress(done: int) -> None:
        progress.write_text(str(done))
        if on_progress is not None:
            on_progress(done)

    try:
        with transaction.atomic():
            report = run_import(
                actor=batch.user,
                record_type=batch.record_type,
                path=batch.file_path,
                options=Options.from_dict(batch.options),
                commit=True,
                on_progress=report_progress,
                cache=plan_cache_path(batch),
                errors=error_file_path(batch),
            )
            _apply_report(batch, report)
            batch.undo = report.undo
            batch.status = ImportBatch.Status.DONE
            batch.finished_at = timezone.now()
            batch.save()
            audit_record(
                actor=batch.user,
                action=AuditEntry.Action.CREATE,
                obj=batch,
                extra={
                    "import_batch": batch.pk,
                    "record_type": batch.record_type,
                    "file": batch.file_name,
                    "created": batch.created_count,
                    "updated": batch.updated_count,
                    "skipped": batch.skipped_count,
                    "errors": batch.error_count,
                    "records": {k: id_count(v) for k, v in report.undo["created"].items()},
                },
            )
    except Exception as exc:
        message = exc.message if isinstance(exc, ApplicationError) else repr(exc)
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportBatch.Status.FAILED, error=str(message)[:2000], finished_at=timezone.now()
        )
        batch.refresh_from_db()
        if not isinstance(exc, ApplicationError):
            raise
    finally:
        progress.unlink(missing_ok=True)
        plan_cache_path(batch).unlink(missing_ok=True)  # done or failed: not needed again
    return batch


def _chunks(ids: list) -> Iterable[list[int]]:
    """Ids (plain, or runs [first, last] as imports.state.IdRuns keeps them) by IN_CHUNKS."""
    return id_chunks(ids, IN_CHUNKS)


def _manager(model) -> models.Manager:
    return getattr(model, "all_objects", model.objects)


def _changed_since(batch: ImportBatch) -> list[str]:
    """What keeps the import from being undone: records changed or used after it."""
    problems = []
    created, updated = batch.undo.get("created", {}), batch.undo.get("updated", {})
    finished = batch.finished_at
    for kind, model in MODELS.items():
        for ids in _chunks(created.get(kind, [])):
            qs = _manager(model).filter(pk__in=ids)
            changed = models.Q(updated_at__gt=finished)
            if hasattr(model, "all_objects"):
                changed |= models.Q(deleted_at__isnull=False)
            if qs.filter(changed).exists():
                problems.append(kind)
                break
    for kind in ("customer", "deal"):
        ids = [int(pk) for pk in updated.get(kind, {})]
        for chunk in _chunks(ids):
            if MODELS[kind].all_objects.filter(pk__in=chunk, updated_at__gt=finished).exists():
                problems.append(kind)
                break
    # Records of their own added to what the import created (after it finished).
    for kind, children in (("customer", (Deal, Contact, FollowUp)), ("deal", (FollowUp,))):
        for ids in _chunks(created.get(kind, [])):
            if any(
                _manager(child).filter(**{f"{kind}_id__in": ids}, created_at__gt=finished).exists()
                for child in children
            ):
                problems.append(kind)
                break
    return sorted(set(problems))


@transaction.atomic
def import_undo(*, batch: ImportBatch, actor: User) -> ImportBatch:
    """Trash what the import created and restore what it updated; refused if any of it
    changed since (or got follow-ups, deals or contacts of its own)."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.DONE:
        raise ApplicationError(_("Only a finished import can be undone."))
    if batch.user_id != actor.pk and not permissions_for(actor).has("manage_settings"):
        raise PermissionDenied(_("Your role may not do this."))
    problems = _changed_since(batch)
    if problems:
        raise ApplicationError(
            _(
                "This import cannot be undone: some of its records were changed or used since "
                "(%(kinds)s). Change them back or delete them one by one."
            )
            % {"kinds": ", ".join(str(MODELS[k]._meta.verbose_name_plural) for k in problems)}
        )
    now = timezone.now()
    created, updated = batch.undo.get("created", {}), batch.undo.get("updated", {})
    undo_followups(batch.undo)  # not soft-deletable: removed
    undo_stage_moves(batch.undo)
    for kind in ("deal", "contact", "customer"):
        for ids in _chunks(created.get(kind, [])):
            MODELS[kind].all_objects.filter(pk__in=ids).update(
                deleted_at=now, deleted_by=actor, updated_at=now
            )
    for kind in ("customer", "deal"):
        model = MODELS[kind]
        before = updated.get(kind, {})
        for ids in _chunks([int(pk) for pk in before]):
            rows = list(model.all_objects.filter(pk__in=ids))
            fields: set[str] = set()
            for obj in rows:
                for name, value in before[str(obj.pk)].items():
                    field = model._meta.get_field(name)
                    setattr(obj, field.attname, field.to_python(value))
                    fields.add(field.attname)
                obj.version = models.F("version") + 1
                obj.updated_at = now
            if rows and fields:
                model.all_objects.bulk_update(rows, [*fields, "version", "updated_at"])
    # Existing customers that gained contacts: their search keys lose them again.
    new_customers = IdRuns()
    new_customers.extend(sorted(iter_ids(created.get("customer", []))))
    touched: set[int] = set()
    for ids in _chunks(created.get("contact", [])):
        touched.update(
            pk
            for pk in Contact.all_objects.filter(pk__in=ids).values_list("customer_id", flat=True)
            if pk not in new_customers
        )
    for customer in Customer.objects.filter(pk__in=touched):
        customer_refresh_search_key(customer)
    batch.status = ImportBatch.Status.UNDONE
    batch.undone_at, batch.undone_by = now, actor
    batch.save(update_fields=["status", "undone_at", "undone_by", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.REVERT,
        obj=batch,
        extra={
            "import_batch": batch.pk,
            "trashed": {k: id_count(v) for k, v in created.items()},
            "restored": {k: len(v) for k, v in updated.items()},
        },
    )
    return batch


def mapping_save(
    *, actor: User, batch: ImportBatch, name: str, shared: bool = False
) -> SavedMapping:
    """Keep the batch's column choices (by header text) and stage map under a name."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("Give the mapping a name."))
    if shared and not permissions_for(actor).has("manage_settings"):
        raise PermissionDenied(_("Your role may not do this."))
    headers = batch.result.get("headers", [])
    columns = batch.options.get("columns") or []
    mapping = {header_norm(h): f for h, f in zip(headers, columns, strict=False) if h}
    saved, _created = SavedMapping.objects.update_or_create(
        record_type=batch.record_type,
        user=None if shared else actor,
        name=name[:80],
        defaults={"columns": mapping, "stage_map": batch.options.get("stage_map", {})},
    )
    return saved


def mappings_for(*, user: User, record_type: str) -> models.QuerySet:
    return SavedMapping.objects.filter(record_type=record_type).filter(
        models.Q(user=user) | models.Q(user__isnull=True)
    )


def mapping_apply(*, mapping: SavedMapping, headers: list[str]) -> dict[str, Any]:
    """Options that apply a saved mapping to a file's headers."""
    from salestrack.imports.fields import guess_mapping

    return {
        "columns": guess_mapping(mapping.record_type, headers, saved=mapping.columns),
        "stage_map": mapping.stage_map,
    }


def error_report(*, batch: ImportBatch) -> bytes:
    """The rows that had errors, as in the file, plus an error column (.xlsx)."""
    return error_report_xlsx(
        path=batch.file_path,
        sheet=batch.options.get("sheet", ""),
        header_row=batch.result.get("header_row") or 1,
        errors=dict(batch_errors(batch=batch)),
    )


def import_stalled_fail(*, now: datetime.datetime | None = None) -> int:
    """Mark failed the imports left "running" by a worker that died (the process was killed or
    the machine restarted): their transaction rolled back, so nothing of them was written. A
    running import writes its progress file after every chunk; one silent for
    SALESTRACK_IMPORT_STALL_MINUTES has no worker any more."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(minutes=settings.SALESTRACK_IMPORT_STALL_MINUTES)
    failed = 0
    for batch in ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING):
        path = progress_path(batch)
        if path.exists():
            last = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
        else:
            last = batch.updated_at
        if last >= limit:
            continue
        failed += ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.RUNNING).update(
            status=ImportBatch.Status.FAILED,
            error=_("The import stopped (its worker was interrupted); nothing of it was saved."),
            finished_at=now,
        )
        path.unlink(missing_ok=True)
        plan_cache_path(batch).unlink(missing_ok=True)
    return failed
