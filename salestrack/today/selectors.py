"""Reads of the daily follow-up list (每日跟进清单).

A rep's list has three kinds of items, each one query scored and cut in the database
(salestrack.today.scoring), merged here into one row per deal or customer:
- due follow-ups: their own pending follow-ups due today or earlier;
- stalled deals: their open deals stalled now (deals.stalls);
- A customers to touch: their A-tier customers (not in the pool) without a follow-up today.
A deal that is due and stalled is one item with both reasons; an A customer with a deal in the
list adds its reason to that deal's best item instead of a row of its own.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from salestrack.access.policy import permissions_for
from salestrack.access.scope import scope_queryset, visible_users
from salestrack.accounts.models import User
from salestrack.activities.models import FollowUp
from salestrack.activities.selectors import followup_queryset
from salestrack.core.templatetags.money import cny
from salestrack.customers.models import Customer
from salestrack.deals.models import Deal
from salestrack.deals.stalls import (
    REASON_LABELS,
    no_followup_days,
    stall_reasons,
    stalled_condition,
)
from salestrack.today.models import DailyList
from salestrack.today.scoring import (
    TERMS,
    amount_term,
    close_term,
    overdue_due_term,
    overdue_stalled_term,
    tier_term,
    with_score,
)

REASON_DUE = "followup_due"
REASON_STALLED = "stalled"
REASON_A_TIER = "a_tier"
# Kinds in the order they come on equal scores.
KIND_ORDER = {"deal": 0, "customer": 1}
SCORE_FIELDS = ["score", *(f"pts_{name}" for name in TERMS)]


def day_start(day) -> datetime:
    """Midnight at the start of `day` in settings.TIME_ZONE."""
    return timezone.make_aware(datetime.combine(day, time.min))


def max_items() -> int:
    return settings.SALESTRACK_TODAY_MAX_ITEMS


# Generation --------------------------------------------------------------------------------


def _due_followups(user: User, now: datetime) -> list[dict]:
    today = timezone.localdate(now)
    qs = scope_queryset(user, followup_queryset()).filter(
        owner=user, done_at__isnull=True, next_due_on__lte=today
    )
    qs = with_score(
        qs,
        tier=tier_term("customer__"),
        amount=amount_term("deal__"),
        overdue=overdue_due_term(today=today),
        close=close_term(today=today, deal="deal__"),
    )
    return list(
        qs.order_by("-score", "next_due_on", "id").values(
            "id",
            "customer_id",
            "deal_id",
            "next_due_on",
            "deal__expected_close_date",
            "deal__status",
            *SCORE_FIELDS,
        )[: max_items()]
    )


def _stalled_deals(user: User, now: datetime) -> list[dict]:
    today = timezone.localdate(now)
    qs = scope_queryset(user, Deal.objects.all()).filter(
        stalled_condition(now=now), owner=user, status=Deal.Status.OPEN
    )
    qs = with_score(
        qs,
        tier=tier_term("customer__"),
        amount=amount_term(""),
        overdue=overdue_stalled_term(now=now),
        close=close_term(today=today),
    )
    return list(
        qs.order_by("-score", "stage_entered_at", "id").values(
            "id",
            "customer_id",
            "status",
            "stalls_at",
            "last_activity_at",
            "created_at",
            "expected_close_date",
            *SCORE_FIELDS,
        )[: max_items()]
    )


def _a_customers(user: User, now: datetime) -> list[dict]:
    start = day_start(timezone.localdate(now))
    qs = scope_queryset(user, Customer.objects.all()).filter(
        Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=start),
        owner=user,
        tier=Customer.Tier.A,
        in_pool_since__isnull=True,
    )
    qs = with_score(qs, tier=tier_term(""))
    return list(
        qs.order_by("-score", "last_activity_at", "id").values("id", *SCORE_FIELDS)[: max_items()]
    )


def _days(later, earlier) -> int:
    return max((later - earlier).days, 0)


def _stalled_days(row: dict, now: datetime) -> int:
    """Whole days since the deal became stalled (the earlier of its two reasons)."""
    quiet_since = row["last_activity_at"] or row["created_at"]
    since = quiet_since + timedelta(days=no_followup_days())
    if row["stalls_at"] is not None:
        since = min(since, row["stalls_at"])
    # Strictly before, as in deals.stalls: stalled k days means since < now - k days.
    return _days(now - timedelta(microseconds=1), since)


def _item(*, deal_id: int | None, customer_id: int, row: dict) -> dict:
    return {
        "deal": deal_id,
        "customer": customer_id,
        "score": row["score"],
        "terms": {name: row[f"pts_{name}"] for name in TERMS},
        "overdue_days": 0,
        "close_days": None,
        "reasons": [],
    }


def _merge(item: dict, row: dict) -> None:
    """Same deal or customer from another source: the larger of each term, one score."""
    for name in TERMS:
        item["terms"][name] = max(item["terms"][name], row[f"pts_{name}"])
    item["score"] = sum(item["terms"].values())


def today_items(*, user: User, now: datetime | None = None) -> list[dict]:
    """The user's daily list as JSON-ready dicts, best first (three queries)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    items: dict[tuple[str, int], dict] = {}

    def take(key: tuple[str, int], deal_id, customer_id, row: dict) -> dict:
        if key in items:
            _merge(items[key], row)
        else:
            items[key] = _item(deal_id=deal_id, customer_id=customer_id, row=row)
        return items[key]

    for row in _due_followups(user, now):
        deal_id = row["deal_id"]
        key = ("deal", deal_id) if deal_id else ("customer", row["customer_id"])
        item = take(key, deal_id, row["customer_id"], row)
        days = _days(today, row["next_due_on"])
        if not any(r["code"] == REASON_DUE for r in item["reasons"]):
            item["reasons"].append(
                {
                    "code": REASON_DUE,
                    "followup": row["id"],
                    "due": row["next_due_on"].isoformat(),
                    "days": days,
                }
            )
        item["overdue_days"] = max(item["overdue_days"], days)
        close = row["deal__expected_close_date"]
        if close and row["deal__status"] == Deal.Status.OPEN:
            item["close_days"] = (close - today).days
    for row in _stalled_deals(user, now):
        item = take(("deal", row["id"]), row["id"], row["customer_id"], row)
        deal = Deal(**{k: row[k] for k in ("status", "stalls_at", "last_activity_at")})
        deal.created_at = row["created_at"]
        item["reasons"].append({"code": REASON_STALLED, "why": stall_reasons(deal, now=now)})
        item["overdue_days"] = max(item["overdue_days"], _stalled_days(row, now))
        if row["expected_close_date"]:
            item["close_days"] = (row["expected_close_date"] - today).days
    best_deal: dict[int, dict] = {}
    for item in items.values():
        if item["deal"] and item["score"] > best_deal.get(item["customer"], {"score": -1})["score"]:
            best_deal[item["customer"]] = item
    for row in _a_customers(user, now):
        target = items.get(("customer", row["id"])) or best_deal.get(row["id"])
        if target is None:
            target = take(("customer", row["id"]), None, row["id"], row)
        target["reasons"].append({"code": REASON_A_TIER})
    return sorted(
        items.values(),
        key=lambda i: (
            -i["score"],
            -i["overdue_days"],
            KIND_ORDER["deal" if i["deal"] else "customer"],
            i["deal"] or i["customer"],
        ),
    )


def daily_list_get(*, user: User, day=None) -> DailyList | None:
    return DailyList.objects.filter(user=user, day=day or timezone.localdate()).first()


# Whose list ---------------------------------------------------------------------------------


def today_team_users(*, viewer: User) -> list[User]:
    """Other users whose lists the viewer may open (their deal scope: team, subtree or all)."""
    return list(visible_users(viewer).exclude(pk=viewer.pk).order_by("team__path", "username"))


def today_user_for(*, viewer: User, user_id: str | None) -> User:
    """The user whose list is asked for (?user=): the viewer, or a user in their scope; 404
    for anyone else, existing or not."""
    if not user_id:
        return viewer
    if not str(user_id).isdigit():
        raise Http404
    user = visible_users(viewer).filter(pk=int(user_id)).first()
    if user is None:
        raise Http404
    return user


# Page rows ----------------------------------------------------------------------------------


@dataclass
class TodayRow:
    item: dict
    customer: Customer
    deal: Deal | None = None
    followup: FollowUp | None = None
    handled: bool = False
    reasons: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)

    @property
    def score(self) -> int:
        return self.item["score"]

    @property
    def next_step(self) -> str:
        if self.followup is not None and self.followup.next_step:
            return self.followup.next_step
        return self.deal.next_step if self.deal is not None else ""

    @property
    def record_query(self) -> str:
        """The follow-up form's query: the deal or customer, the planned step as the summary."""
        params = {"deal": self.deal.pk} if self.deal is not None else {"customer": self.customer.pk}
        if self.next_step:
            params["summary"] = self.next_step
        return urlencode(params)


def _reason_texts(item: dict) -> list[str]:
    texts = []
    for reason in item["reasons"]:
        code = reason["code"]
        if code == REASON_DUE:
            days = reason["days"]
            texts.append(
                ngettext(
                    "Follow-up overdue by %(days)d day",
                    "Follow-up overdue by %(days)d days",
                    days,
                )
                % {"days": days}
                if days
                else _("Follow-up due today")
            )
        elif code == REASON_STALLED:
            why = " / ".join(str(REASON_LABELS[w]) for w in reason["why"] if w in REASON_LABELS)
            texts.append(_("Stalled: %(why)s") % {"why": why} if why else _("Stalled"))
        elif code == REASON_A_TIER:
            texts.append(_("A customer: no follow-up today yet"))
    return texts


def explain(item: dict, *, tier: str, deal: Deal | None, amount_visible: bool) -> list[str]:
    """The score's terms as sentences ("A tier +30", "¥120,000 × 60 % → +7", …)."""
    terms = item["terms"]
    parts = (
        [_("%(tier)s tier +%(points)d") % {"tier": tier, "points": terms["tier"]}]
        if tier
        else [_("tier +%(points)d") % {"points": terms["tier"]}]
    )
    if terms["amount"]:
        if amount_visible and deal is not None and deal.amount not in (None, ""):
            parts.append(
                _("%(amount)s × %(probability)d %% → +%(points)d")
                % {
                    "amount": cny(Decimal(deal.amount)),
                    "probability": deal.effective_probability,
                    "points": terms["amount"],
                }
            )
        else:
            parts.append(_("weighted amount +%(points)d") % {"points": terms["amount"]})
    if terms["overdue"]:
        days = item["overdue_days"]
        parts.append(
            ngettext("%(days)d day overdue +%(points)d", "%(days)d days overdue +%(points)d", days)
            % {"days": days, "points": terms["overdue"]}
        )
    if terms["close"]:
        days = item["close_days"]
        if days is None or days <= 0:
            text = _("signing date reached +%(points)d") % {"points": terms["close"]}
        else:
            text = ngettext(
                "signing in %(days)d day +%(points)d", "signing in %(days)d days +%(points)d", days
            ) % {"days": days, "points": terms["close"]}
        parts.append(text)
    return parts


def _handled(items: list[dict], day) -> tuple[set[int], set[int]]:
    """Deals and customers with a follow-up that happened on `day` (one query; the deal and
    customer timeline indexes serve it)."""
    deal_ids = [i["deal"] for i in items if i["deal"]]
    customer_ids = [i["customer"] for i in items if not i["deal"]]
    if not deal_ids and not customer_ids:
        return set(), set()
    rows = FollowUp.objects.filter(
        Q(deal_id__in=deal_ids) | Q(customer_id__in=customer_ids),
        occurred_at__gte=day_start(day),
        planned=False,
    ).values_list("deal_id", "customer_id")
    deals, customers = set(), set()
    for deal_id, customer_id in rows:
        deals.add(deal_id)
        customers.add(customer_id)
    return deals, customers


def daily_list_rows(*, viewer: User, daily: DailyList) -> list[TodayRow]:
    """The list's items with their records loaded through the viewer's scope and field policy
    (items the viewer cannot see, or now in the trash, are left out): four queries."""
    items = daily.items
    deal_ids = [i["deal"] for i in items if i["deal"]]
    customer_ids = [i["customer"] for i in items if not i["deal"]]
    followup_ids = [r["followup"] for i in items for r in i["reasons"] if r["code"] == REASON_DUE]
    deals = {
        d.pk: d
        for d in scope_queryset(viewer, Deal.objects.filter(pk__in=deal_ids)).select_related(
            "customer", "stage"
        )
    }
    customers = {
        c.pk: c for c in scope_queryset(viewer, Customer.objects.filter(pk__in=customer_ids))
    }
    followups = (
        {f.pk: f for f in scope_queryset(viewer, followup_queryset().filter(pk__in=followup_ids))}
        if followup_ids
        else {}
    )
    handled_deals, handled_customers = _handled(items, daily.day)
    amount_visible = permissions_for(viewer).visible("deal", "amount") and permissions_for(
        viewer
    ).visible("deal", "probability")
    rows = []
    for item in items:
        deal = deals.get(item["deal"]) if item["deal"] else None
        customer = deal.customer if deal is not None else customers.get(item["customer"])
        if customer is None or (item["deal"] and deal is None):
            continue
        due = next((r for r in item["reasons"] if r["code"] == REASON_DUE), None)
        rows.append(
            TodayRow(
                item=item,
                customer=customer,
                deal=deal,
                followup=followups.get(due["followup"]) if due else None,
                handled=(
                    item["deal"] in handled_deals
                    if item["deal"]
                    else item["customer"] in handled_customers
                ),
                reasons=_reason_texts(item),
                explanation=explain(
                    item,
                    tier=customer.tier,
                    deal=deal,
                    amount_visible=amount_visible,
                ),
            )
        )
    return rows
