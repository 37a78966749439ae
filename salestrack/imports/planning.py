"""Planning a cleaned row: create, update, skip, ask or error, against the lookups and the
rows of the file before it (no query per row)."""

from django.utils.translation import gettext as _

from salestrack.accounts.models import User
from salestrack.core.names import company_key
from salestrack.imports import cleaning
from salestrack.imports.followups import plan_followup
from salestrack.imports.plans import (
    CONTACT_FIELDS,
    CUSTOMER_VALUE_FIELDS,
    DEAL_VALUE_FIELDS,
    DECISIONS,
    NewRecord,
    RowPlan,
)
from salestrack.imports.stagemoves import plan_stage_move
from salestrack.imports.state import digest


class Planner:
    """The planning half of engine.Importer."""

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

    def _decide_on_match(
        self, plan: RowPlan, match: tuple[int, str, int], default: str, *, ask: str, skip: str
    ) -> str | None:
        """Record the existing customer a row matches and the user's decision on it: None when
        that ends the row (asked, or skipped, with its note), else "update" or "create"."""
        plan.match_id, plan.match_label, plan.score = match
        decision = self._decide(plan, default)
        if decision in ("ask", "skip"):
            plan.action = decision
            plan.note = ask if decision == "ask" else skip
            return None
        return decision

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

    def _similar_in_file(self, plan: RowPlan, key: str) -> tuple[int, str, int] | None:
        """An earlier row of the file whose company is similar (the preview's answer when the
        commit has it)."""
        if plan.cached_similar is not None:
            found = tuple(plan.cached_similar) or None
        else:
            found = self.index.similar_name(key, self.lookups.threshold)
        plan.in_file_similar = list(found) if found else []
        return found

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
        similar = None if kind else self._similar_in_file(plan, key)
        self.index.add_name(key, plan.number, plan.values["name"])
        if similar is not None:
            self._plan_similar_in_file(plan, key, *similar)
            return
        if kind:
            decision = self._decide_on_match(
                plan,
                (pk, name, score),
                self.options.exact if kind == "exact" else self.options.fuzzy,
                ask=_("similar to an existing customer: choose"),
                skip=_("already exists"),
            )
            if decision is None:
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
                decision = self._decide_on_match(
                    plan,
                    (pk, name, score),
                    self.options.fuzzy,
                    ask=_("customer similar to an existing one: choose"),
                    skip=_("customer already exists"),
                )
                if decision is None:
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
                similar = self._similar_in_file(plan, key)
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
        if "stage" in data:
            plan.note = _("updates the existing deal and moves it to %(stage)s") % {
                "stage": data["stage"].label
            }
