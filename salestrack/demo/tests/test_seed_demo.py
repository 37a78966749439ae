from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from itertools import pairwise

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import F, Sum
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from salestrack.access.scope import scope_queryset
from salestrack.accounts.models import Team, User
from salestrack.activities.models import FollowUp
from salestrack.core.text import pinyin_search_key
from salestrack.customers.models import Contact, Customer
from salestrack.customers.selectors import customer_list
from salestrack.customers.services import contact_create, customer_create
from salestrack.deals.gates import is_recorded, stages_left_by_move
from salestrack.deals.models import Deal, DealLine, Product, StageChange
from salestrack.deals.selectors import is_stalled
from salestrack.deals.services import deal_create
from salestrack.demo import words
from salestrack.demo.generator import demo_seed
from salestrack.pipeline.models import Stage, StageRequirement

pytestmark = pytest.mark.django_db

LOST_REASONS = {reason for reason, _ in words.LOST_REASONS}


@pytest.fixture
def seeded(pipeline):
    return demo_seed(deals=60, seed=7)


def _histories() -> dict[int, list[StageChange]]:
    histories = defaultdict(list)
    for row in StageChange.objects.select_related("to_stage").order_by("deal_id", "entered_at"):
        histories[row.deal_id].append(row)
    return histories


def test_it_creates_the_requested_number_of_deals_with_customers_and_followups(seeded):
    assert Deal.objects.count() == 60
    assert Customer.objects.count() == 15
    assert Contact.objects.count() >= 15
    assert 4 * 60 <= FollowUp.objects.count() <= 6 * 60
    assert seeded.counts["deals"] == 60
    assert seeded.counts["followups"] == FollowUp.objects.count()


def test_it_gives_every_deal_exactly_one_open_stay_in_its_current_stage(seeded):
    for deal in Deal.objects.all():
        open_rows = list(StageChange.objects.filter(deal=deal, left_at__isnull=True))
        assert len(open_rows) == 1
        assert open_rows[0].to_stage_id == deal.stage_id
        assert open_rows[0].entered_at == deal.stage_entered_at


def test_it_writes_contiguous_time_ordered_stage_histories(seeded):
    now = timezone.now()
    for rows in _histories().values():
        assert rows[0].from_stage_id is None and rows[0].from_kind == ""
        for previous, row in pairwise(rows):
            assert previous.entered_at < row.entered_at
            assert previous.left_at == row.entered_at
            assert previous.duration_seconds == int(
                (previous.left_at - previous.entered_at).total_seconds()
            )
            assert row.from_stage_id == previous.to_stage_id
            assert row.from_kind == previous.to_kind
        assert rows[-1].left_at is None and rows[-1].duration_seconds is None
        assert rows[-1].entered_at <= now


def test_it_walks_the_open_stages_forward_at_most_one_step_back_at_a_time(seeded, stages):
    for rows in _histories().values():
        positions = [row.to_stage.position for row in rows if row.to_stage.is_open]
        assert positions[0] == stages["Lead"].position
        for previous, position in pairwise(positions):
            assert position in (previous + 1, previous - 1)


def test_it_closes_won_and_lost_deals_and_leaves_the_rest_open(seeded):
    deals = list(Deal.objects.select_related("stage"))
    by_status = {status: [d for d in deals if d.status == status] for status in Deal.Status}
    assert all(by_status.values()), "every outcome occurs"
    for deal in by_status[Deal.Status.WON]:
        assert deal.stage.kind == Stage.Kind.WON
        assert deal.closed_at == deal.stage_entered_at
        assert deal.payment_received == deal.amount
    for deal in by_status[Deal.Status.LOST]:
        assert deal.stage.kind == Stage.Kind.LOST
        assert deal.closed_at == deal.stage_entered_at
        assert deal.lost_reason in LOST_REASONS
    for deal in by_status[Deal.Status.OPEN]:
        assert deal.stage.is_open
        assert deal.closed_at is None and deal.lost_reason == ""


def test_it_records_the_exit_criteria_of_every_stage_a_deal_left(seeded, pipeline):
    stages = list(pipeline.stages.prefetch_related("requirements"))
    assert StageRequirement.objects.filter(stage__pipeline=pipeline).exists()
    deals = Deal.objects.in_bulk()
    checked = 0
    for deal_id, rows in _histories().items():
        deal = deals[deal_id]
        for previous, row in pairwise(rows):
            for left in stages_left_by_move(stages, previous.to_stage, row.to_stage):
                for requirement in left.requirements.all():
                    assert is_recorded(deal, requirement.field), (deal.title, requirement.field)
                    checked += 1
    assert checked > 0


def test_it_picks_decision_makers_and_quotes_that_fit_the_deal(seeded):
    for deal in Deal.objects.exclude(decision_maker=None).select_related("decision_maker"):
        assert deal.decision_maker.customer_id == deal.customer_id
    for deal in Deal.objects.exclude(quote_amount=None):
        assert deal.quote_amount >= deal.amount


def test_it_keeps_amounts_exact_and_equal_to_product_lines(seeded):
    for deal in Deal.objects.annotate(lines_total=Sum("lines__total")):
        assert deal.amount == deal.amount.quantize(Decimal("0.01"))
        assert Decimal("20000") <= deal.amount <= Decimal("2000000")
        if deal.lines_total is not None:
            assert deal.amount == deal.lines_total
    assert DealLine.objects.exists()
    assert Product.objects.count() == len(words.PRODUCTS)


def test_it_has_stalled_and_fresh_open_deals(seeded):
    open_deals = list(Deal.objects.filter(status=Deal.Status.OPEN).select_related("stage"))
    stalled = [d for d in open_deals if is_stalled(d)]
    assert stalled and len(stalled) < len(open_deals)


def test_it_chains_followups_with_the_latest_pending_on_open_deals(seeded):
    today = timezone.localdate()
    due_days = set()
    now = timezone.now()
    for deal in Deal.objects.all():
        followups = list(deal.followups.order_by("occurred_at", "id"))
        assert followups
        last = followups[-1]
        assert deal.last_activity_at == last.occurred_at
        assert deal.created_at <= followups[0].occurred_at and last.occurred_at <= now
        for followup in followups[:-1]:
            assert followup.done_at is not None and followup.next_due_on is not None
            assert followup.next_due_on >= timezone.localdate(followup.occurred_at)
        if deal.status == Deal.Status.OPEN:
            assert last.done_at is None
            assert last.next_due_on >= timezone.localdate(last.occurred_at)
            assert abs((last.next_due_on - today).days) <= 30
            assert deal.next_due_on == last.next_due_on
            due_days.add((last.next_due_on > today) - (last.next_due_on < today))
        else:
            assert deal.next_due_on is None and last.next_due_on is None
            assert last.occurred_at <= deal.closed_at
    assert due_days == {-1, 0, 1}, "overdue, due today and upcoming follow-ups all occur"


def test_it_sets_the_last_activity_of_customers(seeded):
    assert FollowUp.objects.filter(deal=None).exists()
    for customer in Customer.objects.all():
        latest = customer.followups.order_by("-occurred_at").first()
        assert customer.last_activity_at == (latest.occurred_at if latest else None)
        first_deal = customer.deals.order_by("created_at").first()
        if first_deal:
            assert customer.created_at <= first_deal.created_at


def test_it_gives_records_the_team_of_their_owner(seeded):
    owners = User.objects.in_bulk()
    for model in (Customer, Deal, FollowUp):
        for record in model.objects.all():
            assert record.team_id == owners[record.owner_id].team_id
            assert owners[record.owner_id].role == User.Role.REP
    same_owner = Deal.objects.filter(owner_id=F("customer__owner_id")).count()
    assert same_owner >= 0.7 * Deal.objects.count()


def test_it_fills_search_keys_so_pinyin_initials_find_customers(seeded):
    admin = User.objects.get(username="admin")
    for customer in Customer.objects.all()[:5]:
        initials = "".join(lazy_pinyin(customer.name, style=Style.FIRST_LETTER))
        assert customer.search_key.startswith(pinyin_search_key(customer.name))
        for contact in customer.contacts.all():
            assert contact.search_key in customer.search_key
        assert customer in customer_list(user=admin, q=initials[:6])
    contact = Contact.objects.first()
    assert contact.search_key == (
        f"{pinyin_search_key(contact.name)} {contact.phone} {contact.email}"
    )
    assert contact.customer in customer_list(user=admin, q=contact.phone)


def test_it_writes_plausible_contacts(seeded):
    for contact in Contact.objects.all():
        assert len(contact.phone) == 11 and contact.phone[:2] in ("13", "15", "18")
        assert contact.email.endswith(".example.com")
        assert contact.title and contact.wechat and contact.decision_role


def test_it_creates_logins_that_work(seeded):
    demo = authenticate(username="demo", password="demo12345")
    assert demo is not None and demo.role == User.Role.MANAGER
    visible = scope_queryset(demo, Deal.objects.all())
    assert visible.exists() and visible.count() < Deal.objects.count()
    admin = authenticate(username="admin", password="demo12345")
    assert admin.is_superuser and admin.is_staff and admin.role == User.Role.ADMIN
    rep_logins = [login for login in seeded.logins if login.role == User.Role.REP]
    assert rep_logins
    assert authenticate(username=rep_logins[0].username, password="demo12345") is not None
    assert Team.objects.filter(name="华东大区", parent=None).count() == 1


def test_it_mixes_outcomes_as_a_real_pipeline_does(pipeline):
    result = demo_seed(deals=400, seed=3)
    counts = result.counts
    assert 0.25 <= counts["deals_won"] / 400 <= 0.35
    assert 0.30 <= counts["deals_lost"] / 400 <= 0.40
    assert 4 <= counts["followups"] / 400 <= 6
    oldest = Deal.objects.order_by("created_at").first().created_at
    assert timezone.now() - oldest > timedelta(days=500)


def _snapshot() -> dict:
    return {
        "customers": list(
            Customer.objects.order_by("id").values_list(
                "name", "region", "budget", "tier", "owner__username", "created_at"
            )
        ),
        "contacts": list(Contact.objects.order_by("id").values_list("name", "phone", "email")),
        "deals": list(
            Deal.objects.order_by("id").values_list(
                "title",
                "customer__name",
                "stage__name",
                "amount",
                "owner__username",
                "stage_entered_at",
                "decision_maker__name",
                "contract_number",
                "lost_reason",
            )
        ),
        "history": list(
            StageChange.objects.order_by("deal_id", "entered_at").values_list(
                "to_stage__name", "entered_at", "duration_seconds"
            )
        ),
        "followups": list(
            FollowUp.objects.order_by("id").values_list(
                "customer__name", "occurred_at", "summary", "customer_words", "next_due_on"
            )
        ),
    }


def _wipe() -> None:
    for model in (FollowUp, StageChange, DealLine, Deal, Contact, Customer, Product, User):
        model.objects.all().delete()
    Team.objects.exclude(parent=None).delete()
    Team.objects.all().delete()


def test_it_is_deterministic_for_a_seed(pipeline):
    now = timezone.now()
    demo_seed(deals=30, seed=11, now=now)
    first = _snapshot()
    _wipe()
    demo_seed(deals=30, seed=11, now=now)
    assert _snapshot() == first
    _wipe()
    demo_seed(deals=30, seed=12, now=now)
    assert _snapshot()["customers"] != first["customers"]


def test_it_keeps_customers_and_deals_for_a_seed_whatever_the_clock(pipeline):
    now = timezone.now()
    demo_seed(deals=30, seed=11, now=now)
    first = _snapshot()
    _wipe()
    demo_seed(deals=30, seed=11, now=now - timedelta(days=3, hours=7))
    second = _snapshot()
    assert [c[:5] for c in second["customers"]] == [c[:5] for c in first["customers"]]
    assert [d[:5] for d in second["deals"]] == [d[:5] for d in first["deals"]]
    assert second["contacts"] == first["contacts"]


def test_seed_demo_prints_the_demo_login(pipeline):
    out = StringIO()
    call_command("seed_demo", "--deals", "20", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "Demo login: http://127.0.0.1:8000/" in text
    assert "user: demo  password: demo12345" in text
    assert "user: admin  password: demo12345" in text


def test_seed_demo_if_empty_does_nothing_the_second_time(pipeline):
    call_command("seed_demo", "--deals", "20", "--if-empty", stdout=StringIO())
    counts = (Deal.objects.count(), FollowUp.objects.count(), User.objects.count())
    out = StringIO()
    call_command("seed_demo", "--deals", "20", "--if-empty", stdout=out)
    assert "demo data already present" in out.getvalue()
    assert (Deal.objects.count(), FollowUp.objects.count(), User.objects.count()) == counts
    assert counts[0] == 20


def test_seed_demo_adds_to_the_same_organisation_when_run_again(pipeline):
    call_command("seed_demo", "--deals", "10", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", "--deals", "10", "--seed", "5", stdout=out)
    assert Deal.objects.count() == 20
    assert User.objects.filter(username="demo").count() == 1
    assert "existing account, password unchanged" in out.getvalue()
    assert Team.objects.filter(name="上海一组").count() == 1


def test_it_leaves_id_sequences_ready_for_records_created_later(seeded, stages):
    rep = User.objects.get(username=seeded.logins[-1].username)
    customer = customer_create(actor=rep, name="苏州新客户科技有限公司")
    contact = contact_create(customer=customer, actor=rep, name="周新")
    deal = deal_create(actor=rep, customer=customer, title="新商机", amount=Decimal("50000.00"))
    assert customer.pk > Customer.objects.exclude(pk=customer.pk).latest("pk").pk
    assert contact.pk and deal.pk


def test_it_sets_this_quarters_goals_once(db):
    from django.core.management import call_command

    from salestrack.goals.models import Goal

    call_command("seed_demo", deals=60, followups_per_deal=1, verbosity=0)
    count = Goal.objects.count()
    assert Goal.objects.filter(scope_kind="company", period_kind="quarter").count() == 1
    assert Goal.objects.filter(scope_kind="rep").exists()
    call_command("seed_demo", deals=60, followups_per_deal=1, verbosity=0, if_empty=True)
    assert Goal.objects.count() == count
