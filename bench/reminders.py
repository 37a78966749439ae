"""The reminder jobs and the notification a stage move writes, on demo data.

    python bench/reminders.py --scale 100000 [--db sqlite|postgres] [--repeat 10] [--data-dir DIR]

Seeds (or reuses) the demo data as bench/pages.py does, then prints one JSON line per case.
Everything runs inside one transaction that is rolled back at the end, so the database is left
as it was:
- `<job>.first`: the first run of a periodic job (it writes the notifications), timed once,
  with `sent` the notifications written;
- `<job>.rerun`: the same job again (every 5 or 15 minutes in production): it must find
  everything already sent, in a few queries whatever the data;
- `move` / `move.bare`: deal_move_stage of one deal back and forth with the reminders' receiver
  connected and disconnected (the cost a stage move pays for its notifications).
`baseline_ms` of a rerun is the bare SQL of its candidate query.
"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import configure, count_queries, parse_args, seed, sql_runner, timed


def _line(args, case: str, median: float, p95: float, queries: int, **extra) -> None:
    row = {
        "bench": "reminders",
        "case": case,
        "db": args.db,
        "n": args.scale,
        "median_ms": round(median, 2),
        "p95_ms": round(p95, 2),
        "queries": queries,
        **extra,
    }
    print(json.dumps(row), flush=True)


def main() -> None:
    args = parse_args()
    configure(args)
    seed(args.scale)
    import time_machine
    from django.db import connection, transaction
    from django.utils import timezone

    from salestrack.accounts.models import User
    from salestrack.deals.models import Deal
    from salestrack.deals.services import deal_move_stage
    from salestrack.deals.signals import deal_stage_moved
    from salestrack.reminders import receivers
    from salestrack.reminders.services import (
        daily_update_send,
        followup_reminders_send,
        red_goals_notify,
        stalled_deals_notify,
    )

    # A weekday late afternoon: every job has something to do.
    now = timezone.now()
    evening = timezone.localtime(now).replace(hour=18, minute=0)
    while evening.weekday() >= 5:
        evening -= timezone.timedelta(days=1)
    today = evening.date()
    candidate_sql = {
        "followups": (
            "SELECT f.id, f.owner_id, f.next_due_on FROM activities_followup f "
            "JOIN customers_customer c ON c.id = f.customer_id "
            "LEFT JOIN deals_deal d ON d.id = f.deal_id JOIN accounts_user u ON u.id = f.owner_id "
            "WHERE f.done_at IS NULL AND f.next_due_on <= %s AND u.is_active "
            "AND c.deleted_at IS NULL AND d.deleted_at IS NULL",
            [today],
        ),
    }
    jobs = [
        ("followups", lambda: followup_reminders_send(now=evening)),
        ("stalled", lambda: stalled_deals_notify(now=evening)),
        ("daily", lambda: daily_update_send(now=evening)),
        ("goals_red", lambda: red_goals_notify(today=today)),
    ]
    with time_machine.travel(evening, tick=False), transaction.atomic():
        for name, job in jobs:
            started = time.perf_counter()
            sent = job()
            first = (time.perf_counter() - started) * 1000
            _line(args, f"{name}.first", first, first, 0, sent=sent)
            median, p95 = timed(job, args.repeat)
            extra = {}
            if name in candidate_sql:
                baseline, _ = timed(sql_runner([candidate_sql[name]]), args.repeat)
                extra = {"baseline_ms": round(baseline, 2), "ratio": round(median / baseline, 2)}
            _line(args, f"{name}.rerun", median, p95, count_queries(job), **extra)

        deal = (
            Deal.objects.filter(status=Deal.Status.OPEN, collaborators__isnull=False)
            .select_related("stage")
            .first()
        )
        stages = list(deal.pipeline.stages.filter(kind="open").order_by("position")[:2])
        if deal.stage not in stages:
            Deal.objects.filter(pk=deal.pk).update(stage=stages[0])
        actor = User.objects.filter(role=User.Role.ADMIN).first()

        def move():
            fresh = Deal.objects.get(pk=deal.pk)
            target = stages[1] if fresh.stage_id == stages[0].pk else stages[0]
            deal_move_stage(
                deal=fresh, to_stage=target, actor=actor, expected_version=fresh.version
            )

        median, p95 = timed(move, args.repeat)
        _line(args, "move", median, p95, count_queries(move))
        deal_stage_moved.disconnect(dispatch_uid="reminders_stage")
        try:
            median, p95 = timed(move, args.repeat)
            _line(args, "move.bare", median, p95, count_queries(move))
        finally:
            deal_stage_moved.connect(receivers.on_deal_stage_moved, dispatch_uid="reminders_stage")
        transaction.set_rollback(True)
    connection.close()


if __name__ == "__main__":
    main()
