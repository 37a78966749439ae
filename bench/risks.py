"""Server time of the risk pages against the bare SQL that fetches the same rows.

    python bench/risks.py --scale 100000 [--db sqlite|postgres] [--repeat 30]

Seeds its own data as bench/pages.py does (seed_demo: N deals, ~5 follow-ups each; reused across
runs of the same scale), then requests each page through Django's test client as an admin (the
widest scope) and prints one JSON object per case: `<case>` is the whole request, `<case>.data`
only the selector calls. `baseline_ms` is the same rows fetched with hand-written SQL in the same
run (count, page of 50 with its joins, and the page's flags / decisions / medians where the page
reads them); `ratio` = median_ms / baseline_ms.
"""

import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages
from pages import configure, parse_args, seed, sql_runner, timed

PAGE = 50
ROW_COLS = (
    "d.id, d.title, d.amount, d.status, d.stage_entered_at, d.stalls_at, d.last_activity_at, "
    "d.created_at, d.next_step, d.pipeline_id, c.name, c.industry, s.name, s.rot_days, "
    "s.probability, u.display_name"
)
ROW_JOINS = (
    "FROM deals_deal d JOIN customers_customer c ON c.id = d.customer_id "
    "JOIN pipeline_stage s ON s.id = d.stage_id JOIN accounts_user u ON u.id = d.owner_id"
)


def _stalled_where(now, dt) -> tuple[str, list]:
    from django.conf import settings

    cutoff = now - timedelta(days=settings.SALESTRACK_STALL_NO_FOLLOWUP_DAYS)
    return (
        "(d.stalls_at < %s OR (d.status = 'open' AND (d.last_activity_at < %s OR "
        "(d.last_activity_at IS NULL AND d.created_at < %s))))",
        [dt(now), dt(cutoff), dt(cutoff)],
    )


def _cycle_where(now, dt) -> tuple[str, list]:
    """The slow-deal condition written out from the medians table, as the selector does."""
    from django.conf import settings

    from salestrack.risks.models import CycleMedian

    percent = settings.SALESTRACK_CYCLE_WARN_PERCENT
    minimum = settings.SALESTRACK_CYCLE_MIN_SAMPLE
    rows = list(CycleMedian.objects.exclude(median_seconds=None))
    terms, params = [], []
    for whole in [r for r in rows if r.industry is None]:
        own = [
            r
            for r in rows
            if r.pipeline_id == whole.pipeline_id and r.industry and r.sample_size >= minimum
        ]
        for r in own:
            terms.append("(d.pipeline_id = %s AND c.industry = %s AND d.created_at <= %s)")
            cutoff = now - timedelta(seconds=r.median_seconds * percent / 100)
            params += [r.pipeline_id, r.industry, dt(cutoff)]
        excluded = ", ".join(["%s"] * len(own)) or "NULL"
        terms.append(
            f"(d.pipeline_id = %s AND c.industry NOT IN ({excluded}) AND d.created_at <= %s)"
            if own
            else "(d.pipeline_id = %s AND d.created_at <= %s)"
        )
        cutoff = now - timedelta(seconds=whole.median_seconds * percent / 100)
        params += [whole.pipeline_id, *[r.industry for r in own], dt(cutoff)]
    late = settings.SALESTRACK_LATE_STAGE_PROBABILITY
    where = (
        f"(s.kind = 'open' AND s.probability < {int(late)} AND d.status = 'open' AND "
        f"({' OR '.join(terms) or '1 = 0'}))"
    )
    return where, params


def cases() -> list[tuple[str, str, list[tuple[str, list]]]]:
    """(case, url, bare SQL statements fetching the same rows)."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    dt = connection.ops.adapt_datetimefield_value
    alive = "d.deleted_at IS NULL AND d.status = 'open'"
    stalled, stalled_params = _stalled_where(now, dt)
    cycle, cycle_params = _cycle_where(now, dt)
    medians = ("SELECT * FROM risks_cyclemedian", [])
    flagged = "d.id IN (SELECT deal_id FROM risks_riskflag WHERE resolved_at IS NULL)"
    review = f"({stalled} OR {cycle} OR {flagged})"
    review_params = stalled_params + cycle_params

    def page_ids(where, params, order) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.id {ROW_JOINS} WHERE {alive} AND {where} ORDER BY {order} LIMIT {PAGE}",
                params,
            )
            return [row[0] for row in cursor.fetchall()] or [0]

    def listing(where, params, order):
        """Count, the page with its joins, and the page's open flags (by the page's ids)."""
        ids = page_ids(where, params, order)
        marks = ", ".join(["%s"] * len(ids))
        return ids, [
            (f"SELECT COUNT(*) {ROW_JOINS} WHERE {alive} AND {where}", params),
            (
                f"SELECT {ROW_COLS} {ROW_JOINS} WHERE {alive} AND {where} "
                f"ORDER BY {order} LIMIT {PAGE}",
                params,
            ),
            (
                f"SELECT * FROM risks_riskflag WHERE resolved_at IS NULL AND deal_id IN ({marks})",
                ids,
            ),
        ]

    today = timezone.localdate()
    week = today - timedelta(days=today.isoweekday() - 1)
    _, stalled_sql = listing(stalled, stalled_params, "d.stage_entered_at, d.id")
    _, cycle_sql = listing(cycle, cycle_params, "d.created_at, d.id")
    review_ids, review_sql = listing(
        review, review_params, "d.team_id, d.owner_id, d.stage_entered_at, d.id"
    )
    decisions = (
        "SELECT * FROM risks_reviewdecision WHERE week = %s AND deal_id IN "
        f"({', '.join(['%s'] * len(review_ids))})",
        [week, *review_ids],
    )
    return [
        ("stalled", "/risks/stalled/", stalled_sql),
        ("cycle", "/risks/cycle/", [medians, *cycle_sql]),
        ("review", "/risks/review/", [medians, *review_sql, decisions]),
    ]


def data_loaders(admin) -> dict:
    """The selector calls each page makes, without HTTP and templates: the ORM's share."""
    from django.utils import timezone

    from salestrack.core.pagination import paginate_by_ids
    from salestrack.risks.selectors import (
        cycle_median_book,
        cycle_warned_deals,
        review_deals,
        risk_rows,
        stalled_deals,
    )

    def rows(qs, book=None, week=None):
        page = paginate_by_ids(qs, 1, PAGE)
        return risk_rows(deals=list(page.object_list), book=book, week=week)

    def cycle():
        book = cycle_median_book()
        return rows(cycle_warned_deals(user=admin, book=book), book)

    def review():
        book = cycle_median_book()
        return rows(review_deals(user=admin, book=book), book, timezone.localdate())

    return {
        "stalled": lambda: rows(stalled_deals(user=admin)),
        "cycle": cycle,
        "review": review,
    }


def report(args, case: str, fn, baseline: float) -> None:
    pages.report(args, case, fn, baseline, bench="risks")


def main() -> None:
    args = parse_args()
    configure(args)
    seed(args.scale)
    from django.test import Client

    from salestrack.accounts.models import User
    from salestrack.deals.models import Deal
    from salestrack.risks.selectors import cycle_median_book
    from salestrack.risks.services import risk_flag_raise

    admin = User.objects.filter(role=User.Role.ADMIN).first()
    cycle_median_book()  # the medians, computed once as the first page of a day would
    if not Deal.objects.filter(risk_flags__isnull=False).exists():  # some flags to show
        for deal in Deal.objects.filter(status=Deal.Status.OPEN).order_by("id")[::97][:200]:
            risk_flag_raise(deal=deal, actor=None, kind="decision_maker_left", reason="bench")
    client = Client()
    client.force_login(admin)
    loaders = data_loaders(admin)
    for case, url, statements in cases():

        def page(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        baseline, _ = timed(sql_runner(statements), args.repeat)
        report(args, case, page, baseline)
        report(args, f"{case}.data", loaders[case], baseline)


if __name__ == "__main__":
    main()
