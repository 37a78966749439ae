"""The authorization matrix: one table of every URL × role × record relation, and its world.

Shared by test_authorization_matrix.py (status of every case, and that every URL has a rule),
test_refused_writes_snapshot.py (refused POSTs leave the database identical) and
test_masking_bytes.py (the snapshot helper).

Requesters. For each role the requester is Alice (team A) given that role, except:
- "manager": Mia, manager of the department above teams A and B (the subtree is both teams);
- "manager_a": Alice given the manager role, so her subtree is team A only: the "other team"
  record is out of her scope. Not a separate role, a second placement of the manager role.

Relations. "own": a record the requester owns; "team": Bob's (team A); "other": Charlie's
(team B). "-": the URL takes no record (list pages, settings pages).

Outcomes. ALLOW: 200 or 302. NOOP: 200 or 302 and nothing written (a form or service refusal
shown as a message). DENY: 403. HIDDEN: 404.
"""

import csv
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from salestrack.access.models import Role, Share
from salestrack.access.role_services import role_create, role_rules
from salestrack.accounts.models import User
from salestrack.activities.models import FollowUp
from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.audit.models import AuditEntry
from salestrack.core.tests.factories import TeamFactory, UserFactory
from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.deals import services as deal_services
from salestrack.deals.models import Deal, DealLine
from salestrack.deals.tests.factories import DealFactory, ProductFactory
from salestrack.goals.models import Goal
from salestrack.goals.periods import period_bounds
from salestrack.hygiene.services import MERGE_FIELDS
from salestrack.imports import services as import_services
from salestrack.imports.models import ImportBatch, SavedMapping
from salestrack.notifications.models import Notification
from salestrack.pipeline.models import Pipeline, Stage
from salestrack.pool.models import PoolEvent
from salestrack.risks.models import RiskFlag
from salestrack.tiers.models import TierProposal

ALLOW, NOOP, DENY, HIDDEN = "allow", "noop", "deny", "hidden"
STATUSES = {ALLOW: (200, 302), NOOP: (200, 302), DENY: (403,), HIDDEN: (404,)}

ROLES = ("admin", "director", "manager", "manager_a", "rep", "finance", "marketing", "auditor")
RELATIONS = ("own", "team", "other")
NO_RECORD = "-"
ALL3 = frozenset(RELATIONS)

# Which relations each requester reaches, per scope of the role (builtin_roles.py).
SEES = {
    "admin": ALL3,
    "director": ALL3,
    "manager": ALL3,
    "manager_a": frozenset({"own", "team"}),
    "rep": frozenset({"own"}),
    "finance": ALL3,
    "marketing": ALL3,
    "auditor": frozenset(),
}
# Follow-ups: finance and marketing have scope "none" on them.
SEES_FOLLOWUPS = {**SEES, "finance": frozenset(), "marketing": frozenset()}

ADMIN = frozenset({"admin"})
WRITERS = frozenset({"admin", "director", "manager", "manager_a", "rep"})  # create/edit/delete
BULK = frozenset({"admin", "director", "manager", "manager_a"})
HANDOVER = frozenset({"admin", "director", "manager", "manager_a"})
EVERYONE = frozenset(ROLES)

# Pages left out of the matrix, with the reason.
SKIPPED = {
    "accounts:login": "the login page: for anonymous users, no role applies",
    "accounts:logout": "logging out: every user may, nothing to authorize",
    "accounts:language": "the language switch: every user (and anonymous) may, own setting only",
}
# URLs added by other work while the matrix was written, with no rule yet: listed so the suite
# stays green, reported, and test_no_url_is_pending_a_rule fails while it is not empty.
PENDING: dict[str, str] = {}
SKIPPED_NAMESPACES = {"admin": "Django's admin site: is_staff decides, not the roles"}


@dataclass
class Rec:
    """The records of one relation: all owned by `owner`."""

    owner: User
    customer: Customer
    contact: object
    deal: Deal
    line: DealLine
    followup: object
    share: Share
    entry_seq: int  # an UPDATE audit entry of `deal` (its title), for audit:revert
    trashed: Deal  # a deal in the trash, for trash:restore / trash:purge
    goal: Goal  # a rep goal (this month, new customers) for `owner`
    proposal: TierProposal  # an open tier proposal on `customer`
    flag: RiskFlag  # an open risk flag on `deal`
    stale: Customer  # no interaction for years (hygiene:stale, archive, merge)
    archived: Customer  # archived (hygiene:archived, unarchive)
    batch: ImportBatch  # an import of `owner` in preview (one customer row of its own)
    done_batch: ImportBatch  # a finished import of `owner` that created `imported`
    imported: Customer  # created by `done_batch` (undo sends it to the trash)
    notification: Notification | None = None  # one for `owner` (notifications:open/read)


@dataclass
class World:
    """Built once per test module (and worker); each test sets `role` and `requester`."""

    personas: object
    recs: dict[str, Rec]  # by owner username: alice, bob, charlie, mia
    stage: Stage  # the first stage of the default pipeline (every deal is there)
    next_stage: Stage
    pipeline: Pipeline
    role_obj: Role  # a custom role the settings pages may change or delete
    product: object
    pooled: Customer  # waiting in the public pool, owned and released by the admin persona
    role: str = ""
    requester: User | None = None

    def owner_of(self, rel: str) -> str:
        if rel == "own":
            return "mia" if self.role == "manager" else "alice"
        return {"team": "bob", "other": "charlie"}[rel]

    def rec(self, rel: str) -> Rec:
        return self.recs[self.owner_of(rel)]

    def act_as(self, role: str) -> User:
        self.role = role
        self.requester = requester_for(self.personas, role)
        return self.requester


def marker(kind: str, rel: str) -> str:
    """A distinctive text per record kind (客户, 商机, 跟进) and owner."""
    return f"矩阵{kind}-{rel}-标记"


def marker_of(rec: "Rec", kind: str) -> str:
    if kind == "目标":  # goals show no record name: the link to the goal is the marker
        return f'href="{rec.goal.get_absolute_url()}"'
    return {
        "客户": rec.customer.name,
        "商机": rec.deal.title,
        "跟进": rec.followup.summary,
        "陈旧": rec.stale.name,
        "归档": rec.archived.name,
        "导入": rec.batch.file_name,
    }[kind]


def requester_for(personas, role: str) -> User:
    user = personas.mia if role == "manager" else personas.alice
    User.objects.filter(pk=user.pk).update(role="manager" if role == "manager_a" else role)
    return User.objects.get(pk=user.pk)  # permissions are cached on the user object


def make_personas():
    """The conftest personas, for a world built outside a test function."""
    from salestrack.conftest import Personas

    department = TeamFactory(name="华东大区")
    team_a = TeamFactory(name="上海一组", parent=department)
    team_b = TeamFactory(name="杭州二组", parent=department)
    return Personas(
        department=department,
        team_a=team_a,
        team_b=team_b,
        alice=UserFactory(username="alice", display_name="艾丽丝", team=team_a),
        bob=UserFactory(username="bob", display_name="鲍勃", team=team_a),
        charlie=UserFactory(username="charlie", display_name="查理", team=team_b),
        mia=UserFactory(username="mia", display_name="米娅", team=department, role="manager"),
        admin=UserFactory(
            username="admin",
            display_name="管理员",
            team=None,
            role="admin",
            is_staff=True,
            is_superuser=True,
        ),
    )


def build_world(personas) -> World:
    """Records for Alice, Bob, Charlie and Mia, each carrying a marker in its name. Alice's are
    marked "own" (she is the requester for every role but the department manager), Mia's
    "mia"; `World.rec(rel)` picks the requester's own records for "own"."""
    pipeline = Pipeline.objects.get(is_default=True)
    stages = list(pipeline.stages.order_by("position"))
    product = ProductFactory()
    month = period_bounds(Goal.PeriodKind.MONTH, timezone.localdate())
    owners = {
        "alice": (personas.alice, "own"),
        "bob": (personas.bob, "team"),
        "charlie": (personas.charlie, "other"),
        "mia": (personas.mia, "mia"),
    }
    long_ago = timezone.now() - datetime.timedelta(days=3 * 365)
    recs = {}
    for key, (owner, rel) in owners.items():
        customer = CustomerFactory(owner=owner, name=marker("客户", rel))
        contact = ContactFactory(customer=customer, name=f"联系人{rel}")
        deal = DealFactory(customer=customer, title=f"{marker('商机', rel)}-初")
        # An UPDATE entry in the audit trail (the title), for audit:revert.
        deal = deal_services.deal_update(
            deal=deal,
            actor=personas.admin,
            expected_version=deal.version,
            data={"title": marker("商机", rel)},
        )
        line = DealLine.objects.create(
            deal=deal, product=product, quantity=1, unit_price=Decimal("1000"), total=1000
        )
        followup = FollowUpFactory(
            customer=customer,
            deal=deal,
            summary=marker("跟进", rel),
            next_due_on=timezone.localdate(),
        )
        share = Share.objects.create(
            object_type="customers.customer",
            object_id=customer.pk,
            user=personas.admin,
            created_by=owner,
        )
        trashed = DealFactory(customer=customer, title=f"回收站商机-{rel}")
        Deal.all_objects.filter(pk=trashed.pk).update(deleted_at=timezone.now(), deleted_by=owner)
        entry = AuditEntry.objects.filter(
            object_type="deals.deal", object_id=str(deal.pk), action=AuditEntry.Action.UPDATE
        ).latest("seq")
        goal = Goal.objects.create(
            period_kind=Goal.PeriodKind.MONTH,
            start=month[0],
            end=month[1],
            scope_kind=Goal.ScopeKind.REP,
            user=owner,
            metric=Goal.Metric.NEW_CUSTOMERS,
            target=Decimal(5),
            note=f"矩阵目标-{rel}",
            created_by=personas.admin,
        )
        proposal = TierProposal.objects.create(
            customer=customer,
            kind=TierProposal.Kind.UPGRADE,
            from_tier=customer.tier,
            to_tier="A" if customer.tier != "A" else "B",
            reasons=[{"code": "fast_advance", "params": {"deal": deal.title, "stages": 2}}],
        )
        flag = RiskFlag.objects.create(
            deal=deal, kind=RiskFlag.Kind.OTHER, reason="矩阵风险", raised_at=timezone.now()
        )
        stale = CustomerFactory(owner=owner, name=marker("陈旧", rel))
        # the contact's phone again: `customer` and `stale` are duplicates (hygiene:duplicates)
        ContactFactory(customer=stale, name=f"陈旧联系人{rel}", phone=contact.phone)
        Customer.objects.filter(pk=stale.pk).update(created_at=long_ago, last_activity_at=long_ago)
        archived = CustomerFactory(owner=owner, name=marker("归档", rel))
        Customer.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
        batch, done_batch, imported = _import_batches(owner, rel)
        recs[key] = Rec(
            owner,
            customer,
            contact,
            deal,
            line,
            followup,
            share,
            entry.seq,
            trashed,
            goal,
            proposal,
            flag,
            stale,
            archived,
            batch,
            done_batch,
            imported,
        )
        recs[key].notification = Notification.objects.create(
            recipient=owner, event="matrix.unregistered", params={}
        )
    # The public pool: released long ago by someone who is never a requester (no cooling).
    pooled_at = timezone.now() - datetime.timedelta(days=365)
    pooled = CustomerFactory(owner=personas.admin, name="矩阵公海客户")
    Customer.objects.filter(pk=pooled.pk).update(
        in_pool_since=pooled_at, released_by=personas.admin
    )
    PoolEvent.objects.create(
        customer=pooled,
        kind=PoolEvent.Kind.RELEASED,
        user=personas.admin,
        previous_owner=personas.admin,
        at=pooled_at,
    )
    # A column mapping for everyone (imports:apply_mapping).
    SavedMapping.objects.create(
        record_type="customers", name="矩阵映射", user=None, columns={"公司名称": "name"}
    )
    make_bots(personas)
    role_obj = role_create(
        key="matrix-tmp",
        name="矩阵临时角色",
        copy_from=Role.objects.get(key="rep"),
        actor=personas.admin,
    )
    return World(
        personas=personas,
        recs=recs,
        stage=stages[0],
        next_stage=stages[1],
        pipeline=pipeline,
        role_obj=role_obj,
        product=product,
        pooled=pooled,
    )


# A company name per owner, like no other record of the world (so no import row is "similar").
IMPORTED_NAMES = {"own": "青松电气", "team": "白鹭航运", "other": "红枫食品", "mia": "蓝鲸软件"}


def _import_batches(owner: User, rel: str) -> tuple[ImportBatch, ImportBatch, Customer]:
    """An import of `owner` in preview (its file under DATA_DIR, set by the conftest) and a
    finished one that created one customer (nothing changed since, so it may be undone)."""
    path = import_services.import_dir() / f"matrix-{rel}.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["公司名称"], [f"{IMPORTED_NAMES[rel]}有限公司"]])
    batch = import_services.batch_create_from_path(
        actor=owner, record_type="customers", path=path, name=f"{marker('导入', rel)}.csv"
    )
    import_services.import_preview(batch=batch)
    imported = CustomerFactory(owner=owner, name=f"紫藤物流{rel}")
    done_batch = ImportBatch.objects.create(
        user=owner,
        record_type="customers",
        file_name=f"已导入-{rel}.csv",
        file_path=str(path),
        status=ImportBatch.Status.DONE,
        total_rows=1,
        created_count=1,
        finished_at=timezone.now() + datetime.timedelta(seconds=1),
        undo={"created": {"customer": [imported.pk]}, "updated": {}},
    )
    return batch, done_batch, imported


# The rules -----------------------------------------------------------------------------------


def scoped(roles_allowed, sees=SEES, otherwise=DENY) -> dict[str, dict[str, str]]:
    """Per role and relation: HIDDEN out of scope, ALLOW for `roles_allowed`, else `otherwise`."""
    return {
        role: {
            rel: HIDDEN if rel not in sees[role] else ALLOW if role in roles_allowed else otherwise
            for rel in RELATIONS
        }
        for role in ROLES
    }


def flat(roles_allowed, otherwise=DENY) -> dict[str, dict[str, str]]:
    """No record involved (or the check comes before the record is loaded)."""
    return {
        role: {rel: ALLOW if role in roles_allowed else otherwise for rel in RELATIONS}
        for role in ROLES
    }


def override(table: dict, **changes: dict[str, str]) -> dict:
    """A copy of a rule's outcomes with some (role -> {relation: outcome}) replaced."""
    out = {role: dict(by_rel) for role, by_rel in table.items()}
    for role, by_rel in changes.items():
        out[role].update(by_rel)
    return out


@dataclass(frozen=True)
class Rule:
    """One URL: how to call it, and what each role gets for each relation.

    `target(world, rel)` returns (args, query or POST data). `per_record`: the cases are the
    three relations; otherwise one case (relation "-") whose outcome is the "own" column.
    `lists`: a list page or export; the value says which marker kind (marker_of: "客户",
    "商机", "跟进", "目标", "陈旧", "归档", "导入") must appear exactly for the relations in
    `shows[role]` (ALLOW outcomes only).
    `variants`: positional-arg variants for one name (the export formats).
    """

    methods: tuple[str, ...]
    outcomes: dict[str, dict[str, str]]
    target: Callable = lambda w, rel: ([], {})
    per_record: bool = True
    lists: str = ""
    shows: dict[str, frozenset] = field(default_factory=dict)
    get_query: bool = False  # a GET sends the target's data as the query string


def _none(w, rel):
    return [], {}


# Notifications belong to their recipient only: someone else's is 404 for every role.
OWN_ONLY = {role: {"own": ALLOW, "team": HIDDEN, "other": HIDDEN} for role in ROLES}


def _notification(w, rel):
    return [w.rec(rel).notification.pk], {}


def _customer(w, rel):
    return [w.rec(rel).customer.pk], {}


def _deal(w, rel):
    return [w.rec(rel).deal.pk], {}


def _customer_edit(w, rel):
    c = w.rec(rel).customer
    return [c.pk], {
        "version": c.version,
        "name": f"{c.name}改",
        "tier": "A",
        "source": "referral",
        "owner": c.owner_id,
        "industry": "制造业",
    }


def _contact_new(w, rel):
    return [w.rec(rel).customer.pk], {"name": "新联系人", "phone": "13900001111"}


def _contact(w, rel):
    r = w.rec(rel)
    return [r.customer.pk, r.contact.pk], {"name": "改名联系人", "phone": "13900002222"}


def _deal_create(w, rel):
    return [], {
        "pipeline": w.pipeline.pk,
        "title": "新商机",
        "customer": w.rec("own").customer.pk,
        "amount": "5000",
        "owner": w.requester.pk,
        "source": "referral",
    }


def _deal_edit(w, rel):
    d = w.rec(rel).deal
    return [d.pk], {
        "version": d.version,
        "title": f"{d.title}改",
        "customer": d.customer_id,
        "amount": "1000.00",
        "owner": d.owner_id,
        "probability": 10,
        "source": "referral",
        "contract_number": "HT-MATRIX-1",
        "payment_received": "10.00",
    }


def _deal_move(w, rel):
    d = w.rec(rel).deal
    return [d.pk], {"to_stage": w.next_stage.pk, "version": d.version}


def _line_add(w, rel):
    return [w.rec(rel).deal.pk], {"product": w.product.pk, "quantity": "2", "unit_price": "10"}


def _line_remove(w, rel):
    r = w.rec(rel)
    return [r.deal.pk, r.line.pk], {}


def _followup_create(w, rel):
    return [], {
        "deal": w.rec(rel).deal.pk,
        "kind": "call",
        "occurred_at": "2026-01-05 10:00",
        "summary": "矩阵新跟进",
    }


def _followup(w, rel):
    return [w.rec(rel).followup.pk], {}


def _share_create(w, rel):
    return ["customers.customer", w.rec(rel).customer.pk], {
        "user": w.personas.charlie.pk if rel != "other" else w.personas.bob.pk,
        "access": "edit",
    }


def _share(w, rel):
    return [w.rec(rel).share.pk], {}


def _role_edit(w, rel):
    rules = role_rules(w.role_obj)
    data = {k: ("on" if v is True else v) for k, v in rules.items() if v is not False}
    return [w.role_obj.key], {**data, "name": "改名角色"}


def _role_key(w, rel):
    return [w.role_obj.key], {}


def _role_new(w, rel):
    return [], {"key": "matrix-new", "name": "新角色", "copy_from": "rep"}


def _revert(w, rel):
    return [w.rec(rel).entry_seq], {"field": "title"}


def _trash(w, rel):
    return ["deal", w.rec(rel).trashed.pk], {}


def _customer_delete(w, rel):
    return [w.rec(rel).customer.pk], {}


def _handover(w, rel):
    r = w.rec(rel)
    to = w.personas.bob if rel == "own" else w.requester
    counts = {
        "customers": Customer.all_objects.filter(owner=r.owner).count(),
        "deals": Deal.all_objects.filter(owner=r.owner).count(),
        "followups": FollowUp.objects.filter(owner=r.owner, done_at__isnull=True).count(),
    }
    return [], {"from_user": r.owner.pk, "to_user": to.pk, **counts, "note": "矩阵交接"}


def _pipeline(w, rel):
    return [w.pipeline.pk], {
        "name": w.pipeline.name,
        "name_en": "Sales",
        "is_default": "on",
        "is_active": "on",
    }


def _pipeline_new(w, rel):
    return [], {"name": "新管道", "name_en": "New", "is_active": "on"}


def _stage_new(w, rel):
    return [w.pipeline.pk], {
        "name": "新阶段",
        "name_en": "New stage",
        "kind": "open",
        "probability": 30,
        "rot_days": 7,
        "color": "#123456",
    }


def _reminder_settings(w, rel):
    return [], {"daily_enabled": "on", "daily_at": "17:30"}


def _cadence_rule(w, rel):
    from salestrack.cadence.models import FollowUpRule

    rule = FollowUpRule.objects.order_by("pk").first()
    return [rule.pk], _cadence_rule_data(rule.name)


def _cadence_rule_new(w, rel):
    return [], _cadence_rule_data("矩阵规则")


def _cadence_rule_data(name: str) -> dict:
    return {
        "name": name,
        "trigger": "after_followup",
        "after_kinds": ["visit"],
        "tiers": ["A"],
        "followup_kind": "call",
        "next_step": "回访",
        "due_within": 1,
        "due_unit": "days",
        "is_active": "on",
    }


def _stage(w, rel):
    s = w.next_stage
    return [w.pipeline.pk, s.pk], {
        "name": s.name,
        "name_en": s.name_en,
        "kind": s.kind,
        "probability": s.probability,
        "rot_days": s.rot_days or 7,
        "color": s.color,
        "direction": "up",
    }


def _stage_column(w, rel):
    return [w.stage.pk], {}


def _customer_bulk(w, rel):
    return [], {"ids": [w.rec(rel).customer.pk], "tier": "A"}


def _deal_bulk(w, rel):
    to = w.personas.bob if rel == "own" else w.requester
    return [], {"ids": [w.rec(rel).deal.pk], "owner": to.pk}


def _fmt(fmt):
    return lambda w, rel: ([fmt], {})


def _goal(w, rel):
    return [w.rec(rel).goal.pk], {}


def _goal_create(w, rel):
    # A rep of team A: within every goal setter's reach (team A, the department, the company).
    return [], {
        "period_kind": "year",
        "period_on": timezone.localdate().isoformat(),
        "subject": f"rep:{w.personas.bob.pk}",
        "metric": "won_count",
        "target": "10",
        "note": "矩阵新目标",
    }


def _goal_plan(w, rel):
    """Propose and save a quarter plan for team A (won amount; the seeded goals count new
    customers, so no duplicate)."""
    return [], {
        "period_kind": "quarter",
        "period_on": timezone.localdate().isoformat(),
        "subject": f"team:{w.personas.team_a.pk}",
        "target": "120000",
        "avg_deal_size": "10000",
        "conversion_pct": "20",
        "margin_pct": "0",
        "time_split": "equal",
        "rep_split": "equal",
        "action": "save",
    }


def _pooled(w, rel):
    return [w.pooled.pk], {}


def _release(w, rel):
    return [w.rec(rel).customer.pk], {"reason": "矩阵放入公海"}


def _proposal(w, rel):
    return [w.rec(rel).proposal.pk], {}


def _tier_override(w, rel):
    c = w.rec(rel).customer
    return [c.pk], {
        "tier": "C" if c.tier != "C" else "B",
        "reason": "矩阵手动",
        "version": c.version,
    }


def _tier_clear(w, rel):
    c = w.rec(rel).customer
    return [c.pk], {"version": c.version}


def _review_decide(w, rel):
    return [w.rec(rel).deal.pk], {"decision": "continue", "note": "矩阵决定"}


def _flag_raise(w, rel):
    return [w.rec(rel).deal.pk], {"kind": "budget_cut", "reason": "矩阵预算"}


def _flag(w, rel):
    return [w.rec(rel).flag.pk], {}


def _archive(w, rel):
    return [], {"ids": [w.rec(rel).stale.pk]}


def _unarchive_many(w, rel):
    return [], {"ids": [w.rec(rel).archived.pk]}


def _unarchive(w, rel):
    return [w.rec(rel).archived.pk], {}


def _merge(w, rel):
    """The requester's own customer keeps, the stale one of `rel` goes (every differing
    field: the survivor's value)."""
    keep, gone = w.rec("own").customer, w.rec(rel).stale
    taken = {f"take_{name}": "first" for name in MERGE_FIELDS}
    return [keep.pk, gone.pk], {
        "survivor": keep.pk,
        "first_version": keep.version,
        "second_version": gone.version,
        **taken,
    }


def _upload(w, rel):
    content = "公司名称\n矩阵上传客户\n".encode()
    return [], {"record_type": "customers", "file": SimpleUploadedFile("矩阵上传.csv", content)}


def _batch(w, rel):
    return [w.rec(rel).batch.pk], {}


def _batch_options(w, rel):
    return [w.rec(rel).batch.pk], {
        "header_row": 1,
        "exact": "skip",
        "fuzzy": "ask",
        "col_0": "name",
    }


def _apply_mapping(w, rel):
    return [w.rec(rel).batch.pk], {"mapping": SavedMapping.objects.get(name="矩阵映射").pk}


def _save_mapping(w, rel):
    return [w.rec(rel).batch.pk], {"name": "矩阵新映射"}


def _done_batch(w, rel):
    return [w.rec(rel).done_batch.pk], {}


def make_bots(personas) -> None:
    """A WeCom bot per team (bots:*). Its address is private: a test send is refused before
    any connection (a message, never the network)."""
    from salestrack.bots.models import Bot

    for team in (personas.department, personas.team_a, personas.team_b):
        Bot.objects.create(
            team=team,
            kind="wecom",
            name=f"矩阵机器人-{team.pk}",
            webhook_url="https://10.255.0.1/cgi-bin/webhook/send?key=m",
        )


def _bot(w, rel):
    """The bot of the team of the relation's owner."""
    from salestrack.bots.models import Bot

    return [Bot.objects.get(team=w.rec(rel).owner.team, name__startswith="矩阵机器人").pk], {}


def _bot_data(team_id) -> dict:
    # a literal public address: accepted without a DNS query, and saving connects nowhere
    return {
        "team": team_id,
        "kind": "wecom",
        "name": "矩阵新机器人",
        "webhook_url": "https://1.1.1.1/cgi-bin/webhook/send?key=matrix",
        "language": "zh-hans",
        "enabled": "on",
    }


def _bot_new(w, rel):
    return [], _bot_data(w.requester.team_id)


def _bot_edit(w, rel):
    args, _data = _bot(w, rel)
    return args, _bot_data(w.rec(rel).owner.team_id)


def _report(w, rel):
    """The weekly report of the relation's owner (a rep report), this week."""
    monday = period_bounds("week", timezone.localdate())[0]
    return ["weekly", "rep", w.rec(rel).owner.pk, monday.isoformat()], {}


def _calendar_feed(w, rel):
    """The requester's own feed address (made on first use): the token is the only key."""
    from salestrack.calendars.services import calendar_token_issue

    return [calendar_token_issue(user=w.requester)], {}


LIST_SHOWS = {role: SEES[role] for role in ROLES}
FOLLOWUP_CREATE = frozenset({"admin", "director", "manager", "manager_a", "rep"})
CUSTOMER_EDIT = WRITERS | {"marketing"}
DEAL_EDIT = WRITERS | {"finance", "marketing"}
# Goals (goals.selectors): setters have a team / subtree / all deal scope with deal create and
# edit rights; everyone sees the company's goals, the teams above their own and their own rep
# goals; team and subtree roles also their subtree's, all-scope roles every goal.
GOAL_SETTERS = frozenset({"admin", "director", "manager", "manager_a"})
SEES_GOALS = {**SEES, "rep": frozenset({"own"}), "auditor": frozenset({"own"})}
# The public pool: roles that may create customers (pool.selectors.pool_may_use).
POOL_USERS = WRITERS
# The weekly risk review: a team, subtree or all deal scope (risks.selectors.can_review).
REVIEWERS = frozenset({"admin", "director", "manager", "manager_a"})  # team scope + create
# The analytics dashboard (analytics.access.analytics_may_view): all but roles without deals.
ANALYTICS = EVERYONE - {"auditor"}
# Data hygiene (hygiene.views): the bulk right on customers.
HYGIENE = BULK
FOLLOWUP_EXPORT = frozenset({"admin", "director", "manager", "manager_a"})
# Imports (imports.services.may_import): the roles that create customers or deals.
IMPORTERS = WRITERS
NOT_IMPORTERS = EVERYONE - IMPORTERS
# A batch is its uploader's; administrators (manage_settings) reach every batch, others 404.
BATCH = {
    role: {"own": ALLOW, "team": HIDDEN, "other": HIDDEN} for role in ROLES if role != "admin"
} | {"admin": dict.fromkeys(RELATIONS, ALLOW)}
# Changing a batch: as reading it, but a role that may not import may not (403).
BATCH_WRITE = override(BATCH, **{role: {"own": DENY} for role in NOT_IMPORTERS})
# The forecast (forecast.selectors.can_view_forecast): the analytics right or a team, subtree
# or all deal scope (reps see only their own deals, auditors none).
FORECASTERS = EVERYONE - {"rep", "auditor"}
# Group bots (bots.selectors.bot_manageable_teams): administrators and all-deal sellers
# (directors) every team's, managers their team's or subtree's (404 beyond); others 403 first.
BOT_MANAGERS = frozenset({"admin", "director", "manager", "manager_a"})
BOTS = override(
    scoped(BOT_MANAGERS), **{r: dict.fromkeys(RELATIONS, DENY) for r in EVERYONE - BOT_MANAGERS}
)

# Reports (reports.selectors): the dashboard's roles; a rep report within visible_users (a
# rep: only their own), 404 beyond; roles without deals (auditors) 403 first.
REPORTS = override(scoped(ANALYTICS), auditor=dict.fromkeys(RELATIONS, DENY))

RULES: dict[str, Rule] = {
    "/": Rule(("GET",), flat(EVERYONE), per_record=False),
    # the daily list: everyone has their own (other users' lists: today/tests/test_views_today)
    "today:index": Rule(("GET",), flat(EVERYONE), per_record=False),
    "today:refresh": Rule(("POST",), flat(EVERYONE), per_record=False),
    # customers
    "customers:list": Rule(
        ("GET",), flat(EVERYONE), per_record=False, lists="客户", shows=LIST_SHOWS
    ),
    "customers:create": Rule(
        ("GET", "POST"),
        flat(WRITERS),
        lambda w, rel: ([], {"name": "矩阵新客户", "tier": "B", "owner": w.requester.pk}),
        per_record=False,
    ),
    # all or nothing within the write scope: an id out of scope changes nothing (a message)
    "customers:bulk": Rule(
        ("POST",), override(flat(BULK), manager_a={"other": NOOP}), _customer_bulk
    ),
    "customers:detail": Rule(("GET",), scoped(EVERYONE), _customer),
    "customers:edit": Rule(("GET", "POST"), scoped(CUSTOMER_EDIT), _customer_edit),
    # Contacts are written under their customer (customer edit right, write scope), but
    # marketing may not edit contacts: its POSTs are refused (403). Its GET shows the form,
    # emptied of every field by restrict_form.
    "customers:contact_create": Rule(("GET", "POST"), scoped(WRITERS), _contact_new),
    "customers:contact_edit": Rule(("GET", "POST"), scoped(WRITERS), _contact),
    "customers:contact_delete": Rule(("POST",), scoped(WRITERS), _contact),
    # deals
    "deals:list": Rule(("GET",), flat(EVERYONE), per_record=False, lists="商机", shows=LIST_SHOWS),
    "deals:board": Rule(("GET",), flat(EVERYONE), per_record=False, lists="商机", shows=LIST_SHOWS),
    "deals:board_column": Rule(
        ("GET",), flat(EVERYONE), _stage_column, per_record=False, lists="商机", shows=LIST_SHOWS
    ),
    "deals:create": Rule(("GET", "POST"), flat(WRITERS), _deal_create, per_record=False),
    "deals:bulk": Rule(("POST",), override(flat(BULK), manager_a={"other": NOOP}), _deal_bulk),
    "deals:detail": Rule(("GET",), scoped(EVERYONE), _deal),
    "deals:edit": Rule(("GET", "POST"), scoped(DEAL_EDIT), _deal_edit),
    "deals:delete": Rule(("POST",), scoped(WRITERS), _deal),
    "deals:move": Rule(("POST",), scoped(WRITERS), _deal_move),
    "deals:line_add": Rule(("POST",), scoped(WRITERS), _line_add),
    "deals:line_remove": Rule(("POST",), scoped(WRITERS), _line_remove),
    # follow-ups
    "activities:mine": Rule(
        ("GET",),
        flat(EVERYONE),
        per_record=False,
        lists="跟进",
        # the page lists the user's own follow-ups (owner=user), whatever the scope
        shows={role: frozenset({"own"}) for role in ROLES},
    ),
    # action_required("followup", "create") answers before the record is looked up
    "activities:create": Rule(
        ("GET", "POST"),
        override(
            scoped(FOLLOWUP_CREATE, SEES_FOLLOWUPS),
            **{r: dict.fromkeys(RELATIONS, DENY) for r in EVERYONE - FOLLOWUP_CREATE},
        ),
        _followup_create,
        get_query=True,
    ),
    "activities:done": Rule(("POST",), scoped(WRITERS, SEES_FOLLOWUPS), _followup),
    # sharing (the owner, or a role beyond own records that may edit the record)
    # The owner may share when their role edits customers (marketing does, finance does not).
    "access:share_create": Rule(
        ("POST",), override(scoped(WRITERS), marketing={"own": ALLOW}), _share_create
    ),
    "access:share_revoke": Rule(
        ("POST",), override(scoped(WRITERS), marketing={"own": ALLOW}), _share
    ),
    # settings
    "access:roles": Rule(("GET",), flat(ADMIN), per_record=False),
    "access:role_create": Rule(("POST",), flat(ADMIN), _role_new, per_record=False),
    "access:role_edit": Rule(("GET", "POST"), flat(ADMIN), _role_edit, per_record=False),
    "access:role_delete": Rule(("POST",), flat(ADMIN), _role_key, per_record=False),
    "pipeline:list": Rule(("GET",), flat(ADMIN), per_record=False),
    # follow-up rules: admin settings like the pipelines
    "cadence:rules": Rule(("GET",), flat(ADMIN), per_record=False),
    "cadence:rule_create": Rule(("GET", "POST"), flat(ADMIN), _cadence_rule_new, per_record=False),
    "cadence:rule_edit": Rule(("GET", "POST"), flat(ADMIN), _cadence_rule, per_record=False),
    "cadence:rule_delete": Rule(("POST",), flat(ADMIN), _cadence_rule, per_record=False),
    "pipeline:create": Rule(("GET", "POST"), flat(ADMIN), _pipeline_new, per_record=False),
    "pipeline:edit": Rule(("GET", "POST"), flat(ADMIN), _pipeline, per_record=False),
    "pipeline:stage_create": Rule(("GET", "POST"), flat(ADMIN), _stage_new, per_record=False),
    "pipeline:stage_edit": Rule(("GET", "POST"), flat(ADMIN), _stage, per_record=False),
    "pipeline:stage_move": Rule(("POST",), flat(ADMIN), _stage, per_record=False),
    "pipeline:stage_delete": Rule(("POST",), flat(ADMIN), _stage, per_record=False),
    # audit
    "audit:list": Rule(("GET",), flat({"admin", "auditor"}), per_record=False),
    "audit:revert": Rule(("POST",), scoped(WRITERS), _revert),
    # trash
    "trash:list": Rule(("GET",), flat(ADMIN), per_record=False),
    "trash:restore": Rule(("POST",), flat(ADMIN), _trash),
    "trash:purge": Rule(("POST",), flat(ADMIN), _trash),
    "trash:customer_delete": Rule(("POST",), scoped(WRITERS), _customer_delete),
    # background jobs
    "jobs:failures": Rule(("GET",), flat(ADMIN), per_record=False),
    "jobs:resolve": Rule(("POST",), flat(ADMIN), per_record=False),
    # notifications: everyone has a centre and settings; a notification is its recipient's only
    "notifications:index": Rule(("GET",), flat(EVERYONE), per_record=False),
    "notifications:open": Rule(("GET",), OWN_ONLY, _notification),
    "notifications:read": Rule(("POST",), OWN_ONLY, _notification),
    "notifications:read_all": Rule(("POST",), flat(EVERYONE), per_record=False),
    "notifications:settings": Rule(("GET", "POST"), flat(EVERYONE), per_record=False),
    "notifications:send_test": Rule(("POST",), flat(EVERYONE), per_record=False),
    "notifications:failed": Rule(("GET",), flat(ADMIN), per_record=False),
    "notifications:retry": Rule(("POST",), flat(ADMIN), per_record=False),
    # reminders
    "reminders:settings": Rule(("GET", "POST"), flat(ADMIN), _reminder_settings, per_record=False),
    # hand-over
    "handover:index": Rule(("GET",), flat(HANDOVER), per_record=False),
    "handover:execute": Rule(
        ("POST",),
        override(flat(HANDOVER), manager_a={"other": NOOP}),
        _handover,
    ),
    # exports: the list pages' rows, for roles with the export right
    "exports:customers": Rule(
        ("GET",),
        flat({"admin", "director", "manager", "manager_a", "marketing"}),
        per_record=False,
        lists="客户",
        shows=LIST_SHOWS,
    ),
    "exports:deals": Rule(
        ("GET",),
        flat({"admin", "director", "manager", "manager_a", "finance"}),
        per_record=False,
        lists="商机",
        shows=LIST_SHOWS,
    ),
    # goals
    "goals:index": Rule(("GET",), flat(EVERYONE), per_record=False, lists="目标", shows=SEES_GOALS),
    "goals:detail": Rule(("GET",), scoped(EVERYONE, SEES_GOALS), _goal),
    # the set-goals check comes first: 403 for non-setters, whatever the subject
    "goals:create": Rule(("GET", "POST"), flat(GOAL_SETTERS), _goal_create, per_record=False),
    "goals:plan": Rule(("GET", "POST"), flat(GOAL_SETTERS), _goal_plan, per_record=False),
    # 404 for a goal out of sight, 403 for one seen but not managed
    "goals:delete": Rule(("POST",), scoped(GOAL_SETTERS, SEES_GOALS), _goal),
    # the public pool: a shared space for the roles that may create customers
    "pool:index": Rule(("GET",), flat(POOL_USERS), per_record=False),
    "pool:claim": Rule(("POST",), flat(POOL_USERS), _pooled, per_record=False),
    # release: write scope on the customer (404 out of scope) and the customer edit right; a
    # role that may not use the pool may not fill it either (marketing edits customers)
    "pool:release": Rule(("POST",), scoped(POOL_USERS), _release),
    # tiers: proposals of the customers in scope; deciding, overriding and clearing need write
    # scope and the edit level on the tier field (marketing reads the tier only).
    "tiers:rules": Rule(("GET",), flat(EVERYONE), per_record=False),
    "tiers:proposals": Rule(
        ("GET",), flat(EVERYONE), per_record=False, lists="客户", shows=LIST_SHOWS
    ),
    "tiers:accept": Rule(("POST",), scoped(WRITERS), _proposal),
    "tiers:dismiss": Rule(("POST",), scoped(WRITERS), _proposal),
    "tiers:override": Rule(("POST",), scoped(WRITERS), _tier_override),
    "tiers:clear": Rule(("POST",), scoped(WRITERS), _tier_clear),
    # risks: lists in the deal scope (the matrix deals are neither stalled nor slow, so no
    # marker check); the review for team / subtree / all deal scopes, which list the flagged
    # matrix deals
    "risks:index": Rule(("GET",), flat(EVERYONE), per_record=False),
    "risks:stalled": Rule(("GET",), flat(EVERYONE), per_record=False),
    "risks:cycle": Rule(("GET",), flat(EVERYONE), per_record=False),
    "risks:review": Rule(
        ("GET",), flat(REVIEWERS), per_record=False, lists="商机", shows=LIST_SHOWS
    ),
    "risks:review_export": Rule(
        ("GET",),
        flat(REVIEWERS),  # and the deal export right
        per_record=False,
        lists="商机",
        shows=LIST_SHOWS,
    ),
    # the review check comes before the deal is looked up (403 for reps and auditors)
    "risks:review_decide": Rule(
        ("POST",),
        override(
            scoped(REVIEWERS),
            **{r: dict.fromkeys(RELATIONS, DENY) for r in EVERYONE - REVIEWERS},
        ),
        _review_decide,
    ),
    # flags: write scope on the deal and the sales right to create deals (finance and
    # marketing edit a few deal fields but do not raise sales risks)
    "risks:flag_raise": Rule(("POST",), scoped(WRITERS), _flag_raise),
    "risks:flag_resolve": Rule(("POST",), scoped(WRITERS), _flag),
    # analytics: the analytics right or any deal scope (reps: their own figures); the drill-down
    # of "created this quarter" lists the matrix deals in the requester's scope
    "analytics:dashboard": Rule(("GET",), flat(ANALYTICS), per_record=False),
    "analytics:api": Rule(("GET",), flat(ANALYTICS), lambda w, rel: (["summary"], {}), False),
    "analytics:deals": Rule(
        ("GET",),
        flat(ANALYTICS),
        lambda w, rel: ([], {"figure": "created"}),
        per_record=False,
        lists="商机",
        shows=LIST_SHOWS,
        get_query=True,
    ),
    # the follow-up export: the export right on follow-ups (finance and marketing: scope none)
    "exports:followups": Rule(
        ("GET",),
        flat(FOLLOWUP_EXPORT),
        per_record=False,
        lists="跟进",
        shows=SEES_FOLLOWUPS,
    ),
    # data hygiene: the customer bulk right; lists and writes within the write scope
    # the index is a plain redirect to the duplicates page (which checks)
    "hygiene:index": Rule(("GET",), flat(EVERYONE), per_record=False),
    # the world's customers' names are alike: the duplicates of the write scope list them
    "hygiene:duplicates": Rule(
        ("GET",), flat(HYGIENE), per_record=False, lists="客户", shows=LIST_SHOWS
    ),
    "hygiene:stale": Rule(
        ("GET",), flat(HYGIENE), per_record=False, lists="陈旧", shows=LIST_SHOWS
    ),
    "hygiene:archived": Rule(
        ("GET",), flat(HYGIENE), per_record=False, lists="归档", shows=LIST_SHOWS
    ),
    # all or nothing within the write scope, like customers:bulk
    "hygiene:archive": Rule(
        ("POST",), override(flat(HYGIENE), manager_a={"other": NOOP}), _archive
    ),
    "hygiene:unarchive_many": Rule(
        ("POST",), override(flat(HYGIENE), manager_a={"other": NOOP}), _unarchive_many
    ),
    # one customer back: write scope and the customer edit right, no bulk right (the view's
    # choice: reps their own, marketing any; finance reads customers only: 403)
    "hygiene:unarchive": Rule(("POST",), scoped(CUSTOMER_EDIT), _unarchive),
    # the bulk right first (403), then write scope on both customers (404), then edit + delete
    "hygiene:merge": Rule(
        ("GET", "POST"),
        override(
            scoped(HYGIENE), **{r: dict.fromkeys(RELATIONS, DENY) for r in EVERYONE - HYGIENE}
        ),
        _merge,
    ),
    # imports: the roles that create customers or deals; a batch is its uploader's (admins:
    # all). A role without import rights still reaches its own earlier batch: reading it is
    # allowed (its own file), changing it is not (KNOWN where the code lets it).
    "imports:index": Rule(
        ("GET",),
        flat(IMPORTERS),
        per_record=False,
        lists="导入",
        shows={role: frozenset({"own"}) for role in ROLES} | {"admin": ALL3},
    ),
    "imports:upload": Rule(("POST",), flat(IMPORTERS), _upload, per_record=False),
    # POST (options): only the uploader (admins too get 403 for another's batch)
    "imports:detail": Rule(("GET", "POST"), BATCH, _batch_options),
    "imports:status": Rule(("GET",), BATCH, _batch),
    "imports:errors": Rule(("GET",), BATCH, _batch),
    "imports:apply_mapping": Rule(("POST",), BATCH_WRITE, _apply_mapping),
    "imports:save_mapping": Rule(("POST",), BATCH_WRITE, _save_mapping),
    # only the uploader commits (admins: 403 for another's batch)
    "imports:commit": Rule(
        ("POST",), override(BATCH_WRITE, admin={"team": DENY, "other": DENY}), _batch
    ),
    # the uploader or an administrator undoes
    "imports:undo": Rule(("POST",), BATCH_WRITE, _done_batch),
    "forecast:index": Rule(("GET",), flat(FORECASTERS), per_record=False),
    "forecast:weighted": Rule(("GET",), flat(FORECASTERS), per_record=False),
    "forecast:statistical": Rule(("GET",), flat(FORECASTERS), per_record=False),
    "forecast:backtest": Rule(("GET",), flat(FORECASTERS), per_record=False),
    # reports: the picker for the dashboard's roles; a rep's report in the requester's scope
    "reports:index": Rule(("GET",), flat(ANALYTICS), per_record=False),
    "reports:report": Rule(("GET",), REPORTS, _report),
    # the calendar feed: everyone manages their own address; the feed answers to its token
    # alone (no login), here the requester's own
    "calendars:index": Rule(("GET",), flat(EVERYONE), per_record=False),
    "calendars:issue": Rule(("POST",), flat(EVERYONE), per_record=False),
    "calendars:revoke": Rule(("POST",), flat(EVERYONE), per_record=False),
    "calendars:feed": Rule(("GET",), flat(EVERYONE), _calendar_feed, per_record=False),
    # group bots: the list and a new bot for bot managers; a bot beyond the team scope 404
    "bots:index": Rule(("GET",), flat(BOT_MANAGERS), per_record=False),
    "bots:create": Rule(("GET", "POST"), flat(BOT_MANAGERS), _bot_new, per_record=False),
    "bots:edit": Rule(("GET", "POST"), BOTS, _bot_edit),
    "bots:delete": Rule(("POST",), BOTS, _bot),
    "bots:test": Rule(("POST",), BOTS, _bot),
    # win probability: the model page and its retrain button are settings (manage_settings);
    # a deal's score as JSON follows the deal page's scope
    "winprob:index": Rule(("GET",), flat(ADMIN), per_record=False),
    "winprob:retrain": Rule(("POST",), flat(ADMIN), per_record=False),
    "winprob:deal_json": Rule(("GET",), scoped(EVERYONE), _deal),
}
# URL names taking positional variants that are not records.
VARIANTS = {
    "exports:customers": ("csv", "xlsx"),
    "exports:deals": ("csv", "xlsx"),
    "exports:followups": ("csv", "xlsx"),
}
TARGETS_BY_VARIANT = {name: {v: _fmt(v) for v in vs} for name, vs in VARIANTS.items()}


# The URL inventory ---------------------------------------------------------------------------


def url_names() -> dict[str, str]:
    """Every URL pattern of the project: {name or "/route" if unnamed: route}, nested included."""
    found: dict[str, str] = {}

    def walk(patterns, namespace: str, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace
                full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                walk(p.url_patterns, full_ns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if p.name:
                    key = f"{namespace}:{p.name}" if namespace else p.name
                else:  # e.g. the root redirect; the admin site's catch-all keeps its namespace
                    key = f"{namespace}:/{route}" if namespace else f"/{route}"
                found[key] = route

    walk(get_resolver().url_patterns, "", "")
    return found


def unruled() -> list[str]:
    out = []
    for key in url_names():
        namespace = key.split(":", 1)[0] if ":" in key else ""
        if namespace in SKIPPED_NAMESPACES or key in SKIPPED or key in PENDING:
            continue
        if key.startswith("/static") or key.startswith("/media"):
            continue
        if key not in RULES:
            out.append(key)
    return sorted(out)


# Cases ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    role: str
    name: str
    method: str
    rel: str  # a relation, "-" for none, or a variant ("csv")
    expected: str

    @property
    def id(self) -> str:
        return f"{self.role}-{self.method}-{self.name}-{self.rel}"


# Known bugs: the rule states the intent, the code answers otherwise. (role, url name),
# (role, url name, relation) or (role, url name, relation, method) -> reason. The cases are
# strict xfails: they fail until fixed.
KNOWN: dict[tuple[str, ...], str] = {}


def known_reason(case: "Case") -> str | None:
    return (
        KNOWN.get((case.role, case.name, case.rel, case.method))
        or KNOWN.get((case.role, case.name, case.rel))
        or KNOWN.get((case.role, case.name))
    )


# POSTs whose outcome differs from the rule's GET outcome: {(name, role): outcome} or
# {(name, role, relation): outcome}.
POST_ONLY: dict[tuple[str, ...], str] = {
    # changing an import's options: the uploader only, and a role that may import
    ("imports:detail", "admin", "team"): DENY,
    ("imports:detail", "admin", "other"): DENY,
    **{("imports:detail", role): DENY for role in NOT_IMPORTERS},
}


def cases() -> list[Case]:
    out = []
    for name, rule in RULES.items():
        for method in rule.methods:
            for role in ROLES:
                if name in VARIANTS:
                    rels = VARIANTS[name]
                elif rule.per_record:
                    rels = RELATIONS
                else:
                    rels = (NO_RECORD,)
                for rel in rels:
                    expected = rule.outcomes[role]["own" if rel not in RELATIONS else rel]
                    if method == "POST" and expected == ALLOW:
                        expected = POST_ONLY.get(
                            (name, role, rel), POST_ONLY.get((name, role), expected)
                        )
                    out.append(Case(role, name, method, rel, expected))
    return out


def target_of(world: World, case: Case) -> tuple[list, dict]:
    if case.name in TARGETS_BY_VARIANT:
        return TARGETS_BY_VARIANT[case.name][case.rel](world, case.rel)
    rel = case.rel if case.rel in RELATIONS else "own"
    return RULES[case.name].target(world, rel)


# The database snapshot -----------------------------------------------------------------------

# Written by every request, refused or not: the login session and the lock-out log.
SNAPSHOT_EXCLUDED = {"sessions.session", "axes.accessattempt", "axes.accesslog"}


def _value(v):
    if isinstance(v, (datetime.datetime, datetime.date, Decimal)):
        return str(v)
    if isinstance(v, (dict, list)):
        return repr(v)
    return v


def db_snapshot() -> dict[str, list[tuple]]:
    """Every row of every model (auto-created m2m tables too), as sorted tuples per table."""
    snap = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in SNAPSHOT_EXCLUDED or model._meta.proxy or not model._meta.managed:
            continue
        names = [f.attname for f in model._meta.concrete_fields]
        manager = model._base_manager
        rows = manager.using("default").values_list(*names)
        snap[label] = sorted((tuple(_value(v) for v in row) for row in rows), key=repr)
    return snap


def snapshot_diff(before: dict, after: dict) -> dict[str, tuple[list, list]]:
    """{table: (rows gone, rows new)} for every table that changed."""
    out = {}
    for label in sorted(set(before) | set(after)):
        old, new = before.get(label, []), after.get(label, [])
        if old != new:
            gone = [r for r in old if r not in new]
            added = [r for r in new if r not in old]
            out[label] = (gone[:5], added[:5])
    return out


def is_model(obj) -> bool:
    return isinstance(obj, models.Model)
