"""Server time of the forecast page and its JSON endpoints against the bare SQL that does the
same aggregation.

    python bench/forecast.py --scale 100000 [--db sqlite|postgres] [--repeat 30]

Seeds its own data as bench/pages.py does (seed_demo: N deals, ~5 follow-ups each; reused across
runs of the same scale), builds the forecast statistics once (as the nightly job would), then
requests each endpoint through Django's test client as an admin (the widest scope) and prints
one JSON object per case: `<case>` is the whole request, `<case>.data` only the selector call
(`page` is the page without its backtest, `page_backtest_part` the backtest part htmx loads
after it). `baseline_ms` is the same aggregation written as hand-made SQL in the same run
(weighted: one GROUP BY month and category; statistical: one GROUP BY stage, industry and week
entered plus the statistics rows and the run-rate GROUP BY (won amount by month created and
month won); backtest: one GROUP BY stage, industry and week entered over the stays open at any
past date with conditional aggregates per date, the won amounts per month, the run-rate GROUP
BY and the statistics rows);
`ratio` = median_ms / baseline_ms. `stats_snapshot` times rebuilding
one statistics snapshot (the nightly job does one per date) against the bare SQL of its
counts, the won durations it takes the medians of and the closing lags of its life tables; it
runs at most 3 times.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages
from pages import configure, parse_args, seed, sql_runner, timed


def _sql_helpers():
    from django.db import connection

    from salestrack.forecast.history import day_start

    def dt(day):
        return connection.ops.adapt_datetimefield_value(day_start(day))

    if connection.vendor == "postgresql":
        month = "date_trunc('month', {})"
        week = "date_trunc('week', {})"
    else:
        month = "strftime('%%Y-%%m-01', {})"
        week = "date({}, 'weekday 0', '-6 days')"
    return dt, month, week


def cases() -> list[tuple[str, str, list[tuple[str, list]]]]:
    """(case, url, bare SQL statements doing the same aggregation)."""
    from django.conf import settings
    from django.utils import timezone

    from salestrack.forecast.history import add_months
    from salestrack.forecast.selectors import backtest_dates, live_stats_date, stage_index

    dt, month, week = _sql_helpers()
    today = timezone.localdate()
    commit_stages = [pk for pk, s in stage_index().items() if s.commits] or [0]
    ids = ", ".join(str(pk) for pk in commit_stages)
    probability = "COALESCE(d.probability, s.probability)"
    weighted = [
        (
            f"SELECT {month.format('d.expected_close_date')} AS m, CASE "
            f"WHEN d.stage_id IN ({ids}) THEN 'commit' "
            f"WHEN {probability} >= %s THEN 'commit' WHEN {probability} >= %s THEN 'best_case' "
            "ELSE 'pipeline' END AS category, COUNT(*), SUM(d.amount), "
            f"SUM(d.amount * {probability}) FROM deals_deal d "
            "JOIN pipeline_stage s ON s.id = d.stage_id "
            "WHERE d.status = 'open' AND d.deleted_at IS NULL GROUP BY 1, 2",
            [
                settings.SALESTRACK_FORECAST_COMMIT_PROBABILITY,
                settings.SALESTRACK_FORECAST_BEST_CASE_PROBABILITY,
            ],
        )
    ]
    stats_rows = (
        "SELECT st.* FROM forecast_stagestat st JOIN forecast_statsnapshot sn "
        "ON sn.id = st.snapshot_id WHERE sn.as_of IN ({})"
    )
    live = live_stats_date(today)
    this_month = today.replace(day=1)
    # the run rate of new deals: won amount by month created and month won, and the first
    # deal created and won
    run_rate = [
        (
            f"SELECT {month.format('created_at')}, {month.format('closed_at')}, SUM(amount) "
            "FROM deals_deal WHERE status = 'won' AND closed_at < %s AND deleted_at IS NULL "
            "GROUP BY 1, 2",
            [dt(this_month)],
        ),
        (
            "SELECT MIN(created_at), MIN(CASE WHEN status = 'won' THEN closed_at END) "
            "FROM deals_deal WHERE deleted_at IS NULL",
            [],
        ),
    ]
    statistical = [
        (
            "SELECT d.stage_id, c.industry, "
            f"{week.format('d.stage_entered_at')}, COUNT(*), SUM(d.amount), "
            "SUM(d.amount * d.amount) "
            "FROM deals_deal d JOIN customers_customer c ON c.id = d.customer_id "
            "JOIN pipeline_stage s ON s.id = d.stage_id WHERE d.status = 'open' "
            "AND s.kind = 'open' AND d.deleted_at IS NULL GROUP BY 1, 2, 3",
            [],
        ),
        (stats_rows.format("%s"), [live]),
        *run_rate,
    ]
    quarters, months = backtest_dates(today)
    dates = sorted({*quarters, *months})
    won_months = []
    day = dates[0]
    while day < this_month:
        won_months.append(day)
        day = add_months(day, 1)
    won_sql = ", ".join(
        "SUM(CASE WHEN closed_at >= %s AND closed_at < %s THEN amount END)" for _ in won_months
    )
    stay = "(sc.entered_at <= %s AND (sc.left_at IS NULL OR sc.left_at > %s))"
    columns, column_params = [], []
    for day in dates:
        columns += [
            f"COUNT(CASE WHEN {stay} THEN 1 END)",
            f"SUM(CASE WHEN {stay} THEN d.amount END)",
            f"SUM(CASE WHEN {stay} THEN d.amount * d.amount END)",
        ]
        column_params += [dt(day), dt(day)] * 3
        ends = [add_months(day, 3)] if day in quarters else []
        ends += [add_months(day, 1)] if day in months else []
        for end in ends:
            columns.append(
                f"SUM(CASE WHEN {stay} AND d.status = 'won' AND d.closed_at >= %s "
                "AND d.closed_at < %s THEN d.amount END)"
            )
            column_params += [dt(day), dt(day), dt(day), dt(end)]
    any_stay = " OR ".join([stay] * len(dates))
    backtest = [
        (stats_rows.format(", ".join(["%s"] * len(dates))), dates),
        (
            f"SELECT {won_sql} FROM deals_deal WHERE status = 'won' AND closed_at >= %s "
            "AND closed_at < %s AND deleted_at IS NULL",
            [
                *(p for m in won_months for p in (dt(m), dt(add_months(m, 1)))),
                dt(dates[0]),
                dt(this_month),
            ],
        ),
        (
            f"SELECT sc.to_stage_id, c.industry, {week.format('sc.entered_at')}, "
            f"{', '.join(columns)} FROM deals_stagechange sc "
            "JOIN deals_deal d ON d.id = sc.deal_id "
            "JOIN customers_customer c ON c.id = d.customer_id "
            f"WHERE sc.to_kind = 'open' AND ({any_stay}) AND d.deleted_at IS NULL "
            "GROUP BY 1, 2, 3",
            [*column_params, *(p for day in dates for p in (dt(day), dt(day)))],
        ),
        *run_rate,
    ]
    return [
        ("weighted", "/forecast/api/weighted.json", weighted),
        ("statistical", "/forecast/api/statistical.json", statistical),
        ("backtest", "/forecast/api/backtest.json", backtest),
        ("page", "/forecast/", weighted + statistical),
        ("page_backtest_part", "/forecast/?part=backtest", backtest),
    ]


def snapshot_sql() -> list[tuple[str, list]]:
    """The bare SQL of one statistics snapshot (today's): closed and won deals per stage and
    industry, the durations to won its medians are taken from, and the pipeline totals."""
    from django.utils import timezone

    dt, _month, _week = _sql_helpers()
    cut = dt(timezone.localdate())
    closed = (
        "SELECT x.deal_id, x.to_kind, x.entered_at FROM deals_stagechange x "
        "JOIN deals_deal xd ON xd.id = x.deal_id WHERE x.to_kind IN ('won', 'lost') "
        "AND x.entered_at <= %s AND (x.left_at IS NULL OR x.left_at > %s) "
        "AND xd.deleted_at IS NULL"
    )
    first = (
        "NOT EXISTS (SELECT 1 FROM deals_stagechange p WHERE p.deal_id = e.deal_id "
        "AND p.to_stage_id = e.to_stage_id AND p.entered_at < e.entered_at)"
    )
    return [
        (
            "SELECT s.pipeline_id, e.to_stage_id, cu.industry, COUNT(*), "
            "SUM(CASE WHEN k.to_kind = 'won' THEN 1 ELSE 0 END) FROM deals_stagechange e "
            f"JOIN ({closed}) k ON k.deal_id = e.deal_id "
            "JOIN pipeline_stage s ON s.id = e.to_stage_id "
            "JOIN deals_deal d ON d.id = e.deal_id "
            "JOIN customers_customer cu ON cu.id = d.customer_id "
            f"WHERE e.to_kind = 'open' AND e.entered_at <= %s AND {first} "
            "GROUP BY s.pipeline_id, e.to_stage_id, cu.industry",
            [cut, cut, cut],
        ),
        (
            "SELECT s.pipeline_id, e.to_stage_id, cu.industry, e.entered_at, k.entered_at "
            f"FROM deals_stagechange e JOIN ({closed}) k ON k.deal_id = e.deal_id "
            "JOIN pipeline_stage s ON s.id = e.to_stage_id "
            "JOIN deals_deal d ON d.id = e.deal_id "
            "JOIN customers_customer cu ON cu.id = d.customer_id "
            f"WHERE k.to_kind = 'won' AND e.to_kind = 'open' AND e.entered_at <= %s AND {first}",
            [cut, cut, cut],
        ),
        (  # the life tables: every first entry by the cut-off, its closing stay if any
            "SELECT s.pipeline_id, e.to_stage_id, cu.industry, e.entered_at, k.to_kind, "
            f"k.entered_at FROM deals_stagechange e LEFT JOIN ({closed}) k "
            "ON k.deal_id = e.deal_id JOIN pipeline_stage s ON s.id = e.to_stage_id "
            "JOIN deals_deal d ON d.id = e.deal_id "
            "JOIN customers_customer cu ON cu.id = d.customer_id "
            f"WHERE e.to_kind = 'open' AND e.entered_at <= %s AND d.deleted_at IS NULL "
            f"AND {first}",
            [cut, cut, cut],
        ),
        (
            "SELECT s.pipeline_id, COUNT(*), SUM(CASE WHEN x.to_kind = 'won' THEN 1 ELSE 0 END) "
            "FROM deals_stagechange x JOIN deals_deal xd ON xd.id = x.deal_id "
            "JOIN pipeline_stage s ON s.id = x.to_stage_id WHERE x.to_kind IN ('won', 'lost') "
            "AND x.entered_at <= %s AND (x.left_at IS NULL OR x.left_at > %s) "
            "AND xd.deleted_at IS NULL GROUP BY s.pipeline_id",
            [cut, cut],
        ),
    ]


def data_loaders(admin) -> dict:
    """The selector calls each endpoint makes, without HTTP and JSON."""
    from salestrack.forecast.selectors import (
        ForecastFilters,
        backtest,
        stage_index,
        statistical_forecast,
        weighted_pipeline,
    )

    filters = ForecastFilters()

    def page():
        stages = stage_index()
        weighted_pipeline(user=admin, filters=filters, stages=stages)
        statistical_forecast(user=admin, filters=filters, stages=stages)

    return {
        "weighted": lambda: weighted_pipeline(user=admin, filters=filters),
        "statistical": lambda: statistical_forecast(user=admin, filters=filters),
        "backtest": lambda: backtest(user=admin, filters=filters),
        "page": page,
        "page_backtest_part": lambda: backtest(user=admin, filters=filters),
    }


def report(args, case: str, fn, baseline: float) -> None:
    pages.report(args, case, fn, baseline, bench="forecast")


def main() -> None:
    args = parse_args()
    configure(args)
    seed(args.scale)
    from django.test import Client
    from django.utils import timezone

    from salestrack.accounts.models import User
    from salestrack.forecast.selectors import forecast_snapshot_dates
    from salestrack.forecast.services import forecast_stats_compute, forecast_stats_refresh

    admin = User.objects.filter(role=User.Role.ADMIN).first()
    today = timezone.localdate()
    forecast_stats_refresh(dates=forecast_snapshot_dates(today))  # as the nightly job would
    client = Client()
    client.force_login(admin)
    loaders = data_loaders(admin)
    for case, url, statements in cases():

        def page(url=url):
            response = client.get(url, headers={"HX-Request": "true"} if "part=" in url else {})
            assert response.status_code == 200, (url, response.status_code)

        baseline, _ = timed(sql_runner(statements), args.repeat)
        report(args, case, page, baseline)
        report(args, f"{case}.data", loaders[case], baseline)
    args.repeat = min(args.repeat, 3)
    baseline, _ = timed(sql_runner(snapshot_sql()), args.repeat)
    report(args, "stats_snapshot", lambda: forecast_stats_compute(as_of=today), baseline)


if __name__ == "__main__":
    main()
