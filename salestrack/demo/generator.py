"""Realistic Chinese demo data at any scale, deterministic for a given seed.

`demo_seed` writes an organisation (departments, teams, managers, reps, an admin), a product
catalogue, customers with contacts, deals whose stage history walks the default pipeline, and
follow-ups. Every value comes from one `random.Random(seed)`. Customers are planned a chunk at
a time, with their deals and follow-ups, and written through `demo.writer` (explicit ids,
executemany), so 100,000 deals take minutes and memory stays flat.

The data obeys the rules the services enforce: the stage history is what
`deals.services.deal_move_stage` would have written, every deal carries the facts the exit
criteria (`deals.gates`) demand for the stages it left, and the follow-up chain looks as if
`activities.services.followup_create` had recorded it (earlier ones done, the latest pending).
"""

import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import reduce

from django.db import transaction
from django.utils import timezone

from salestrack.activities.models import FollowUp
from salestrack.core.money import quantize_cny
from salestrack.core.text import pinyin_search_key
from salestrack.customers.models import Contact, Customer
from salestrack.customers.services import contact_search_key, customer_search_key
from salestrack.deals.gates import stages_left_by_move
from salestrack.deals.models import Deal, DealLine, StageChange
from salestrack.deals.services import reached_stage_after
from salestrack.deals.stalls import stalls_at_for
from salestrack.demo import words as W
from salestrack.demo.context import (
    PlanContext,
    local_date,
    log_uniform,
    money,
    weighted,
    work_time,
)
from salestrack.demo.followups import (
    CUSTOMER_FOLLOWUP_SHARE,
    FOLLOWUP_COLUMNS,
    FollowUpRow,
    customer_followups,
    deal_followups,
    followup_values,
)
from salestrack.demo.org import DemoLogin, org_create, person_name
from salestrack.demo.writer import instances_insert, rows_insert, sequences_reset
from salestrack.pipeline.models import PROBABILITY_CHOICES, Stage

DEFAULT_SEED = 2024
HISTORY_DAYS = 730
DEALS_PER_REP = 500
MIN_REPS = 6
DEALS_PER_CUSTOMER = 4
CUSTOMERS_PER_CHUNK = 1250  # about 5,000 deals and 25,000 follow-ups per write

OUTCOMES = (("won", 30), ("lost", 35), ("open", 35))
STALLED_SHARE = 0.3
BACKSTEP_SHARE = 0.15
TIERS = {"A": (15, 3.0), "B": (50, 1.2), "C": (35, 0.5)}  # (share, relative number of deals)
SIZE_BY_TIER = {"A": (0, 1, 3, 4, 3), "B": (1, 4, 4, 2, 1), "C": (4, 5, 2, 0, 0)}
SIZE_BUCKET = {"micro": 0, "small": 0, "medium": 1, "large": 2, "enterprise": 2}
# Per phase (线索 … 回款): days in stage as (low, high, mode), where lost and open deals stop.
STAY_DAYS = [(0.3, 10, 2), (2, 25, 7), (3, 30, 10), (3, 40, 12), (2, 25, 6), (5, 60, 20)]
LOST_AT = [15, 20, 25, 25, 10, 5]
OPEN_AT = [25, 22, 20, 15, 10, 8]
MONEY_MIN, MONEY_MAX = 20_000, 2_000_000

STAGE_CHANGE_COLUMNS = (
    "deal_id", "from_stage_id", "to_stage_id", "from_kind", "to_kind",
    "entered_at", "left_at", "duration_seconds", "actor_id",
)  # fmt: skip
DEAL_LINE_COLUMNS = ("deal_id", "product_id", "quantity", "unit_price", "discount", "total")


@dataclass
class DemoResult:
    logins: list[DemoLogin]
    counts: Counter


def demo_data_exists() -> bool:
    return Deal.objects.exists()


@transaction.atomic
def demo_seed(
    *,
    deals: int = 300,
    followups_per_deal: float = 5,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Add `deals` deals with their customers, contacts, history and follow-ups, plus the demo
    accounts. The same seed and `now` give the same data on an empty database."""
    rng = random.Random(seed)
    now = timezone.localtime(now or timezone.now())
    org = org_create(
        rng=rng,
        n_reps=max(MIN_REPS, math.ceil(deals / DEALS_PER_REP)),
        joined=now - timedelta(days=HISTORY_DAYS + 30),
    )
    ctx = PlanContext.build(rng=rng, now=now, org=org, followups_per_deal=followups_per_deal)

    n_customers = max(1, round(deals / DEALS_PER_CUSTOMER))
    tiers = rng.choices(list(TIERS), weights=[share for share, _ in TIERS.values()], k=n_customers)
    deal_counts = Counter(
        rng.choices(range(n_customers), weights=[TIERS[t][1] for t in tiers], k=deals)
    )
    ctx.customer_followups = CUSTOMER_FOLLOWUP_SHARE * ctx.followups_per_deal * deals / n_customers

    counts: Counter = Counter(reps=len(org.reps))
    for first in range(0, n_customers, CUSTOMERS_PER_CHUNK):
        chunk = _Chunk()
        for index in range(first, min(first + CUSTOMERS_PER_CHUNK, n_customers)):
            with ctx.forked():
                _customer_plan(ctx, chunk, tier=tiers[index], n_deals=deal_counts[index])
        _chunk_write(chunk, counts)
        if progress:
            progress(counts["deals"], deals)
    sequences_reset([Customer, Contact, Deal])
    return DemoResult(logins=org.logins, counts=counts)


@dataclass
class _Chunk:
    customers: list[Customer] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    deals: list[Deal] = field(default_factory=list)
    lines: list[tuple] = field(default_factory=list)
    changes: list[tuple] = field(default_factory=list)
    followups: list[FollowUpRow] = field(default_factory=list)
    collaborators: list[tuple[int, int]] = field(default_factory=list)


def _chunk_write(chunk: _Chunk, counts: Counter) -> None:
    """Parents first, although every id is known already (foreign keys are checked)."""
    instances_insert(Customer, chunk.customers)
    instances_insert(Contact, chunk.contacts)
    instances_insert(Deal, chunk.deals)
    rows_insert(DealLine, DEAL_LINE_COLUMNS, chunk.lines)
    rows_insert(StageChange, STAGE_CHANGE_COLUMNS, chunk.changes)
    rows_insert(FollowUp, FOLLOWUP_COLUMNS, map(followup_values, chunk.followups))
    rows_insert(Deal.collaborators.through, ("deal_id", "user_id"), chunk.collaborators)
    counts["customers"] += len(chunk.customers)
    counts["contacts"] += len(chunk.contacts)
    counts["deals"] += len(chunk.deals)
    counts["deal_lines"] += len(chunk.lines)
    counts["stage_changes"] += len(chunk.changes)
    counts["followups"] += len(chunk.followups)
    counts.update(f"deals_{deal.status}" for deal in chunk.deals)


# --- customers and contacts -------------------------------------------------------------------


def _customer_plan(ctx: PlanContext, chunk: _Chunk, *, tier: str, n_deals: int) -> None:
    rng = ctx.rng
    owner = rng.choice(ctx.org.reps)
    province, city = rng.choice(ctx.org.territory[owner.team_id])
    industry = weighted(rng, W.INDUSTRY_WEIGHTS.items())
    industry_words, pains = W.INDUSTRIES[industry]
    for attempt in range(1000):
        brand = rng.choice(W.BRAND_FIRST) + rng.choice(W.BRAND_SECOND)
        word = rng.choice(industry_words)
        suffix = weighted(rng, W.COMPANY_SUFFIXES)
        if suffix == "科技有限公司" and word.endswith("科技"):
            suffix = "有限公司"
        name = f"{city}{brand}{word}{suffix}"
        if attempt >= 100:  # only when millions of customers crowd the name space
            name = f"{city}{brand}{word}{suffix}（{attempt}）"
        if name not in ctx.used_names:
            break
    ctx.used_names.add(name)

    size = rng.choices(list(W.SIZES), weights=SIZE_BY_TIER[tier])[0]
    _, budget_low, budget_high = W.SIZES[size]
    budget = money(log_uniform(rng, budget_low, budget_high), 1000)
    pain_points = rng.sample(pains, k=rng.randint(1, 2))
    if rng.random() < 0.4:
        pain_points.append(rng.choice(W.GENERIC_PAIN_POINTS))
    customer = Customer(
        id=ctx.customer_ids.take(),
        name=name,
        industry=industry,
        region=city if city in W.MUNICIPALITIES else f"{province}{city}",
        size=size,
        source=weighted(rng, W.SOURCES.items()),
        budget=budget if rng.random() < 0.85 else None,
        pain_points="；".join(pain_points) + "。",
        tier=tier,
        owner_id=owner.pk,
        team_id=owner.team_id,
        search_key=pinyin_search_key(name),
    )
    n_contacts = rng.choices((1, 2, 3), weights=(35, 40, 25))[0]
    contacts = [_contact_plan(ctx, customer, brand, first=i == 0) for i in range(n_contacts)]
    customer.search_key = customer_search_key(
        name_key=customer.search_key, contact_keys=[c.search_key for c in contacts]
    )
    chunk.customers.append(customer)
    chunk.contacts.extend(contacts)

    info = {"brand": brand, "word": word, "pains": pains, "owner": owner}
    deals = []
    for _ in range(n_deals):
        with ctx.forked():
            deals.append(_deal_plan(ctx, chunk, customer, contacts, info))
    if deals:
        created = min(d.created_at for d in deals) - timedelta(days=rng.uniform(0, 20))
    else:
        created = work_time(ctx, ctx.today - timedelta(days=rng.randint(1, HISTORY_DAYS)))
    customer.created_at = min(created, ctx.now)
    for contact in contacts:
        contact.created_at = contact.updated_at = customer.created_at

    followups = customer_followups(ctx, customer, contacts, info)
    chunk.followups.extend(followups)
    touched = [f.occurred_at for f in followups]
    touched += [d.last_activity_at for d in deals if d.last_activity_at]
    customer.last_activity_at = max(touched, default=None)
    customer.updated_at = max([customer.created_at, *touched, *(d.updated_at for d in deals)])


def _contact_plan(ctx: PlanContext, customer: Customer, brand: str, *, first: bool) -> Contact:
    rng = ctx.rng
    name = "".join(person_name(rng))
    titles = W.CONTACT_TITLES[:6] if first else W.CONTACT_TITLES  # the first one has a say
    title, role, _ = rng.choices(titles, weights=[t[2] for t in titles])[0]
    while True:
        phone = f"1{rng.choice('358')}{rng.randrange(10)}{rng.randrange(10**8):08d}"
        if phone not in ctx.used_phones:
            ctx.used_phones.add(phone)
            break
    spelled = ctx.name_pinyin(name)
    email = f"{spelled[0]}.{''.join(spelled[1:])}@{''.join(ctx.name_pinyin(brand))}.example.com"
    wechat = weighted(
        rng,
        [
            (f"wxid_{''.join(rng.choices('abcdefghijkmnpqrstuvwxyz23456789', k=10))}", 4),
            (f"{''.join(spelled)}{rng.randint(1, 9999)}", 4),
            (phone, 2),
        ],
    )
    return Contact(
        id=ctx.contact_ids.take(),
        customer_id=customer.pk,
        name=name,
        title=title,
        phone=phone,
        email=email,
        wechat=wechat,
        decision_role=role,
        preferences=rng.choice(W.CONTACT_PREFERENCES),
        search_key=contact_search_key(name_key=ctx.search_key(name), phone=phone, email=email),
    )


# --- deals ------------------------------------------------------------------------------------


def _deal_lines(ctx: PlanContext, deal_id: int, size: str) -> tuple[list[tuple], str]:
    """Product lines (the deal amount is their total) and the word the deal title uses."""
    rng = ctx.rng
    bucket = SIZE_BUCKET[size]
    mains = [item for item in ctx.catalogue if item.weight_by_size[bucket]]
    main = rng.choices(mains, weights=[item.weight_by_size[bucket] for item in mains])[0]
    picks = [main] + [item for item in ctx.catalogue if item.is_service and rng.random() < 0.5]
    lines = []
    for item in picks:
        low, high = item.quantity
        quantity = Decimal(rng.randint(low, high))
        price = item.product.list_price
        discount = Decimal(rng.choice(W.DISCOUNTS))
        # The rounding of deals.services._line_total.
        total = quantize_cny(quantity * price * (Decimal(100) - discount) / Decimal(100))
        lines.append((deal_id, item.product.pk, quantity, price, discount, total))
    return lines, main.title_word


def _deal_plan(
    ctx: PlanContext, chunk: _Chunk, customer: Customer, contacts: list[Contact], info: dict
) -> Deal:
    rng = ctx.rng
    ctx.deal_no += 1
    deal_id = ctx.deal_ids.take()
    team_reps = ctx.org.reps_by_team[customer.team_id]
    owner = info["owner"] if rng.random() < 0.85 else rng.choice(team_reps)

    lines, title_word = _deal_lines(ctx, deal_id, customer.size)
    amount = sum((line[5] for line in lines), Decimal("0.00"))
    if rng.random() < 0.25 or not MONEY_MIN <= amount <= MONEY_MAX:  # a deal without lines
        lines = []
        amount = money(log_uniform(rng, MONEY_MIN, MONEY_MAX))

    outcome = weighted(rng, OUTCOMES)
    path = _stage_path(ctx, outcome)
    size_factor = 0.7 + 0.6 * math.log(float(amount) / MONEY_MIN) / math.log(100)
    durations = []
    for i, stage in enumerate(path[:-1]):
        low, high, mode = STAY_DAYS[ctx.phase(stage)]
        repeat = 0.5 if any(s.pk == stage.pk for s in path[:i]) else 1
        durations.append(rng.triangular(low, high, mode) * size_factor * repeat)
    times, stalled = _stage_times(ctx, path, durations, outcome)

    deal = Deal(
        id=deal_id,
        title=f"{info['brand']}{info['word'][:2]} {title_word}{rng.choice(W.PROJECT_SUFFIXES)}",
        customer_id=customer.pk,
        pipeline_id=ctx.pipeline.pk,
        stage_id=path[-1].pk,
        reached_stage=reduce(lambda r, s: reached_stage_after(reached=r, stage=s), path, None),
        status=outcome,
        amount=amount,
        source=customer.source if rng.random() < 0.8 else "",
        owner_id=owner.pk,
        team_id=owner.team_id,
        stage_entered_at=times[-1],
        stalls_at=stalls_at_for(stage=path[-1], entered_at=times[-1]),
        closed_at=times[-1] if outcome != "open" else None,
        created_at=times[0],
    )
    if outcome == "open" and rng.random() < 0.15:  # the rep overrides the stage's default
        default = path[-1].probability
        deal.probability = rng.choice(
            [p for p, _ in PROBABILITY_CHOICES if 0 < p < 100 and abs(p - default) <= 20]
        )
    _deal_facts(ctx, deal, path, times, contacts, outcome)

    chunk.deals.append(deal)
    chunk.lines.extend(lines)
    for i, stage in enumerate(path):
        left = times[i + 1] if i + 1 < len(path) else None
        chunk.changes.append(
            (
                deal_id,
                path[i - 1].pk if i else None,
                stage.pk,
                path[i - 1].kind if i else "",
                stage.kind,
                times[i],
                left,
                int((left - times[i]).total_seconds()) if left else None,
                owner.pk,
            )
        )
    if len(team_reps) > 1 and rng.random() < 0.1:
        helper = rng.choice([r for r in team_reps if r.pk != owner.pk])
        chunk.collaborators.append((deal_id, helper.pk))

    users = rng.choice([30, 50, 80, 120, 200, 300])
    context = {
        "competitor": deal.competitor or rng.choice(W.COMPETITORS),
        "contact": contacts[0].name,
        "title": contacts[0].title,
        "pain": rng.choice(info["pains"]),
        "users": users,
        "product": title_word,
        "amount": f"{amount / 10000:.1f}",
        "source": W.SOURCE_LABELS.get(deal.source, "官网咨询"),
        "requirement": rng.choice(W.REQUIREMENTS).format(users=users, competitor="金蝶"),
    }
    followups = deal_followups(ctx, deal, owner, path, times, outcome, stalled, context)
    chunk.followups.extend(followups)
    if followups:
        last = followups[-1]
        deal.last_activity_at = last.occurred_at
        if outcome == "open":
            deal.next_due_on = last.next_due_on
            deal.next_step = last.next_step
    deal.updated_at = max(times[-1], deal.last_activity_at or times[-1])
    return deal


def _stage_path(ctx: PlanContext, outcome: str) -> list[Stage]:
    """The stages a deal passes through, in order: forward, sometimes one step back."""
    rng = ctx.rng
    opens = ctx.open_stages
    if outcome == "won":
        last = len(opens) - 1
    else:
        table = LOST_AT if outcome == "lost" else OPEN_AT
        last = rng.choices(range(len(opens)), weights=[table[ctx.phase(s)] for s in opens])[0]
    steps = list(range(last + 1))
    if last >= 2 and rng.random() < BACKSTEP_SHARE:
        back_from = rng.randint(2, last)
        steps = [*steps[: back_from + 1], back_from - 1]
        # An open deal may still sit in the stage it was sent back to.
        if outcome != "open" or back_from < last or rng.random() < 0.5:
            steps += range(back_from, last + 1)
    path = [opens[i] for i in steps]
    if outcome == "won":
        path.append(ctx.won)
    elif outcome == "lost":
        path.append(ctx.lost)
    return path


def _stage_times(
    ctx: PlanContext, path: list[Stage], durations: list[float], outcome: str
) -> tuple[list[datetime], bool]:
    """When the deal entered each stage: office hours, strictly increasing, all in the past.

    Closed deals start anywhere in the last two years; an open deal is placed so that it has
    been in its current stage for a while: fresh (within rot_days) or stalled (beyond it).
    """
    rng = ctx.rng
    stalled = False
    total = sum(durations)
    if outcome == "open":
        rot = path[-1].rot_days
        stalled = rng.random() < STALLED_SHARE
        elapsed = rot + rng.uniform(2, 2 * rot + 21) if stalled else rng.uniform(0.02, rot * 0.8)
        start_day = ctx.today - timedelta(days=round(total + elapsed))
    else:
        elapsed = 0
        spare = max(HISTORY_DAYS - total - 1, 0)
        start_day = ctx.today - timedelta(days=round(total + 1 + rng.uniform(0, spare)))
    times = [work_time(ctx, start_day)]
    for days in durations:
        previous = times[-1]
        moment = work_time(ctx, (previous + timedelta(days=days)).date())
        if moment <= previous + timedelta(minutes=30):
            moment = previous + timedelta(minutes=rng.randint(30, 240))
        times.append(moment)
    # Whole-day shifts keep office hours: the last entry `elapsed` days ago, never in the future.
    shift = timedelta(days=round((ctx.now - timedelta(days=elapsed) - times[-1]) / timedelta(1)))
    if outcome != "open":
        shift = min(shift, timedelta(0))
    while times[-1] + shift > ctx.now - timedelta(minutes=10):
        shift -= timedelta(days=1)
    return [t + shift for t in times], stalled


def _deal_facts(
    ctx: PlanContext,
    deal: Deal,
    path: list[Stage],
    times: list[datetime],
    contacts: list[Contact],
    outcome: str,
) -> None:
    """Record what every stage the deal left requires (the gates), and some facts early."""
    rng = ctx.rng
    needed: set[str] = set()
    left_at: dict[str, datetime] = {}
    for i in range(len(path) - 1):
        for stage in stages_left_by_move(ctx.stages, path[i], path[i + 1]):
            for name in ctx.requirements[stage.pk]:
                needed.add(name)
                left_at[name] = times[i + 1]
    current = path[-2] if outcome == "lost" else path[-1]
    if current.is_open and rng.random() < 0.4:  # ready to move on
        needed.update(ctx.requirements[current.pk])
    if max(ctx.phase(s) for s in path if s.is_open) >= 1 and rng.random() < 0.6:
        needed.add("budget_confirmed")
    if rng.random() < 0.55:
        needed.add("competitor")
    needed.add("expected_close_date")
    if outcome == "lost":
        deal.lost_reason = weighted(rng, W.LOST_REASONS)
        if deal.lost_reason == "选择了竞争对手":
            needed.add("competitor")

    amount = deal.amount
    for name in sorted(needed):
        if name == "confirmed_requirements":
            users = rng.choice([30, 50, 80, 120, 200, 300])
            competitor = rng.choice(["金蝶", "用友", "SAP"])
            deal.confirmed_requirements = "\n".join(
                f"{n}. {text.format(users=users, competitor=competitor)}"
                for n, text in enumerate(rng.sample(W.REQUIREMENTS, k=rng.randint(2, 4)), 1)
            )
        elif name == "quote_amount":
            deal.quote_amount = max(money(float(amount) * rng.uniform(1.0, 1.15)), amount)
        elif name == "decision_maker":
            makers = [c for c in contacts if c.decision_role == Contact.Role.DECISION_MAKER]
            deal.decision_maker_id = rng.choice(makers or contacts).pk
        elif name == "budget_confirmed":
            deal.budget_confirmed = money(float(amount) * rng.uniform(0.9, 1.3), 1000)
        elif name == "expected_close_date":
            deal.expected_close_date = _expected_close(ctx, deal, path, outcome)
        elif name == "competitor":
            deal.competitor = rng.choice(W.COMPETITORS)
        elif name == "next_step":
            deal.next_step = rng.choice(W.NEXT_STEPS[ctx.phase(current)]) or "保持联系"
        elif name in ("contract_number", "contract_signed_on"):
            signed = local_date(ctx, left_at.get(name, times[-1]))
            deal.contract_signed_on = deal.contract_signed_on or signed
            deal.contract_number = f"HT-{signed.year}-{ctx.deal_no:07d}"
        elif name == "payment_received":
            paid_in_full = name in left_at or outcome == "won"
            deal.payment_received = (
                amount if paid_in_full else money(float(amount) * rng.uniform(0.3, 0.7))
            )


def _expected_close(ctx: PlanContext, deal: Deal, path: list[Stage], outcome: str) -> date:
    rng = ctx.rng
    if outcome != "open":
        return local_date(ctx, deal.closed_at) + timedelta(days=rng.randint(-30, 15))
    if rng.random() < 0.1:  # a forecast nobody updated
        return ctx.today - timedelta(days=rng.randint(1, 30))
    remaining = sum(STAY_DAYS[p][2] for p in range(ctx.phase(path[-1]), len(STAY_DAYS)))
    return ctx.today + timedelta(days=max(3, round(remaining * rng.uniform(0.6, 1.8))))
