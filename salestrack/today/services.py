from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from salestrack.accounts.models import User
from salestrack.activities.models import FollowUp
from salestrack.customers.models import Customer
from salestrack.deals.models import Deal
from salestrack.today.models import DailyList
from salestrack.today.selectors import today_items


@transaction.atomic
def daily_list_generate(*, user: User, now: datetime | None = None) -> DailyList:
    """(Re)build the user's list for today (settings.TIME_ZONE) from the current records."""
    now = now or timezone.now()
    daily, _created = DailyList.objects.update_or_create(
        user=user,
        day=timezone.localdate(now),
        defaults={"items": today_items(user=user, now=now), "generated_at": now},
    )
    return daily


def daily_list_get_or_generate(*, user: User, now: datetime | None = None) -> DailyList:
    """Today's list as generated this morning; built now if the morning job has not run."""
    now = now or timezone.now()
    daily = DailyList.objects.filter(user=user, day=timezone.localdate(now)).first()
    if daily is not None:
        return daily
    try:
        return daily_list_generate(user=user, now=now)
    except IntegrityError:  # another request built it at the same moment
        return DailyList.objects.get(user=user, day=timezone.localdate(now))


def daily_list_reps() -> list[User]:
    """Active users with something to follow up: an open deal, a pending follow-up with a due
    date, or an A customer (one query)."""

    def owns(qs):
        return Exists(qs.filter(owner=OuterRef("pk")))

    return list(
        User.objects.filter(is_active=True)
        .filter(
            owns(Deal.objects.filter(status=Deal.Status.OPEN))
            | owns(FollowUp.objects.filter(done_at__isnull=True, next_due_on__isnull=False))
            | owns(Customer.objects.filter(Q(tier=Customer.Tier.A), in_pool_since__isnull=True))
        )
        .order_by("pk")
    )


def daily_lists_generate(*, now: datetime | None = None) -> int:
    """The morning run: today's list for every rep who has none yet (safe to repeat: a list
    already there, generated or refreshed earlier today, is kept). Returns lists created."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    done = set(DailyList.objects.filter(day=day).values_list("user_id", flat=True))
    created = 0
    for user in daily_list_reps():
        if user.pk in done:
            continue
        try:
            daily_list_generate(user=user, now=now)
        except IntegrityError:  # generated on demand meanwhile
            continue
        created += 1
    return created
