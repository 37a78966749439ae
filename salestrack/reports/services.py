"""Sending the scheduled reports: each active rep gets their own report, each manager (a role
whose deal scope is their team or its subtree) their team's, as a notification that links to
the report in the app, and each team's report to the team's group bots that subscribed to it.
Idempotent: the dedup key names the report and its period, so a second
run for the same period sends nothing (notifications.services.notify)."""

import logging
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from salestrack.access.models import ObjectPolicy, Scope
from salestrack.accounts.models import Team, User
from salestrack.notifications.services import notify
from salestrack.reports.messages import report_dedup_key, report_event, report_params
from salestrack.reports.periods import KINDS, report_period
from salestrack.reports.selectors import REP, TEAM, report_for

logger = logging.getLogger("salestrack.jobs")


@dataclass(frozen=True)
class Recipient:
    user: User
    subject: str  # rep: their own report; team: their team's
    subject_obj: User | Team


def report_recipients() -> list[Recipient]:
    """Active users by their role's deal scope: own records → their own report; own team or
    team and sub-teams (with a team) → their team's report. Other roles get none (directors,
    finance, marketing open any report in the app). Two queries."""
    scopes = dict(ObjectPolicy.objects.filter(object_type="deal").values_list("role__key", "scope"))
    out = []
    users = User.objects.filter(is_active=True).select_related("team").order_by("pk")
    for user in users:
        scope = Scope.ALL if user.is_superuser else scopes.get(user.role, Scope.NONE)
        if scope == Scope.OWN:
            out.append(Recipient(user, REP, user))
        elif scope in (Scope.TEAM, Scope.SUBTREE) and user.team is not None:
            out.append(Recipient(user, TEAM, user.team))
    return out


def reports_send(*, kind: str, period_start: date, today: date | None = None) -> int:
    """Notify every recipient of their report of the `kind` period containing `period_start`.
    Each report is computed as its recipient sees it (scope, amounts). Returns the number of
    notifications queued (0 on a re-run)."""
    if kind not in KINDS:
        raise ValueError(kind)
    start = report_period(kind, period_start).start
    sent = 0
    for r in report_recipients():
        try:
            report = report_for(
                user=r.user,
                subject=r.subject,
                subject_id=r.subject_obj.pk,
                kind=kind,
                period_start=start,
                today=today,
            )
        except (Http404, PermissionDenied):
            logger.info("report %s: %s may not see the %s report", kind, r.user, r.subject)
            continue
        with transaction.atomic():
            sent += notify(
                event=report_event(kind),
                recipients=[r.user],
                params=report_params(report),
                # a team's report also goes to the team's group bots subscribed to it (once,
                # however many managers the team has: the bot's dedup key is the report's)
                team_ids=[r.subject_obj.pk] if r.subject == TEAM else (),
                dedup_key=report_dedup_key(kind, r.subject, r.subject_obj.pk, start),
            )
    return sent
