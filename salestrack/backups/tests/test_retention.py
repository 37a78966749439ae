"""backups_to_keep: 7 daily, 4 weekly, 12 monthly, on fixed dates."""

from datetime import date, datetime, timedelta

from salestrack.backups.services import backups_to_keep

TODAY = date(2026, 11, 23)  # a Monday


def nightly(days: int, end: date = TODAY) -> list[tuple[str, datetime]]:
    """One backup at 02:00 on each of the `days` days up to `end`."""
    out = []
    for n in range(days):
        d = end - timedelta(days=n)
        out.append(
            (f"salestrack-{d:%Y%m%d}-020000.sqlite3.gz", datetime(d.year, d.month, d.day, 2))
        )
    return out


def name(d: date, time: str = "020000") -> str:
    return f"salestrack-{d:%Y%m%d}-{time}.sqlite3.gz"


def test_it_keeps_everything_while_there_are_few():
    backups = nightly(5)
    assert backups_to_keep(backups, TODAY) == {n for n, _ in backups}


def test_it_keeps_the_last_seven_days():
    keep = backups_to_keep(nightly(8), TODAY)
    assert {name(TODAY - timedelta(days=n)) for n in range(7)} <= keep


def test_it_keeps_seven_daily_four_weekly_and_twelve_monthly_after_two_years():
    keep = backups_to_keep(nightly(730), TODAY)

    daily = {name(TODAY - timedelta(days=n)) for n in range(7)}  # 17–23 Nov
    weekly = {
        name(date(2026, 11, 23)),
        name(date(2026, 11, 22)),
        name(date(2026, 11, 15)),
        name(date(2026, 11, 8)),
    }  # newest of each of the last 4 ISO weeks (Sundays)
    month_ends = [date(2025, 12, 31)] + [
        date(2026, m + 1, 1) - timedelta(days=1) for m in range(1, 11)
    ]
    monthly = {name(TODAY)} | {name(d) for d in month_ends}  # Nov 2026 back to Dec 2025
    assert keep == daily | weekly | monthly
    assert len(monthly) == 12


def test_it_keeps_the_newest_of_several_backups_a_day():
    backups = [
        (name(TODAY, "020000"), datetime(2026, 11, 23, 2)),
        (name(TODAY, "140000"), datetime(2026, 11, 23, 14)),
    ]
    assert backups_to_keep(backups, TODAY) == {name(TODAY, "140000")}


def test_a_pause_in_backups_never_prunes_the_last_copies():
    # Backups stopped two years ago: the last ones are still the newest there are.
    old = nightly(30, end=date(2024, 6, 30))
    keep = backups_to_keep(old, TODAY)
    assert {name(date(2024, 6, 30) - timedelta(days=n)) for n in range(7)} <= keep


def test_it_keeps_backups_dated_after_today_without_counting_them():
    future = name(TODAY + timedelta(days=3))
    backups = [*nightly(400), (future, datetime(2026, 11, 26, 2))]

    keep = backups_to_keep(backups, TODAY)

    assert future in keep
    assert keep - {future} == backups_to_keep(nightly(400), TODAY)


def test_it_accepts_plain_dates():
    backups = [("a", date(2026, 1, 1)), ("b", date(2025, 1, 1))]
    assert backups_to_keep(backups, TODAY) == {"a", "b"}
