from datetime import datetime
from decimal import Decimal

import time_machine
from django.utils import translation

from salestrack.bots.tests.factories import BotFactory
from salestrack.goals.tests.factories import WorkCalendarDayFactory
from salestrack.notifications.events import get_event_type, params_for_reader
from salestrack.notifications.models import Delivery, Notification
from salestrack.reports import tasks
from salestrack.reports.messages import render_report
from salestrack.reports.selectors import report_url
from salestrack.reports.services import report_recipients, reports_send
from salestrack.reports.tasks import report_weekly_send
from salestrack.reports.tests.conftest import WEEK
from salestrack.reports.tests.factories import at


def test_it_sends_each_rep_their_report_and_each_manager_their_teams(personas, week):
    assert reports_send(kind="weekly", period_start=WEEK) == 4  # alice, bob, charlie; mia
    notes = {n.recipient.username: n for n in Notification.objects.select_related("recipient")}
    assert set(notes) == {"alice", "bob", "charlie", "mia"}  # not the admin (no team scope)
    alice, mia = notes["alice"].params, notes["mia"].params
    assert (alice["subject"], alice["subject_id"], alice["created"]) == (
        "rep",
        personas.alice.pk,
        2,
    )
    assert (alice["won"], Decimal(alice["won_amount"]), alice["moves"], alice["followups"]) == (
        1,
        Decimal("100"),
        3,
        2,
    )
    assert (mia["subject"], mia["subject_id"], mia["created"]) == (
        "team",
        personas.department.pk,
        4,
    )
    assert notes["alice"].event == "report.weekly"
    assert notes["alice"].dedup_key == f"report:weekly:rep:{personas.alice.pk}:2025-05-05"
    assert alice["url"] == report_url("weekly", "rep", personas.alice.pk, WEEK)


def test_a_second_run_sends_nothing_twice(personas, week):
    assert report_weekly_send() == 4  # the Monday job: last complete week = 05-05
    assert report_weekly_send() == 0
    assert Notification.objects.count() == 4


def test_a_teams_report_goes_to_the_teams_bots_that_subscribed_once(personas, week):
    subscribed = BotFactory(team=personas.department, events=["report.weekly"])
    BotFactory(team=personas.department, events=["deal.won"])  # not subscribed to reports
    BotFactory(team=personas.team_a, events=["report.weekly"])  # no team report of team_a
    reports_send(kind="weekly", period_start=WEEK)
    reports_send(kind="weekly", period_start=WEEK)  # the job runs again: nothing twice
    posts = Delivery.objects.filter(channel=Delivery.Channel.BOT)
    assert [(d.bot_id, d.event) for d in posts] == [(subscribed.pk, "report.weekly")]
    params = posts.get().params
    assert (params["subject"], params["subject_id"]) == ("team", personas.department.pk)


def test_recipients_follow_the_roles_deal_scope(personas):
    got = {(r.user.username, r.subject, r.subject_obj.pk) for r in report_recipients()}
    assert got == {
        ("alice", "rep", personas.alice.pk),
        ("bob", "rep", personas.bob.pk),
        ("charlie", "rep", personas.charlie.pk),
        ("mia", "team", personas.department.pk),
    }


def test_the_message_renders_in_the_recipients_language(personas, week):
    reports_send(kind="weekly", period_start=WEEK)
    params = Notification.objects.get(recipient=personas.alice).params
    event = get_event_type("report.weekly")
    with translation.override("en"):
        en = event.render(params)
    with translation.override("zh-hans"):
        zh = render_report(params)
    assert en.title.startswith("Weekly report 2025 week 19")
    assert "New deals: 2 (¥300)" in en.text and "Stage moves: 3" in en.text
    assert "Follow-ups made: 2" in en.text and "Goals: none set" in en.text
    assert zh.title.startswith("周报 2025年第19周 · 艾丽丝")
    assert "新增商机：2 (¥300)" in zh.text and "阶段推进：3" in zh.text
    assert "跟进次数：2" in zh.text and "目标：本期未设定" in zh.text
    assert en.url == zh.url == params["url"]


def test_a_reader_who_may_not_see_amounts_reads_the_counts_only(personas, week):
    reports_send(kind="weekly", period_start=WEEK)
    params = Notification.objects.get(recipient=personas.alice).params
    event = get_event_type("report.weekly")
    withheld = params_for_reader(event, params, None)  # no role: every governed param left out
    assert "created_amount" not in withheld and "won_amount" not in withheld
    with translation.override("en"):
        en = event.render(withheld)
    assert "New deals: 2\n" in en.text and "¥" not in en.text and "None" not in en.text


def test_the_jobs_run_daily_at_six_weekly_on_monday_and_monthly_on_the_first():
    def fires(task, *when):
        return task.task_class().validate_datetime(datetime(*when))

    assert fires(tasks.report_daily_send_task, 2025, 5, 13, 18, 0)
    assert not fires(tasks.report_daily_send_task, 2025, 5, 13, 8, 0)
    assert fires(tasks.report_weekly_send_task, 2025, 5, 12, 8, 0)  # a Monday
    assert not fires(tasks.report_weekly_send_task, 2025, 5, 13, 8, 0)
    assert fires(tasks.report_monthly_send_task, 2025, 6, 1, 8, 0)
    assert not fires(tasks.report_monthly_send_task, 2025, 6, 2, 8, 0)


def test_the_daily_job_sends_on_working_days_only(personas, week):
    with time_machine.travel(at(5, 10, 18), tick=False):  # a Saturday
        assert tasks.report_daily_send_task.call_local() == 0
    WorkCalendarDayFactory(date=at(5, 11).date(), is_workday=True, name="调休")
    with time_machine.travel(at(5, 11, 18), tick=False):  # a make-up working Sunday
        assert tasks.report_daily_send_task.call_local() == 4
        assert tasks.report_daily_send_task.call_local() == 0  # run again: nothing twice
    assert Notification.objects.filter(event="report.daily").count() == 4
