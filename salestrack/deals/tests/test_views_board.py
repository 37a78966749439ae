"""The kanban board page, its htmx partial, its filters and the per-column 'load more'."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from salestrack.core.tests.i18n import zh
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.tests.factories import DealFactory

pytestmark = pytest.mark.django_db

BOARD = reverse("deals:board")


def deal(owner, stage, title, amount="100000.00", days_in_stage=1):
    return DealFactory(
        owner=owner,
        customer=CustomerFactory(owner=owner),
        stage=stage,
        title=title,
        amount=Decimal(amount),
        stage_entered_at=timezone.now() - timedelta(days=days_in_stage),
    )


def column_head(html: str, stage) -> tuple[int, int]:
    """(count, total in yuan) shown in a column's head, whatever the digit grouping."""
    match = re.search(rf'id="col-head-{stage.pk}".*?<div class="totals">(.*?)</div>', html, re.S)
    assert match, f"no head for column {stage.name_en}"
    count = re.search(r"<span data-count>(\d+)</span>", match.group(1)).group(1)
    total = re.search(r"¥([\d,.\s]+)", match.group(1)).group(1)
    return int(count), int(re.sub(r"\D", "", total))


def card_titles(html: str, stage=None) -> list[str]:
    if stage is not None:
        match = re.search(rf'id="cards-{stage.pk}"[^>]*>(.*?)</section>', html, re.S)
        assert match, f"no cards list for column {stage.name_en}"
        html = match.group(1)
    return re.findall(r'<a class="title" href="[^"]+">([^<]+)</a>', html)


def test_it_renders_a_column_per_stage_with_count_and_total(client, personas, stages):
    deal(personas.alice, stages["Lead"], "甲-线索一", "100000.00")
    deal(personas.alice, stages["Lead"], "甲-线索二", "250000.00")
    deal(personas.alice, stages["Contract"], "甲-合同", "30000.00")
    client.force_login(personas.alice)

    r = client.get(BOARD)

    assert r.status_code == 200
    html = r.content.decode()
    assert re.findall(r'<section class="column" data-stage="(\d+)"', html) == [
        str(s.pk) for s in stages.values()
    ]
    for stage in stages.values():
        assert stage.name in html  # zh-hans user: the Chinese stage name
    assert column_head(html, stages["Lead"]) == (2, 350_000)
    assert column_head(html, stages["Contract"]) == (1, 30_000)
    assert column_head(html, stages["Won"]) == (0, 0)
    assert sorted(card_titles(html, stages["Lead"])) == ["甲-线索一", "甲-线索二"]
    assert card_titles(html, stages["Contract"]) == ["甲-合同"]


def test_it_shows_a_rep_only_their_own_cards(client, personas, stages):
    deal(personas.alice, stages["Lead"], "艾丽丝的项目", "100000.00")
    deal(personas.bob, stages["Lead"], "鲍勃的项目", "70000.00")
    deal(personas.charlie, stages["Lead"], "查理的项目", "5000.00")
    client.force_login(personas.bob)

    html = client.get(BOARD).content.decode()

    assert card_titles(html) == ["鲍勃的项目"]
    assert column_head(html, stages["Lead"]) == (1, 70_000)
    assert "艾丽丝的项目" not in html


def test_it_never_shows_charlie_alices_deal(client, personas, stages):
    deal(personas.alice, stages["Negotiation"], "艾丽丝的机密项目", "900000.00")
    client.force_login(personas.charlie)

    html = client.get(BOARD).content.decode()

    assert "艾丽丝的机密项目" not in html
    assert column_head(html, stages["Negotiation"]) == (0, 0)
    # Not through the filters either: Alice is not an owner Charlie may pick.
    r = client.get(BOARD, {"owner": personas.alice.pk})
    assert r.status_code == 200
    assert "艾丽丝的机密项目" not in r.content.decode()


def test_it_shows_the_manager_both_teams(client, personas, stages):
    deal(personas.alice, stages["Lead"], "一组项目", "100000.00")
    deal(personas.charlie, stages["Lead"], "二组项目", "20000.00")
    client.force_login(personas.mia)

    html = client.get(BOARD).content.decode()

    assert sorted(card_titles(html, stages["Lead"])) == ["一组项目", "二组项目"]
    assert column_head(html, stages["Lead"]) == (2, 120_000)


def test_it_renders_only_the_board_partial_for_htmx(client, personas, stages):
    deal(personas.alice, stages["Lead"], "甲-线索", "100000.00")
    client.force_login(personas.alice)

    r = client.get(BOARD, HTTP_HX_REQUEST="true")

    assert r.status_code == 200
    html = r.content.decode()
    assert html.strip().startswith('<div id="board">')
    assert "<html" not in html
    assert 'id="board-filters"' not in html
    assert card_titles(html) == ["甲-线索"]
    assert column_head(html, stages["Lead"]) == (1, 100_000)


def test_it_filters_by_scope_mine(client, personas, stages):
    deal(personas.mia, stages["Lead"], "米娅自己的", "10000.00")
    deal(personas.alice, stages["Lead"], "艾丽丝的", "20000.00")
    client.force_login(personas.mia)

    html = client.get(BOARD, {"scope": "mine"}).content.decode()

    assert card_titles(html) == ["米娅自己的"]
    assert column_head(html, stages["Lead"]) == (1, 10_000)


def test_it_filters_by_owner(client, personas, stages):
    deal(personas.alice, stages["Lead"], "艾丽丝的", "20000.00")
    deal(personas.bob, stages["Lead"], "鲍勃的", "30000.00")
    deal(personas.charlie, stages["Proposal / quote"], "查理的", "40000.00")
    client.force_login(personas.mia)

    html = client.get(BOARD, {"owner": personas.bob.pk}).content.decode()

    assert card_titles(html) == ["鲍勃的"]
    assert column_head(html, stages["Lead"]) == (1, 30_000)
    assert column_head(html, stages["Proposal / quote"]) == (0, 0)


def test_it_filters_by_amount_range(client, personas, stages):
    deal(personas.alice, stages["Lead"], "小单", "5000.00")
    deal(personas.alice, stages["Lead"], "中单", "50000.00")
    deal(personas.alice, stages["Lead"], "大单", "500000.00")
    client.force_login(personas.alice)

    html = client.get(BOARD, {"min_amount": "10000", "max_amount": "100000"}).content.decode()

    assert card_titles(html) == ["中单"]
    assert column_head(html, stages["Lead"]) == (1, 50_000)


def test_it_explains_a_min_above_max_and_still_shows_the_board(client, personas, stages):
    deal(personas.alice, stages["Lead"], "甲-线索", "50000.00")
    client.force_login(personas.alice)

    r = client.get(BOARD, {"min_amount": "500", "max_amount": "100"})

    assert r.status_code == 200
    html = r.content.decode()
    assert 'class="errors"' in html
    assert zh("'Amount from' is larger than 'Amount to'.") in html
    assert card_titles(html) == ["甲-线索"]  # the filter is dropped, not applied half-way


def test_it_explains_a_negative_minimum(client, personas, stages):
    deal(personas.alice, stages["Lead"], "甲-线索", "50000.00")
    client.force_login(personas.alice)

    r = client.get(BOARD, {"min_amount": "-5"})

    assert r.status_code == 200
    html = r.content.decode()
    assert 'class="errors"' in html
    assert zh("Amount from") in html
    assert zh("Ensure this value is greater than or equal to %(limit_value)s.", limit_value=0) in (
        html
    )
    assert card_titles(html) == ["甲-线索"]


def test_it_does_not_crash_on_garbage_filters(client, personas, stages):
    deal(personas.alice, stages["Lead"], "甲-线索", "50000.00")
    client.force_login(personas.alice)

    r = client.get(BOARD, {"min_amount": "abc", "owner": "x", "scope": "everything"})

    assert r.status_code == 200
    assert card_titles(r.content.decode()) == ["甲-线索"]


def test_it_explains_an_invalid_filter_submitted_by_htmx(client, personas, stages):
    deal(personas.alice, stages["Lead"], "甲-线索", "50000.00")
    client.force_login(personas.alice)

    r = client.get(BOARD, {"min_amount": "500", "max_amount": "100"}, HTTP_HX_REQUEST="true")

    assert r.status_code == 200
    assert zh("'Amount from' is larger than 'Amount to'.") in r.content.decode()


def test_it_pages_a_column_with_load_more(client, personas, stages, settings):
    settings.SALESTRACK_BOARD_PAGE_SIZE = 2
    for i in range(5):  # the oldest in the stage comes first
        deal(personas.alice, stages["Lead"], f"线索{i}", days_in_stage=10 - i)
    deal(personas.charlie, stages["Lead"], "查理的线索", days_in_stage=30)
    client.force_login(personas.alice)
    column_url = reverse("deals:board_column", args=[stages["Lead"].pk])

    html = client.get(BOARD).content.decode()
    assert card_titles(html, stages["Lead"]) == ["线索0", "线索1"]
    assert column_head(html, stages["Lead"]) == (5, 500_000)
    assert f"{column_url}?&page=2" in html

    page_2 = client.get(column_url, {"page": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert card_titles(page_2) == ["线索2", "线索3"]
    assert f'id="more-{stages["Lead"].pk}"' in page_2
    assert "page=3" in page_2

    page_3 = client.get(column_url, {"page": 3}, HTTP_HX_REQUEST="true").content.decode()
    assert card_titles(page_3) == ["线索4"]
    assert "page=4" not in page_3
    assert f'id="more-{stages["Lead"].pk}"' not in page_3


def test_it_keeps_the_filters_when_loading_more(client, personas, stages, settings):
    settings.SALESTRACK_BOARD_PAGE_SIZE = 1
    deal(personas.alice, stages["Lead"], "大单一", "500000.00", days_in_stage=3)
    deal(personas.alice, stages["Lead"], "小单", "1000.00", days_in_stage=2)
    deal(personas.alice, stages["Lead"], "大单二", "600000.00", days_in_stage=1)
    client.force_login(personas.alice)
    column_url = reverse("deals:board_column", args=[stages["Lead"].pk])

    html = client.get(BOARD, {"min_amount": "100000"}).content.decode()
    assert card_titles(html, stages["Lead"]) == ["大单一"]
    assert f"{column_url}?min_amount=100000&page=2" in html

    page_2 = client.get(column_url, {"min_amount": "100000", "page": 2}).content.decode()
    assert card_titles(page_2) == ["大单二"]
    assert "page=3" not in page_2


def test_it_loads_no_outsider_cards_in_a_column(client, personas, stages):
    deal(personas.alice, stages["Lead"], "艾丽丝的线索")
    client.force_login(personas.charlie)

    r = client.get(reverse("deals:board_column", args=[stages["Lead"].pk]))

    assert r.status_code == 200
    assert card_titles(r.content.decode()) == []


def test_it_answers_404_for_an_unknown_column(client, personas):
    client.force_login(personas.alice)

    r = client.get(reverse("deals:board_column", args=[999999]))

    assert r.status_code == 404


def test_it_sends_anonymous_users_to_the_login_page(client):
    r = client.get(BOARD)

    assert r.status_code == 302
    assert r["Location"].startswith(reverse("accounts:login"))
