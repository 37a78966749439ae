"""Pipeline and stage administration: admins only."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from salestrack.core.tests.i18n import zh
from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.services import deal_move_stage
from salestrack.deals.tests.factories import DealFactory
from salestrack.pipeline.models import Pipeline, Stage, StageRequirement

pytestmark = pytest.mark.django_db

LIST = reverse("pipeline:list")
CREATE = reverse("pipeline:create")


def stage_data(stage: Stage | None = None, **changes) -> dict:
    data = {
        "name": "试用",
        "name_en": "Trial",
        "kind": "open",
        "probability": "30",
        "rot_days": "5",
        "color": "#123456",
    }
    if stage is not None:
        data.update(
            name=stage.name,
            name_en=stage.name_en,
            kind=stage.kind,
            probability=str(stage.probability),
            rot_days=str(stage.rot_days),
            color=stage.color,
            requirements=list(stage.requirements.values_list("field", flat=True)),
        )
    return {**data, **changes}


def order(pipeline) -> list[str]:
    return list(pipeline.stages.order_by("position", "id").values_list("name_en", flat=True))


# ---- who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["alice", "charlie", "mia"])
def test_it_keeps_non_admins_out(client, personas, pipeline, stages, persona):
    client.force_login(getattr(personas, persona))
    lead = stages["Lead"]
    before = order(pipeline)

    responses = [
        client.get(LIST),
        client.post(CREATE, {"name": "偷建的", "name_en": "Sneaky", "is_active": "on"}),
        client.post(reverse("pipeline:edit", args=[pipeline.pk]), {"name": "改名"}),
        client.post(
            reverse("pipeline:stage_create", args=[pipeline.pk]), stage_data(name="偷加的")
        ),
        client.post(
            reverse("pipeline:stage_edit", args=[pipeline.pk, lead.pk]),
            stage_data(lead, probability="90"),
        ),
        client.post(
            reverse("pipeline:stage_move", args=[pipeline.pk, lead.pk]), {"direction": "down"}
        ),
        client.post(reverse("pipeline:stage_delete", args=[pipeline.pk, stages["Payment"].pk])),
    ]

    for r in responses:
        assert r.status_code in (302, 403, 404)
        if r.status_code == 302:
            assert r["Location"].startswith(reverse("accounts:login"))
    assert Pipeline.objects.count() == 1
    pipeline.refresh_from_db()
    assert pipeline.name == "标准销售流程"
    assert order(pipeline) == before
    lead.refresh_from_db()
    assert lead.probability == 10


def test_it_hides_the_pipelines_link_from_reps(client, personas):
    client.force_login(personas.alice)

    html = client.get(reverse("deals:board")).content.decode()

    assert f'href="{LIST}"' not in html


def test_it_does_not_send_a_signed_in_rep_round_in_circles(client, personas):
    client.force_login(personas.alice)

    r = client.get(LIST, follow=True)

    assert r.status_code in (403, 404)


def test_it_lists_pipelines_and_stages_for_the_admin(client, personas, stages):
    client.force_login(personas.admin)

    r = client.get(LIST)

    assert r.status_code == 200
    html = r.content.decode()
    for stage in stages.values():
        assert stage.name in html
    with translation.override("zh-hans"):
        criterion = str(StageRequirement.Field.QUOTE_AMOUNT.label)
    assert escape(criterion) in html  # the exit criterion of 'Proposal / quote'


# ---- pipelines --------------------------------------------------------------------------------


def test_it_creates_a_pipeline_with_lead_won_and_lost(client, personas):
    client.force_login(personas.admin)

    r = client.post(CREATE, {"name": "项目制销售", "name_en": "Projects", "is_active": "on"})

    assert r.status_code == 302
    assert r["Location"] == LIST
    created = Pipeline.objects.get(name="项目制销售")
    assert created.is_active
    assert not created.is_default
    assert order(created) == ["Lead", "Won", "Lost"]
    assert [s.kind for s in created.stages.all()] == ["open", "won", "lost"]
    assert "项目制销售" in client.get(LIST).content.decode()


def test_it_makes_a_new_pipeline_the_default(client, personas, pipeline):
    client.force_login(personas.admin)

    r = client.post(
        CREATE, {"name": "新流程", "name_en": "New", "is_default": "on", "is_active": "on"}
    )

    assert r.status_code == 302
    assert Pipeline.objects.get(is_default=True).name == "新流程"


def test_it_renames_a_pipeline(client, personas, pipeline):
    client.force_login(personas.admin)

    r = client.post(
        reverse("pipeline:edit", args=[pipeline.pk]),
        {"name": "标准流程", "name_en": "Standard", "is_default": "on", "is_active": "on"},
    )

    assert r.status_code == 302
    pipeline.refresh_from_db()
    assert (pipeline.name, pipeline.name_en, pipeline.is_default) == ("标准流程", "Standard", True)


def test_it_refuses_a_pipeline_without_a_name(client, personas):
    client.force_login(personas.admin)

    r = client.post(CREATE, {"name": "", "name_en": "Nameless", "is_active": "on"})

    assert r.status_code == 200
    assert zh("This field is required.") in r.content.decode()
    assert Pipeline.objects.count() == 1


# ---- stages -----------------------------------------------------------------------------------


def test_it_adds_a_stage_with_exit_criteria_before_the_closing_stages(client, personas, pipeline):
    client.force_login(personas.admin)

    r = client.post(
        reverse("pipeline:stage_create", args=[pipeline.pk]),
        stage_data(requirements=["quote_amount", "competitor"]),
    )

    assert r.status_code == 302
    trial = Stage.objects.get(name="试用")
    assert trial.pipeline == pipeline
    assert (trial.probability, trial.rot_days, trial.color) == (30, 5, "#123456")
    assert sorted(trial.requirements.values_list("field", flat=True)) == [
        "competitor",
        "quote_amount",
    ]
    assert order(pipeline) == [
        "Lead",
        "Needs confirmed",
        "Proposal / quote",
        "Negotiation",
        "Contract",
        "Payment",
        "Trial",
        "Won",
        "Lost",
    ]
    assert "试用" in client.get(LIST).content.decode()


def test_it_refuses_exit_criteria_on_a_closing_stage(client, personas, pipeline):
    client.force_login(personas.admin)

    r = client.post(
        reverse("pipeline:stage_create", args=[pipeline.pk]),
        stage_data(name="特殊赢单", kind="won", requirements=["contract_number"]),
    )

    assert r.status_code == 200
    assert zh("Only open stages have exit criteria.") in r.content.decode()
    assert not Stage.objects.filter(name="特殊赢单").exists()


def test_it_changes_exit_criteria_of_a_stage(client, personas, pipeline, stages):
    proposal = stages["Proposal / quote"]
    client.force_login(personas.admin)

    r = client.post(
        reverse("pipeline:stage_edit", args=[pipeline.pk, proposal.pk]),
        stage_data(proposal, requirements=["budget_confirmed"]),
    )

    assert r.status_code == 302
    assert list(proposal.requirements.values_list("field", flat=True)) == ["budget_confirmed"]


def test_it_reorders_stages(client, personas, pipeline, stages):
    client.force_login(personas.admin)

    up = client.post(
        reverse("pipeline:stage_move", args=[pipeline.pk, stages["Needs confirmed"].pk]),
        {"direction": "up"},
    )
    assert up.status_code == 302
    assert order(pipeline)[:3] == ["Needs confirmed", "Lead", "Proposal / quote"]

    client.post(
        reverse("pipeline:stage_move", args=[pipeline.pk, stages["Needs confirmed"].pk]),
        {"direction": "down"},
    )
    assert order(pipeline)[:3] == ["Lead", "Needs confirmed", "Proposal / quote"]


def test_it_refuses_to_delete_a_stage_with_deals(client, personas, pipeline, stages):
    DealFactory(
        owner=personas.alice,
        customer=CustomerFactory(owner=personas.alice),
        stage=stages["Negotiation"],
    )
    client.force_login(personas.admin)

    r = client.post(
        reverse("pipeline:stage_delete", args=[pipeline.pk, stages["Negotiation"].pk]),
        follow=True,
    )

    assert r.status_code == 200
    assert zh("Deals are in this stage: move them before deleting it.") in r.content.decode()
    assert Stage.objects.filter(pk=stages["Negotiation"].pk).exists()


def test_it_deletes_an_empty_stage(client, personas, pipeline, stages):
    client.force_login(personas.admin)

    r = client.post(
        reverse("pipeline:stage_delete", args=[pipeline.pk, stages["Payment"].pk]), follow=True
    )

    assert r.status_code == 200
    assert zh("Stage deleted.") in r.content.decode()
    assert "Payment" not in order(pipeline)


def test_it_keeps_the_last_won_stage(client, personas, pipeline, stages):
    client.force_login(personas.admin)

    r = client.post(
        reverse("pipeline:stage_delete", args=[pipeline.pk, stages["Won"].pk]), follow=True
    )

    assert zh("A pipeline needs at least one open, one won and one lost stage.") in (
        r.content.decode()
    )
    assert "Won" in order(pipeline)


def test_it_refuses_politely_to_delete_a_stage_that_has_history(client, personas, pipeline, stages):
    deal = DealFactory(
        owner=personas.alice,
        customer=CustomerFactory(owner=personas.alice),
        stage=stages["Needs confirmed"],
    )
    deal_move_stage(deal=deal, to_stage=stages["Lead"], actor=personas.alice, expected_version=1)
    client.force_login(personas.admin)

    r = client.post(
        reverse("pipeline:stage_delete", args=[pipeline.pk, stages["Needs confirmed"].pk])
    )

    assert r.status_code == 302


def test_it_edits_probability_and_rot_days(client, personas, pipeline, stages):
    lead = stages["Lead"]
    client.force_login(personas.admin)

    r = client.post(
        reverse("pipeline:stage_edit", args=[pipeline.pk, lead.pk]),
        stage_data(lead, probability="15", rot_days="3"),
    )

    assert r.status_code == 302
    lead.refresh_from_db()
    assert (lead.probability, lead.rot_days) == (15, 3)


@pytest.mark.parametrize(
    "field, value",
    [("rot_days", "0"), ("rot_days", "-1"), ("probability", "101"), ("probability", "-5")],
)
def test_it_refuses_out_of_range_probability_and_rot_days(
    client, personas, pipeline, stages, field, value
):
    lead = stages["Lead"]
    client.force_login(personas.admin)

    r = client.post(
        reverse("pipeline:stage_edit", args=[pipeline.pk, lead.pk]),
        stage_data(lead, **{field: value}),
    )

    assert r.status_code == 200
    assert "field-error" in r.content.decode()
    lead.refresh_from_db()
    assert (lead.probability, lead.rot_days) == (10, 7)


def test_it_refuses_to_change_the_kind_of_a_stage_with_deals(client, personas, pipeline, stages):
    DealFactory(owner=personas.alice, customer=CustomerFactory(owner=personas.alice))
    lead = stages["Lead"]
    client.force_login(personas.admin)

    r = client.post(
        reverse("pipeline:stage_edit", args=[pipeline.pk, lead.pk]), stage_data(lead, kind="lost")
    )

    assert r.status_code == 200
    assert zh("Deals are in this stage: its kind cannot change.") in r.content.decode()
    lead.refresh_from_db()
    assert lead.kind == "open"


def test_it_answers_404_for_a_stage_of_another_pipeline(client, personas, pipeline, stages):
    other = Pipeline.objects.create(name="别的流程")
    client.force_login(personas.admin)

    r = client.post(
        reverse("pipeline:stage_edit", args=[other.pk, stages["Lead"].pk]),
        stage_data(stages["Lead"], probability="50"),
    )

    assert r.status_code == 404
    assert Stage.objects.get(pk=stages["Lead"].pk).probability == 10
