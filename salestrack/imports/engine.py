"""The import pipeline: read → map → clean → validate → dedupe, then (on commit) the write.

`run_import` reads the file once, in chunks of CHUNK rows. Every row gets a plan (create,
update, skip, ask, error) from lookups computed before the first row in a few queries (company
keys, phones, e-mails, deals, stages, owners of the importer's scope): no query per row. On
commit the same plans are written chunk by chunk (fastinsert / bulk_update) inside the
caller's transaction (services.import_commit holds ONE transaction around the whole file).

Memory does not grow with the file: a chunk's rows and plans are dropped once it is done; what
later rows must know of earlier ones (in-file duplicates, the customers the file creates, the
contacts it adds) is kept as digests in a temporary file (imports.state.FileIndex), and the ids
to undo as runs. The preview writes its cleaned rows to a plan cache; the commit reads them
from there instead of reading and cleaning the file again, but plans every row again against
the database as it is then (records created, changed or put out of reach since the preview are
matched, or refused, as they are now) — the cheap part: dictionary look-ups.

The parts: plans (RowPlan, Options, Report), lookups (what rows are compared with), planning
(Planner: a row's plan), writing (Writer: a chunk's plans in bulk), stagemoves and followups
(deals that change stage, follow-up rows), state (the digests and the plan cache).
"""

import datetime
from collections.abc import Callable
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from salestrack.access.policy import permissions_for
from salestrack.accounts.models import User
from salestrack.core.exceptions import ApplicationError
from salestrack.imports import cleaning
from salestrack.imports.fields import (
    FieldSpec,
    detect_header,
    fields_for,
    guess_mapping,
    header_unit,
)
from salestrack.imports.followups import finish_followups
from salestrack.imports.lookups import Lookups
from salestrack.imports.planning import Planner
from salestrack.imports.plans import UNKNOWN_STAGES_KEPT, Options, Report, RowPlan
from salestrack.imports.reading import iter_rows
from salestrack.imports.stagemoves import check_stage_moves
from salestrack.imports.state import (
    FileIndex,
    IdRuns,
    PlanCacheWriter,
    file_stamp,
    plan_cache_open,
)
from salestrack.imports.writing import Writer

CHUNK = 1000
HEAD_ROWS = 30  # rows searched for the header
PREVIEW_ROWS = 200  # row plans kept for the preview page (errors and matches are all kept)


class Importer(Planner, Writer):
    def __init__(self, *, actor: User, record_type: str, options: Options):
        self.actor = actor
        self.record_type = record_type
        self.options = options
        self.specs = fields_for(record_type)
        self.perms = permissions_for(actor)
        self.lookups = Lookups(
            actor=actor,
            record_type=record_type,
            stage_map=options.stage_map,
            pipeline_id=options.pipeline,
        )
        # Seen earlier in the file, by digest (see FileIndex): company key ("c"), phone ("p"),
        # e-mail ("e"), deal ("d"), contact of a customer ("m"), follow-up ("f") -> row; the
        # customers the file creates or reuses ("fc") -> row, id, whether the file creates it.
        self.index: FileIndex | None = None
        # (customer, deal) -> (id, occurred_at, next_due_on) of the latest imported follow-up
        self.followup_threads: dict[tuple, tuple] = {}
        self.report = Report(record_type=record_type)
        self.created: dict[str, IdRuns] = {
            kind: IdRuns() for kind in ("customer", "contact", "deal", "followup")
        }
        self.undo: dict[str, Any] = {
            "created": {},
            "updated": {"customer": {}, "deal": {}},
        }

    # -- reading ---------------------------------------------------------------------------

    def read(
        self,
        path,
        *,
        commit: bool,
        on_progress: Callable[[int], None] | None = None,
        cache: Path | str | None = None,
        errors: Path | None = None,
    ):
        """Plan (and with `commit`, write) every row. `cache`: the preview writes its cleaned
        rows there; the commit reads them from there when they were cleaned from the same file
        with the same options (otherwise it reads and cleans the file). `errors`: where every
        row's errors go (the report keeps the first ERRORS_KEPT), replaced when the run ends."""
        if errors is None:
            return self._read(path, commit=commit, on_progress=on_progress, cache=cache)
        partial = errors.with_name(errors.name + ".partial")
        try:
            with open(partial, "w", encoding="utf-8") as self.report.error_file:
                report = self._read(path, commit=commit, on_progress=on_progress, cache=cache)
            partial.replace(errors)
            return report
        finally:
            self.report.error_file = None
            partial.unlink(missing_ok=True)

    def _read(self, path, *, commit: bool, on_progress, cache):
        cached = None
        if commit and cache is not None:
            cached = plan_cache_open(cache, self._cache_key(path, self.options))
        if cached is not None:
            header, entries = cached
            index = header["header_row"] - 1
            self.report.header_row, self.report.headers, self.report.columns = (
                header["header_row"],
                header["headers"],
                header["columns"],
            )
            self._set_columns(header["headers"], header["columns"])
            source = (self._from_cache(entry) for entry in entries)
        else:
            source = self._read_file(path, commit=commit)
            if source is None:
                return self.report  # a column is missing: the preview shows the columns
            index = self.report.header_row - 1
        writer = None
        if not commit and cache is not None:
            writer = PlanCacheWriter(
                cache,
                {
                    **self._cache_key(path, self.options, resolved=True),
                    "headers": self.report.headers,
                },
            )
        self.index = FileIndex()
        try:
            done = 0
            while True:
                plans = list(islice(source, CHUNK))
                if not plans:
                    break
                entries = [self._to_cache(plan) for plan in plans] if writer else None
                for plan in plans:
                    self._plan_cleaned(plan)
                if writer is not None:  # with what planning found among earlier rows
                    writer.chunk(
                        [[*e, p.in_file_similar] for e, p in zip(entries, plans, strict=True)]
                    )
                if self.record_type == "deals":
                    check_stage_moves(self, plans)
                for plan in plans:
                    self._tally(plan)
                if commit:
                    self.write([p for p in plans if p.action in ("create", "update")])
                self.index.flush()
                done = plans[-1].number - index - 1
                if on_progress is not None:
                    on_progress(done)
            if commit:
                finish_followups(self)
            if cached is not None:
                trailer = cached[0].get("trailer", {})
                self.report.unknown_stages = trailer.get("unknown_stages", {})
        except BaseException:
            if writer is not None:
                writer.abandon()
            raise
        finally:
            self.index.close()
        if writer is not None:
            writer.finish({"unknown_stages": self.report.unknown_stages})
        self.undo["created"] = {
            kind: runs.runs
            for kind, runs in self.created.items()
            if runs.count or kind != "followup"
        }
        self.report.undo = self.undo
        return self.report

    def _read_file(self, path, *, commit: bool):
        """The file's rows after the header, cleaned (None: a required column is missing)."""
        rows = iter_rows(path, sheet=self.options.sheet)
        head = list(islice(rows, HEAD_ROWS))
        if self.options.header_row:
            index = self.options.header_row - 1
        else:
            index = detect_header(self.record_type, head)
        if index >= len(head):
            raise ApplicationError(_("The file has no header row."))
        headers = self._headers(head, index)
        columns = self.options.columns or guess_mapping(self.record_type, headers)
        columns = (list(columns) + [""] * len(headers))[: len(headers)]
        self.report.header_row, self.report.headers, self.report.columns = (
            index + 1,
            headers,
            columns,
        )
        try:
            self._require_columns(columns)
        except ApplicationError as exc:
            if commit:
                raise
            # The preview shows the columns so that the user can choose the missing ones.
            self.report.problem = exc.message
            return None
        self._set_columns(headers, columns)
        numbered = enumerate(_chain(head[index + 1 :], rows), start=index + 2)
        return (self._cleaned(number, raw) for number, raw in numbered if _filled(raw))

    def _set_columns(self, headers: list[str], columns: list[str]) -> None:
        self.columns = [
            (i, self.specs[name], headers[i], header_unit(headers[i]))
            for i, name in enumerate(columns)
            if name in self.specs
        ]

    def _cleaned(self, number: int, raw: list) -> RowPlan:
        plan = RowPlan(number=number, raw=raw)
        self.clean(plan)
        plan.raw = []  # not needed any more
        return plan

    # -- the preview's plan cache ----------------------------------------------------------

    def _cache_key(self, path, options: Options, *, resolved: bool = False) -> dict:
        """What the cleaned values depend on: the file and the options that shape cleaning
        (the row decisions do not; they act when planning)."""
        report = self.report
        return {
            "record_type": self.record_type,
            "file": file_stamp(path),
            "sheet": options.sheet,
            "header_row": report.header_row if resolved else options.header_row,
            "columns": report.columns if resolved else options.columns,
            "stage_map": {str(k): int(v) for k, v in (options.stage_map or {}).items() if v},
            "pipeline": options.pipeline,
        }

    def _to_cache(self, plan: RowPlan) -> list:
        if plan.errors:
            return [plan.number, None, plan.errors]
        values = []
        for _index, spec, _header, _unit in self.columns:
            value = plan.values.get(spec.name)
            if value is None:
                values.append(None)
            elif spec.kind in ("owner", "stage"):
                values.append(value.pk)
            elif spec.kind in ("date", "datetime"):
                values.append(value.isoformat())
            else:  # text, phone, e-mail, choice, size: str; amount: Decimal
                values.append(str(value))
        return [plan.number, values, None]

    def _from_cache(self, entry: list) -> RowPlan:
        number, values, errors, similar = entry
        plan = RowPlan(number=number, raw=[], cached_similar=similar)
        if errors:
            plan.errors = [tuple(e) for e in errors]
            return plan
        lookups = self.lookups
        for (_index, spec, header, _unit), value in zip(self.columns, values, strict=True):
            if value is None:
                continue
            kind = spec.kind
            if kind == "owner":
                value = lookups.owners_by_pk.get(value)
                if value is None:  # no longer assignable since the preview
                    plan.errors.append((header, _("not a user you may assign records to")))
                    continue
            elif kind == "stage":
                value = lookups.stage_by_id.get(value)
                if value is None:
                    plan.errors.append((header, _("unknown stage")))
                    continue
            elif kind == "date":
                value = datetime.date.fromisoformat(value)
            elif kind == "datetime":
                value = datetime.datetime.fromisoformat(value)
            elif kind == "amount":
                value = Decimal(value)
            plan.values[spec.name] = value
        return plan

    @staticmethod
    def _headers(head: list[list], index: int) -> list[str]:
        """The header row's texts; an empty cell under a filled one takes its text (a header
        cell merged over two rows keeps its value in the upper row only)."""
        row = head[index]
        above = head[index - 1] if index > 0 else []
        width = max(len(row), len(above) if any(str(c or "").strip() for c in row) else 0)
        headers = []
        for i in range(width):
            cell = cleaning.text(row[i]) if i < len(row) else ""
            if not cell and i < len(above):
                cell = cleaning.text(above[i])
            headers.append(cell)
        while headers and not headers[-1]:
            headers.pop()
        return headers

    def _require_columns(self, columns: list[str]) -> None:
        missing = [
            spec for spec in self.specs.values() if spec.required and spec.name not in columns
        ]
        if missing:
            raise ApplicationError(
                _("Choose the column for: %(fields)s.")
                % {"fields": ", ".join(str(s.label) for s in missing)}
            )
        doubled = {name for name in columns if name and columns.count(name) > 1}
        if doubled:
            raise ApplicationError(
                _("Each field may come from one column only: %(fields)s.")
                % {"fields": ", ".join(str(self.specs[n].label) for n in sorted(doubled))}
            )

    def _tally(self, plan: RowPlan) -> None:
        report = self.report
        report.total += 1
        report.counts[plan.action] += 1
        if plan.errors:
            report.add_error(plan.number, plan.error_text)
        if plan.match_id is not None or plan.match_row is not None:
            report.add_match(plan.summary())
        if len(report.rows) < PREVIEW_ROWS:
            report.rows.append(plan.summary())

    # -- cleaning --------------------------------------------------------------------------

    def clean(self, plan: RowPlan) -> None:
        values = plan.values
        for index, spec, header, unit in self.columns:
            cell = plan.raw[index] if index < len(plan.raw) else None
            try:
                value = self._clean_cell(spec, cell, unit, plan)
            except cleaning.CellError as exc:
                plan.errors.append((header, str(exc.message)))
                continue
            if value not in (None, ""):
                values[spec.name] = value
        failed = {column for column, _reason in plan.errors}
        for _index, spec, header, _unit in self.columns:
            if spec.required and spec.name not in values and header not in failed:
                plan.errors.append((header, _("required")))

    def _clean_cell(self, spec: FieldSpec, cell, unit: int, plan: RowPlan):
        kind = spec.kind
        if kind == "text":
            return cleaning.limited(cleaning.text(cell), spec.max_length)
        if kind == "phone":
            return cleaning.phone(cell)
        if kind == "email":
            return cleaning.email(cell)
        if kind == "date":
            return cleaning.date(cell)
        if kind == "datetime":
            return cleaning.moment(cell)
        if kind == "amount":
            return cleaning.amount(cell, unit)
        if kind == "choice":
            return cleaning.choice(cell, self.lookups.choices[spec.name])
        if kind == "size":
            return cleaning.size(cell, self.lookups.choices["size"])
        if kind == "owner":
            raw = cleaning.text(cell)
            if not raw:
                return None
            user = self.lookups.owners.get(raw.casefold()) or self.lookups.owners.get(
                cleaning.choice_key(raw)
            )
            if user is None:
                raise cleaning.CellError(_("not a user you may assign records to"))
            return user
        if kind == "stage":
            raw = cleaning.text(cell)
            if not raw:
                return None
            stage = self.lookups.stages.get(cleaning.choice_key(raw))
            if stage is None:
                unknown = self.report.unknown_stages
                if len(unknown) < UNKNOWN_STAGES_KEPT:
                    unknown.setdefault(raw, plan.number)
                raise cleaning.CellError(_("unknown stage"))
            return stage
        raise ValueError(kind)

    def header_of(self, name: str) -> str:
        """The file's header of a field's column (for error messages)."""
        return next((h for _i, s, h, _u in self.columns if s.name == name), "")


def _filled(row: list) -> bool:
    return any(cell not in (None, "") and str(cell).strip() for cell in row)


def _chain(first: list, rest):
    yield from first
    yield from rest


def run_import(
    *,
    actor: User,
    record_type: str,
    path,
    options: Options,
    commit: bool = False,
    on_progress: Callable[[int], None] | None = None,
    cache: Path | str | None = None,
    errors: Path | None = None,
) -> Report:
    """Plan every row of the file; with `commit`, also write (call inside one transaction).
    `cache`: where the preview keeps its cleaned rows for the commit (see Importer.read)."""
    importer = Importer(actor=actor, record_type=record_type, options=options)
    return importer.read(path, commit=commit, on_progress=on_progress, cache=cache, errors=errors)
