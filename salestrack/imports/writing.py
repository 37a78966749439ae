"""Writing one chunk's plans in bulk (inside the commit's transaction)."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from salestrack.audit.services import audit_snapshot
from salestrack.customers.models import Contact, Customer
from salestrack.customers.services import contact_search_key, customer_search_key
from salestrack.deals.models import Deal, DealLine, StageChange
from salestrack.deals.services import STATUS_BY_KIND, reached_stage_after
from salestrack.deals.stalls import stalls_at_for
from salestrack.imports.fastinsert import insert_rows
from salestrack.imports.followups import write_followups
from salestrack.imports.plans import RowPlan
from salestrack.imports.searchkeys import pinyin_search_key
from salestrack.imports.stagemoves import record_stage_moves, stage_move_values
from salestrack.pipeline.models import Stage


class Writer:
    """The writing half of engine.Importer."""

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
