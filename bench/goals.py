"""Server time of the goal pages against the bare SQL that does the same aggregation.

    python bench/goals.py --scale 100000 [--db sqlite|postgres] [--repeat 30]

Seeds its own data (seed_demo: N deals, ~5 follow-ups each; reused across runs of the same
scale), then the goals of the current quarter as managers would set them with the
decomposition tool: a company plan, and one plan per team split over its reps with weekly
won-deal and contact goals. Requests each page through Django's test client and prints one JSON
object per case. `baseline_ms` is the same goals fetched and their actuals aggregated with
hand-written SQL (per table one GROUP BY owner, team with a conditional aggregate per metric
and period) in the same run; `ratio` = median_ms /
baseline_ms.
"""

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pages  # noqa: E402
from pages import configure, parse_args, sql_runner, timed  # noqa: E402


def seed(scale: int) -> None:
    pages.seed(scale)
    seed_goals()


def seed_goals() -> None:
    """This quarter's goals, once (the demo's plans: salestrack.demo.goals)."""
    from salestrack.demo.goals import demo_goals_seed

    started = time.perf_counter()
    count = demo_goals_seed()
    print(f"# {count} goals ({time.perf_counter() - started:.0f}s)", file=sys.stderr)


def aggregate_sql(goals: list, scope_user=None) -> list[tuple[str, list]]:
    """Hand-written SQL of goal_actuals: per record table one GROUP BY owner, team statement
    with one conditional aggregate per metric and period among the goals (restricted to
    `scope_user`'s own and shared records when given)."""
    from django.db import connection
    from django.utils import timezone

    ops = connection.ops

    def day(d):
        return ops.adapt_datetimefield_value(
            timezone.make_aware(datetime.combine(d, datetime.min.time()))
        )

    def scope(params, share_type):
        if scope_user is None:
            return ""
        params.append(scope_user.pk)
        if share_type is None:
            return " AND owner_id = %s"
        params += [scope_user.pk, share_type, ops.adapt_datetimefield_value(timezone.now())]
        return (
            " AND (owner_id = %s OR id IN (SELECT object_id FROM access_share WHERE user_id = %s"
            " AND object_type = %s AND (expires_at IS NULL OR expires_at > %s)))"
        )

    tables = {
        "won_amount": ("deals_deal", "closed_at", "SUM", "amount"),
        "won_count": ("deals_deal", "closed_at", "COUNT", "1"),
        "payments": ("deals_deal", "contract_signed_on", "SUM", "payment_received"),
        "new_customers": ("customers_customer", "created_at", "COUNT", "1"),
        "followups": ("activities_followup", "occurred_at", "COUNT", "1"),
    }
    columns: dict[str, list[tuple[str, list]]] = {}
    for metric, start, end in sorted({(g.metric, g.start, g.end) for g in goals}):
        table, column, func, value = tables[metric]
        if column == "contract_signed_on":
            cond = f"{column} BETWEEN %s AND %s"
            params = [ops.adapt_datefield_value(start), ops.adapt_datefield_value(end)]
        else:
            cond = f"{column} >= %s AND {column} < %s"
            params = [day(start), day(end + timedelta(days=1))]
        if table == "deals_deal" and column == "closed_at":
            cond = "status = 'won' AND " + cond
        columns.setdefault(table, []).append((f"{func}(CASE WHEN {cond} THEN {value} END)", params))

    def span(metrics):
        chosen = [g for g in goals if g.metric in metrics]
        if not chosen:
            return None
        return min(g.start for g in chosen), max(g.end for g in chosen)

    def dates(start, end):
        return [ops.adapt_datefield_value(start), ops.adapt_datefield_value(end)]

    def times(start, end):
        return [day(start), day(end + timedelta(days=1))]

    won, paid = span(("won_amount", "won_count")), span(("payments",))
    deal_where, deal_params = [], []
    if won:
        deal_where.append("(status = 'won' AND closed_at >= %s AND closed_at < %s)")
        deal_params += times(*won)
    if paid:
        deal_where.append("contract_signed_on BETWEEN %s AND %s")
        deal_params += dates(*paid)
    created, occurred = span(("new_customers",)), span(("followups",))
    wheres = {
        "deals_deal": (
            f"deleted_at IS NULL AND ({' OR '.join(deal_where)})",
            deal_params,
            "deals.deal",
        ),
        "customers_customer": (
            "deleted_at IS NULL AND created_at >= %s AND created_at < %s",
            times(*created) if created else [],
            "customers.customer",
        ),
        "activities_followup": (
            "occurred_at >= %s AND occurred_at < %s",
            times(*occurred) if occurred else [],
            None,
        ),
    }
    statements = []
    for table, aggregates in columns.items():
        where, where_params, share_type = wheres[table]
        params = [p for _sql, ps in aggregates for p in ps] + list(where_params)
        where += scope(params, share_type)
        select = ", ".join(sql for sql, _ps in aggregates)
        statements.append(
            (
                f"SELECT owner_id, team_id, {select} FROM {table} WHERE {where} "
                "GROUP BY owner_id, team_id",
                params,
            )
        )
    return statements


def cases(admin, rep) -> list[tuple[str, str, object, list[tuple[str, list]]]]:
    """(case, url, user, bare SQL statements fetching the goals and aggregating their actuals)."""
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    from salestrack.goals.models import Goal

    ops = connection.ops
    today = timezone.localdate()
    running = list(Goal.objects.filter(start__lte=today, end__gte=today))
    fetch = (
        "SELECT g.*, t.name, u.username, u.display_name FROM goals_goal g "
        "LEFT JOIN accounts_team t ON t.id = g.team_id LEFT JOIN accounts_user u "
        'ON u.id = g.user_id WHERE g.start <= %s AND g."end" >= %s',
        [ops.adapt_datefield_value(today), ops.adapt_datefield_value(today)],
    )
    root = Goal.objects.get(
        scope_kind="company", period_kind="quarter", start__lte=today, end__gte=today
    )
    team_root = Goal.objects.filter(scope_kind="team", period_kind="quarter", parent=None).first()
    parts = [*team_root.children.all(), team_root]
    detail = [
        ("SELECT * FROM goals_goal WHERE id = %s", [team_root.pk]),
        ("SELECT * FROM goals_goal WHERE parent_id = %s", [team_root.pk]),
        *aggregate_sql(parts),
    ]
    mine = [g for g in running if g.user_id == rep.pk or g.team_id == rep.team_id]
    home = [
        (
            'SELECT * FROM goals_goal WHERE start <= %s AND "end" >= %s AND '
            "((scope_kind = 'rep' AND user_id = %s) OR (scope_kind = 'team' AND team_id = %s))",
            [*fetch[1], rep.pk, rep.team_id],
        ),
        *aggregate_sql(mine, scope_user=rep),
    ]
    assert root
    return [
        ("goals_index", "/goals/", admin, [fetch, *aggregate_sql(running)]),
        (
            "goals_index_month",
            "/goals/?kind=month",
            admin,
            [
                (fetch[0] + " AND g.period_kind = 'month'", fetch[1]),
                *aggregate_sql([g for g in running if g.period_kind == "month"]),
            ],
        ),
        ("goal_detail", f"/goals/{team_root.pk}/", admin, detail),
        ("my_goals", reverse("activities:mine"), rep, home),
    ]


def data_loaders(cases_list, admin, rep) -> dict:
    """The selector calls each page makes, without HTTP and templates: the ORM's share."""
    from django.utils import timezone

    from salestrack.goals.selectors import (
        goal_get_for_user,
        goal_list_for_user,
        goal_progress_for_user,
        goal_tree,
    )

    urls = {case: url for case, url, _user, _sql in cases_list}
    goal_id = int(urls["goal_detail"].strip("/").split("/")[-1])

    def detail():
        goal_tree(user=admin, goal=goal_get_for_user(user=admin, pk=goal_id))

    today = timezone.localdate()
    return {
        "goals_index": lambda: goal_list_for_user(user=admin, on=today),
        "goals_index_month": lambda: goal_list_for_user(user=admin, on=today, period_kind="month"),
        "goal_detail": detail,
        "my_goals": lambda: goal_progress_for_user(user=rep),
    }


def report(args, case: str, fn, baseline: float) -> None:
    pages.report(args, case, fn, baseline, bench="goals")


def main() -> None:
    """Per page two rows: `<case>` is the whole request (middleware, session, selectors,
    template); `<case>.data` is only the selector calls that fetch the goals and their actuals.
    Both stand against the same bare SQL. `my_goals` is 我的跟进 as a rep: its bare SQL covers
    only the goals card, so its whole-request ratio includes the follow-up list."""
    args = parse_args()
    configure(args)
    seed(args.scale)
    from django.test import Client

    from salestrack.accounts.models import User
    from salestrack.goals.models import Goal

    admin = User.objects.filter(role=User.Role.ADMIN).first()
    rep_id = Goal.objects.filter(scope_kind="rep").values_list("user_id", flat=True).first()
    rep = User.objects.get(pk=rep_id)
    clients = {}
    for user in (admin, rep):
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)
    cases_list = cases(admin, rep)
    loaders = data_loaders(cases_list, admin, rep)
    for case, url, user, statements in cases_list:

        def page(url=url, client=clients[user.pk]):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        baseline, _ = timed(sql_runner(statements), args.repeat)
        report(args, case, page, baseline)
        report(args, f"{case}.data", loaders[case], baseline)


if __name__ == "__main__":
    main()
