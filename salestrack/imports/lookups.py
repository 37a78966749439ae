"""What the rows of an import are compared with, loaded once per import."""

from collections import defaultdict

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from salestrack.access.policy import permissions_for
from salestrack.access.scope import scope_queryset, visible_users
from salestrack.accounts.models import User
from salestrack.activities.models import FollowUp
from salestrack.core.exceptions import ApplicationError
from salestrack.core.names import company_block, company_block_range, company_key
from salestrack.customers.models import Contact, Customer
from salestrack.deals.models import Deal
from salestrack.imports import cleaning
from salestrack.imports.followups import existing_keys
from salestrack.pipeline.models import Pipeline, Stage


def _choice_options(choices) -> dict[str, str]:
    """Each choice by value and by its label in every UI language."""
    options: dict[str, str] = {}
    for code, _lang in settings.LANGUAGES:
        with translation.override(code):
            for value, label in choices:
                options.setdefault(cleaning.choice_key(str(label)), value)
    for value, _label in choices:
        options[cleaning.choice_key(value)] = value
    return options


def import_pipeline(pipeline_id: int | None) -> Pipeline:
    """The active pipeline a deals file is read against: the chosen one, else the default."""
    pipelines = Pipeline.objects.filter(is_active=True)
    found = (
        pipelines.filter(pk=pipeline_id) if pipeline_id else pipelines.filter(is_default=True)
    ).first()
    if found is None:
        if pipeline_id:
            raise ApplicationError(_("The chosen pipeline no longer exists or is archived."))
        raise ApplicationError(_("There is no default pipeline."))
    return found


class Lookups:
    """Everything rows are compared with, loaded once per import (a few queries)."""

    def __init__(
        self,
        *,
        actor: User,
        record_type: str,
        stage_map: dict[str, int],
        pipeline_id: int | None = None,
    ):
        self.actor = actor
        self.perms = permissions_for(actor)
        self.threshold = settings.SALESTRACK_IMPORT_FUZZY_THRESHOLD
        customers = scope_queryset(actor, Customer.objects.all())
        self.customers: dict[str, tuple[int, str]] = {}
        self.blocks: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
        names: dict[int, str] = {}
        for pk, name in customers.values_list("pk", "name").iterator(chunk_size=5000):
            key = company_key(name)
            names[pk] = name
            if key and key not in self.customers:
                self.customers[key] = (pk, name)
                self.blocks[company_block(key)][key] = pk
        self.names = names
        self.writable_customers = set(
            scope_queryset(actor, Customer.objects.all(), write=True).values_list("pk", flat=True)
        )
        self.phones: dict[str, int] = {}
        self.emails: dict[str, int] = {}
        self.contact_names: set[tuple[int, str]] = set()
        contacts = Contact.objects.filter(customer__in=customers.values("pk")).values_list(
            "customer_id", "name", "phone", "email"
        )
        for customer_id, name, phone, email in contacts.iterator(chunk_size=5000):
            self.contact_names.add((customer_id, name))
            canonical = cleaning.canonical_phone(phone) if phone else ""
            if canonical:
                self.phones.setdefault(canonical, customer_id)
            if email:
                self.emails.setdefault(email.lower(), customer_id)
        self.deals: dict[tuple[int, str], int] = {}
        self.writable_deals: set[int] = set()
        self.deal_stages: dict[int, int] = {}  # deals: id -> current stage id
        self._gated_stages: list[Stage] | None = None
        self.stages: dict[str, Stage] = {}
        self.stage_by_id: dict[int, Stage] = {}
        self.first_stage: Stage | None = None
        self.followups: set = set()
        if record_type == "followups":
            self.followups = existing_keys(scope_queryset(actor, FollowUp.objects.all()))
            for pk, customer_id, title in (
                scope_queryset(actor, Deal.objects.all())
                .values_list("pk", "customer_id", "title")
                .iterator(chunk_size=5000)
            ):
                self.deals.setdefault((customer_id, cleaning.choice_key(title)), pk)
        if record_type == "deals":
            deals = scope_queryset(actor, Deal.objects.all())
            rows = deals.values_list("pk", "customer_id", "title", "stage_id")
            for pk, customer_id, title, stage_id in rows.iterator(chunk_size=5000):
                self.deals.setdefault((customer_id, cleaning.choice_key(title)), pk)
                self.deal_stages[pk] = stage_id
            self.writable_deals = set(
                scope_queryset(actor, Deal.objects.all(), write=True).values_list("pk", flat=True)
            )
            self.pipeline = import_pipeline(pipeline_id)
            stages = list(self.pipeline.stages.order_by("position"))
            for stage in stages:
                self.stage_by_id[stage.pk] = stage
                for label in (stage.name, stage.name_en):
                    if label:
                        self.stages.setdefault(cleaning.choice_key(label), stage)
            for raw, stage_id in stage_map.items():
                if stage_id and int(stage_id) in self.stage_by_id:
                    self.stages[raw] = self.stage_by_id[int(stage_id)]
            self.first_stage = next((s for s in stages if s.is_open), None)
        self.owners: dict[str, User] = {}
        self.owners_by_pk: dict[int, User] = {}
        for user in visible_users(actor):
            self.owners_by_pk[user.pk] = user
            self.owners.setdefault(user.username.casefold(), user)
            if user.display_name:
                self.owners.setdefault(cleaning.choice_key(user.display_name), user)
        self.choices = {
            "source": _choice_options(Customer.Source.choices),
            "tier": _choice_options(Customer.Tier.choices),
            "size": _choice_options(Customer.Size.choices),
            "kind": _choice_options(FollowUp.Kind.choices),
        }

    def gated_stages(self) -> list[Stage]:
        """The pipeline's stages with their exit criteria (loaded when a row first moves)."""
        if self._gated_stages is None:
            self._gated_stages = list(
                self.pipeline.stages.order_by("position").prefetch_related("requirements")
            )
        return self._gated_stages

    def fuzzy(self, key: str) -> tuple[int, str, int] | None:
        """The most similar existing company (id, name, score) at or above the threshold."""
        if not key:
            return None
        best = None
        head, low, high = company_block_range(key)
        for length in range(low, high + 1):
            block = self.blocks.get((head, length))
            if not block:
                continue
            found = process.extractOne(
                key, block.keys(), scorer=fuzz.ratio, score_cutoff=self.threshold
            )
            if found and (best is None or found[1] > best[1]):
                best = found
        if best is None:
            return None
        pk = self.blocks[company_block(best[0])][best[0]]
        return pk, self.names[pk], int(best[1])
