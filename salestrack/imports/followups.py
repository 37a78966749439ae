"""Follow-up rows: plan (customer and deal found among the importer's records) and write.

A follow-up import is history: follow-ups are created as they were, earlier pending ones of
the same thread (deal, or customer without deal) are marked done by the latest one, and the
customers' and deals' last activity (and a deal's next due date) move forward when the file
has later follow-ups. The undo record keeps what those updates replaced.
"""

from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from salestrack.activities.models import FollowUp
from salestrack.core.names import company_key
from salestrack.customers.models import Customer
from salestrack.deals.models import Deal
from salestrack.imports import cleaning
from salestrack.imports.fastinsert import insert_rows
from salestrack.imports.state import digest, id_chunks

if TYPE_CHECKING:
    from salestrack.imports.engine import Importer
    from salestrack.imports.plans import RowPlan

IN_CHUNKS = 500


def followup_key(customer_id: int, deal_id: int | None, occurred: datetime, summary: str):
    """What makes two follow-ups the same: customer, deal, local day and summary."""
    day = timezone.localdate(occurred)
    return customer_id, deal_id, day, cleaning.choice_key(summary)[:200]


def existing_keys(followups) -> set:
    return {
        followup_key(customer_id, deal_id, occurred, summary)
        for customer_id, deal_id, occurred, summary in followups.values_list(
            "customer_id", "deal_id", "occurred_at", "summary"
        ).iterator(chunk_size=5000)
    }


def plan_followup(importer: "Importer", plan: "RowPlan") -> None:
    values, lookups = plan.values, importer.lookups
    header = importer.header_of
    if not importer.perms.can("followup", "create"):
        plan.errors.append(("", _("Your role may not create follow-ups.")))
        return
    occurred = values["occurred_at"]
    if occurred > timezone.now() + timedelta(minutes=5):
        plan.errors.append((header("occurred_at"), _("in the future")))
    due = values.get("next_due_on")
    if due and due < timezone.localdate(occurred):
        plan.errors.append((header("next_due_on"), _("before the follow-up")))
    if plan.errors:
        return
    key = company_key(values["name"])
    found = lookups.customers.get(key)
    if found:
        customer_id = found[0]
    else:
        similar = lookups.fuzzy(key)
        if similar is None:
            plan.errors.append((header("name"), _("no such customer among yours")))
            return
        plan.match_id, plan.match_label, plan.score = similar
        decision = importer._decide(plan, importer.options.fuzzy)
        if decision == "ask":
            plan.action = "ask"
            plan.note = _("customer similar to an existing one: choose")
            return
        if decision != "update":  # follow-ups never create customers
            plan.action = "skip"
            plan.note = _("customer not found")
            return
        customer_id = similar[0]
    deal_id = None
    if values.get("title"):
        deal_id = lookups.deals.get((customer_id, cleaning.choice_key(values["title"])))
        if deal_id is None:
            plan.errors.append((header("title"), _("no such deal of this customer")))
            return
    same = followup_key(customer_id, deal_id, occurred, values["summary"])
    seen = digest("f", *same)
    earlier = importer.index.get(seen)
    if earlier:
        plan.action, plan.note = "skip", _("duplicate of row %(row)d") % {"row": earlier[0]}
        return
    importer.index.add(seen, plan.number)
    if same in lookups.followups and importer._decide(plan, importer.options.exact) != "create":
        plan.action, plan.note = "skip", _("already recorded")
        return
    owner = values.get("owner") or importer.actor
    plan.customer_id = customer_id
    plan.followup = {
        "deal_id": deal_id,
        "owner": owner,
        "team_id": owner.team_id,
        "next_due_on": None,
        "kind": values.get("kind") or FollowUp.Kind.CALL,
        "occurred_at": occurred,
        **{
            name: values[name]
            for name in ("summary", "customer_words", "next_step", "next_due_on")
            if name in values
        },
    }
    plan.action = "create"


def write_followups(importer: "Importer", plans: list["RowPlan"]) -> None:
    rows = []
    for p in plans:
        data = dict(p.followup)
        owner = data.pop("owner")
        rows.append({**data, "customer_id": p.customer_id, "owner_id": owner.pk})
    ids = insert_rows(FollowUp, rows, now=timezone.now())
    importer.created["followup"].extend(ids)
    latest = importer.followup_threads  # thread -> (id, occurred_at, next_due_on)
    for pk, row in zip(ids, rows, strict=True):
        thread = (row["customer_id"], row["deal_id"])
        if thread not in latest or row["occurred_at"] >= latest[thread][1]:
            latest[thread] = (pk, row["occurred_at"], row["next_due_on"])


def _chunks(ids: list) -> list[list]:
    return [ids[i : i + IN_CHUNKS] for i in range(0, len(ids), IN_CHUNKS)]


def finish_followups(importer: "Importer") -> None:
    """After the last chunk: close earlier pending follow-ups, move last activity forward."""
    latest = importer.followup_threads
    if not latest:
        return
    undo = importer.undo
    created = importer.created["followup"]
    # Earlier pending follow-ups of each thread are done when the latest one happened.
    customer_ids = sorted({c for c, _d in latest})
    done: list[FollowUp] = []
    for ids in _chunks(customer_ids):
        pending = FollowUp.objects.filter(customer_id__in=ids, done_at__isnull=True).only(
            "pk", "customer_id", "deal_id", "occurred_at"
        )
        for f in pending:
            last = latest.get((f.customer_id, f.deal_id))
            if last is not None and f.pk != last[0] and f.occurred_at <= last[1]:
                f.done_at = last[1]
                done.append(f)
    FollowUp.objects.bulk_update(done, ["done_at"], batch_size=1000)
    undo["done"] = [f.pk for f in done if f.pk not in created]
    # Customers: the latest activity.
    by_customer: dict[int, datetime] = defaultdict(lambda: None)
    for (customer_id, _deal_id), f in latest.items():
        if by_customer[customer_id] is None or f[1] > by_customer[customer_id]:
            by_customer[customer_id] = f[1]
    activity = undo.setdefault("activity", {"customer": {}, "deal": {}})
    changed = []
    for ids in _chunks(customer_ids):
        for customer in Customer.all_objects.filter(pk__in=ids).only("pk", "last_activity_at"):
            new = by_customer[customer.pk]
            if customer.last_activity_at is None or customer.last_activity_at < new:
                activity["customer"][str(customer.pk)] = _iso(customer.last_activity_at)
                customer.last_activity_at = new
                changed.append(customer)
    Customer.all_objects.bulk_update(changed, ["last_activity_at"], batch_size=1000)
    # Deals: the latest activity and what its latest follow-up set as next due.
    deal_threads = {d: f for (_c, d), f in latest.items() if d is not None}
    changed = []
    for ids in _chunks(sorted(deal_threads)):
        for deal in Deal.all_objects.filter(pk__in=ids).only(
            "pk", "last_activity_at", "next_due_on"
        ):
            _pk, occurred_at, next_due_on = deal_threads[deal.pk]
            if deal.last_activity_at is None or deal.last_activity_at <= occurred_at:
                activity["deal"][str(deal.pk)] = [
                    _iso(deal.last_activity_at),
                    deal.next_due_on.isoformat() if deal.next_due_on else None,
                ]
                deal.last_activity_at, deal.next_due_on = occurred_at, next_due_on
                changed.append(deal)
    Deal.all_objects.bulk_update(changed, ["last_activity_at", "next_due_on"], batch_size=1000)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def undo_followups(undo: dict) -> None:
    """Remove the imported follow-ups and give back what they changed."""
    from django.utils.dateparse import parse_date, parse_datetime

    for ids in id_chunks(undo["created"].get("followup", []), IN_CHUNKS):
        FollowUp.objects.filter(pk__in=ids).delete()
    for ids in _chunks(undo.get("done", [])):
        FollowUp.objects.filter(pk__in=ids).update(done_at=None)
    activity = undo.get("activity", {})
    for pk, value in activity.get("customer", {}).items():
        Customer.all_objects.filter(pk=int(pk)).update(
            last_activity_at=parse_datetime(value) if value else None
        )
    for pk, (last, due) in activity.get("deal", {}).items():
        Deal.all_objects.filter(pk=int(pk)).update(
            last_activity_at=parse_datetime(last) if last else None,
            next_due_on=parse_date(due) if due else None,
        )
