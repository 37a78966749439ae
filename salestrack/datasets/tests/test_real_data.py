"""The real datasets, loaded once for the module through load_datasets' code, against the same
figures computed independently with plain pandas from the published CSV files.

The pandas side uses no salestrack code. Where the two could define a figure differently, one
definition is stated here and both follow it:
- Only rows with an account are deals (the loader refuses the 1,425 without one; all open).
- Dates are local days; a deal is created on its engage_date, a Prospecting deal (no date in
  the file) on the file's last date; won / lost deals close on close_date.
- Win rate = won / (won + lost) of the deals closed in the period, in % with one decimal.
- Won amount = sum of close_value of the deals won in the period.
- Sales cycle = close_date − engage_date in days, of the deals won in the period; median of an
  even count = mean of the two middle values.
- Funnel of a cohort (deals created in the period): every deal reached Prospecting; a deal
  engaged (Engaging, Won or Lost) reached Engaging; won ones reached Won.
- Time in Engaging = close_date − engage_date of the deals that left it (won or lost) in the
  period.
- X Education: each lead is a deal created and closed when loaded, won when Converted = 1;
  its source is the channel LEAD_CHANNELS gives (spellings compared in lower case).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone, translation

from salestrack.accounts.models import User
from salestrack.datasets import maven, xeducation
from salestrack.datasets.models import DatasetLoad
from salestrack.datasets.services import AlreadyLoaded, dataset_load
from salestrack.deals.models import Deal, DealLine, StageChange
from salestrack.imports.models import ImportBatch
from salestrack.imports.services import batch_errors
from salestrack.pipeline.models import Pipeline

DATASETS = settings.SALESTRACK_DATASETS_DIR
MAVEN = DATASETS / "maven_crm_sales_opportunities"
LEADS = DATASETS / "x_education_leads" / "Leads.csv"

pytestmark = pytest.mark.skipif(
    not (MAVEN / "sales_pipeline.csv").is_file() or not LEADS.is_file(),
    reason=f"the public datasets are not in {DATASETS} (set SALESTRACK_DATASETS_DIR)",
)

# The lead-source → channel decision (datasets.xeducation), written out again for pandas.
LEAD_CHANNELS = {
    "google": "online_ad",
    "bing": "online_ad",
    "facebook": "online_ad",
    "social media": "online_ad",
    "pay per click ads": "online_ad",
    "youtubechannel": "online_ad",
    "direct traffic": "website",
    "organic search": "website",
    "olark chat": "website",
    "live chat": "website",
    "click2call": "website",
    "blog": "website",
    "welearnblog_home": "website",
    "welearn": "website",
    "reference": "referral",
    "referral sites": "referral",
    "welingak website": "partner",
    "press_release": "other",
    "nc_edm": "other",
    "testone": "other",
}


@dataclass
class Loaded:
    admin: User
    maven: object
    xeducation: object
    maven_pipeline: Pipeline
    xe_pipeline: Pipeline
    loaded_on: date


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """Both datasets loaded once, in a transaction rolled back after the module's tests (each
    test runs in a savepoint inside it)."""
    data_dir = tmp_path_factory.mktemp("data")
    with (
        django_db_blocker.unblock(),
        override_settings(DATA_DIR=data_dir),
        translation.override("en"),
        transaction.atomic(),
    ):
        admin = User.objects.create(
            username="dataset-loader",
            role=User.Role.ADMIN,
            is_superuser=True,
            is_staff=True,
            language="en",
        )
        _load1, maven_report = dataset_load(
            dataset="maven", path=DATASETS, actor=admin, run=maven.load
        )
        _load2, xe_report = dataset_load(
            dataset="xeducation", path=DATASETS, actor=admin, run=xeducation.load
        )
        yield Loaded(
            admin=admin,
            maven=maven_report,
            xeducation=xe_report,
            maven_pipeline=Pipeline.objects.get(name_en="Maven CRM"),
            xe_pipeline=Pipeline.objects.get(name_en="X Education"),
            loaded_on=timezone.localdate(),
        )
        transaction.set_rollback(True)


# -- pandas, from the files only --------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline_df() -> pd.DataFrame:
    df = pd.read_csv(MAVEN / "sales_pipeline.csv", parse_dates=["engage_date", "close_date"])
    return df


@pytest.fixture(scope="module")
def deals_df(pipeline_df) -> pd.DataFrame:
    """The rows that are deals (with an account), with their creation day."""
    df = pipeline_df[pipeline_df["account"].notna()].copy()
    last_day = max(pipeline_df["engage_date"].max(), pipeline_df["close_date"].max())
    df["created"] = df["engage_date"].fillna(last_day)
    return df


def _quarters():
    return [
        (date(2016, 10, 1), date(2016, 12, 31)),
        (date(2017, 1, 1), date(2017, 3, 31)),
        (date(2017, 4, 1), date(2017, 6, 30)),
        (date(2017, 7, 1), date(2017, 9, 30)),
        (date(2017, 10, 1), date(2017, 12, 31)),
    ]


def _within(series: pd.Series, start: date, end: date) -> pd.Series:
    return (series >= pd.Timestamp(start)) & (series <= pd.Timestamp(end))


def _api(client, loaded, name, pipeline, start, end, **extra):
    client.force_login(loaded.admin)
    params = {
        "period": "custom",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "pipeline": pipeline.pk,
        **extra,
    }
    response = client.get(f"/analytics/api/{name}.json", params)
    assert response.status_code == 200, response.content
    return response.json()


# -- the figures ------------------------------------------------------------------------------


def test_it_gives_each_agent_the_win_rate_and_won_amount_of_the_file(client, loaded, deals_df, db):
    data = _api(
        client,
        loaded,
        "breakdown",
        loaded.maven_pipeline,
        date(2017, 1, 1),
        date(2017, 12, 31),
        by="rep",
    )
    closed = deals_df[deals_df["deal_stage"].isin(["Won", "Lost"])]
    closed = closed[_within(closed["close_date"], date(2017, 1, 1), date(2017, 12, 31))]
    expected = {}
    for agent, rows in closed.groupby("sales_agent"):
        won = rows[rows["deal_stage"] == "Won"]
        expected[agent] = {
            "closed": len(rows),
            "won": len(won),
            "win_rate": round(len(won) * 100 / len(rows), 1),
            "won_amount": Decimal(int(won["close_value"].sum())),
        }
    got = {
        row["label"]: {
            "closed": row["closed"]["value"],
            "won": row["won"]["value"],
            "win_rate": row["win_rate"]["value"],
            "won_amount": Decimal(row["won_amount"]["value"]),
        }
        for row in data["rows"]
    }
    assert got == expected
    assert len(got) == 30  # 35 agents, five of them without deals
    assert got["Darcel Schlecht"]["won_amount"] == Decimal("1153214")  # SOURCE.md


def test_it_sums_the_won_amount_of_each_quarter_by_close_date(client, loaded, deals_df, db):
    won = deals_df[deals_df["deal_stage"] == "Won"]
    total = Decimal(0)
    for start, end in _quarters():
        data = _api(client, loaded, "summary", loaded.maven_pipeline, start, end)
        in_quarter = won[_within(won["close_date"], start, end)]
        assert data["won"]["value"] == len(in_quarter), start
        assert Decimal(data["won_amount"]["value"]) == Decimal(int(in_quarter["close_value"].sum()))
        closed = deals_df[_within(deals_df["close_date"], start, end)]
        assert data["closed"]["value"] == len(closed)
        total += Decimal(data["won_amount"]["value"])
    assert total == Decimal("10005534")  # SOURCE.md


def test_it_measures_the_median_sales_cycle_of_won_deals_to_the_day(client, loaded, deals_df, db):
    won = deals_df[deals_df["deal_stage"] == "Won"].copy()
    won["days"] = (won["close_date"] - won["engage_date"]).dt.days
    periods = [(date(2017, 1, 1), date(2017, 12, 31)), *_quarters()[1:]]
    for start, end in periods:
        data = _api(client, loaded, "cycle", loaded.maven_pipeline, start, end)
        rows = won[_within(won["close_date"], start, end)]
        assert data["won"]["value"] == len(rows)
        assert data["median_days"]["value"] == round(float(rows["days"].median()), 1), start
    assert data["median_days"]["value"] is not None
    year = _api(
        client, loaded, "cycle", loaded.maven_pipeline, date(2017, 1, 1), date(2017, 12, 31)
    )
    assert year["median_days"]["value"] == 57.0  # SOURCE.md


def test_it_counts_the_funnel_of_each_cohort(client, loaded, deals_df, db):
    stages = {s.name_en: s.pk for s in loaded.maven_pipeline.stages.all()}
    for start, end in _quarters():
        data = _api(client, loaded, "funnel", loaded.maven_pipeline, start, end)
        cohort = deals_df[_within(deals_df["created"], start, end)]
        expected = {
            stages["Prospecting"]: len(cohort),
            stages["Engaging"]: int((cohort["deal_stage"] != "Prospecting").sum()),
            stages["Won"]: int((cohort["deal_stage"] == "Won").sum()),
        }
        got = {row["stage"]: row["reached"]["value"] for row in data["stages"]}
        assert got == expected, start
        assert data["created"]["value"] == len(cohort)
        assert data["lost"] == int((cohort["deal_stage"] == "Lost").sum())


def test_it_measures_time_in_engaging_from_the_engage_and_close_dates(client, loaded, deals_df, db):
    closed = deals_df[deals_df["deal_stage"].isin(["Won", "Lost"])].copy()
    closed["days"] = (closed["close_date"] - closed["engage_date"]).dt.days
    engaging = loaded.maven_pipeline.stages.get(name_en="Engaging").pk
    for start, end in [(date(2017, 1, 1), date(2017, 12, 31)), *_quarters()[1:]]:
        data = _api(client, loaded, "stage_times", loaded.maven_pipeline, start, end)
        row = next(r for r in data["stages"] if r["stage"] == engaging)
        left = closed[_within(closed["close_date"], start, end)]
        assert row["stays"]["value"] == len(left)
        assert row["median_days"]["value"] == round(float(left["days"].median()), 1)
    assert row is not None


def test_it_gives_the_conversion_of_each_lead_source(client, loaded, db):
    leads = pd.read_csv(LEADS)
    leads["channel"] = leads["Lead Source"].str.lower().map(LEAD_CHANNELS).fillna("-")
    day = loaded.loaded_on
    data = _api(client, loaded, "sources", loaded.xe_pipeline, day, day)
    expected = {}
    for channel, rows in leads.groupby("channel"):
        expected[channel] = {
            "created": len(rows),
            "won": int(rows["Converted"].sum()),
            "conversion": round(int(rows["Converted"].sum()) * 100 / len(rows), 1),
        }
    got = {
        row["key"]: {
            "created": row["created"]["value"],
            "won": row["won"]["value"],
            "conversion": row["conversion"]["value"],
        }
        for row in data["rows"]
    }
    assert got == expected
    assert "lead source “google” read as “Google” (5 rows)" in loaded.xeducation.notes
    summary = _api(client, loaded, "summary", loaded.xe_pipeline, day, day)
    assert (summary["won"]["value"], summary["lost"]["value"]) == (3561, 9240 - 3561)


# -- what the loader refused, matched and wrote -------------------------------------------------


def test_it_refuses_the_rows_without_an_account_as_the_import_preview_does(loaded, pipeline_df, db):
    no_account = pipeline_df[pipeline_df["account"].isna()]
    refused = loaded.maven.refused
    assert [(r["reason"], r["rows"]) for r in refused] == [
        ("no account: the deal has no customer", 1425)
    ]
    assert refused[0]["by_stage"] == no_account["deal_stage"].value_counts().to_dict()
    batch = ImportBatch.objects.get(pk=loaded.maven.batches[1])
    assert batch.file_name == "sales_pipeline.csv" and batch.error_count == 1425
    # the preview's row numbers: the header is row 1
    errors = dict(batch_errors(batch=batch))  # more than the batch keeps: from the error file
    assert set(errors) == {i + 2 for i in no_account.index}
    assert set(errors.values()) == {"account: required"}
    assert Deal.objects.filter(pipeline=loaded.maven_pipeline).count() == 8800 - 1425


def test_it_matches_gtxpro_to_gtx_pro_and_counts_it(loaded, pipeline_df, db):
    gtxpro = pipeline_df[pipeline_df["product"] == "GTXPro"]
    imported = gtxpro[gtxpro["account"].notna()]
    assert loaded.maven.created["product_matched:GTXPro"] == len(imported)
    assert any("GTXPro" in n and f"{len(gtxpro)} rows" in n for n in loaded.maven.notes)
    lines = DealLine.objects.filter(deal__pipeline=loaded.maven_pipeline)
    assert lines.filter(product__name="GTX Pro").count() == len(imported)
    assert lines.count() == len(pipeline_df[pipeline_df["account"].notna()])


def test_it_writes_the_stage_history_the_file_tells(loaded, pipeline_df, db):
    row = pipeline_df[pipeline_df["deal_stage"] == "Won"].iloc[0]
    deal = Deal.objects.get(pipeline=loaded.maven_pipeline, title=row["opportunity_id"])
    stays = list(StageChange.objects.filter(deal=deal).order_by("entered_at"))
    assert [s.to_stage.name_en for s in stays] == ["Engaging", "Won"]
    engaged, closed = stays
    assert timezone.localtime(engaged.entered_at).date() == row["engage_date"].date()
    assert engaged.left_at == closed.entered_at == deal.closed_at == deal.stage_entered_at
    days = (row["close_date"] - row["engage_date"]).days
    assert engaged.duration_seconds == days * 86400
    assert (closed.from_stage_id, closed.from_kind, closed.left_at) == (
        engaged.to_stage_id,
        "open",
        None,
    )
    assert deal.amount == Decimal(int(row["close_value"]))
    assert deal.reached_stage.name_en == "Won"
    lost = Deal.objects.filter(pipeline=loaded.maven_pipeline, status="lost").first()
    assert lost.reached_stage.name_en == "Engaging"
    assert lost.amount == lost.lines.get().product.list_price  # the value at stake


# -- access and idempotency ---------------------------------------------------------------------


def test_it_shows_a_maven_manager_only_the_agents_of_their_team(client, loaded, personas, db):
    manager = User.objects.get(username="maven.cara.losch")
    client.force_login(manager)
    params = {
        "period": "custom",
        "start": "2017-01-01",
        "end": "2017-12-31",
        "pipeline": loaded.maven_pipeline.pk,
        "by": "rep",
    }
    rows = client.get("/analytics/api/breakdown.json", params).json()["rows"]
    team = set(
        User.objects.filter(team=manager.team, role=User.Role.REP).values_list(
            "display_name", flat=True
        )
    )
    assert {r["label"] for r in rows} == team - {"Elizabeth Anderson"}  # she has no deals
    client.force_login(personas.charlie)  # a rep of another company team: none of them
    response = client.get("/analytics/api/breakdown.json", params)
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert response.json()["rows"] == []


def test_it_loads_each_dataset_once(loaded, db):
    with pytest.raises(AlreadyLoaded):
        dataset_load(dataset="maven", path=DATASETS, actor=loaded.admin, run=maven.load)
    out = _call("load_datasets", path=str(DATASETS), username=loaded.admin.username)
    assert out.count("skipped:") == 2
    assert DatasetLoad.objects.count() == 2


def _call(*args, **kwargs) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()
