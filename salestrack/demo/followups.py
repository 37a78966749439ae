"""Follow-ups of the demo data, chained as activities.services.followup_create leaves them:
each one is done when the next one happened, the latest one waits for its due date."""

import bisect
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from operator import attrgetter

from salestrack.accounts.models import User
from salestrack.activities.models import FollowUp
from salestrack.customers.models import Contact, Customer
from salestrack.deals.models import Deal
from salestrack.demo import words as W
from salestrack.demo.context import (
    LOST_PHASE,
    WON_PHASE,
    PlanContext,
    between,
    local_date,
    poisson,
)
from salestrack.pipeline.models import Stage

CUSTOMER_FOLLOWUP_SHARE = 0.1  # of all follow-ups: on the customer, not on a deal
FOLLOWUP_KINDS = [kind.value for kind in FollowUp.Kind]  # the order W.KIND_WEIGHTS follows


@dataclass(slots=True)
class FollowUpRow:
    customer_id: int
    deal_id: int | None
    owner_id: int
    team_id: int | None
    kind: str
    occurred_at: datetime
    customer_words: str
    summary: str
    next_step: str
    resources_needed: str
    created_at: datetime
    updated_at: datetime
    next_due_on: date | None = None
    done_at: datetime | None = None


FOLLOWUP_COLUMNS = tuple(FollowUpRow.__dataclass_fields__)
followup_values = attrgetter(*FOLLOWUP_COLUMNS)


def _followup(
    ctx: PlanContext,
    *,
    customer_id: int,
    deal_id: int | None,
    owner: User,
    phase: int,
    occurred_at: datetime,
    context: dict,
    first: bool = False,
) -> FollowUpRow:
    rng = ctx.rng
    if deal_id is None:
        summary = rng.choice(W.CUSTOMER_SUMMARIES)
        next_step = rng.choice(W.CUSTOMER_NEXT_STEPS)
        words = rng.choice(W.CUSTOMER_WORDS[rng.choice((0, 6))]) if rng.random() < 0.4 else ""
    else:
        summary = rng.choice(W.FIRST_SUMMARIES if first else W.SUMMARIES[phase])
        next_step = rng.choice(W.NEXT_STEPS[phase])
        words = rng.choice(W.CUSTOMER_WORDS[phase]) if rng.random() < 0.75 else ""
    created = min(occurred_at + timedelta(minutes=rng.randint(5, 240)), ctx.now)
    return FollowUpRow(
        customer_id=customer_id,
        deal_id=deal_id,
        owner_id=owner.pk,
        team_id=owner.team_id,
        kind=rng.choices(FOLLOWUP_KINDS, weights=W.KIND_WEIGHTS[phase])[0],
        occurred_at=occurred_at,
        customer_words=words.format(**context),
        summary=summary.format(**context),
        next_step=next_step,
        resources_needed=rng.choice(W.RESOURCES) if rng.random() < 0.15 else "",
        created_at=created,
        updated_at=created,
    )


def _chain(ctx: PlanContext, followups: list[FollowUpRow], pending_due: date | None) -> None:
    """Each follow-up is done once the next one happened; the last one waits for its due date."""
    rng = ctx.rng
    for current, following in pairwise(followups):
        current.next_due_on = local_date(ctx, current.occurred_at) + timedelta(
            days=rng.randint(1, 10)
        )
        current.done_at = current.updated_at = max(following.occurred_at, current.created_at)
    if followups and pending_due is not None:
        followups[-1].next_due_on = pending_due


def deal_followups(
    ctx: PlanContext,
    deal: Deal,
    owner: User,
    path: list[Stage],
    times: list[datetime],
    outcome: str,
    stalled: bool,
    context: dict,
) -> list[FollowUpRow]:
    """About `followups_per_deal` follow-ups over the deal's life (fewer on very young deals).

    An open deal's latest one is pending: due some days ago (more often when stalled), today
    or soon. A closed deal's latest one is the conversation that closed it, with nothing due.
    """
    rng = ctx.rng
    if ctx.followups_per_deal <= 0:
        return []
    start, now = times[0], ctx.now
    life_days = ((times[-1] if outcome != "open" else now) - start) / timedelta(days=1)
    mean = ctx.followups_per_deal * (1 - CUSTOMER_FOLLOWUP_SHARE)
    n = min(1 + poisson(rng, max(mean - 1, 0)), 3 + int(life_days))

    due = None
    if outcome == "open":
        roll = rng.random()
        if roll < (0.55 if stalled else 0.25):  # overdue
            due = ctx.today - timedelta(days=rng.randint(1, 30 if stalled else 10))
            day_end = datetime.combine(due, time(20), tzinfo=ctx.tz)
            low = max(start, day_end - timedelta(days=rng.randint(2, 12)))
            last_at = between(ctx, low, min(now, day_end))
        else:  # due today or in the next two weeks
            due = ctx.today + timedelta(days=0 if roll < 0.45 else rng.randint(1, 14))
            last_at = between(ctx, max(start, now - timedelta(days=10)), now)
        due = max(due, local_date(ctx, last_at))
    else:
        last_at = between(ctx, max(start, times[-1] - timedelta(days=3)), times[-1])
    moments = [*sorted(between(ctx, start, last_at) for _ in range(n - 1)), last_at]
    if n > 1:  # the first contact happens when the deal is opened
        moments[0] = between(ctx, start, min(start + timedelta(days=2), moments[1]))

    followups = []
    for i, moment in enumerate(moments):
        phase = ctx.phase(path[max(bisect.bisect_right(times, moment) - 1, 0)])
        if i == n - 1 and outcome != "open":
            phase = WON_PHASE if outcome == "won" else LOST_PHASE
        followups.append(
            _followup(
                ctx,
                customer_id=deal.customer_id,
                deal_id=deal.pk,
                owner=owner,
                phase=phase,
                occurred_at=moment,
                context=context,
                first=i == 0 and n > 1,
            )
        )
    _chain(ctx, followups, due)
    return followups


def customer_followups(
    ctx: PlanContext, customer: Customer, contacts: list[Contact], info: dict
) -> list[FollowUpRow]:
    """Follow-ups on the customer itself (no deal): courtesy calls, check-ins, new contacts."""
    rng = ctx.rng
    n = poisson(rng, ctx.customer_followups)
    if n == 0:
        return []
    moments = sorted(between(ctx, customer.created_at, ctx.now) for _ in range(n))
    contact = rng.choice(contacts)
    context = {
        "contact": contact.name,
        "title": contact.title,
        "competitor": rng.choice(W.COMPETITORS),
        "pain": rng.choice(info["pains"]),
    }
    followups = [
        _followup(
            ctx,
            customer_id=customer.pk,
            deal_id=None,
            owner=info["owner"],
            phase=0,
            occurred_at=moment,
            context=context,
        )
        for moment in moments
    ]
    recent = ctx.now - moments[-1] < timedelta(days=30)
    if recent:
        _chain(ctx, followups, local_date(ctx, moments[-1]) + timedelta(days=rng.randint(3, 21)))
    else:  # an old check-in that asked for nothing more
        _chain(ctx, followups, None)
        followups[-1].next_step = ""
    return followups
