"""Server time of the main pages against the bare SQL that fetches the same rows.

    python bench/pages.py --scale 100000 [--db sqlite|postgres] [--repeat 30]

Seeds its own data (seed_demo: N deals, ~5 follow-ups each; reused across runs of the same
scale), then requests each page through Django's test client as an admin (the widest scope) and
prints one JSON object per case. `baseline_ms` is the same rows fetched with hand-written SQL in
the same run; `ratio` = median_ms / baseline_ms.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10000, help="number of deals")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--data-dir", default="", help="SALESTRACK_DATA_DIR (default bench/results/<db>-<scale>)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://salestrack:salestrack@127.0.0.1:5432/salestrack_bench"
        ),
    )
    return parser.parse_args()


def configure(args: argparse.Namespace) -> None:
    data_dir = Path(
        getattr(args, "data_dir", "") or ROOT / "bench" / "results" / f"{args.db}-{args.scale}"
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["SALESTRACK_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    if args.db == "postgres":
        os.environ["DATABASE_URL"] = args.postgres_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salestrack.settings")
    import django

    django.setup()


def seed(scale: int) -> None:
    from django.core.management import call_command

    from salestrack.deals.models import Deal

    call_command("migrate", verbosity=0)
    count = Deal.objects.count()
    if count == scale:
        return
    if count:
        sys.exit(
            f"database already holds {count} deals; remove {os.environ['SALESTRACK_DATA_DIR']}"
        )
    started = time.perf_counter()
    call_command("seed_demo", deals=scale, followups_per_deal=5, verbosity=0)
    print(f"# seeded {scale} deals in {time.perf_counter() - started:.0f}s", file=sys.stderr)


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm caches and connections
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


def count_queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def sql_runner(statements: list[tuple[str, list]]):
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()

    return run


def cases(scale: int) -> list[tuple[str, str, list[tuple[str, list]]]]:
    """(case, url, bare SQL statements fetching the same rows)."""
    from django.db.models import Count

    from salestrack.activities.models import FollowUp
    from salestrack.customers.models import Customer
    from salestrack.deals.models import Deal
    from salestrack.pipeline.models import Pipeline

    pipeline = Pipeline.objects.get(is_default=True)
    stages = list(pipeline.stages.all())
    busy_deal = (
        FollowUp.objects.filter(deal__isnull=False)
        .values("deal_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["deal_id"]
    )
    customer = Customer.objects.annotate(n=Count("deals")).order_by("-n").first()
    initials = customer.search_key.split()[0][:4]
    deep_page = max(1, Deal.objects.count() // 50 // 2)
    page = 20
    card_cols = (
        "d.id, d.title, d.amount, d.stage_entered_at, d.version, d.stage_id, d.status, "
        "d.next_due_on, c.name, u.username, u.display_name"
    )
    board_sql = [
        (
            "SELECT stage_id, COUNT(id), SUM(amount) FROM deals_deal WHERE pipeline_id = %s "
            "GROUP BY stage_id",
            [pipeline.pk],
        ),
    ] + [
        (
            f"SELECT {card_cols} FROM deals_deal d "
            "JOIN customers_customer c ON c.id = d.customer_id "
            "JOIN accounts_user u ON u.id = d.owner_id WHERE d.stage_id = %s "
            f"ORDER BY d.stage_entered_at {'ASC' if s.kind == 'open' else 'DESC'} LIMIT {page + 1}",
            [s.pk],
        )
        for s in stages
    ]
    list_cols = (
        "d.id, d.title, d.amount, d.expected_close_date, d.updated_at, c.name, s.name, "
        "u.display_name"
    )
    list_sql = (
        f"SELECT {list_cols} FROM deals_deal d JOIN customers_customer c ON c.id = d.customer_id "
        "JOIN pipeline_stage s ON s.id = d.stage_id JOIN accounts_user u ON u.id = d.owner_id "
        "ORDER BY d.updated_at DESC, d.id DESC LIMIT 50 OFFSET %s"
    )
    count_sql = ("SELECT COUNT(*) FROM deals_deal", [])
    detail_sql = [
        (
            "SELECT * FROM deals_deal d JOIN customers_customer c ON c.id = d.customer_id "
            "JOIN pipeline_stage s ON s.id = d.stage_id WHERE d.id = %s",
            [busy_deal],
        ),
        ("SELECT * FROM deals_stagechange WHERE deal_id = %s ORDER BY entered_at", [busy_deal]),
        (
            "SELECT * FROM activities_followup WHERE deal_id = %s "
            "ORDER BY occurred_at DESC LIMIT 100",
            [busy_deal],
        ),
    ]
    customer_sql = [
        ("SELECT * FROM customers_customer WHERE id = %s", [customer.pk]),
        ("SELECT * FROM customers_contact WHERE customer_id = %s", [customer.pk]),
        (
            "SELECT * FROM deals_deal d JOIN pipeline_stage s ON s.id = d.stage_id "
            "WHERE d.customer_id = %s ORDER BY d.updated_at DESC",
            [customer.pk],
        ),
        (
            "SELECT * FROM activities_followup WHERE customer_id = %s ORDER BY occurred_at DESC "
            "LIMIT 100",
            [customer.pk],
        ),
    ]
    like = f"%{initials}%"
    search_where = "WHERE c.search_key LIKE %s"
    search_sql = [
        (
            f"SELECT c.*, u.display_name FROM customers_customer c JOIN accounts_user u "
            f"ON u.id = c.owner_id {search_where} ORDER BY c.updated_at DESC LIMIT 50",
            [like],
        ),
        (f"SELECT COUNT(*) FROM customers_customer c {search_where}", [like]),
    ]
    return [
        ("board", f"/deals/board/?pipeline={pipeline.pk}", board_sql),
        ("deal_list_first", "/deals/", [(list_sql, [0]), count_sql]),
        (
            "deal_list_deep",
            f"/deals/?page={deep_page}",
            [(list_sql, [(deep_page - 1) * 50]), count_sql],
        ),
        ("deal_detail", f"/deals/{busy_deal}/", detail_sql),
        ("customer_detail", f"/customers/{customer.pk}/", customer_sql),
        ("customer_search", f"/customers/?q={initials}", search_sql),
    ]


def data_loaders(cases_list, admin) -> dict:
    """The selector calls each page makes, without HTTP and templates: the ORM's share."""
    from salestrack.activities.selectors import followup_timeline
    from salestrack.core.pagination import paginate_by_ids
    from salestrack.customers.selectors import customer_get_for_user, customer_list
    from salestrack.deals.selectors import (
        DealFilters,
        deal_board,
        deal_get_for_user,
        deal_list,
        deal_queryset,
        deal_stage_history,
        deal_stage_progress,
    )
    from salestrack.pipeline.models import Pipeline

    urls = {case: url for case, url, _ in cases_list}
    pipeline = Pipeline.objects.get(is_default=True)
    deal_id = int(urls["deal_detail"].strip("/").split("/")[-1])
    customer_id = int(urls["customer_detail"].strip("/").split("/")[-1])
    deep_page = int(urls["deal_list_deep"].split("page=")[1])
    q = urls["customer_search"].split("q=")[1]

    def deal_page(number):
        return list(paginate_by_ids(deal_list(user=admin, filters=DealFilters()), number, 50))

    def deal_detail():
        deal = deal_get_for_user(user=admin, pk=deal_id)
        history = deal_stage_history(deal=deal)
        deal_stage_progress(deal=deal, history=history)
        list(followup_timeline(user=admin, deal_id=deal_id))
        list(deal.lines.select_related("product"))

    def customer_detail():
        customer = customer_get_for_user(user=admin, pk=customer_id)
        list(customer.contacts.all())
        list(deal_queryset(user=admin).filter(customer=customer).select_related("stage", "owner"))
        list(followup_timeline(user=admin, customer_id=customer_id))

    return {
        "board": lambda: deal_board(user=admin, pipeline=pipeline, filters=DealFilters()),
        "deal_list_first": lambda: deal_page(1),
        "deal_list_deep": lambda: deal_page(deep_page),
        "deal_detail": deal_detail,
        "customer_detail": customer_detail,
        "customer_search": lambda: list(paginate_by_ids(customer_list(user=admin, q=q), 1, 50)),
    }


def report(args, case: str, fn, baseline: float, bench: str = "pages") -> None:
    """Time `fn` and print the one JSON line every bench/*.py prints per case."""
    median, p95 = timed(fn, args.repeat)
    row = {
        "bench": bench,
        "case": case,
        "db": args.db,
        "n": args.scale,
        "median_ms": round(median, 2),
        "p95_ms": round(p95, 2),
        "queries": count_queries(fn),
        "baseline_ms": round(baseline, 2),
        "ratio": round(median / baseline, 2) if baseline else None,
    }
    print(json.dumps(row), flush=True)


def main() -> None:
    """Per page two rows: `<case>` is the whole request (middleware, session, selectors,
    template); `<case>.data` is only the selector calls that fetch the page's rows. Both stand
    against the same bare SQL."""
    args = parse_args()
    configure(args)
    seed(args.scale)
    from django.test import Client

    from salestrack.accounts.models import User

    admin = User.objects.filter(role=User.Role.ADMIN).first()
    client = Client()
    client.force_login(admin)
    cases_list = cases(args.scale)
    loaders = data_loaders(cases_list, admin)
    for case, url, statements in cases_list:

        def page(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        baseline, _ = timed(sql_runner(statements), args.repeat)
        report(args, case, page, baseline)
        report(args, f"{case}.data", loaders[case], baseline)


if __name__ == "__main__":
    main()
