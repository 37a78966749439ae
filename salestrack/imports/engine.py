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
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pypinyin.converter import DefaultConverter
from pypinyin.core import Pinyin
from rapidfuzz import fuzz, process

from salestrack.access.policy import permissions_for
from salestrack.access.scope import scope_queryset, visible_users
from salestrack.accounts.models import User
from salestrack.activities.models import FollowUp
from salestrack.audit.services import audit_snapshot
from salestrack.core.exceptions import ApplicationError
from salestrack.core.names import company_block, company_block_range, company_key
from salestrack.customers.models import Contact, Customer
from salestrack.customers.services import contact_search_key, customer_search_key
from salestrack.deals.models import Deal, DealLine, StageChange
from salestrack.deals.services import STATUS_BY_KIND, reached_stage_after
from salestrack.deals.stalls import stalls_at_for
from salestrack.imports import cleaning
from salestrack.imports.fastinsert import insert_rows
from salestrack.imports.fields import (
    FieldSpec,
    detect_header,
    fields_for,
    guess_mapping,
    header_unit,
)
from salestrack.imports.followups import (
    existing_keys,
    finish_followups,
    plan_followup,
    write_followups,
)
from salestrack.imports.reading import iter_rows
from salestrack.imports.stagemoves import (
    check_stage_moves,
    plan_stage_move,
    record_stage_moves,
    stage_move_values,
)
from salestrack.imports.state import (
    FileIndex,
    IdRuns,
    PlanCacheWriter,
    digest,
    file_stamp,
    plan_cache_open,
)
from salestrack.pipeline.models import Pipeline, Stage

CHUNK = 1000
HEAD_ROWS = 30  # rows searched for the header
PREVIEW_ROWS = 200  # row plans kept for the preview page (errors and matches are all kept)
ACTIONS = ("create", "update", "skip", "ask", "error")
DECISIONS = ("skip", "update", "create")
CUSTOMER_VALUE_FIELDS = ("industry", "region", "source", "size", "budget", "pain_points", "tier")
CONTACT_FIELDS = {
    "contact_name": "name",
    "contact_title": "title",
    "phone": "phone",
    "email": "email",
    "wechat": "wechat",
}
DEAL_VALUE_FIELDS = ("amount", "expected_close_date", "next_step", "competitor", "lost_reason")


@dataclass
class Options:
    sheet: str = ""
    header_row: int | None = None  # 1-based; None: detected
    columns: list[str] | None = None  # a field name or '' per column; None: guessed
    stage_map: dict[str, int] = field(default_factory=dict)  # choice_key(cell) -> stage id
    decisions: dict[str, str] = field(default_factory=dict)  # str(row number) -> decision
    exact: str = "skip"  # what happens to exact duplicates of existing records
    fuzzy: str = "ask"  # ... and to fuzzy ones ('ask': the user decides per row)
    pipeline: int | None = None  # deals: the pipeline whose stages the file names; None: default

    @classmethod
    def from_dict(cls, data: dict) -> "Options":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class NewRecord:
    """A customer a row creates: its column values, and its id once written."""

    values: dict[str, Any]
    pk: int | None = None


@dataclass
class RowPlan:
    number: int
    raw: list
    action: str = "create"
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, reason)
    note: str = ""
    match_id: int | None = None
    match_row: int | None = None  # an earlier row of the file this one is similar to
    match_label: str = ""
    score: int = 0
    values: dict[str, Any] = field(default_factory=dict)
    # write intents
    new_customer: "NewRecord | None" = None
    customer_id: int | None = None
    pending: "NewRecord | None" = None  # a customer created by an earlier row of this chunk
    customer_update: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None
    deal: dict[str, Any] | None = None
    deal_update: tuple[int, dict[str, Any]] | None = None
    followup: dict[str, Any] | None = None

    @property
    def error_text(self) -> str:
        return "; ".join(f"{column}: {reason}" for column, reason in self.errors)

    def summary(self) -> dict:
        return {
            "row": self.number,
            "action": self.action,
            "name": str(self.values.get("name", "")),
            "title": str(self.values.get("title", "")),
            "note": self.note,
            "errors": self.error_text,
            "match_id": self.match_id,
            "in_file": self.match_row,
            "match": self.match_label,
            "score": self.score,
        }


@dataclass
class Report:
    record_type: str
    header_row: int = 0
    headers: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACTIONS, 0))
    rows: list[dict] = field(default_factory=list)  # the first PREVIEW_ROWS plans
    errors: dict[int, str] = field(default_factory=dict)  # row number -> reasons
    matches: list[dict] = field(default_factory=list)  # rows matching existing records
    unknown_stages: dict[str, int] = field(default_factory=dict)  # cell text -> first row
    total: int = 0
    undo: dict = field(default_factory=dict)
    problem: str = ""  # what keeps the file from being imported at all (a missing column)

    def as_dict(self) -> dict:
        return {
            "header_row": self.header_row,
            "headers": self.headers,
            "columns": self.columns,
            "counts": self.counts,
            "rows": self.rows,
            "errors": {str(k): v for k, v in self.errors.items()},
            "matches": self.matches,
            "unknown_stages": self.unknown_stages,
            "total": self.total,
            "problem": self.problem,
        }


# Segments kept converted: names share most of their words; a bound keeps a file of many
# one-off brand names from growing the cache (and the import's memory) with every row.
PINYIN_CACHE = 20_000


class _CachedConverter(DefaultConverter):
    """pypinyin's converter with a cache per segment: names share most of their words
    (有限公司, 科技, 联系人 ...), so a file of 100,000 names converts a few thousand segments."""

    def __init__(self):
        super().__init__()
        self._cached = lru_cache(maxsize=PINYIN_CACHE)(self._convert_words)

    def _convert_words(self, words, style, heteronym, errors, strict):
        return tuple(tuple(x) for x in super().convert(words, style, heteronym, errors, strict))

    def convert(self, words, style, heteronym, errors, strict, **kwargs):
        if kwargs:
            return super().convert(words, style, heteronym, errors, strict, **kwargs)
        return [list(x) for x in self._cached(words, style, heteronym, errors, strict)]


_PINYIN = Pinyin(_CachedConverter())


def pinyin_search_key(text: str) -> str:
    """core.text.pinyin_search_key, same result (tested) several times faster: one pypinyin
    pass (the initials are the first letters of the syllables) through cached segments."""
    text = (text or "").strip()
    if not text:
        return ""
    full = _PINYIN.lazy_pinyin(text, errors="ignore")
    return f"{''.join(p[:1] for p in full)} {''.join(full)} {text}".lower()


def _choice_options(choices) -> dict[str, str]:
    """Each choice by value and by its label in every UI language."""
    options: dict[str, str] = {}
    for code, _lang in settings.LANGUAGES:
        with translation.override(code):
            for value, label in choices:
                options.setdefault(cleaning.choice_key(str(label)), value)
    for value, _label in choices:
        options[cleaning.choice_key(value)] = value
    return options


def import_pipeline(pipeline_id: int | None) -> Pipeline:
    """The active pipeline a deals file is read against: the chosen one, else the default."""
    pipelines = Pipeline.objects.filter(is_active=True)
    found = (
        pipelines.filter(pk=pipeline_id) if pipeline_id else pipelines.filter(is_default=True)
    ).first()
    if found is None:
        if pipeline_id:
            raise ApplicationError(_("The chosen pipeline no longer exists or is archived."))
        raise ApplicationError(_("There is no default pipeline."))
    return found


class Lookups:
    """Everything rows are compared with, loaded once per import (a few queries)."""

    def __init__(
        self,
        *,
        actor: User,
        record_type: str,
        stage_map: dict[str, int],
        pipeline_id: int | None = None,
    ):
        self.actor = actor
        self.perms = permissions_for(actor)
        self.threshold = settings.SALESTRACK_IMPORT_FUZZY_THRESHOLD
        customers = scope_queryset(actor, Customer.objects.all())
        self.customers: dict[str, tuple[int, str]] = {}
        self.blocks: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
        names: dict[int, str] = {}
        for pk, name in customers.values_list("pk", "name").iterator(chunk_size=5000):
            key = company_key(name)
            names[pk] = name
            if key and key not in self.customers:
                self.customers[key] = (pk, name)
                self.blocks[company_block(key)][key] = pk
        self.names = names
        self.writable_customers = set(
            scope_queryset(actor, Customer.objects.all(), write=True).values_list("pk", flat=True)
        )
        self.phones: dict[str, int] = {}
        self.emails: dict[str, int] = {}
        self.contact_names: set[tuple[int, str]] = set()
        contacts = Contact.objects.filter(customer__in=customers.values("pk")).values_list(
            "customer_id", "name", "phone", "email"
        )
        for customer_id, name, phone, email in contacts.iterator(chunk_size=5000):
            self.contact_names.add((customer_id, name))
            canonical = cleaning.canonical_phone(phone) if phone else ""
            if canonical:
                self.phones.setdefault(canonical, customer_id)
            if email:
                self.emails.setdefault(email.lower(), customer_id)
        self.deals: dict[tuple[int, str], int] = {}
        self.writable_deals: set[int] = set()
        self.deal_stages: dict[int, int] = {}  # deals: id -> current stage id
        self._gated_stages: list[Stage] | None = None
        self.stages: dict[str, Stage] = {}
        self.stage_by_id: dict[int, Stage] = {}
        self.first_stage: Stage | None = None
        self.followups: set = set()
        if record_type == "followups":
            self.followups = existing_keys(scope_queryset(actor, FollowUp.objects.all()))
            for pk, customer_id, title in (
                scope_queryset(actor, Deal.objects.all())
                .values_list("pk", "customer_id", "title")
                .iterator(chunk_size=5000)
            ):
                self.deals.setdefault((customer_id, cleaning.choice_key(title)), pk)
        if record_type == "deals":
            deals = scope_queryset(actor, Deal.objects.all())
            rows = deals.values_list("pk", "customer_id", "title", "stage_id")
            for pk, customer_id, title, stage_id in rows.iterator(chunk_size=5000):
                self.deals.setdefault((customer_id, cleaning.choice_key(title)), pk)
                self.deal_stages[pk] = stage_id
            self.writable_deals = set(
                scope_queryset(actor, Deal.objects.all(), write=True).values_list("pk", flat=True)
            )
            self.pipeline = import_pipeline(pipeline_id)
            stages = list(self.pipeline.stages.order_by("position"))
            for stage in stages:
                self.stage_by_id[stage.pk] = stage
                for label in (stage.name, stage.name_en):
                    if label:
                        self.stages.setdefault(cleaning.choice_key(label), stage)
            for raw, stage_id in stage_map.items():
                if stage_id and int(stage_id) in self.stage_by_id:
                    self.stages[raw] = self.stage_by_id[int(stage_id)]
            self.first_stage = next((s for s in stages if s.is_open), None)
        self.owners: dict[str, User] = {}
        self.owners_by_pk: dict[int, User] = {}
        for user in visible_users(actor):
            self.owners_by_pk[user.pk] = user
            self.owners.setdefault(user.username.casefold(), user)
            if user.display_name:
                self.owners.setdefault(cleaning.choice_key(user.display_name), user)
        self.choices = {
            "source": _choice_options(Customer.Source.choices),
            "tier": _choice_options(Customer.Tier.choices),
            "size": _choice_options(Customer.Size.choices),
            "kind": _choice_options(FollowUp.Kind.choices),
        }

    def gated_stages(self) -> list[Stage]:
        """The pipeline's stages with their exit criteria (loaded when a row first moves)."""
        if self._gated_stages is None:
            self._gated_stages = list(
                self.pipeline.stages.order_by("position").prefetch_related("requirements")
            )
        return self._gated_stages

    def fuzzy(self, key: str) -> tuple[int, str, int] | None:
        """The most similar existing company (id, name, score) at or above the threshold."""
        if not key:
            return None
        best = None
        head, low, high = company_block_range(key)
        for length in range(low, high + 1):
            block = self.blocks.get((head, length))
            if not block:
                continue
            found = process.extractOne(
                key, block.keys(), scorer=fuzz.ratio, score_cutoff=self.threshold
            )
            if found and (best is None or found[1] > best[1]):
                best = found
        if best is None:
            return None
        pk = self.blocks[company_block(best[0])][best[0]]
        return pk, self.names[pk], int(best[1])


class Importer:
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
    ):
        """Plan (and with `commit`, write) every row. `cache`: the preview writes its cleaned
        rows there; the commit reads them from there when they were cleaned from the same file
        with the same options (otherwise it reads and cleans the file)."""
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
                if writer is not None:
                    writer.chunk([self._to_cache(plan) for plan in plans])
                for plan in plans:
                    self._plan_cleaned(plan)
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
        number, values, errors = entry
        plan = RowPlan(number=number, raw=[])
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
            report.errors[plan.number] = plan.error_text
        if plan.match_id is not None or plan.match_row is not None:
            report.matches.append(plan.summary())
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
                self.report.unknown_stages.setdefault(raw, plan.number)
                raise cleaning.CellError(_("unknown stage"))
            return stage
        raise ValueError(kind)

    # -- planning --------------------------------------------------------------------------

    def _plan_cleaned(self, plan: RowPlan) -> RowPlan:
        if plan.errors:
            plan.action = "error"
            return plan
        if self.record_type == "customers":
            self._plan_customer(plan)
        elif self.record_type == "deals":
            self._plan_deal(plan)
        else:
            plan_followup(self, plan)
        if plan.errors:
            plan.action = "error"
        return plan

    def _decide(self, plan: RowPlan, default: str) -> str:
        decision = self.options.decisions.get(str(plan.number)) or default
        return decision if decision in (*DECISIONS, "ask") else default

    def _customer_match(self, plan: RowPlan, key: str) -> tuple[str, int | None, str, int]:
        """('exact'|'fuzzy'|'', id, name, score) against the existing customers."""
        values = plan.values
        found = self.lookups.customers.get(key)
        if found:
            return "exact", found[0], found[1], 100
        for value, index in (
            (values.get("phone"), self.lookups.phones),
            (values.get("email"), self.lookups.emails),
        ):
            if value and value in index:
                pk = index[value]
                return "exact", pk, self.lookups.names.get(pk, ""), 100
        fuzzy = self.lookups.fuzzy(key)
        if fuzzy:
            return "fuzzy", fuzzy[0], fuzzy[1], fuzzy[2]
        return "", None, "", 0

    @staticmethod
    def _row_keys(plan: RowPlan, key: str) -> list[int]:
        """The digests a customer row is known by: company key, phone, e-mail."""
        values = plan.values
        keys = [digest("c", key)]
        keys += [
            digest(tag, values[f]) for tag, f in (("p", "phone"), ("e", "email")) if f in values
        ]
        return keys

    def _in_file(self, plan: RowPlan, key: str) -> int | None:
        for k in self._row_keys(plan, key):
            found = self.index.get(k)
            if found is not None:
                return found[0]
        return None

    def _remember(self, plan: RowPlan, key: str) -> None:
        for k in self._row_keys(plan, key):
            self.index.add(k, plan.number)

    def _owner(self, plan: RowPlan) -> User:
        return plan.values.get("owner") or self.actor

    def _plan_customer(self, plan: RowPlan) -> None:
        key = company_key(plan.values["name"])
        earlier = self._in_file(plan, key)
        if earlier:
            plan.action = "skip"
            plan.note = _("duplicate of row %(row)d") % {"row": earlier}
            return
        self._remember(plan, key)
        kind, pk, name, score = self._customer_match(plan, key)
        # No existing customer like it: perhaps one like an earlier row of the file.
        similar = None if kind else self.index.similar_name(key, self.lookups.threshold)
        self.index.add_name(key, plan.number, plan.values["name"])
        if similar is not None:
            self._plan_similar_in_file(plan, key, *similar)
            return
        if kind:
            plan.match_id, plan.match_label, plan.score = pk, name, score
            decision = self._decide(
                plan, self.options.exact if kind == "exact" else self.options.fuzzy
            )
            if decision == "ask":
                plan.action = "ask"
                plan.note = _("similar to an existing customer: choose")
                return
            if decision == "skip":
                plan.action = "skip"
                plan.note = _("already exists")
                return
            if decision == "update":
                self._plan_customer_update(plan, pk)
                return
        self._plan_new_customer(plan, key)

    def _plan_similar_in_file(
        self, plan: RowPlan, key: str, row: int, name: str, score: int
    ) -> None:
        """A row similar (not equal) to an earlier row of the file: a separate customer or
        the same one (skipped), as the user decides; updating has no meaning here, so the
        default 'update' asks too."""
        plan.match_row, plan.score = row, score
        plan.match_label = _("row %(row)d: %(name)s") % {"row": row, "name": name}
        similar = _("similar to row %(row)d: %(name)s (%(score)d%%)") % {
            "row": row,
            "name": name,
            "score": score,
        }
        decision = self._decide(plan, self.options.fuzzy)
        if decision == "skip":
            plan.action = "skip"
            plan.note = similar
            return
        if decision == "create":
            self._plan_new_customer(plan, key)
            plan.note = similar
            return
        plan.action = "ask"
        plan.note = similar

    def _plan_new_customer(self, plan: RowPlan, key: str) -> None:
        if not self.perms.can("customer", "create"):
            plan.errors.append(("", _("Your role may not create customers.")))
            return
        values = plan.values
        owner = self._owner(plan)
        customer = NewRecord(
            {
                "name": values["name"],
                "owner_id": owner.pk,
                "team_id": owner.team_id,
                **{name: values[name] for name in CUSTOMER_VALUE_FIELDS if name in values},
            }
        )
        plan.new_customer = customer
        plan.contact = self._contact(plan, None, key)
        if not plan.errors:
            self.index.add(digest("fc", key), plan.number, customer, new=True)
            plan.action = "create"

    def _plan_customer_update(self, plan: RowPlan, pk: int) -> None:
        if not self.perms.can("customer", "edit") or pk not in self.lookups.writable_customers:
            plan.errors.append(("", _("You may not change this customer.")))
            return
        fields = [*CUSTOMER_VALUE_FIELDS, "owner"]
        editable = set(self.perms.editable("customer", fields))
        plan.customer_update = {
            name: plan.values[name] for name in fields if name in plan.values and name in editable
        }
        plan.customer_id = pk
        plan.contact = self._contact(plan, pk)
        plan.action = "update"
        plan.note = _("updates the existing customer")

    def _contact(self, plan: RowPlan, customer_id: int | None, key: str = "") -> dict | None:
        values = {
            target: plan.values[source]
            for source, target in CONTACT_FIELDS.items()
            if source in plan.values
        }
        if not values:
            return None
        values.setdefault("name", values.get("phone") or values.get("email") or "-")
        if customer_id is not None and (
            (customer_id, values["name"]) in self.lookups.contact_names
            or self.lookups.phones.get(values.get("phone", "")) == customer_id
            or self.lookups.emails.get(values.get("email", "")) == customer_id
        ):
            return None  # that contact is there already
        # Each contact of a customer once in the file (by name, phone or e-mail).
        owner = key or f"#{customer_id}"
        marks = [digest("m", owner, "n", values["name"])]
        marks += [digest("m", owner, f, values[f]) for f in ("phone", "email") if values.get(f)]
        if any(self.index.get(m) is not None for m in marks):
            return None
        for m in marks:
            self.index.add(m, plan.number)
        if not self.perms.can("contact", "create"):
            plan.errors.append(("", _("Your role may not create contacts.")))
            return None
        return values

    def _plan_deal(self, plan: RowPlan) -> None:
        values = plan.values
        key = company_key(values["name"])
        values.setdefault("title", values["name"])
        title_key = cleaning.choice_key(values["title"])
        deal_key = digest("d", key, title_key)
        earlier = self.index.get(deal_key)
        if earlier:
            plan.action = "skip"
            plan.note = _("duplicate of row %(row)d") % {"row": earlier[0]}
            return
        self.index.add(deal_key, plan.number)
        if not self.perms.can("deal", "create"):
            plan.errors.append(("", _("Your role may not create deals.")))
            return
        # The customer: created or reused earlier in the file, existing, similar, or new.
        known = self.index.get(digest("fc", key))
        if known is not None and known[2]:  # created by an earlier row
            if isinstance(known[1], NewRecord):  # of this chunk: written with it
                plan.pending = known[1]
            else:  # of an earlier chunk: its id (None in a preview)
                plan.customer_id = known[1]
            plan.contact = self._contact(plan, None, key)
        elif known is not None:
            plan.customer_id = known[1]
        else:
            kind, pk, name, score = self._customer_match(plan, key)
            if kind == "fuzzy":
                plan.match_id, plan.match_label, plan.score = pk, name, score
                decision = self._decide(plan, self.options.fuzzy)
                if decision == "ask":
                    plan.action = "ask"
                    plan.note = _("customer similar to an existing one: choose")
                    return
                if decision == "skip":
                    plan.action = "skip"
                    plan.note = _("customer already exists")
                    return
                if decision == "update":  # use the existing customer
                    kind = "exact"
            if kind == "exact":
                if pk not in self.lookups.writable_customers:
                    plan.errors.append(
                        (
                            "",
                            _("You may not add deals to the customer “%(name)s”.") % {"name": name},
                        )
                    )
                    return
                plan.customer_id = pk
                self.index.add(digest("fc", key), plan.number, pk)
                plan.contact = self._contact(plan, pk)
            else:
                # A customer the file creates: unless it is similar to one an earlier row
                # creates (then the user decides: a separate customer, or skip the row).
                similar = self.index.similar_name(key, self.lookups.threshold)
                self.index.add_name(key, plan.number, values["name"])
                if similar is not None:
                    self._plan_similar_in_file(plan, key, *similar)
                    if plan.action in ("ask", "skip") or plan.errors:
                        return
                else:
                    self._plan_new_customer(plan, key)
                if plan.errors:
                    return
        if plan.customer_id is not None:
            existing = self.lookups.deals.get((plan.customer_id, title_key))
            if existing is not None:
                plan.match_id, plan.match_label, plan.score = existing, values["title"], 100
                decision = self._decide(plan, self.options.exact)
                if decision in ("skip", "ask"):
                    plan.action = "skip"
                    plan.note = _("deal already exists")
                    return
                if decision == "update":
                    self._plan_deal_update(plan, existing)
                    return
        stage = values.get("stage") or self.lookups.first_stage
        if stage is None:
            plan.errors.append(
                (
                    "",
                    _("The pipeline %(name)s has no open stage.")
                    % {"name": self.lookups.pipeline.label},
                )
            )
            return
        plan.deal = {
            "title": values["title"],
            "stage": stage,
            "owner": self._owner(plan),
            **{name: values[name] for name in DEAL_VALUE_FIELDS if name in values},
        }
        plan.action = "create"

    def _plan_deal_update(self, plan: RowPlan, pk: int) -> None:
        if not self.perms.can("deal", "edit") or pk not in self.lookups.writable_deals:
            plan.errors.append(("", _("You may not change this deal.")))
            return
        fields = [*DEAL_VALUE_FIELDS, "owner"]
        editable = set(self.perms.editable("deal", fields))
        data = {
            name: plan.values[name] for name in fields if name in plan.values and name in editable
        }
        plan_stage_move(self, plan, pk, data)
        if plan.errors:
            return
        plan.deal_update = (pk, data)
        plan.action = "update"
        plan.note = _("updates the existing deal")

    # -- writing ---------------------------------------------------------------------------

    def write(self, plans: list[RowPlan]) -> None:
        """One chunk's writes, in bulk: customers, their updates, contacts, deals."""
        if not plans:
            return
        now = timezone.now()
        created = self.created
        # New customers (their contact's key belongs to their search key).
        new = [p for p in plans if p.new_customer is not None]
        for p in new:
            contact_key = self._contact_key(p.contact) if p.contact else ""
            values = p.new_customer.values
            values["search_key"] = customer_search_key(
                name_key=pinyin_search_key(values["name"]),
                contact_keys=[contact_key] if contact_key else [],
            )
        ids = insert_rows(Customer, [p.new_customer.values for p in new], now=now)
        for p, pk in zip(new, ids, strict=True):
            p.new_customer.pk = pk
        created["customer"].extend(ids)
        for p in plans:
            if p.new_customer is not None:
                p.customer_id = p.new_customer.pk
            elif p.pending is not None:
                p.customer_id = p.pending.pk
        self._update_customers([p for p in plans if p.customer_update is not None], now)
        # Contacts; existing customers that gain one get it in their search key.
        contacts, grown = [], defaultdict(list)
        for p in plans:
            if not p.contact:
                continue
            contact = {**p.contact, "customer_id": p.customer_id}
            contact["search_key"] = self._contact_key(p.contact)
            contacts.append(contact)
            if p.new_customer is None:
                grown[p.customer_id].append(contact["search_key"])
        created["contact"].extend(insert_rows(Contact, contacts, now=now))
        if grown:
            rows = Customer.objects.filter(pk__in=list(grown)).only("pk", "search_key")
            for customer in rows:
                customer.search_key = " | ".join(
                    filter(None, [customer.search_key, *grown[customer.pk]])
                )
                customer.updated_at = now
            Customer.objects.bulk_update(rows, ["search_key", "updated_at"], batch_size=1000)
        self._create_deals([p for p in plans if p.deal is not None], now)
        self._update_deals([p for p in plans if p.deal_update is not None], now)
        followups = [p for p in plans if p.followup is not None]
        if followups:
            write_followups(self, followups)

    def header_of(self, name: str) -> str:
        """The file's header of a field's column (for error messages)."""
        return next((h for _i, s, h, _u in self.columns if s.name == name), "")

    @staticmethod
    def _contact_key(values: dict) -> str:
        return contact_search_key(
            name_key=pinyin_search_key(values.get("name", "")),
            phone=values.get("phone", ""),
            email=values.get("email", ""),
        )

    def _update_customers(self, plans: list[RowPlan], now: datetime.datetime) -> None:
        plans = [p for p in plans if p.customer_update]
        if not plans:
            return
        by_pk = Customer.objects.in_bulk([p.customer_id for p in plans])
        changed: dict[int, Customer] = {}
        fields: set[str] = set()
        for p in plans:
            customer = by_pk[p.customer_id]
            data = dict(p.customer_update)
            if "owner" in data:
                owner = data.pop("owner")
                data["owner_id"], data["team_id"] = owner.pk, owner.team_id
            names = [n.removesuffix("_id") for n in data]
            self.undo["updated"]["customer"].setdefault(
                str(customer.pk), audit_snapshot(customer, names)
            )
            for name, value in data.items():
                setattr(customer, name, value)
            fields.update(data)
            changed[customer.pk] = customer
        for customer in changed.values():
            customer.version = F("version") + 1
            customer.updated_at = now
        Customer.objects.bulk_update(
            list(changed.values()), [*fields, "version", "updated_at"], batch_size=500
        )

    def _create_deals(self, plans: list[RowPlan], now: datetime.datetime) -> None:
        if not plans:
            return
        deals, stages = [], []
        for p in plans:
            data = dict(p.deal)
            stage, owner = data.pop("stage"), data.pop("owner")
            closed_at = None
            if not stage.is_open:
                close = data.get("expected_close_date")
                closed_at = (
                    timezone.make_aware(datetime.datetime.combine(close, datetime.time(12)))
                    if close
                    else now
                )
            stages.append(stage)
            deals.append(
                {
                    "customer_id": p.customer_id,
                    "pipeline_id": stage.pipeline_id,
                    "stage_id": stage.pk,
                    "reached_stage_id": getattr(
                        reached_stage_after(reached=None, stage=stage), "pk", None
                    ),
                    "status": STATUS_BY_KIND[stage.kind],
                    "owner_id": owner.pk,
                    "team_id": owner.team_id,
                    "stage_entered_at": now,
                    "stalls_at": stalls_at_for(stage=stage, entered_at=now),
                    "closed_at": closed_at,
                    "amount": data.pop("amount", Decimal("0")),
                    **data,
                }
            )
        ids = insert_rows(Deal, deals, now=now)
        self.created["deal"].extend(ids)
        history = [
            {
                "deal_id": pk,
                "to_stage_id": stage.pk,
                "to_kind": stage.kind,
                "entered_at": now,
                "actor_id": self.actor.pk,
            }
            for pk, stage in zip(ids, stages, strict=True)
        ]
        insert_rows(StageChange, history, now=now)

    def _update_deals(self, plans: list[RowPlan], now: datetime.datetime) -> None:
        plans = [p for p in plans if p.deal_update and p.deal_update[1]]
        if not plans:
            return
        by_pk = Deal.objects.in_bulk([p.deal_update[0] for p in plans])
        with_lines = set(
            DealLine.objects.filter(deal_id__in=list(by_pk)).values_list("deal_id", flat=True)
        )
        changed: dict[int, Deal] = {}
        fields: set[str] = set()
        moves: list[tuple[int, int, Stage]] = []
        for p in plans:
            pk, data = p.deal_update
            deal = by_pk[pk]
            data = dict(data)
            stage = data.pop("stage", None)
            if stage is not None and stage.pk != deal.stage_id:
                moves.append((pk, deal.stage_id, stage))
                data.update(stage_move_values(deal, stage, self.lookups.stage_by_id, now))
            if "owner" in data:
                owner = data.pop("owner")
                data["owner_id"], data["team_id"] = owner.pk, owner.team_id
            if "amount" in data and pk in with_lines:
                data.pop("amount")  # the product lines' total stays the amount
            names = [n.removesuffix("_id") for n in data]
            self.undo["updated"]["deal"].setdefault(str(pk), audit_snapshot(deal, names))
            for name, value in data.items():
                setattr(deal, name, value)
            fields.update(data)
            changed[pk] = deal
        for deal in changed.values():
            deal.version = F("version") + 1
            deal.updated_at = now
        if fields:
            Deal.objects.bulk_update(
                list(changed.values()), [*fields, "version", "updated_at"], batch_size=500
            )
        record_stage_moves(self, moves, now)


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
) -> Report:
    """Plan every row of the file; with `commit`, also write (call inside one transaction).
    `cache`: where the preview keeps its cleaned rows for the commit (see Importer.read)."""
    importer = Importer(actor=actor, record_type=record_type, options=options)
    return importer.read(path, commit=commit, on_progress=on_progress, cache=cache)
