"""Follow-up ledgers: each row to an existing customer (and deal), history kept straight."""

import datetime

from django.utils import timezone

from salestrack.activities.models import FollowUp
from salestrack.activities.tests.factories import FollowUpFactory
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.tests.factories import DealFactory
from salestrack.imports import services
from salestrack.imports.engine import run_import
from salestrack.imports.plans import Options
from salestrack.imports.tests.conftest import write_xlsx

HEADER = ["客户名称", "商机", "跟进方式", "跟进时间", "跟进内容", "客户原话", "下次跟进日期"]


def local(*args):
    return timezone.make_aware(datetime.datetime(*args))


def test_it_previews_and_commits_follow_ups(personas, tmp_path):
    customer = CustomerFactory(name="华信科技有限公司", owner=personas.alice)
    deal = DealFactory(customer=customer, title="ERP 项目")
    old = FollowUpFactory(
        customer=customer, deal=deal, owner=personas.alice, occurred_at=local(2024, 1, 2, 10)
    )
    CustomerFactory(name="查理的客户", owner=personas.charlie)
    rows = [
        HEADER,
        ["华信科技", "ERP 项目", "visit", "2024-03-05 14:30", "演示了报表", "很好", "2024-03-12"],
        ["华信科技", "", "Call", 45356, "电话确认需求", "", ""],
        ["华信科技", "ERP 项目", "visit", "2024/3/5", "演示了报表", "", ""],  # same as row 2
        ["华信科技", "CRM 项目", "", "2024-03-06", "x", "", ""],  # no such deal
        ["查理的客户", "", "", "2024-03-06", "x", "", ""],  # not Alice's
        ["华信科技", "", "", "2999-01-01", "x", "", ""],  # in the future
        ["华信科技", "", "", "2024-03-06", "", "", "2024-03-01"],  # no summary, due too early
    ]
    path = write_xlsx(tmp_path / "跟进.xlsx", rows)
    report = run_import(actor=personas.alice, record_type="followups", path=path, options=Options())
    got = {r["row"]: (r["action"], r["errors"] or r["note"]) for r in report.rows}
    assert got == {
        2: ("create", ""),
        3: ("create", ""),
        4: ("skip", "duplicate of row 2"),
        5: ("error", "商机: no such deal of this customer"),
        6: ("error", "客户名称: no such customer among yours"),
        7: ("error", "跟进时间: in the future"),
        8: ("error", "跟进内容: required"),
    }

    batch = services.batch_create_from_path(
        actor=personas.alice, record_type="followups", path=path, name=path.name
    )
    services.import_preview(batch=batch)
    services.import_commit(batch=batch, actor=personas.alice)
    visit = FollowUp.objects.get(summary="演示了报表")
    assert (visit.deal, visit.kind, visit.customer_words) == (deal, "visit", "很好")
    assert visit.occurred_at == local(2024, 3, 5, 14, 30)
    assert visit.next_due_on == datetime.date(2024, 3, 12) and visit.done_at is None
    call = FollowUp.objects.get(summary="电话确认需求")
    assert call.occurred_at == local(2024, 3, 5, 12) and call.deal is None
    old.refresh_from_db()
    assert old.done_at == visit.occurred_at  # the later follow-up closes the pending one
    customer.refresh_from_db()
    deal.refresh_from_db()
    assert customer.last_activity_at == local(2024, 3, 5, 14, 30)
    assert deal.last_activity_at == visit.occurred_at
    assert deal.next_due_on == datetime.date(2024, 3, 12)

    services.import_undo(batch=batch, actor=personas.alice)
    assert list(FollowUp.objects.all()) == [old]
    old.refresh_from_db()
    customer.refresh_from_db()
    deal.refresh_from_db()
    assert old.done_at is None and customer.last_activity_at is None
    assert deal.last_activity_at is None and deal.next_due_on is None
