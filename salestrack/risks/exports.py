"""The weekly review as an Excel file: the review page's rows and filters, the role's field
policy (hidden columns left out, masked values masked) and one audit EXPORT entry, as
salestrack.exports does for the deal list."""

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet

from salestrack.access.policy import Permissions
from salestrack.deals.models import Deal
from salestrack.exports.selectors import Column, export_columns, money
from salestrack.risks.selectors import MedianBook, risk_rows
from salestrack.risks.verbose import REVIEW_LABELS

CHUNK = 500

REVIEW_COLUMNS: tuple[Column, ...] = (
    Column("title", REVIEW_LABELS["title"], "deal", "title", lambda r: r.deal.title),
    Column(
        "customer", REVIEW_LABELS["customer"], "deal", "customer", lambda r: r.deal.customer.name
    ),
    Column("team", REVIEW_LABELS["team"], "deal", None, lambda r: str(r.deal.team or "")),
    Column("owner", REVIEW_LABELS["owner"], "deal", "owner", lambda r: str(r.deal.owner)),
    Column("stage", REVIEW_LABELS["stage"], "deal", "stage", lambda r: r.deal.stage.label),
    Column("amount", REVIEW_LABELS["amount"], "deal", "amount", lambda r: money(r.deal.amount)),
    Column(
        "days_in_stage", REVIEW_LABELS["days_in_stage"], "deal", None, lambda r: r.days_in_stage
    ),
    Column(
        "last_followup", REVIEW_LABELS["last_followup"], "deal", None, lambda r: r.last_followup_at
    ),
    Column(
        "next_step", REVIEW_LABELS["next_step"], "deal", "next_step", lambda r: r.deal.next_step
    ),
    Column("reasons", REVIEW_LABELS["reasons"], "deal", None, lambda r: "\n".join(r.reasons)),
    Column(
        "decision",
        REVIEW_LABELS["decision"],
        "deal",
        None,
        lambda r: r.decision.get_decision_display() if r.decision else "",
    ),
    Column(
        "note", REVIEW_LABELS["note"], "deal", None, lambda r: r.decision.note if r.decision else ""
    ),
)


def review_columns(perms: Permissions) -> list[Column]:
    return export_columns(perms=perms, columns=REVIEW_COLUMNS)


def review_export_rows(
    *,
    qs: QuerySet[Deal],
    columns: list[Column],
    book: MedianBook,
    now: datetime,
    week: date,
) -> Iterator[list[Any]]:
    """The rows in the review's order, a few queries per 500 deals."""
    ids = list(qs.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk_ids = ids[start : start + CHUNK]
        loaded = qs.filter(pk__in=chunk_ids).select_related("team").in_bulk()
        deals = [loaded[pk] for pk in chunk_ids if pk in loaded]
        for row in risk_rows(deals=deals, book=book, now=now, week=week):
            yield [column.value(row) for column in columns]
