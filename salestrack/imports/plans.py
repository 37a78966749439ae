"""What an import decides for each row (RowPlan), its options and its report."""

import json
from dataclasses import dataclass, field
from typing import IO, Any

ACTIONS = ("create", "update", "skip", "ask", "error")
DECISIONS = ("skip", "update", "create")
# Error reasons kept on the report (and the batch): the rest only in the error file, so that a
# file full of errors does not grow the import's memory or the batch row with it.
ERRORS_KEPT = 1000
UNKNOWN_STAGES_KEPT = 100  # distinct unknown stage names offered for mapping
# Rows matching a record or an earlier row, listed with a choice each; the others follow the
# default choices (a ledger where thousands of rows look alike is decided by the defaults).
MATCHES_KEPT = 1000
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
    # In-file similarity (imports.state.FileIndex.similar_name): [row, name, score], [] for
    # none, None when not looked for. The commit takes the preview's answer from the plan
    # cache (the user decided on what the preview showed; and it is the costly look-up).
    in_file_similar: list | None = None
    cached_similar: list | None = None

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
    errors_truncated: bool = False  # more errors than ERRORS_KEPT: all are in the error file
    matches_more: int = 0  # matches beyond MATCHES_KEPT (counted, not listed)
    error_file: IO[str] | None = field(default=None, repr=False)

    def add_match(self, summary: dict) -> None:
        if len(self.matches) < MATCHES_KEPT:
            self.matches.append(summary)
        else:
            self.matches_more += 1

    def add_error(self, number: int, reason: str) -> None:
        if len(self.errors) < ERRORS_KEPT:
            self.errors[number] = reason
        else:
            self.errors_truncated = True
        if self.error_file is not None:
            self.error_file.write(json.dumps([number, reason], ensure_ascii=False) + "\n")

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
            "errors_truncated": self.errors_truncated,
            "matches_more": self.matches_more,
        }
