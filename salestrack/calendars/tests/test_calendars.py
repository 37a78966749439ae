from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from salestrack.access.models import FieldLevel, FieldPolicy, Role
from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.audit.models import AuditEntry
from salestrack.calendars.models import CalendarToken
from salestrack.calendars.services import calendar_token_issue
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.tests.factories import DealFactory
from salestrack.reports.tests.factories import at

TODAY = date(2025, 5, 14)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(at(5, 14), tick=False):
        yield


def feed_url(token: str) -> str:
    return reverse("calendars:feed", args=[token])


def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def events(cal: Calendar) -> dict:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


@pytest.fixture
def followups(personas):
    a = personas.alice
    customer = CustomerFactory(owner=a, name="华信科技有限公司")
    deal = DealFactory(owner=a, customer=customer, title="ERP 一期")
    return {
        "due": FollowUpFactory(
            customer=customer, deal=deal, next_step="发送报价", next_due_on=TODAY + timedelta(3)
        ),
        "no_deal": FollowUpFactory(
            customer=customer, next_step="回访", next_due_on=TODAY - timedelta(30)
        ),
        "done": FollowUpFactory(
            customer=customer,
            next_due_on=TODAY + timedelta(1),
            done_at=at(5, 13),
        ),
        "too_old": FollowUpFactory(customer=customer, next_due_on=TODAY - timedelta(31)),
        "too_far": FollowUpFactory(customer=customer, next_due_on=TODAY + timedelta(181)),
        "no_due": FollowUpFactory(customer=customer, next_due_on=None),
        "bobs": FollowUpFactory(
            customer=CustomerFactory(owner=personas.bob), next_due_on=TODAY + timedelta(2)
        ),
    }


def test_the_feed_lists_the_users_open_follow_ups_as_all_day_events(client, personas, followups):
    token = calendar_token_issue(user=personas.alice)
    r = client.get(feed_url(token))  # no login
    assert "private" in r["Cache-Control"]
    cal = parse(r)
    assert "艾丽丝" in str(cal["X-WR-CALNAME"])
    found = events(cal)
    f, g = followups["due"], followups["no_deal"]
    assert set(found) == {f"followup-{f.pk}@testserver", f"followup-{g.pk}@testserver"}
    event = found[f"followup-{f.pk}@testserver"]
    assert event.decoded("DTSTART") == TODAY + timedelta(3)  # a date: an all-day event
    assert event.decoded("DTEND") == TODAY + timedelta(4)
    assert str(event["SUMMARY"]) == "华信科技有限公司 / ERP 一期: 发送报价"
    assert f"http://testserver/deals/{f.deal_id}/" in str(event["DESCRIPTION"])
    assert event.decoded("LAST-MODIFIED") is not None
    other = found[f"followup-{g.pk}@testserver"]
    assert str(other["SUMMARY"]) == "华信科技有限公司: 回访"
    assert other.decoded("DTSTART") == TODAY - timedelta(30)


def test_unknown_and_revoked_addresses_answer_404(client, personas, followups):
    assert client.get(feed_url("not-a-real-token")).status_code == 404
    client.force_login(personas.alice)
    client.post(reverse("calendars:issue"))
    token = calendar_token_issue(user=personas.alice)
    client.logout()
    assert client.get(feed_url(token)).status_code == 200
    client.force_login(personas.alice)
    assert client.post(reverse("calendars:revoke")).status_code == 302
    client.logout()
    assert client.get(feed_url(token)).status_code == 404
    assert CalendarToken.objects.get(user=personas.alice).revoked


def test_a_new_address_invalidates_the_old_one(client, personas, followups):
    client.force_login(personas.alice)
    page = client.post(reverse("calendars:issue"))
    assert page.status_code == 200 and page["Cache-Control"] == "no-store, private"
    first = page.context["https_url"]
    assert page.context["webcal_url"] == "webcal://" + first.split("://", 1)[1]
    second = client.post(reverse("calendars:issue")).context["https_url"]
    assert first != second
    client.logout()
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    # the secret is not stored, only its hash
    row = CalendarToken.objects.get(user=personas.alice)
    assert second.rsplit("/", 1)[1].removesuffix(".ics") not in row.token_hash


def test_issuing_and_revoking_are_audited(client, personas):
    client.force_login(personas.alice)
    client.post(reverse("calendars:issue"))
    client.post(reverse("calendars:issue"))
    client.post(reverse("calendars:revoke"))
    extras = [
        e.extra["calendar_feed"]
        for e in AuditEntry.objects.filter(object_type="calendars.calendartoken").order_by("seq")
    ]
    assert extras == ["created", "regenerated", "revoked"]
    # revoking again writes nothing
    client.post(reverse("calendars:revoke"))
    assert AuditEntry.objects.filter(object_type="calendars.calendartoken").count() == 3


def test_the_page_needs_a_login_and_shows_the_state(client, personas):
    assert client.get(reverse("calendars:index")).status_code == 302
    assert client.get(reverse("calendars:issue")).status_code in (302, 405)
    client.force_login(personas.bob)
    assert client.get(reverse("calendars:issue")).status_code == 405
    html = client.get(reverse("calendars:index")).content.decode()
    assert "data-issue" in html and "data-revoke" not in html and "https://" not in html


def test_masked_fields_stay_masked_in_the_feed(client, personas, followups):
    FieldPolicy.objects.update_or_create(
        role=Role.objects.get(key=personas.alice.role),
        object_type="followup",
        field="next_step",
        defaults={"level": FieldLevel.MASKED},
    )
    token = calendar_token_issue(user=personas.alice)
    cal = parse(client.get(feed_url(token)))
    summaries = {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}
    assert "华信科技有限公司 / ERP 一期: 发***" in summaries
    assert not any("发送报价" in s for s in summaries)


def test_an_inactive_users_feed_is_gone(client, personas, followups):
    token = calendar_token_issue(user=personas.alice)
    personas.alice.is_active = False
    personas.alice.save(update_fields=["is_active"])
    assert client.get(feed_url(token)).status_code == 404
