"""A report as a notification: the figures are stored with the notification when it is queued
(JSON params, computed for that recipient), and rendered in the recipient's language when it is
shown or sent (notifications.events: render(params) -> Message)."""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salestrack.analytics.filters import Period
from salestrack.core.templatetags.money import cny
from salestrack.goals.progress import Light
from salestrack.notifications.events import EventType, Message, register
from salestrack.reports.periods import DAILY, KIND_TITLES, MONTHLY, WEEKLY, report_period
from salestrack.reports.periods import report_period_label as period_label
from salestrack.reports.selectors import Report

EVENT_LABELS = {
    DAILY: gettext_lazy("Daily report"),
    WEEKLY: gettext_lazy("Weekly report"),
    MONTHLY: gettext_lazy("Monthly report"),
}
LIGHT_MARKS = {Light.GREEN: "🟢", Light.YELLOW: "🟡", Light.RED: "🔴"}
# The sums of deal amounts follow the reader's level on deal.amount (hidden: the counts only);
# notifications.events.EventType.governed.
GOVERNED = {"created_amount": ("deal", "amount"), "won_amount": ("deal", "amount")}


def report_event(kind: str) -> str:
    return f"report.{kind}"


def report_dedup_key(kind: str, subject: str, subject_id: int, start: date) -> str:
    """The same report of the same period is sent once, however often the job runs."""
    return f"report:{kind}:{subject}:{subject_id}:{start.isoformat()}"


def _money(value) -> str | None:
    return None if value is None else str(value)


def report_params(report: Report) -> dict:
    """The figures of a report as JSON (what the notification keeps)."""
    return {
        "kind": report.kind,
        "subject": report.subject,
        "subject_id": report.subject_id,
        "subject_label": report.subject_label,
        "start": report.period.start.isoformat(),
        "created": report.created["value"],
        "created_amount": _money(report.created_amount and report.created_amount["value"]),
        "won": report.won["value"],
        "won_amount": _money(report.won_amount and report.won_amount["value"]),
        "lost": report.lost["value"],
        "moves": report.stage_moves["value"],
        "followups": report.followups["value"] if report.followups else None,
        "light": report.light,
        "url": report.url,
    }


def _with_amount(count: int, amount: str | None) -> str:
    return f"{count} ({cny(Decimal(amount))})" if amount is not None else str(count)


def render_report(params: dict) -> Message:
    """Title and a few lines of numbers with the goal light, in the active language."""
    kind = params["kind"]
    period: Period = report_period(kind, date.fromisoformat(params["start"]))
    title = _("%(report)s %(period)s · %(subject)s") % {
        "report": KIND_TITLES[kind],
        "period": period_label(kind, period),
        "subject": params["subject_label"],
    }
    lines = [
        _("New deals: %(n)s")
        % {"n": _with_amount(params["created"], params.get("created_amount"))},
        _("Stage moves: %(n)s") % {"n": params["moves"]},
        _("Won: %(n)s") % {"n": _with_amount(params["won"], params.get("won_amount"))},
        _("Lost: %(n)s") % {"n": params["lost"]},
    ]
    if params.get("followups") is not None:
        lines.append(_("Follow-ups made: %(n)s") % {"n": params["followups"]})
    light = params.get("light")
    if light:
        lines.append(
            _("Goals: %(mark)s %(light)s")
            % {"mark": LIGHT_MARKS[light], "light": Light(light).label}
        )
    else:
        lines.append(_("Goals: none set for this period"))
    return Message(title=title, text="\n".join(lines), url=params["url"])


def register_report_events() -> None:
    for kind in (DAILY, WEEKLY, MONTHLY):
        register(
            EventType(
                key=report_event(kind),
                label=EVENT_LABELS[kind],
                render=render_report,
                group=gettext_lazy("Reports"),
                governed=GOVERNED,
            )
        )
