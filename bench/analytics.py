"""Server time of the analytics figures (数据驾驶舱) against bare SQL computing the same figures.

    python bench/analytics.py --scale 100000 [--db sqlite|postgres] [--repeat 30]

Seeds its own data like bench/pages.py (seed_demo: N deals, ~5 follow-ups each; reused across
runs of the same scale; BENCH_DATA_DIR points SQLite runs at another data directory, e.g. a
private copy). As an admin (every deal), this quarter against the previous one, default
pipeline: requests each JSON endpoint and the dashboard page through Django's test client and
prints one JSON object per case. `baseline_ms` is the same figures computed with hand-written
SQL (the same GROUP BYs, conditional aggregates and medians: window ranks on SQLite,
PERCENTILE_CONT in the GROUP BY on PostgreSQL; the funnel grouped by the stored
Deal.reached_stage) in the same run; `ratio` = median_ms / baseline_ms. `<case>.data` rows time
only the selector.

`dashboard` is the page as first painted (filters and period, every card a placeholder);
`dashboard.first_load` the page and then each card as htmx asks for it (hx-trigger=load),
one after the other, i.e. everything the browser waits for until the last card shows.
PostgreSQL runs at another scale need their own database: `--postgres-url`.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pages  # noqa: E402
from pages import parse_args, report, seed, sql_runner, timed  # noqa: E402


def configure(args) -> None:
    """pages.configure, with BENCH_DATA_DIR (if set) as the SQLite data directory."""
    private = os.environ.get("BENCH_DATA_DIR")
    if private:
        pages.ROOT = Path(private)
        (Path(private) / "bench" / "results").mkdir(parents=True, exist_ok=True)
    pages.configure(args)


def _seconds(db: str, end: str, start: str) -> str:
    if db == "postgres":
        return f"EXTRACT(EPOCH FROM ({end} - {start}))"
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def baselines(db: str, filters) -> dict[str, list[tuple[str, list]]]:
    """Per figure, the bare SQL statements computing it (admin: no scope condition)."""
    from salestrack.pipeline.models import Stage

    p = filters.pipeline.pk
    cur = [filters.period.since, filters.period.until]
    prev = [filters.previous.since, filters.previous.until]
    hist = [filters.history.since, filters.history.until]
    alive = "d.deleted_at IS NULL AND d.pipeline_id = %s"
    cycle = _seconds(db, "d.closed_at", "d.created_at")

    def between(col):
        return f"{col} >= %s AND {col} < %s"

    def cnt(cond):
        return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"

    def amt(cond):
        return f"SUM(CASE WHEN {cond} THEN d.amount ELSE 0 END)"

    summary_cols, summary_params = [], []
    for period in (cur, prev):
        for cond in (
            between("d.created_at"),
            f"d.status = 'won' AND {between('d.closed_at')}",
            f"d.status = 'lost' AND {between('d.closed_at')}",
            f"d.status IN ('won', 'lost') AND {between('d.closed_at')}",
        ):
            summary_cols.append(cnt(cond))
            summary_params += period
        summary_cols += [amt(f"d.status = 'won' AND {between('d.closed_at')}")]
        summary_cols += [amt(between("d.created_at"))]
        summary_params += period + period
    summary = (
        f"SELECT {', '.join(summary_cols)} FROM deals_deal d WHERE {alive} AND "
        f"(({between('d.created_at')}) OR ({between('d.closed_at')}))",
        [*summary_params, p, prev[0], cur[1], prev[0], cur[1]],
    )
    # The funnel reads the stored furthest stage reached (Deal.reached_stage): one GROUP BY.
    funnel = (
        "SELECT COALESCE(s.position, -1) AS reach, "
        + ", ".join(cnt(between("d.created_at")) for _ in range(3))
        + f", {cnt(between('d.created_at') + ' AND d.status = %s')}"
        + ", SUM(CASE WHEN d.created_at >= %s AND d.created_at < %s THEN d.amount ELSE 0 END)"
        + ", SUM(CASE WHEN d.created_at >= %s AND d.created_at < %s THEN d.amount ELSE 0 END)"
        + " FROM deals_deal d LEFT JOIN pipeline_stage s ON s.id = d.reached_stage_id "
        + f"WHERE {alive} AND {between('d.created_at')} GROUP BY COALESCE(s.position, -1)",
        cur + prev + hist + cur + ["lost"] + cur + prev + [p, hist[0], cur[1]],
    )
    stage_ids = list(
        Stage.objects.filter(pipeline=filters.pipeline, kind="open").values_list("pk", flat=True)
    )
    marks = ", ".join(["%s"] * len(stage_ids))
    stays_where = (
        f"sc.deal_id IN (SELECT d.id FROM deals_deal d WHERE {alive}) AND sc.to_stage_id IN "
        f"({marks}) AND sc.left_at >= %s AND sc.left_at < %s AND sc.duration_seconds IS NOT NULL"
    )
    stays_params = [p, *stage_ids, prev[0], cur[1]]
    stage_times = [
        (
            "SELECT sc.to_stage_id, "
            f"{cnt(between('sc.left_at'))}, COUNT(DISTINCT CASE WHEN {between('sc.left_at')} "
            "THEN sc.deal_id END), AVG(CASE WHEN sc.left_at >= %s THEN sc.duration_seconds END), "
            f"{cnt(between('sc.left_at'))}, AVG(CASE WHEN sc.left_at < %s "
            f"THEN sc.duration_seconds END) FROM deals_stagechange sc WHERE {stays_where} "
            "GROUP BY sc.to_stage_id",
            cur + cur + [cur[0]] + prev + [cur[0]] + stays_params,
        ),
        (
            "SELECT cur, stage, v FROM (SELECT "
            "CASE WHEN sc.left_at >= %s THEN 1 ELSE 0 END AS cur, "
            "sc.to_stage_id AS stage, sc.duration_seconds AS v, ROW_NUMBER() OVER (PARTITION BY "
            "CASE WHEN sc.left_at >= %s THEN 1 ELSE 0 END, sc.to_stage_id ORDER BY "
            "sc.duration_seconds, sc.id) AS rn, COUNT(*) OVER (PARTITION BY CASE WHEN "
            "sc.left_at >= %s THEN 1 ELSE 0 END, sc.to_stage_id) AS n FROM deals_stagechange sc "
            f"WHERE {stays_where}) t WHERE rn >= (n + 1) / 2 AND rn <= (n + 2) / 2",
            [cur[0]] * 3 + stays_params,
        ),
    ]
    won_where = f"{alive} AND d.status = 'won' AND d.closed_at >= %s AND d.closed_at < %s"
    won_params = [p, prev[0], cur[1]]

    def medians(group: str, where: str, params: list) -> tuple[str, list]:
        return (
            f"SELECT cur, g, v FROM (SELECT CASE WHEN d.closed_at >= %s THEN 1 ELSE 0 END AS cur, "
            f"{group} AS g, {cycle} AS v, ROW_NUMBER() OVER (PARTITION BY CASE WHEN "
            f"d.closed_at >= %s THEN 1 ELSE 0 END, {group} ORDER BY {cycle}, d.id) AS rn, "
            f"COUNT(*) OVER (PARTITION BY CASE WHEN d.closed_at >= %s THEN 1 ELSE 0 END, {group}) "
            f"AS n FROM deals_deal d JOIN customers_customer c ON c.id = d.customer_id "
            f"WHERE {where}) t WHERE rn >= (n + 1) / 2 AND rn <= (n + 2) / 2",
            [cur[0]] * 3 + params,
        )

    cycle_sql = [
        (
            f"SELECT {cnt(between('d.closed_at'))}, {cnt(between('d.closed_at'))}, "
            f"AVG(CASE WHEN d.closed_at >= %s THEN {cycle} END), "
            f"AVG(CASE WHEN d.closed_at < %s THEN {cycle} END) FROM deals_deal d WHERE {won_where}",
            cur + prev + [cur[0], cur[0]] + won_params,
        ),
        medians("1", won_where, won_params),
    ]
    closed_where = (
        f"{alive} AND d.status IN ('won', 'lost') AND d.closed_at >= %s AND d.closed_at < %s"
    )
    per_period = []
    for period in (cur, prev):
        won = f"d.status = 'won' AND {between('d.closed_at')}"
        per_period.append(
            (
                f"{cnt(between('d.closed_at'))}, {cnt(won)}, "
                f"AVG(CASE WHEN {won} THEN {cycle} END), {amt(won)}",
                period * 4,
            )
        )
    breakdown = [
        (
            f"SELECT d.owner_id, {per_period[0][0]}, {per_period[1][0]} FROM deals_deal d "
            f"WHERE {closed_where} GROUP BY d.owner_id",
            per_period[0][1] + per_period[1][1] + won_params,
        ),
        medians("d.owner_id", won_where, won_params),
        ("SELECT id, display_name FROM accounts_user", []),
    ]
    sources = (
        "SELECT d.source, "
        + ", ".join(
            f"{cnt(between('d.created_at'))}, {cnt(between('d.created_at') + ' AND d.status = %s')}"
            f", {amt(between('d.created_at') + ' AND d.status = %s')}"
            for _ in range(2)
        )
        + f" FROM deals_deal d WHERE {alive} AND d.created_at >= %s AND d.created_at < %s "
        "GROUP BY d.source",
        cur + cur + ["won"] + cur + ["won"] + prev + prev + ["won"] + prev + ["won"] + won_params,
    )
    if db == "postgres":
        median = "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY {v}) FILTER (WHERE {c})"
        stage_times = [
            (
                "SELECT sc.to_stage_id, "
                f"{cnt(between('sc.left_at'))}, COUNT(DISTINCT CASE WHEN {between('sc.left_at')} "
                "THEN sc.deal_id END), AVG(CASE WHEN sc.left_at >= %s THEN sc.duration_seconds "
                f"END), {cnt(between('sc.left_at'))}, AVG(CASE WHEN sc.left_at < %s "
                "THEN sc.duration_seconds END), "
                + median.format(v="sc.duration_seconds", c="sc.left_at >= %s")
                + ", "
                + median.format(v="sc.duration_seconds", c="sc.left_at < %s")
                + f" FROM deals_stagechange sc WHERE {stays_where} GROUP BY sc.to_stage_id",
                cur + cur + [cur[0]] + prev + [cur[0], cur[0], cur[0]] + stays_params,
            )
        ]
        cycle_sql = [
            (
                f"SELECT {cnt(between('d.closed_at'))}, {cnt(between('d.closed_at'))}, "
                f"AVG(CASE WHEN d.closed_at >= %s THEN {cycle} END), "
                f"AVG(CASE WHEN d.closed_at < %s THEN {cycle} END), "
                + median.format(v=cycle, c="d.closed_at >= %s")
                + ", "
                + median.format(v=cycle, c="d.closed_at < %s")
                + f" FROM deals_deal d WHERE {won_where}",
                cur + prev + [cur[0]] * 4 + won_params,
            )
        ]
        won_cur = f"d.status = 'won' AND {between('d.closed_at')}"
        breakdown = [
            (
                f"SELECT d.owner_id, {per_period[0][0]}, {per_period[1][0]}, "
                + median.format(v=cycle, c=won_cur)
                + ", "
                + median.format(v=cycle, c=won_cur)
                + f" FROM deals_deal d WHERE {closed_where} GROUP BY d.owner_id",
                per_period[0][1] + per_period[1][1] + cur + prev + won_params,
            ),
            ("SELECT id, display_name FROM accounts_user", []),
        ]
    return {
        "summary": [summary],
        "funnel": [funnel],
        "stage_times": stage_times,
        "cycle": cycle_sql,
        "breakdown_rep": breakdown,
        "sources": [sources],
    }


def main() -> None:
    args = parse_args()
    configure(args)
    seed(args.scale)
    from django.test import Client

    from salestrack.accounts.models import User
    from salestrack.analytics import selectors
    from salestrack.analytics.filters import build_filters

    admin = User.objects.filter(role=User.Role.ADMIN).first()
    client = Client()
    client.force_login(admin)
    filters = build_filters(preset="this_quarter")
    sql = baselines(args.db, filters)
    loaders = {
        "summary": lambda: selectors.analytics_summary(user=admin, filters=filters),
        "funnel": lambda: selectors.analytics_funnel(user=admin, filters=filters),
        "stage_times": lambda: selectors.analytics_stage_times(user=admin, filters=filters),
        "cycle": lambda: selectors.analytics_cycle(user=admin, filters=filters),
        "breakdown_rep": lambda: selectors.analytics_breakdown(
            user=admin, filters=filters, by="rep"
        ),
        "sources": lambda: selectors.analytics_sources(user=admin, filters=filters),
    }
    urls = {
        "summary": "/analytics/api/summary.json",
        "funnel": "/analytics/api/funnel.json",
        "stage_times": "/analytics/api/stage_times.json",
        "cycle": "/analytics/api/cycle.json",
        "breakdown_rep": "/analytics/api/breakdown.json?by=rep",
        "sources": "/analytics/api/sources.json",
    }
    baseline_total = 0.0
    baselines_ms = {}
    for case, url in urls.items():

        def page(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        baseline, _ = timed(sql_runner(sql[case]), args.repeat)
        baseline_total += baseline
        baselines_ms[case] = baseline
        report(args, case, page, baseline, bench="analytics")
        report(args, f"{case}.data", loaders[case], baseline, bench="analytics")

    baseline_by_card = {
        "kpis": baselines_ms["summary"] + baselines_ms["cycle"],
        "breakdown": baselines_ms["breakdown_rep"],
    }

    def frame():
        response = client.get("/analytics/")
        assert response.status_code == 200, response.status_code
        assert b"data-card-loading" in response.content

    cards = ["kpis", "funnel", "stage_times", "breakdown", "sources", "industries", "targets"]

    def first_load():
        """What a browser asks for to show the whole page: the frame, then every card
        (hx-trigger=load; the breakdown card by its first dimension), one after the other."""
        frame()
        for card in cards:
            response = client.get("/analytics/", {"part": card}, HTTP_HX_REQUEST="true")
            assert response.status_code == 200, (card, response.status_code)

    # The frame runs no aggregate: its baseline is the sum of all bare SQL all the same, so
    # the ratio shows the share of the figures' cost the first paint waits for. The whole
    # first load (frame and cards) stands against the bare SQL of the figures it shows
    # (industries and targets, small, are not in the baseline).
    report(args, "dashboard", frame, baseline_total, bench="analytics")
    report(args, "dashboard.first_load", first_load, baseline_total, bench="analytics")
    for card in ("kpis", "breakdown"):
        report(
            args,
            f"dashboard.card_{card}",
            lambda card=card: client.get("/analytics/", {"part": card}, HTTP_HX_REQUEST="true"),
            baseline_by_card[card],
            bench="analytics",
        )


if __name__ == "__main__":
    main()
