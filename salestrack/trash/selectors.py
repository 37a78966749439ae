import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from salestrack.accounts.models import User
from salestrack.trash.services import TRASH_MODELS


@dataclass
class TrashItem:
    kind: str
    kind_label: str
    record: object
    deleted_at: datetime
    deleted_by: User | None
    purge_in_days: int


def trash_list(*, limit: int = 500) -> list[TrashItem]:
    """Everything in the trash, newest deletion first (admins only: the view checks)."""
    retention = timedelta(days=settings.SALESTRACK_TRASH_DAYS)
    now = timezone.now()
    items = []
    for kind, model in TRASH_MODELS.items():
        related = ["deleted_by"] if kind == "customer" else ["deleted_by", "customer"]
        qs = (
            model.all_objects.filter(deleted_at__isnull=False)
            .select_related(*related)
            .order_by("-deleted_at", "-id")[:limit]
        )
        for row in qs:
            left = row.deleted_at + retention - now
            items.append(
                TrashItem(
                    kind=kind,
                    kind_label=model._meta.verbose_name,
                    record=row,
                    deleted_at=row.deleted_at,
                    deleted_by=row.deleted_by,
                    purge_in_days=max(math.ceil(left.total_seconds() / 86400), 0),
                )
            )
    items.sort(key=lambda item: item.deleted_at, reverse=True)
    return items[:limit]
