from django.db.models import BooleanField, ExpressionWrapper, Model, Q, QuerySet
from django.utils import timezone

from salestrack.access.forms import ShareForm
from salestrack.access.models import Share
from salestrack.access.services import share_can_manage
from salestrack.accounts.models import User


def share_list_for(*, obj: Model) -> QuerySet[Share]:
    """All shares of the record, expired ones too (`expired`), until revoked or cleaned up
    (manage.py share_cleanup)."""
    expired = Q(expires_at__isnull=False, expires_at__lte=timezone.now())
    return (
        Share.objects.filter(object_type=obj._meta.label_lower, object_id=obj.pk)
        .annotate(expired=ExpressionWrapper(expired, output_field=BooleanField()))
        .select_related("user")
        .order_by("created_at", "id")
    )


def share_panel(*, obj: Model, user: User) -> dict:
    """Context for the "Shared with" card (access/_shares.html) on a detail page."""
    can_manage = share_can_manage(obj=obj, actor=user)
    return {
        "share_object": obj,
        "share_object_type": obj._meta.label_lower,
        "shares": share_list_for(obj=obj),
        "share_can_manage": can_manage,
        "share_form": ShareForm(owner_id=obj.owner_id) if can_manage else None,
    }
