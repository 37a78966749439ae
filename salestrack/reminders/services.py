"""Writes of the reminders app: the settings row, and the producers of notifications.

Every producer ends in notifications.services.notify, which writes the outbox rows in the
caller's transaction. Deal events (stage moves, new risk flags) are produced by the receivers
inside the transaction of the change; the periodic reminders (follow-ups due and overdue, the
daily update, stalled deals, goals turned red) by the jobs in tasks.py. Each periodic reminder
carries a dedup key, so running a job twice (two consumers, a retry, a manual run) notifies
nobody twice:

- followup.due      `due:<follow-up id>:<due date>`      once per follow-up and due date
- followup.overdue  `overdue:<owner id>:<today>`        once per owner and day, naming them
- daily.update      `daily:<today>`                      once per rep and day
- deal.stalled      `stalled:<deal id>:<in stage since, UTC>` once per stay in a stage
- goal.red          `goal.red:<goal id>:<ISO week>`      once per goal and week

Recipients of deal events: the deal's owner, its collaborators and the manager(s) of its team
(selectors.deal_audience), minus the person who made the change; the deal's team is passed as
`team_ids`, so the team's group bots subscribed to the event get it too. The personal
reminders (follow-ups, daily update) go to people only.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from salestrack.accounts.models import User
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import audit_diff, audit_record, audit_snapshot
from salestrack.core.jobs import logger
from salestrack.deals.models import Deal
from salestrack.deals.stalls import stall_reasons
from salestrack.goals.models import Goal
from salestrack.goals.periods import is_working_day
from salestrack.goals.progress import Light, behind_pct, expected_to_date, goal_light
from salestrack.goals.selectors import calendar_overrides, goal_actuals
from salestrack.notifications.models import Notification
from salestrack.notifications.services import notify
from salestrack.pipeline.models import Stage
from salestrack.reminders import events
from salestrack.reminders.models import ReminderSettings
from salestrack.reminders.selectors import (
    collaborators_of,
    deal_audience,
    deals_newly_stalled,
    followups_due_on,
    overdue_counts,
    overdue_oldest,
    reminder_settings_get,
    reps_without_followup_today,
    team_managers,
)
from salestrack.risks.models import RiskFlag

# A deal whose stall began longer ago than this is not announced (see deals_newly_stalled):
# long enough to cover a worker that was down over a weekend.
STALL_LOOKBACK = timedelta(days=3)
# The overdue reminder names this many of an owner's overdue follow-ups (the oldest) and
# counts the rest.
OVERDUE_LISTED = 5
SETTINGS_FIELDS = ["daily_enabled", "daily_at"]


# --- settings -------------------------------------------------------------------------------


@transaction.atomic
def reminder_settings_save(*, actor: User, daily_enabled: bool, daily_at: time) -> ReminderSettings:
    row = reminder_settings_get()
    row = ReminderSettings.objects.select_for_update().get(pk=row.pk)
    before = audit_snapshot(row, SETTINGS_FIELDS)
    row.daily_enabled = daily_enabled
    row.daily_at = daily_at.replace(second=0, microsecond=0)
    row.updated_by = actor
    row.save()
    changes = audit_diff(before, audit_snapshot(row, SETTINGS_FIELDS))
    if changes:
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=row, changes=changes)
    return row


# --- helpers --------------------------------------------------------------------------------


def _display(user: User | None) -> str:
    return str(user) if user is not None else ""


def _deal_params(deal: Deal, customer_name: str) -> dict:
    return {
        "deal_id": deal.pk,
        "deal": deal.title,
        "customer": customer_name,
        "amount": str(deal.amount),
    }


def _already_notified(
    event: str, keys: Iterable[str], recipients: Iterable[int] | None = None
) -> set[tuple[int, str]]:
    """(recipient id, dedup key) pairs of `event` already written among `keys`: lets a job
    that runs every few minutes skip what an earlier run sent without calling notify per
    candidate (notify's own dedup stays the guarantee). With `recipients`, the lookup is served
    by the notifications' (recipient, event, dedup_key) unique index. One query per 500 keys."""
    keys = list(dict.fromkeys(keys))
    qs = Notification.objects.filter(event=event).exclude(dedup_key="")
    if recipients is not None:
        qs = qs.filter(recipient_id__in=sorted(set(recipients)))
    seen: set[tuple[int, str]] = set()
    for i in range(0, len(keys), 500):
        seen.update(
            qs.filter(dedup_key__in=keys[i : i + 500]).values_list("recipient_id", "dedup_key")
        )
    return seen


# --- deal events (receivers, inside the change's transaction) -------------------------------


def deal_stage_moved_notify(
    *, deal_id: int, from_stage_id: int, to_stage_id: int, actor_id: int | None
) -> int:
    """deal.won / deal.lost / deal.stage_changed to the deal's audience (not the mover)."""
    deal = Deal.all_objects.select_related("customer", "team").get(pk=deal_id)
    stages = {s.pk: s for s in Stage.objects.filter(pk__in=[from_stage_id, to_stage_id])}
    to_stage, from_stage = stages[to_stage_id], stages.get(from_stage_id)
    event = {
        Stage.Kind.WON: events.DEAL_WON,
        Stage.Kind.LOST: events.DEAL_LOST,
    }.get(to_stage.kind, events.DEAL_STAGE_CHANGED)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    params = {
        **_deal_params(deal, deal.customer.name),
        "from_stage": events.bilingual(from_stage) if from_stage else {"zh": "", "en": ""},
        "to_stage": events.bilingual(to_stage),
        "actor": _display(actor),
    }
    if event == events.DEAL_LOST and deal.lost_reason:
        params["lost_reason"] = deal.lost_reason
    return notify(
        event=event,
        recipients=deal_audience(deal),
        params=params,
        obj=deal,
        team_ids=[deal.team_id] if deal.team_id else [],
        actor=actor,
    )


def risk_flag_raised_notify(*, flag_id: int, actor_id: int | None) -> int:
    """deal.risk_flagged to the flagged deal's audience (not the person who flagged it)."""
    flag = RiskFlag.objects.select_related("deal__customer", "deal__team").get(pk=flag_id)
    deal = flag.deal
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    params = {
        **_deal_params(deal, deal.customer.name),
        "kind": flag.kind,
        "reason": flag.reason,
        "actor": _display(actor),
    }
    return notify(
        event=events.DEAL_RISK_FLAGGED,
        recipients=deal_audience(deal),
        params=params,
        obj=deal,
        team_ids=[deal.team_id] if deal.team_id else [],
        dedup_key=f"flag:{flag.pk}",
        actor=actor,
    )


# --- periodic reminders ---------------------------------------------------------------------


def _clock(value: str) -> time:
    hour, minute = (int(part) for part in value.split(":"))
    return time(hour, minute)


def _followup_item(followup, today: date) -> dict:
    item = {
        "followup_id": followup.pk,
        "customer": followup.customer.name,
        "deal_id": followup.deal_id,
        "deal": followup.deal.title if followup.deal_id else "",
        "next_step": followup.next_step,
        "due": followup.next_due_on.isoformat(),
    }
    if followup.next_due_on < today:
        item["days_overdue"] = (today - followup.next_due_on).days
    return item


@transaction.atomic
def followup_reminders_send(*, now: datetime | None = None) -> int:
    """At or after SALESTRACK_FOLLOWUP_REMINDER_AT (local time; "off" sends none):
    followup.due for each pending follow-up due today, to its owner, once per follow-up and due
    date; followup.overdue once a day to each owner with follow-ups due before today, naming
    them (the oldest OVERDUE_LISTED) and how many there are — one message a day however many,
    not one per follow-up (demo data: 20,657 overdue follow-ups of 200 reps would have been
    ~100 messages per rep every day). A rerun costs four queries (due today, overdue counts
    per owner, and what was already sent of each)."""
    now = now or timezone.now()
    at = settings.SALESTRACK_FOLLOWUP_REMINDER_AT.strip().lower()
    local = timezone.localtime(now)
    if at == "off" or local.time() < _clock(at):
        return 0
    today = local.date()
    sent = 0

    # Ids first (a light query), the rows to show only of those not yet told.
    due_owners = dict(followups_due_on(today=today).values_list("pk", "owner_id"))
    due_keys = {pk: f"due:{pk}:{today.isoformat()}" for pk in due_owners}
    seen = _already_notified(events.FOLLOWUP_DUE, due_keys.values(), due_owners.values())
    unseen = [pk for pk, owner in due_owners.items() if (owner, due_keys[pk]) not in seen]
    for followup in followups_due_on(today=today).filter(pk__in=unseen) if unseen else []:
        sent += notify(
            event=events.FOLLOWUP_DUE,
            recipients=[followup.owner],
            params=_followup_item(followup, today),
            obj=followup,
            dedup_key=due_keys[followup.pk],
        )

    counts = overdue_counts(today=today)
    owner_keys = {owner: f"overdue:{owner}:{today.isoformat()}" for owner in counts}
    seen = _already_notified(events.FOLLOWUP_OVERDUE, owner_keys.values(), owner_keys)
    owners = [pk for pk, key in owner_keys.items() if (pk, key) not in seen]
    listed: dict[int, list] = {}
    for followup in overdue_oldest(today=today, owner_ids=owners, limit=OVERDUE_LISTED):
        listed.setdefault(followup.owner_id, []).append(followup)
    people = {u.pk: u for u in User.objects.filter(pk__in=owners, is_active=True)} if owners else {}
    for owner_id in owners:
        rows = listed.get(owner_id, [])
        if owner_id not in people or not rows:
            continue
        oldest = rows[0]
        params = {
            **_followup_item(oldest, today),
            "count": counts[owner_id],
            "items": [_followup_item(f, today) for f in rows],
        }
        sent += notify(
            event=events.FOLLOWUP_OVERDUE,
            recipients=[people[owner_id]],
            params=params,
            obj=oldest if counts[owner_id] == 1 else None,
            dedup_key=owner_keys[owner_id],
        )
    return sent


def is_working_day_today(today: date) -> bool:
    """Monday–Friday, minus the admin's holidays, plus their make-up working days (调休)."""
    return is_working_day(today, calendar_overrides(start=today, end=today))


@transaction.atomic
def daily_update_send(*, now: datetime | None = None) -> int:
    """daily.update, once a day at or after the admin's time (ReminderSettings), on working
    days, to the active reps who have recorded no follow-up today. The first run after the
    time claims the day (a conditional UPDATE of daily_sent_on, rolled back with the run if it
    fails): the later runs of the day cost one query. A rep who records nothing after the
    reminder is not reminded again that day."""
    now = now or timezone.now()
    row = reminder_settings_get()
    local = timezone.localtime(now)
    today = local.date()
    if not row.daily_enabled or local.time() < row.daily_at or row.daily_sent_on == today:
        return 0
    if not is_working_day_today(today):
        return 0
    claimed = (
        ReminderSettings.objects.filter(pk=row.pk)
        .exclude(daily_sent_on=today)
        .update(daily_sent_on=today)
    )
    if not claimed:
        return 0
    key = f"daily:{today.isoformat()}"
    reps = list(reps_without_followup_today(today=today))
    seen = {pk for pk, _key in _already_notified(events.DAILY_UPDATE, [key], [u.pk for u in reps])}
    reps = [u for u in reps if u.pk not in seen]
    if not reps:
        return 0
    return notify(
        event=events.DAILY_UPDATE,
        recipients=reps,
        params={"date": today.isoformat()},
        dedup_key=key,
    )


class _Audience:
    """deal_audience for a batch of deals: collaborators in one query, managers once per
    team, active users in one query."""

    def __init__(self, deals: list[Deal]):
        self.collaborators = collaborators_of(d.pk for d in deals)
        teams = {d.team_id: d.team for d in deals}
        self.managers = {pk: team_managers(team) for pk, team in teams.items()}
        ids = {d.owner_id for d in deals}
        ids |= {pk for pks in self.collaborators.values() for pk in pks}
        ids |= {pk for pks in self.managers.values() for pk in pks}
        self.users = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}

    def of(self, deal: Deal) -> list[User]:
        ids = [deal.owner_id, *self.collaborators.get(deal.pk, []), *self.managers[deal.team_id]]
        return [self.users[pk] for pk in dict.fromkeys(ids) if pk in self.users]


@transaction.atomic
def stalled_deals_notify(*, now: datetime | None = None) -> int:
    """deal.stalled, once per stay in a stage, for open deals that became stalled (deals.stalls:
    past the stage's limit, or no follow-up for too long) within STALL_LOOKBACK."""
    now = now or timezone.now()
    # Ids first (a light query): a deal whose owner has heard of this stay is done.
    candidates = deals_newly_stalled(now=now, lookback=STALL_LOOKBACK)
    keys, owners = {}, {}
    for pk, entered, owner_id in candidates.values_list("pk", "stage_entered_at", "owner_id"):
        keys[pk] = f"stalled:{pk}:{entered.astimezone(UTC).isoformat()}"
        owners[pk] = owner_id
    seen = _already_notified(events.DEAL_STALLED, keys.values(), owners.values())
    todo = [pk for pk in keys if (owners[pk], keys[pk]) not in seen]
    if not todo:
        return 0
    deals = list(candidates.filter(pk__in=todo))
    audience = _Audience(deals)
    sent = 0
    for deal in deals:
        people = [u for u in audience.of(deal) if (u.pk, keys[deal.pk]) not in seen]
        if not people:
            continue
        params = {
            **_deal_params(deal, deal.customer.name),
            "stage": events.bilingual(deal.stage),
            "days_in_stage": (now - deal.stage_entered_at).days,
            "reasons": stall_reasons(deal, now=now),
        }
        sent += notify(
            event=events.DEAL_STALLED,
            recipients=people,
            params=params,
            obj=deal,
            team_ids=[deal.team_id] if deal.team_id else [],
            dedup_key=keys[deal.pk],
        )
    return sent


@transaction.atomic
def red_goals_notify(*, today: date | None = None) -> int:
    """goal.red for every rep or team goal running today whose light is red (goals.progress,
    the rule the goals pages show): to the rep of a rep goal, to the team's manager(s) for a
    team goal; once per goal and ISO week. Company goals are left out (they have no one person
    to tell; directors see them on the goals page). Actuals are the goals app's aggregates:
    one GROUP BY query per record type for all goals."""
    today = today or timezone.localdate()
    goals = list(
        Goal.objects.filter(start__lte=today, end__gte=today)
        .exclude(scope_kind=Goal.ScopeKind.COMPANY)
        .select_related("team", "user")
    )
    if not goals:
        return 0
    actuals = goal_actuals(user=None, goals=goals)
    overrides = calendar_overrides(start=min(g.start for g in goals), end=max(g.end for g in goals))
    yellow, red = settings.SALESTRACK_GOAL_YELLOW_PCT, settings.SALESTRACK_GOAL_RED_PCT
    year, week, _weekday = today.isocalendar()
    sent = 0
    red_goals = []
    for goal in goals:
        expected = expected_to_date(
            target=goal.target, start=goal.start, end=goal.end, on=today, overrides=overrides
        )
        actual = actuals.get(goal.pk, Decimal(0))
        light = goal_light(actual=actual, expected=expected, yellow_pct=yellow, red_pct=red)
        if light == Light.RED:
            red_goals.append((goal, actual, expected))
    keys = {g.pk: f"goal.red:{g.pk}:{year}-W{week:02d}" for g, _a, _e in red_goals}
    managers: dict[int, list[int]] = {}
    targets: dict[int, tuple[list[int], list[int]]] = {}  # goal id -> (user ids, team ids)
    for goal, _actual, _expected in red_goals:
        if goal.scope_kind == Goal.ScopeKind.REP:
            # A rep's shortfall is told to the rep, not to the team's group chat.
            targets[goal.pk] = ([goal.user_id], [])
        else:
            if goal.team_id not in managers:
                managers[goal.team_id] = team_managers(goal.team)
            targets[goal.pk] = (managers[goal.team_id], [goal.team_id])
    everyone = {pk for ids, _teams in targets.values() for pk in ids}
    users = {u.pk: u for u in User.objects.filter(pk__in=everyone, is_active=True)}
    seen = _already_notified(events.GOAL_RED, keys.values(), everyone)
    for goal, actual, expected in red_goals:
        ids, team_ids = targets[goal.pk]
        people = [users[pk] for pk in ids if pk in users and (pk, keys[goal.pk]) not in seen]
        if not people:
            continue
        params = {
            "goal_id": goal.pk,
            "scope_kind": goal.scope_kind,
            "subject": goal.subject_label,
            "metric": goal.metric,
            "period_kind": goal.period_kind,
            "start": goal.start.isoformat(),
            "end": goal.end.isoformat(),
            "target": str(goal.target),
            "actual": str(actual),
            "expected": str(expected),
            "behind_pct": int(behind_pct(actual=actual, expected=expected)),
            "is_money": goal.is_money,
        }
        sent += notify(
            event=events.GOAL_RED,
            recipients=people,
            params=params,
            obj=goal,
            team_ids=team_ids,
            dedup_key=keys[goal.pk],
        )
    logger.info("red goals: %d of %d running goals red", len(red_goals), len(goals))
    return sent
