"""The funnel reads the stored Deal.reached_stage: its figures equal the definition computed
from the stage history (the query the funnel ran before the field existed), for deals walked
through the services, deals imported, and after the migration's backfill."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Case, F, Max, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest

from salestrack.analytics.filters import build_filters
from salestrack.analytics.selectors import Drill, analytics_drilldown, analytics_funnel
from salestrack.customers.tests.factories import ContactFactory, CustomerFactory
from salestrack.deals.models import Deal, StageChange
from salestrack.deals.services import deal_move_stage
from salestrack.deals.tests.factories import DealFactory
from salestrack.imports import services as imports
from salestrack.imports.tests.conftest import write_csv
from salestrack.pipeline.models import Stage

MIGRATION = __import__(
    "salestrack.deals.migrations.0008_reached_stage", fromlist=["FILL_REACHED_STAGE"]
)

# Paths through the default pipeline (first = the stage the deal starts in).
PATHS = [
    ["Lead"],
    ["Lead", "Needs confirmed", "Proposal / quote"],
    ["Lead", "Negotiation"],  # skips two stages
    ["Lead", "Contract", "Needs confirmed"],  # forward over three, then back
    ["Lead", "Proposal / quote", "Lead", "Needs confirmed"],  # back, then forward but less far
    ["Lead", "Needs confirmed", "Won"],
    ["Lead", "Proposal / quote", "Lost"],
    ["Lead", "Lost"],
    ["Lead", "Payment", "Lost", "Needs confirmed"],  # lost late, reopened early
    ["Needs confirmed", "Lost"],
]


def history_reach(qs):
    """The definition from the stage history: the highest position among the won / open
    stages of the history and the current stage (-1: none)."""
    furthest = (
        StageChange.objects.filter(deal=OuterRef("pk"))
        .exclude(to_kind=Stage.Kind.LOST)
        .order_by()
        .values("deal")
        .annotate(furthest=Max("to_stage__position"))
        .values("furthest")
    )
    current = Case(
        When(~Q(stage__kind=Stage.Kind.LOST), then=F("stage__position")), default=Value(-1)
    )
    return qs.annotate(expected=Greatest(Coalesce(Subquery(furthest), Value(-1)), current))


def walked(personas, stages) -> list[Deal]:
    deals = []
    for i, path in enumerate(PATHS):
        owner = personas.alice if i % 2 else personas.bob
        customer = CustomerFactory(owner=owner)
        deal = DealFactory(
            owner=owner,
            customer=customer,
            stage=stages[path[0]],
            amount=Decimal(100 * (i + 1)),
            confirmed_requirements="需求",
            quote_amount=Decimal("5"),
            decision_maker=ContactFactory(customer=customer),
            contract_number="HT-1",
            contract_signed_on=date(2025, 1, 1),
            payment_received=Decimal("5"),
        )
        for name in path[1:]:
            deal = deal_move_stage(
                deal=deal,
                to_stage=stages[name],
                actor=owner,
                expected_version=deal.version,
                facts={"lost_reason": "预算被砍"} if name == "Lost" else {},
            )
        deals.append(deal)
    return deals


def assert_stored_reach_matches_history():
    rows = history_reach(Deal.all_objects.all()).values_list(
        "pk", "reached_stage__position", "expected"
    )
    assert rows and all(
        (-1 if stored is None else stored) == expected for _, stored, expected in rows
    ), list(rows)


def funnel_by_history(user, filters) -> dict[str, int]:
    """Reached per stage counted from the history definition (the cohort of the period)."""
    from salestrack.analytics.filters import analytics_deals

    deals = history_reach(analytics_deals(user=user, filters=filters)).filter(
        created_at__gte=filters.period.since, created_at__lt=filters.period.until
    )
    reaches = list(deals.values_list("expected", flat=True))
    stages = Stage.objects.filter(pipeline=filters.pipeline).exclude(kind=Stage.Kind.LOST)
    return {s.name_en: sum(1 for r in reaches if r >= s.position) for s in stages}


@pytest.mark.django_db
def test_services_keep_the_reach_of_the_history_definition(personas, stages):
    walked(personas, stages)
    assert_stored_reach_matches_history()


@pytest.mark.django_db
def test_the_funnel_and_its_drilldown_count_what_the_history_says(personas, stages):
    walked(personas, stages)
    filters = build_filters(preset="this_quarter")
    funnel = analytics_funnel(user=personas.admin, filters=filters)
    expected = funnel_by_history(personas.admin, filters)
    got = {row["name"]: row["reached"]["value"] for row in funnel["stages"]}
    names = {s.label: s.name_en for s in stages.values()}
    assert {names[k]: v for k, v in got.items()} == expected
    assert expected["Lead"] == len(PATHS) and expected["Negotiation"] == 4
    assert expected["Won"] == 1
    for stage_name in ("Needs confirmed", "Contract"):
        drill = Drill(figure="reached", stage=stages[stage_name])
        listed = analytics_drilldown(user=personas.admin, filters=filters, drill=drill)
        assert listed.count() == expected[stage_name]
    # a rep sees the funnel of their own deals only
    alice = analytics_funnel(user=personas.alice, filters=filters)
    assert alice["stages"][0]["reached"]["value"] == len(PATHS) // 2


@pytest.mark.django_db
def test_the_migration_backfill_gives_the_same_reach(personas, stages):
    deals = walked(personas, stages)
    Deal.all_objects.filter(pk=deals[0].pk).update(deleted_at=deals[0].created_at)  # trashed
    kept = dict(Deal.all_objects.values_list("pk", "reached_stage_id"))
    Deal.all_objects.update(reached_stage=None)
    with connection.cursor() as cursor:
        cursor.execute(MIGRATION.FILL_REACHED_STAGE)
    assert dict(Deal.all_objects.values_list("pk", "reached_stage_id")) == kept
    assert_stored_reach_matches_history()


@pytest.mark.django_db
def test_imported_deals_reach_their_stage(personas, stages, tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    rows = [
        ["客户名称", "商机名称", "金额(万元)", "预计成交日期", "阶段"],
        ["华信科技", "ERP", "10", "2024-06-30", "商务谈判"],
        ["新客户有限公司", "CRM", "2", "", "Won"],
        ["新客户有限公司", "OA", "1", "", "Lost"],
        ["云杉网络", "BI", "", "", ""],
    ]
    batch = imports.batch_create_from_path(
        actor=personas.alice,
        record_type="deals",
        path=write_csv(tmp_path / "d.csv", rows),
        name="d.csv",
    )
    imports.import_preview(batch=batch, options=None)
    assert imports.import_commit(batch=batch, actor=personas.alice) == "done"
    reached = {d.title: d.reached_stage for d in Deal.objects.select_related("reached_stage")}
    assert reached == {
        "ERP": stages["Negotiation"],
        "CRM": stages["Won"],
        "OA": None,
        "BI": stages["Lead"],
    }
    assert_stored_reach_matches_history()
