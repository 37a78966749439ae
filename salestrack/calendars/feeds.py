"""The iCalendar document of a user's follow-up due dates (RFC 5545, built with icalendar).

One all-day VEVENT per open follow-up on its due date: UID followup-<id>@<host> (stable, so a
calendar app updates the event instead of adding another), SUMMARY customer / deal: next step,
DESCRIPTION with the link to the deal or customer, LAST-MODIFIED from the follow-up. Text comes
from records loaded through access.scope, so masked and hidden fields stay so.
"""

from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from salestrack.accounts.models import User
from salestrack.activities.models import FollowUp
from salestrack.calendars.selectors import calendar_followups


def _summary(f: FollowUp) -> str:
    who = f.customer.name if f.customer_id else ""
    if f.deal_id and f.deal.title:
        who = f"{who} / {f.deal.title}" if who else f.deal.title
    step = f.next_step or _("Follow up")
    return f"{who}: {step}" if who else step


def _event(f: FollowUp, *, base_url: str, host: str, now: datetime) -> Event:
    target = f.deal if f.deal_id else f.customer
    link = base_url + target.get_absolute_url()
    lines = [_("Next step: %(step)s") % {"step": f.next_step}] if f.next_step else []
    if f.summary:
        lines.append(_("Last follow-up: %(summary)s") % {"summary": f.summary})
    lines.append(link)
    event = Event()
    event.add("uid", f"followup-{f.pk}@{host}")
    event.add("dtstamp", now)
    event.add("dtstart", f.next_due_on)
    event.add("dtend", f.next_due_on + timedelta(days=1))
    event.add("summary", _summary(f))
    event.add("description", "\n".join(lines))
    event.add("url", link)
    event.add("last-modified", f.updated_at.astimezone(UTC))
    event.add("transp", "TRANSPARENT")  # a due date, not a busy slot
    return event


def calendar_feed(*, user: User, base_url: str, host: str, today: date) -> bytes:
    """The whole feed of `user`, texts in their language."""
    now = datetime.now(UTC).replace(microsecond=0)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        cal = Calendar()
        cal.add("prodid", "-//salestrack//follow-ups//EN")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", _("Follow-ups · %(user)s") % {"user": user})
        cal.add("x-wr-timezone", settings.TIME_ZONE)
        cal.add("x-published-ttl", "PT1H")
        cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        for f in calendar_followups(user=user, today=today):
            cal.add_component(_event(f, base_url=base_url, host=host, now=now))
    return cal.to_ical()
