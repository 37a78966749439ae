"""The event types the reminders produce, and how each renders in the recipient's language.

Registered in RemindersConfig.ready(). Every render works from `params` alone (no query): the
producers store names and amounts when the event happens; names that exist in two languages
(stages) are stored in both, and labels of choices (risk kinds, goal metrics, stall reasons) are
stored as their codes and translated here, so each recipient reads them in their language.

Params copied from fields a role may hide or mask are declared in each event type's `governed`
(notifications.events): a reader whose role hides the field gets the params without that key,
so every render copes with a missing customer, deal title, amount, next step or goal actual.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from salestrack.core.templatetags.money import cny
from salestrack.deals.stalls import REASON_LABELS
from salestrack.goals.models import Goal
from salestrack.goals.periods import period_label
from salestrack.goals.selectors import METRIC_SOURCE
from salestrack.notifications.events import EventType, Message, register
from salestrack.risks.models import RiskFlag

FOLLOWUP_DUE = "followup.due"
FOLLOWUP_OVERDUE = "followup.overdue"
DAILY_UPDATE = "daily.update"
DEAL_STAGE_CHANGED = "deal.stage_changed"
DEAL_WON = "deal.won"
DEAL_LOST = "deal.lost"
DEAL_STALLED = "deal.stalled"
DEAL_RISK_FLAGGED = "deal.risk_flagged"
GOAL_RED = "goal.red"

GROUP_FOLLOWUPS = gettext_lazy("Follow-ups")
GROUP_DEALS = gettext_lazy("Deals")
GROUP_GOALS = gettext_lazy("Goals")

# Params holding governed fields (notifications.events.EventType.governed).
DEAL_GOVERNED = {
    "deal": ("deal", "title"),
    "customer": ("customer", "name"),
    "amount": ("deal", "amount"),
}
FOLLOWUP_GOVERNED = {  # also inside the `items` of an overdue digest
    "customer": ("customer", "name"),
    "deal": ("deal", "title"),
    "next_step": ("followup", "next_step"),
}


def goal_governed(params: dict) -> dict[str, tuple[str, str]]:
    """A goal's actual (and the shortfall, which reveals it) come from the field its metric
    sums, if any: the won amounts, the payments (goals.selectors.METRIC_SOURCE)."""
    kind, name = METRIC_SOURCE.get(params.get("metric"), (None, None))
    return {"actual": (kind, name), "behind_pct": (kind, name)} if name else {}


# --- helpers --------------------------------------------------------------------------------


def bilingual(obj) -> dict[str, str]:
    """A BilingualName (pipeline stage) as stored in params: both names."""
    return {"zh": obj.name, "en": obj.name_en or ""}


def _name(value) -> str:
    """A stored bilingual name in the active language (English falls back to Chinese)."""
    if isinstance(value, dict):
        if (get_language() or "").startswith("en") and value.get("en"):
            return value["en"]
        return value.get("zh", "")
    return str(value or "")


def _amount(value) -> str:
    return cny(value) if value not in (None, "") else "—"


def _shown(params: dict, key: str) -> str:
    """A governed name the reader may not see (its key removed) reads "(hidden)"."""
    return str(params[key]) if key in params else _("(hidden)")


def _number(value, is_money: bool) -> str:
    if is_money:
        return _amount(value)
    try:
        return f"{Decimal(value):,.0f}"
    except (InvalidOperation, TypeError, ValueError):
        return "—"


def _deal_url(params: dict) -> str:
    return reverse("deals:detail", args=[params["deal_id"]]) if params.get("deal_id") else ""


def _deal_line(params: dict) -> list[str]:
    """“<customer> · <amount>” under a deal's title, or the part the reader may see."""
    customer, amount = "customer" in params, "amount" in params
    if customer and amount:
        line = _("Customer: %(customer)s · amount %(amount)s") % {
            "customer": params["customer"],
            "amount": _amount(params["amount"]),
        }
    elif customer:
        line = _("Customer: %(customer)s") % {"customer": params["customer"]}
    elif amount:
        line = _("Amount: %(amount)s") % {"amount": _amount(params["amount"])}
    else:
        return []
    return [line]


# --- follow-ups -----------------------------------------------------------------------------


def _followup_text(params: dict) -> list[str]:
    lines = []
    if params.get("deal"):
        lines.append(_("Deal: %(deal)s") % {"deal": params["deal"]})
    if params.get("next_step"):
        lines.append(_("Next step: %(step)s") % {"step": params["next_step"]})
    return lines


def _followup_url(params: dict) -> str:
    if params.get("deal_id"):
        return _deal_url(params)
    return reverse("activities:mine")


def render_followup_due(params: dict) -> Message:
    title = _("Follow-up due today: %(customer)s") % {"customer": _shown(params, "customer")}
    lines = [
        _("A follow-up with %(customer)s is due today (%(due)s).")
        % {"customer": _shown(params, "customer"), "due": params.get("due", "")},
        *_followup_text(params),
    ]
    return Message(title=title, text="\n".join(lines), url=_followup_url(params))


def render_followup_overdue(params: dict) -> Message:
    """One overdue follow-up in full, or several: how many, the oldest named."""
    count = int(params.get("count") or 1)
    if count == 1:
        days = int(params.get("days_overdue") or 0)
        values = {"customer": _shown(params, "customer"), "days": days}
        title = (
            ngettext(
                "Follow-up %(days)d day overdue: %(customer)s",
                "Follow-up %(days)d days overdue: %(customer)s",
                days,
            )
            % values
        )
        lines = [
            _("The follow-up with %(customer)s was due on %(due)s.")
            % {**values, "due": params.get("due", "")},
            *_followup_text(params),
        ]
        return Message(title=title, text="\n".join(lines), url=_followup_url(params))
    title = ngettext("%(count)d follow-up overdue", "%(count)d follow-ups overdue", count) % {
        "count": count
    }
    lines = []
    for item in params.get("items", []):
        days = int(item.get("days_overdue") or 0)
        line = ngettext(
            "%(customer)s: due %(due)s, %(days)d day overdue",
            "%(customer)s: due %(due)s, %(days)d days overdue",
            days,
        ) % {"customer": _shown(item, "customer"), "due": item.get("due", ""), "days": days}
        if item.get("next_step"):
            line += " · " + item["next_step"]
        lines.append("· " + line)
    more = count - len(params.get("items", []))
    if more > 0:
        lines.append(ngettext("and %(n)d more", "and %(n)d more", more) % {"n": more})
    return Message(title=title, text="\n".join(lines), url=reverse("activities:mine"))


def render_daily_update(params: dict) -> Message:
    day = params.get("date", "")
    title = _("Record today's follow-ups")
    text = _(
        "You have not recorded any follow-up today (%(date)s). Record the calls, visits and "
        "messages of the day, with the customer's own words and the next step."
    ) % {"date": day}
    return Message(title=title, text=text, url=reverse("activities:mine"))


# --- deals ----------------------------------------------------------------------------------


def _actor(params: dict) -> str:
    return params.get("actor") or _("The system")


def render_deal_stage_changed(params: dict) -> Message:
    values = {
        "deal": _shown(params, "deal"),
        "from": _name(params.get("from_stage")),
        "to": _name(params.get("to_stage")),
        "actor": _actor(params),
    }
    title = _("%(deal)s: %(from)s → %(to)s") % values
    lines = [
        _("%(actor)s moved %(deal)s from %(from)s to %(to)s.") % values,
        *_deal_line(params),
    ]
    return Message(title=title, text="\n".join(lines), url=_deal_url(params))


def render_deal_won(params: dict) -> Message:
    values = {"deal": _shown(params, "deal"), "amount": _amount(params.get("amount"))}
    if "amount" in params:
        title = _("Won: %(deal)s (%(amount)s)") % values
    else:
        title = _("Won: %(deal)s") % values
    lines = [
        _("%(actor)s marked %(deal)s as won.") % {**values, "actor": _actor(params)},
        *_deal_line(params),
    ]
    return Message(title=title, text="\n".join(lines), url=_deal_url(params))


def render_deal_lost(params: dict) -> Message:
    values = {"deal": _shown(params, "deal"), "actor": _actor(params)}
    title = _("Lost: %(deal)s") % values
    lines = [_("%(actor)s marked %(deal)s as lost.") % values, *_deal_line(params)]
    if params.get("lost_reason"):
        lines.append(_("Lost reason: %(reason)s") % {"reason": params["lost_reason"]})
    return Message(title=title, text="\n".join(lines), url=_deal_url(params))


def render_deal_stalled(params: dict) -> Message:
    days = int(params.get("days_in_stage") or 0)
    values = {"deal": _shown(params, "deal"), "stage": _name(params.get("stage")), "days": days}
    title = _("Stalled: %(deal)s") % values
    lines = [
        ngettext(
            "%(deal)s has been in %(stage)s for %(days)d day.",
            "%(deal)s has been in %(stage)s for %(days)d days.",
            days,
        )
        % values
    ]
    lines += [str(REASON_LABELS[r]) for r in params.get("reasons", []) if r in REASON_LABELS]
    lines += _deal_line(params)
    return Message(title=title, text="\n".join(lines), url=_deal_url(params))


def _risk_label(kind: str) -> str:
    try:
        return str(RiskFlag.Kind(kind).label)
    except ValueError:
        return kind


def render_deal_risk_flagged(params: dict) -> Message:
    values = {
        "deal": _shown(params, "deal"),
        "risk": _risk_label(params.get("kind", "")),
        "actor": _actor(params),
    }
    title = _("Risk on %(deal)s: %(risk)s") % values
    lines = [_("%(actor)s flagged %(deal)s: %(risk)s.") % values]
    if params.get("reason"):
        lines.append(_("Reason: %(reason)s") % {"reason": params["reason"]})
    lines += _deal_line(params)
    return Message(title=title, text="\n".join(lines), url=_deal_url(params))


# --- goals ----------------------------------------------------------------------------------


def _metric_label(metric: str) -> str:
    try:
        return str(Goal.Metric(metric).label)
    except ValueError:
        return metric


def _subject(params: dict) -> str:
    if params.get("scope_kind") == Goal.ScopeKind.COMPANY:
        return str(Goal.ScopeKind.COMPANY.label)
    return params.get("subject", "")


def render_goal_red(params: dict) -> Message:
    is_money = bool(params.get("is_money"))
    start, end = date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
    values = {
        "subject": _subject(params),
        "metric": _metric_label(params.get("metric", "")),
        "period": period_label(params.get("period_kind", ""), start, end),
        "actual": _number(params.get("actual"), is_money),  # governed: may be missing
        "expected": _number(params.get("expected"), is_money),
        "target": _number(params.get("target"), is_money),
        "behind": int(params.get("behind_pct") or 0),
    }
    title = _("Goal far behind: %(subject)s · %(metric)s · %(period)s") % values
    if "actual" in params and "behind_pct" in params:
        text = (
            _(
                "%(actual)s so far against %(expected)s expected by now (target %(target)s): "
                "%(behind)d%% behind."
            )
            % values
        )
    else:
        text = _("%(expected)s expected by now (target %(target)s).") % values
    url = reverse("goals:detail", args=[params["goal_id"]]) if params.get("goal_id") else ""
    return Message(title=title, text=text, url=url)


EVENT_TYPES = (
    EventType(
        key=FOLLOWUP_DUE,
        label=gettext_lazy("Follow-up due today"),
        render=render_followup_due,
        group=GROUP_FOLLOWUPS,
        governed=FOLLOWUP_GOVERNED,
    ),
    EventType(
        key=FOLLOWUP_OVERDUE,
        label=gettext_lazy("Follow-up overdue"),
        render=render_followup_overdue,
        group=GROUP_FOLLOWUPS,
        governed=FOLLOWUP_GOVERNED,
    ),
    EventType(
        key=DAILY_UPDATE,
        label=gettext_lazy("Daily update reminder"),
        render=render_daily_update,
        group=GROUP_FOLLOWUPS,
    ),
    EventType(
        key=DEAL_STAGE_CHANGED,
        label=gettext_lazy("Stage changes"),
        render=render_deal_stage_changed,
        group=GROUP_DEALS,
        governed=DEAL_GOVERNED,
    ),
    EventType(
        key=DEAL_WON,
        label=gettext_lazy("Deal won"),
        render=render_deal_won,
        group=GROUP_DEALS,
        governed=DEAL_GOVERNED,
    ),
    EventType(
        key=DEAL_LOST,
        label=gettext_lazy("Deal lost"),
        render=render_deal_lost,
        group=GROUP_DEALS,
        governed=DEAL_GOVERNED | {"lost_reason": ("deal", "lost_reason")},
    ),
    EventType(
        key=DEAL_STALLED,
        label=gettext_lazy("Deal stalled"),
        render=render_deal_stalled,
        group=GROUP_DEALS,
        governed=DEAL_GOVERNED,
    ),
    EventType(
        key=DEAL_RISK_FLAGGED,
        label=gettext_lazy("Risk flagged"),
        render=render_deal_risk_flagged,
        group=GROUP_DEALS,
        governed=DEAL_GOVERNED,
    ),
    EventType(
        key=GOAL_RED,
        label=gettext_lazy("Goal far behind"),
        render=render_goal_red,
        group=GROUP_GOALS,
        governed=goal_governed,
    ),
)


def register_all() -> None:
    for event_type in EVENT_TYPES:
        register(event_type)
