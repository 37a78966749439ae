"""Server time of the daily follow-up list against the bare SQL that fetches the same rows.

    python bench/today.py --scale 100000 [--db sqlite|postgres] [--repeat 30] [--data-dir DIR]

Seeds its own data as bench/pages.py does (seed_demo: N deals, ~5 follow-ups each; reused across
runs of the same scale; --data-dir points at a private copy, default bench/results/<db>-<scale>),
then, as the rep who owns the most open deals, prints one JSON object per case:
- `today`: the page from the stored morning list (whole request), `today.data` its selector;
- `generate`: building the list (three scored queries, merge) against the three bare candidate
  queries without the score.
`baseline_ms` is the same rows fetched with hand-written SQL in the same run; `ratio` =
median_ms / baseline_ms.
"""

import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages
from pages import configure, parse_args, seed, sql_runner, timed


def _dt(value):
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(value)


def cases(rep, daily) -> list[tuple[str, str, list[tuple[str, list]]]]:
    """(case, url, bare SQL statements fetching the same rows)."""
    from django.conf import settings
    from django.utils import timezone

    from salestrack.today.selectors import day_start

    now = timezone.now()
    today = timezone.localdate(now)
    limit = settings.SALESTRACK_TODAY_MAX_ITEMS
    cutoff = now - timedelta(days=settings.SALESTRACK_STALL_NO_FOLLOWUP_DAYS)
    generate_sql = [
        (
            "SELECT f.id, f.customer_id, f.deal_id, f.next_due_on, c.tier, d.amount, "
            "d.probability, s.probability, d.expected_close_date, d.status "
            "FROM activities_followup f JOIN customers_customer c ON c.id = f.customer_id "
            "LEFT JOIN deals_deal d ON d.id = f.deal_id "
            "LEFT JOIN pipeline_stage s ON s.id = d.stage_id "
            "WHERE f.owner_id = %s AND f.done_at IS NULL AND f.next_due_on <= %s "
            "AND c.deleted_at IS NULL AND d.deleted_at IS NULL "
            f"ORDER BY f.next_due_on, f.id LIMIT {limit}",
            [rep.pk, today],
        ),
        (
            "SELECT d.id, d.customer_id, d.stalls_at, d.last_activity_at, d.created_at, "
            "d.expected_close_date, d.amount, d.probability, s.probability, c.tier "
            "FROM deals_deal d JOIN customers_customer c ON c.id = d.customer_id "
            "JOIN pipeline_stage s ON s.id = d.stage_id "
            "WHERE d.owner_id = %s AND d.status = 'open' AND d.deleted_at IS NULL AND "
            "(d.stalls_at < %s OR d.last_activity_at < %s OR "
            "(d.last_activity_at IS NULL AND d.created_at < %s)) "
            f"ORDER BY d.stage_entered_at, d.id LIMIT {limit}",
            [rep.pk, _dt(now), _dt(cutoff), _dt(cutoff)],
        ),
        (
            "SELECT id, tier FROM customers_customer WHERE owner_id = %s AND tier = 'A' "
            "AND in_pool_since IS NULL AND deleted_at IS NULL AND "
            "(last_activity_at IS NULL OR last_activity_at < %s) "
            f"ORDER BY last_activity_at, id LIMIT {limit}",
            [rep.pk, _dt(day_start(today))],
        ),
    ]
    items = daily.items
    deal_ids = [i["deal"] for i in items if i["deal"]] or [0]
    customer_ids = [i["customer"] for i in items if not i["deal"]] or [0]
    followup_ids = [
        r["followup"] for i in items for r in i["reasons"] if r["code"] == "followup_due"
    ] or [0]

    def marks(ids):
        return ", ".join(["%s"] * len(ids))

    page_sql = [
        ("SELECT * FROM today_dailylist WHERE user_id = %s AND day = %s", [rep.pk, today]),
        (
            "SELECT * FROM deals_deal d JOIN customers_customer c ON c.id = d.customer_id "
            f"JOIN pipeline_stage s ON s.id = d.stage_id WHERE d.id IN ({marks(deal_ids)})",
            deal_ids,
        ),
        (f"SELECT * FROM customers_customer WHERE id IN ({marks(customer_ids)})", customer_ids),
        (f"SELECT * FROM activities_followup WHERE id IN ({marks(followup_ids)})", followup_ids),
        (
            "SELECT deal_id, customer_id FROM activities_followup WHERE occurred_at >= %s AND "
            f"(deal_id IN ({marks(deal_ids)}) OR customer_id IN ({marks(customer_ids)}))",
            [_dt(day_start(today)), *deal_ids, *customer_ids],
        ),
    ]
    return [("today", "/today/", page_sql), ("generate", "", generate_sql)]


def report(args, case: str, fn, baseline: float) -> None:
    pages.report(args, case, fn, baseline, bench="today")


def main() -> None:
    args = parse_args()
    configure(args)
    seed(args.scale)
    from django.test import Client

    from salestrack.today.selectors import daily_list_rows, today_items
    from salestrack.today.services import daily_list_generate

    rep = _busiest_rep()
    daily = daily_list_generate(user=rep)
    print(f"# rep {rep.username}: {len(daily.items)} items", file=sys.stderr)
    client = Client()
    client.force_login(rep)
    loaders = {
        "today": lambda: daily_list_rows(viewer=rep, daily=daily),
        "generate": lambda: today_items(user=rep),
    }
    for case, url, statements in cases(rep, daily):
        baseline, _ = timed(sql_runner(statements), args.repeat)
        if url:

            def page(url=url):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            report(args, case, page, baseline)
            report(args, f"{case}.data", loaders[case], baseline)
        else:
            report(args, case, loaders[case], baseline)


def _busiest_rep():
    """The rep who owns the most open deals (one GROUP BY)."""
    from django.db.models import Count

    from salestrack.accounts.models import User
    from salestrack.deals.models import Deal

    row = (
        Deal.objects.filter(status=Deal.Status.OPEN, owner__role=User.Role.REP)
        .values("owner_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return User.objects.get(pk=row["owner_id"])


if __name__ == "__main__":
    main()
