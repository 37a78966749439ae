"""Recording follow-ups (modal and full page), the 'my follow-ups' list and marking one done."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from salestrack.access.services import share_grant
from salestrack.activities.models import FollowUp
from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.core.tests.i18n import zh
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.tests.factories import DealFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("activities:create")
MINE = reverse("activities:mine")
HTMX = {"HTTP_HX_REQUEST": "true"}
GROUPS = ("overdue", "today", "upcoming")


def local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def alice_deal(personas):
    customer = CustomerFactory(owner=personas.alice, name="华信科技有限公司")
    return DealFactory(owner=personas.alice, customer=customer, title="华信 ERP 升级")


def followup_data(subject, **changes) -> dict:
    occurred = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=2)
    key = "deal" if subject.__class__.__name__ == "Deal" else "customer"
    data = {
        key: subject.pk,
        "next": "",
        "kind": "visit",
        "occurred_at": local(occurred),
        "customer_words": "预算已经批了，下周定方案",
        "summary": "拜访信息部，确认范围",
        "next_step": "发送方案",
        "next_due_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "resources_needed": "",
    }
    return {**data, **changes}


def group(html: str, key: str) -> str:
    match = re.search(
        rf'data-group="{key}">(.*?)</div>\s*(?=<div class="card"|</main>)', html, re.S
    )
    assert match, f"no group {key}"
    return match.group(1)


# ---- create -----------------------------------------------------------------------------------


def test_it_shows_the_form_as_a_modal_for_htmx_and_as_a_page_otherwise(
    client, personas, alice_deal
):
    client.force_login(personas.alice)

    modal = client.get(CREATE, {"deal": alice_deal.pk}, **HTMX).content.decode()
    page = client.get(CREATE, {"deal": alice_deal.pk}).content.decode()

    assert "<html" not in modal
    assert 'class="modal"' in modal
    assert f'name="deal" value="{alice_deal.pk}"' in modal
    assert "<html" in page
    assert "华信 ERP 升级" in page


def test_it_records_a_followup_from_htmx_and_redirects_the_client(client, personas, alice_deal):
    client.force_login(personas.alice)
    data = followup_data(alice_deal)

    r = client.post(CREATE, data, **HTMX)

    assert r.status_code == 200
    assert r["HX-Redirect"] == reverse("deals:detail", args=[alice_deal.pk])
    followup = FollowUp.objects.get()
    assert followup.deal == alice_deal
    assert followup.customer == alice_deal.customer
    assert followup.owner == personas.alice
    assert followup.customer_words == "预算已经批了，下周定方案"
    alice_deal.refresh_from_db()
    assert alice_deal.last_activity_at == followup.occurred_at
    assert local(alice_deal.last_activity_at) == data["occurred_at"]
    assert alice_deal.next_due_on.isoformat() == data["next_due_on"]
    alice_deal.customer.refresh_from_db()
    assert alice_deal.customer.last_activity_at == followup.occurred_at


def test_it_records_a_followup_from_a_full_post_and_redirects(client, personas, alice_deal):
    client.force_login(personas.alice)

    r = client.post(CREATE, followup_data(alice_deal))

    assert r.status_code == 302
    assert r["Location"] == reverse("deals:detail", args=[alice_deal.pk])
    page = client.get(r["Location"]).content.decode()
    assert zh("Follow-up saved.") in page
    assert "预算已经批了，下周定方案" in page
    assert FollowUp.objects.filter(deal=alice_deal).count() == 1


def test_it_records_a_followup_on_a_customer(client, personas, alice_deal):
    customer = alice_deal.customer
    client.force_login(personas.alice)

    r = client.post(CREATE, followup_data(customer))

    assert r.status_code == 302
    assert r["Location"] == reverse("customers:detail", args=[customer.pk])
    followup = FollowUp.objects.get()
    assert followup.customer == customer
    assert followup.deal is None


def test_it_refuses_a_followup_in_the_future(client, personas, alice_deal):
    client.force_login(personas.alice)
    tomorrow = timezone.now() + timedelta(days=1)

    r = client.post(
        CREATE,
        followup_data(
            alice_deal,
            occurred_at=local(tomorrow),
            next_due_on=(timezone.localdate() + timedelta(days=5)).isoformat(),
        ),
    )

    assert r.status_code == 200
    assert zh("A follow-up cannot happen in the future.") in r.content.decode()
    assert not FollowUp.objects.exists()
    alice_deal.refresh_from_db()
    assert alice_deal.last_activity_at is None


def test_it_refuses_a_due_date_before_the_followup(client, personas, alice_deal):
    client.force_login(personas.alice)
    occurred = timezone.now() - timedelta(days=3)

    r = client.post(
        CREATE,
        followup_data(
            alice_deal,
            occurred_at=local(occurred),
            next_due_on=(timezone.localdate(occurred) - timedelta(days=1)).isoformat(),
        ),
        **HTMX,
    )

    assert r.status_code == 200
    assert "HX-Redirect" not in r
    assert zh("The next follow-up cannot be due before this one.") in r.content.decode()
    assert not FollowUp.objects.exists()


def test_it_refuses_a_next_step_without_a_due_date(client, personas, alice_deal):
    client.force_login(personas.alice)

    r = client.post(CREATE, followup_data(alice_deal, next_step="报价", next_due_on=""))

    assert r.status_code == 200
    assert zh("Give the next step a due date.") in r.content.decode()
    assert not FollowUp.objects.exists()
    alice_deal.refresh_from_db()
    assert alice_deal.next_due_on is None


@pytest.mark.parametrize("outsider", ["charlie", "bob"])
def test_it_answers_404_to_outsiders_posting_on_alices_deal(client, personas, alice_deal, outsider):
    client.force_login(getattr(personas, outsider))

    assert client.get(CREATE, {"deal": alice_deal.pk}).status_code == 404
    assert client.post(CREATE, followup_data(alice_deal), **HTMX).status_code == 404
    assert client.post(CREATE, followup_data(alice_deal.customer)).status_code == 404
    assert not FollowUp.objects.exists()
    alice_deal.refresh_from_db()
    assert alice_deal.last_activity_at is None


def test_it_answers_403_to_a_read_only_sharer_of_the_customer(client, personas, alice_deal):
    customer = alice_deal.customer
    share_grant(
        obj=customer, user=personas.charlie, can_edit=False, expires_at=None, actor=personas.alice
    )
    client.force_login(personas.charlie)

    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    assert client.get(CREATE, {"customer": customer.pk}).status_code == 403
    assert client.post(CREATE, followup_data(customer)).status_code == 403
    assert client.post(CREATE, followup_data(customer), **HTMX).status_code == 403
    assert not FollowUp.objects.exists()
    customer.refresh_from_db()
    assert customer.last_activity_at is None


def test_it_records_a_followup_through_an_edit_share(client, personas, alice_deal):
    share_grant(
        obj=alice_deal.customer,
        user=personas.charlie,
        can_edit=True,
        expires_at=None,
        actor=personas.alice,
    )
    client.force_login(personas.charlie)

    r = client.post(CREATE, followup_data(alice_deal.customer))

    assert r.status_code == 302
    assert FollowUp.objects.get().owner == personas.charlie


def test_it_sends_a_subjectless_request_back_to_the_list(client, personas):
    client.force_login(personas.alice)

    r = client.get(CREATE)

    assert r.status_code == 302
    assert r["Location"] == MINE


def test_it_honours_a_safe_next(client, personas, alice_deal):
    client.force_login(personas.alice)

    r = client.post(CREATE, followup_data(alice_deal, next=MINE))

    assert r.status_code == 302
    assert r["Location"] == MINE


@pytest.mark.parametrize(
    "target", ["https://evil.example", "https://evil.example/deals/", "//evil.example/x"]
)
def test_it_ignores_an_unsafe_next(client, personas, alice_deal, target):
    client.force_login(personas.alice)
    deal_url = reverse("deals:detail", args=[alice_deal.pk])

    full = client.post(CREATE, followup_data(alice_deal, next=target))
    modal = client.post(CREATE, followup_data(alice_deal, next=target), **HTMX)

    assert full.status_code == 302
    assert full["Location"] == deal_url
    assert modal["HX-Redirect"] == deal_url


# ---- my follow-ups ----------------------------------------------------------------------------


def test_it_lists_overdue_today_and_upcoming_of_the_user_only(client, personas, alice_deal):
    today = timezone.localdate()
    customer = alice_deal.customer

    def pending(owner, step, due, **kwargs):
        return FollowUpFactory(
            customer=kwargs.pop("customer", customer),
            owner=owner,
            next_step=step,
            next_due_on=due,
            **kwargs,
        )

    pending(personas.alice, "逾期-催合同", today - timedelta(days=2), deal=alice_deal)
    pending(personas.alice, "今天-打电话", today)
    pending(personas.alice, "三天后-演示", today + timedelta(days=3))
    pending(personas.alice, "一个月后-回访", today + timedelta(days=30))
    pending(personas.alice, "已完成-报价", today, done_at=timezone.now())
    bobs = CustomerFactory(owner=personas.bob)
    pending(personas.bob, "鲍勃-今天", today, customer=bobs)
    client.force_login(personas.alice)

    r = client.get(MINE)

    assert r.status_code == 200
    html = r.content.decode()
    shown = {key: re.findall(r"<td>([^<]+-[^<]+)</td>", group(html, key)) for key in GROUPS}
    assert shown == {
        "overdue": ["逾期-催合同"],
        "today": ["今天-打电话"],
        "upcoming": ["三天后-演示"],
    }
    assert "华信 ERP 升级" in group(html, "overdue")
    for hidden in ("一个月后-回访", "已完成-报价", "鲍勃-今天"):
        assert hidden not in html


def test_it_shows_charlie_none_of_alices_followups(client, personas, alice_deal):
    FollowUpFactory(
        customer=alice_deal.customer,
        owner=personas.alice,
        next_step="艾丽丝的下一步",
        next_due_on=timezone.localdate(),
    )
    client.force_login(personas.charlie)

    html = client.get(MINE).content.decode()

    assert "艾丽丝的下一步" not in html


def test_it_marks_a_followup_done(client, personas, alice_deal):
    due = timezone.localdate() + timedelta(days=1)
    followup = FollowUpFactory(
        customer=alice_deal.customer, deal=alice_deal, owner=personas.alice, next_due_on=due
    )
    type(alice_deal).objects.filter(pk=alice_deal.pk).update(next_due_on=due)
    client.force_login(personas.alice)
    url = reverse("activities:done", args=[followup.pk])

    assert client.get(url).status_code == 405
    r = client.post(url)

    assert r.status_code == 302
    assert r["Location"] == MINE
    followup.refresh_from_db()
    assert followup.done_at is not None
    alice_deal.refresh_from_db()
    assert alice_deal.next_due_on is None
    page = client.get(MINE).content.decode()
    assert zh("Marked as done.") in page
    assert followup.next_step not in group(page, "upcoming")


@pytest.mark.parametrize("outsider", ["charlie", "bob"])
def test_it_answers_404_to_outsiders_marking_done(client, personas, alice_deal, outsider):
    followup = FollowUpFactory(
        customer=alice_deal.customer, owner=personas.alice, next_due_on=timezone.localdate()
    )
    client.force_login(getattr(personas, outsider))

    r = client.post(reverse("activities:done", args=[followup.pk]))

    assert r.status_code == 404
    followup.refresh_from_db()
    assert followup.done_at is None


@pytest.mark.parametrize("can_edit", [False, True])
def test_a_sharer_of_the_deal_cannot_mark_someone_elses_followup_done(
    client, personas, alice_deal, can_edit
):
    followup = FollowUpFactory(
        customer=alice_deal.customer,
        deal=alice_deal,
        owner=personas.alice,
        next_due_on=timezone.localdate(),
    )
    share_grant(
        obj=alice_deal,
        user=personas.charlie,
        can_edit=can_edit,
        expires_at=None,
        actor=personas.alice,
    )
    client.force_login(personas.charlie)
    assert (
        followup.next_step
        in client.get(reverse("deals:detail", args=[alice_deal.pk])).content.decode()
    )

    r = client.post(reverse("activities:done", args=[followup.pk]))

    assert r.status_code == 404
    followup.refresh_from_db()
    assert followup.done_at is None
