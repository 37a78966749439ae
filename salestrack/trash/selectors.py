import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import CharField, Value
from django.utils import timezone

from salestrack.accounts.models import User
from salestrack.trash.services import TRASH_MODELS

TRASH_PAGE_SIZE = 50


@dataclass
class TrashItem:
    kind: str
    kind_label: str
    record: object
    deleted_at: datetime
    deleted_by: User | None
    purge_in_days: int


def trash_page(*, number: str | int | None, per_page: int = TRASH_PAGE_SIZE) -> Page:
    """One page of everything in the trash, newest deletion first (admins only: the view checks).

    One UNION of (kind, id, deleted_at) over the kinds pages the rows with a LIMIT/OFFSET;
    only the page's records are then loaded, one query per kind.
    """
    parts = [
        model.all_objects.filter(deleted_at__isnull=False)
        .annotate(kind=Value(kind, output_field=CharField()))
        .values_list("kind", "id", "deleted_at")
        .order_by()
        for kind, model in TRASH_MODELS.items()
    ]
    union = parts[0].union(*parts[1:], all=True).order_by("-deleted_at", "kind", "-id")
    page = Paginator(union, per_page).get_page(number)
    keys = list(page.object_list)
    records = {}
    for kind, model in TRASH_MODELS.items():
        ids = [pk for row_kind, pk, _ in keys if row_kind == kind]
        if not ids:
            continue
        related = ["deleted_by"] if kind == "customer" else ["deleted_by", "customer"]
        for row in model.all_objects.filter(pk__in=ids).select_related(*related):
            records[kind, row.pk] = row
    page.object_list = [
        _item(kind, records[kind, pk]) for kind, pk, _ in keys if (kind, pk) in records
    ]
    return page


def _item(kind: str, row) -> TrashItem:
    left = row.deleted_at + timedelta(days=settings.SALESTRACK_TRASH_DAYS) - timezone.now()
    return TrashItem(
        kind=kind,
        kind_label=type(row)._meta.verbose_name,
        record=row,
        deleted_at=row.deleted_at,
        deleted_by=row.deleted_by,
        purge_in_days=max(math.ceil(left.total_seconds() / 86400), 0),
    )
