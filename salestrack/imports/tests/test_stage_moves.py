"""Deals files: a chosen pipeline, and updates that move existing deals to the file's stage."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from salestrack.customers.models import Customer
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal, StageChange
from salestrack.deals.tests.factories import DealFactory
from salestrack.imports import services
from salestrack.imports.tests.conftest import write_csv
from salestrack.imports.tests.test_commit import batch_for
from salestrack.pipeline.models import Pipeline, StageRequirement
from salestrack.pipeline.services import pipeline_create

HEADER = ["客户名称", "商机名称", "阶段", "下一步"]


def deal_of(personas, stage, title="ERP"):
    customer = Customer.objects.filter(name="华信科技有限公司").first() or CustomerFactory(
        name="华信科技有限公司", owner=personas.alice
    )
    return DealFactory(customer=customer, title=title, stage=stage)


def import_rows(personas, tmp_path, rows, **options):
    path = write_csv(tmp_path / "deals.csv", [HEADER, *rows])
    return batch_for(personas.alice, path, "deals", exact="update", **options)


def test_an_update_moves_the_deal_and_undo_puts_its_history_back(personas, tmp_path, stages):
    deal = deal_of(personas, stages["Lead"])
    batch = import_rows(personas, tmp_path, [["华信科技", "ERP", "需求确认", "约技术交流"]])
    assert batch.result["counts"]["update"] == 1, batch.result["errors"]
    assert batch.result["rows"][0]["note"] == (
        "updates the existing deal and moves it to Needs confirmed"
    )
    services.import_commit(batch=batch, actor=personas.alice)

    deal.refresh_from_db()
    assert (
        deal.stage == stages["Needs confirmed"] and deal.reached_stage == stages["Needs confirmed"]
    )
    assert deal.next_step == "约技术交流" and deal.stalls_at is not None
    history = list(StageChange.objects.filter(deal=deal).order_by("entered_at", "pk"))
    assert [(h.to_stage, h.left_at is None) for h in history] == [
        (stages["Lead"], False),
        (stages["Needs confirmed"], True),
    ]
    assert history[1].from_stage == stages["Lead"] and history[1].actor == personas.alice

    batch.refresh_from_db()
    services.import_undo(batch=batch, actor=personas.alice)
    deal.refresh_from_db()
    assert deal.stage == stages["Lead"] and deal.reached_stage == stages["Lead"]
    history = list(StageChange.objects.filter(deal=deal))
    assert [(h.to_stage, h.left_at, h.duration_seconds) for h in history] == [
        (stages["Lead"], None, None)
    ]


def test_a_move_waits_for_the_exit_criteria_the_row_may_bring(personas, tmp_path, stages):
    StageRequirement.objects.create(stage=stages["Lead"], field="next_step")
    deal_of(personas, stages["Lead"], title="ERP")
    deal_of(personas, stages["Lead"], title="OA")
    batch = import_rows(
        personas,
        tmp_path,
        [["华信科技", "ERP", "需求确认", ""], ["华信科技", "OA", "需求确认", "报价"]],
    )
    assert batch.result["counts"]["error"] == 1 and batch.result["counts"]["update"] == 1
    assert batch.result["errors"] == {
        "2": "阶段: Needs confirmed needs these recorded first: Next step"
    }
    services.import_commit(batch=batch, actor=personas.alice)
    assert Deal.objects.get(title="ERP").stage == stages["Lead"]
    assert Deal.objects.get(title="OA").stage == stages["Needs confirmed"]


def test_a_lost_deal_needs_its_reason_from_the_file(personas, tmp_path, stages):
    deal_of(personas, stages["Lead"], title="ERP")
    deal_of(personas, stages["Lead"], title="OA")
    path = write_csv(
        tmp_path / "lost.csv",
        [
            ["客户名称", "商机名称", "阶段", "输单原因"],
            ["华信科技", "ERP", "输单", ""],
            ["华信科技", "OA", "输单", "预算取消"],
        ],
    )
    batch = batch_for(personas.alice, path, "deals", exact="update")
    assert batch.result["errors"] == {"2": "阶段: Lost needs these recorded first: Lost reason"}
    services.import_commit(batch=batch, actor=personas.alice)
    oa = Deal.objects.get(title="OA")
    assert (oa.status, oa.lost_reason, oa.closed_at is not None) == ("lost", "预算取消", True)
    assert Deal.objects.get(title="ERP").status == "open"


def test_deals_go_into_the_chosen_pipeline(personas, tmp_path, stages):
    projects = pipeline_create(name="项目制", name_en="Projects")
    rows = [["新客户", "CRM", "线索", ""], ["新客户", "OA", "商务谈判", ""]]
    batch = import_rows(personas, tmp_path, rows, pipeline=projects.pk)
    # 商务谈判 is a stage of the default pipeline only: unknown in this one
    assert set(batch.result["unknown_stages"]) == {"商务谈判"}
    services.import_preview(
        batch=batch, options={"stage_map": {"商务谈判": projects.stages.get(name="线索").pk}}
    )
    services.import_commit(batch=batch, actor=personas.alice)
    assert set(Deal.objects.values_list("pipeline", flat=True)) == {projects.pk}


def test_a_deal_of_another_pipeline_keeps_its_stage(personas, tmp_path, stages):
    projects = pipeline_create(name="项目制", name_en="Projects")
    deal_of(personas, stages["Lead"])
    batch = import_rows(personas, tmp_path, [["华信科技", "ERP", "赢单", ""]], pipeline=projects.pk)
    assert batch.result["errors"] == {
        "2": "阶段: this deal is in another pipeline: choose that pipeline to change its stage"
    }


def test_an_archived_pipeline_is_refused(personas, tmp_path, stages):
    projects = pipeline_create(name="项目制", name_en="Projects")
    Pipeline.objects.filter(pk=projects.pk).update(is_active=False)
    with pytest.raises(Exception, match="no longer exists or is archived"):
        import_rows(personas, tmp_path, [["新客户", "CRM", "线索", ""]], pipeline=projects.pk)


def test_the_wizard_offers_the_pipelines(client, personas, tmp_path, stages):
    projects = pipeline_create(name="项目制", name_en="Projects")
    batch = import_rows(personas, tmp_path, [["新客户", "CRM", "线索", ""]])
    client.force_login(personas.alice)
    url = reverse("imports:detail", args=[batch.pk])
    page = client.get(url).content.decode()
    assert "data-pipeline" in page and "Projects" in page
    data = {"header_row": 1, "exact": "update", "fuzzy": "ask", "pipeline": projects.pk}
    data.update({f"col_{i}": f for i, f in enumerate(batch.options["columns"])})
    assert client.post(url, data).status_code in (200, 302)
    batch.refresh_from_db()
    assert batch.options["pipeline"] == projects.pk


def test_the_wizard_refuses_a_pipeline_it_does_not_offer(client, personas, tmp_path, stages):
    projects = pipeline_create(name="项目制", name_en="Projects")
    batch = import_rows(personas, tmp_path, [["新客户", "CRM", "线索", ""]])
    Pipeline.objects.filter(pk=projects.pk).update(is_active=False)
    pipeline_create(name="第三流程", name_en="Third")  # still two active: the choice is shown
    client.force_login(personas.alice)
    data = {"header_row": 1, "exact": "update", "fuzzy": "ask", "pipeline": projects.pk}
    data.update({f"col_{i}": f for i, f in enumerate(batch.options["columns"])})
    response = client.post(batch.get_absolute_url(), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    batch.refresh_from_db()
    assert batch.options.get("pipeline") is None  # nothing changed


def test_the_wizard_has_no_pipeline_choice_with_one_pipeline(client, personas, tmp_path, stages):
    batch = import_rows(personas, tmp_path, [["新客户", "CRM", "线索", ""]])
    client.force_login(personas.alice)
    assert (
        "data-pipeline"
        not in client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    )


def test_the_command_takes_a_pipeline(personas, tmp_path, stages, capsys):
    projects = pipeline_create(name="项目制", name_en="Projects")
    path = write_csv(tmp_path / "d.csv", [HEADER, ["新客户", "CRM", "线索", ""]])
    call_command(
        "import_records",
        str(path),
        "--type",
        "deals",
        "--as",
        personas.alice.username,
        "--pipeline",
        "Projects",
        "--commit",
    )
    assert Deal.objects.get(title="CRM").pipeline == projects
    with pytest.raises(CommandError, match="No active pipeline 'nope'"):
        call_command("import_records", str(path), "--type", "deals", "--pipeline", "nope")
