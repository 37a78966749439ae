"""Every event type renders from its params alone, in the active language."""

import pytest
from django.utils import translation

from salestrack.notifications.events import get_event_type, params_for_reader
from salestrack.reminders import events

DEAL = {"deal_id": 7, "deal": "华信 ERP 二期", "customer": "华信科技", "amount": "1234567.89"}
PARAMS = {
    events.FOLLOWUP_DUE: {
        "followup_id": 3,
        "customer": "华信科技",
        "deal_id": 7,
        "deal": "华信 ERP 二期",
        "next_step": "发送报价",
        "due": "2026-03-10",
    },
    events.FOLLOWUP_OVERDUE: {
        "followup_id": 3,
        "customer": "华信科技",
        "deal_id": None,
        "deal": "",
        "next_step": "",
        "due": "2026-03-08",
        "days_overdue": 2,
    },
    events.DAILY_UPDATE: {"date": "2026-03-10"},
    events.DEAL_STAGE_CHANGED: {
        **DEAL,
        "from_stage": {"zh": "线索", "en": "Lead"},
        "to_stage": {"zh": "需求确认", "en": "Needs confirmed"},
        "actor": "鲍勃",
    },
    events.DEAL_WON: {**DEAL, "actor": "鲍勃"},
    events.DEAL_LOST: {**DEAL, "actor": "", "lost_reason": "预算被砍"},
    events.DEAL_STALLED: {
        **DEAL,
        "stage": {"zh": "方案报价", "en": "Proposal / quote"},
        "days_in_stage": 12,
        "reasons": ["stage"],
    },
    events.DEAL_RISK_FLAGGED: {**DEAL, "kind": "budget_cut", "reason": "冻结", "actor": "艾丽丝"},
    events.GOAL_RED: {
        "goal_id": 5,
        "scope_kind": "rep",
        "subject": "艾丽丝",
        "metric": "won_amount",
        "period_kind": "quarter",
        "start": "2026-01-01",
        "end": "2026-03-31",
        "target": "1000000.00",
        "actual": "100000.00",
        "expected": "700000.00",
        "behind_pct": 85,
        "is_money": True,
    },
}


def render(key: str, language: str):
    with translation.override(language):
        return get_event_type(key).render(PARAMS[key])


@pytest.mark.parametrize("key", list(PARAMS))
def test_every_event_type_is_registered_with_a_group_and_renders_without_a_query(key):
    event_type = get_event_type(key)
    assert str(event_type.label) and str(event_type.group)
    # No django_db mark: a query would raise.
    for language in ("zh-hans", "en"):
        message = render(key, language)
        assert message.title and message.text and message.url.startswith("/")


def test_stage_names_and_labels_follow_the_language():
    zh, en = render(events.DEAL_STAGE_CHANGED, "zh-hans"), render(events.DEAL_STAGE_CHANGED, "en")
    assert zh.title == "华信 ERP 二期：线索 → 需求确认"
    assert zh.text.splitlines()[0] == "鲍勃 将 华信 ERP 二期 从「线索」推进到「需求确认」。"
    assert en.title == "华信 ERP 二期: Lead → Needs confirmed"
    assert "Bob" not in en.text and "鲍勃" in en.text  # names are names
    assert "¥1,234,568" in en.text and "¥1,234,568" in zh.text
    assert en.url == "/deals/7/"

    assert "预算削减或冻结" in render(events.DEAL_RISK_FLAGGED, "zh-hans").title
    assert "Budget cut or frozen" in render(events.DEAL_RISK_FLAGGED, "en").title
    assert "在本阶段停留超过上限" in render(events.DEAL_STALLED, "zh-hans").text
    assert "Proposal / quote for 12 days" in render(events.DEAL_STALLED, "en").text


def test_counts_use_the_plural_forms():
    assert render(events.FOLLOWUP_OVERDUE, "zh-hans").title == "跟进已逾期 2 天：华信科技"
    assert render(events.FOLLOWUP_OVERDUE, "en").title == "Follow-up 2 days overdue: 华信科技"
    one = {**PARAMS[events.FOLLOWUP_OVERDUE], "days_overdue": 1}
    with translation.override("en"):
        title = get_event_type(events.FOLLOWUP_OVERDUE).render(one).title
    assert title == "Follow-up 1 day overdue: 华信科技"


def test_goal_red_names_metric_period_and_figures():
    zh, en = render(events.GOAL_RED, "zh-hans"), render(events.GOAL_RED, "en")
    assert "赢单金额" in zh.title and "Won amount" in en.title
    assert "2026 Q1" in en.title
    assert en.text == (
        "¥100,000 so far against ¥700,000 expected by now (target ¥1,000,000): 85% behind."
    )
    assert en.url == "/goals/5/"


def test_a_follow_up_without_a_deal_links_to_my_follow_ups():
    assert render(events.FOLLOWUP_OVERDUE, "en").url == "/followups/"
    assert render(events.FOLLOWUP_DUE, "en").url == "/deals/7/"


HIDDEN_DIGEST = {
    "count": 2,
    "items": [
        {**PARAMS[events.FOLLOWUP_DUE], "days_overdue": 3},
        {**PARAMS[events.FOLLOWUP_OVERDUE], "days_overdue": 2},
    ],
}


@pytest.mark.parametrize("key", list(PARAMS))
def test_every_event_type_renders_when_its_governed_params_are_withheld(key):
    """A reader who may read none of the governed fields (params_for_reader with no role):
    the keys are gone, the message still reads, with no "None" and no amount."""
    event_type = get_event_type(key)
    for params in (PARAMS[key], HIDDEN_DIGEST) if key == events.FOLLOWUP_OVERDUE else [PARAMS[key]]:
        withheld = params_for_reader(event_type, params, None)
        for language in ("zh-hans", "en"):
            with translation.override(language):
                message = event_type.render(withheld)
            seen = message.title + "\n" + message.text
            assert message.title and message.text and message.url.startswith("/")
            assert "None" not in seen and "华信" not in seen and "发送报价" not in seen
            if key != events.GOAL_RED:  # a goal's target and expected stay
                assert "¥" not in seen


def test_withheld_names_read_hidden_and_the_deal_line_keeps_what_is_left():
    event_type = get_event_type(events.DEAL_WON)
    with translation.override("en"):
        nothing = event_type.render(params_for_reader(event_type, PARAMS[events.DEAL_WON], None))
        no_amount = event_type.render(
            {k: v for k, v in PARAMS[events.DEAL_WON].items() if k != "amount"}
        )
    assert nothing.title == "Won: (hidden)"
    assert nothing.text == "鲍勃 marked (hidden) as won."
    assert no_amount.title == "Won: 华信 ERP 二期"
    assert no_amount.text.splitlines()[1] == "Customer: 华信科技"


def test_a_goal_hides_its_actual_only_when_the_metric_sums_a_governed_field():
    event_type = get_event_type(events.GOAL_RED)
    money = params_for_reader(event_type, PARAMS[events.GOAL_RED], None)
    assert "actual" not in money and "behind_pct" not in money and money["target"]
    with translation.override("en"):
        assert event_type.render(money).text == "¥700,000 expected by now (target ¥1,000,000)."
    count = {**PARAMS[events.GOAL_RED], "metric": "won_count", "is_money": False}
    assert params_for_reader(event_type, count, None) == count
