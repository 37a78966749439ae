"""The week under test: Monday 2025-05-05 – Sunday 05-11, seen on Wednesday 2025-05-14; the
week before: 04-28 – 05-04.

Alice (team A):
  a1  Lead 05-05 → Needs confirmed 05-07 → Won 05-09              100
  a2  Lead 05-06 → Lost 05-11 23:30 (Sunday night: still this week)  200
  a3  Lead 05-04 23:00 (last week) → Needs confirmed 05-12 00:30 (next week)   50
  follow-ups made 05-05, 05-11 22:00; planned by a rule 05-06 (not counted);
  05-12 00:10 (next week); 05-01 (last week)
Bob (team A):  b1  Lead 05-06 → Won 05-08                          300
Charlie (team B): c1  Lead 05-06                                  900
"""

from dataclasses import dataclass
from datetime import date

import pytest
import time_machine

from salestrack.reports.tests.factories import at, made_followup, walked_deal

NOW = at(5, 14)
WEEK = date(2025, 5, 5)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class Week:
    deals: dict


@pytest.fixture
def week(personas, stages) -> Week:
    a, b, c = personas.alice, personas.bob, personas.charlie
    d = {
        "a1": walked_deal(
            a,
            stages,
            [("Lead", at(5, 5)), ("Needs confirmed", at(5, 7)), ("Won", at(5, 9))],
            amount="100",
        ),
        "a2": walked_deal(
            a, stages, [("Lead", at(5, 6)), ("Lost", at(5, 11, 23, 30))], amount="200"
        ),
        "a3": walked_deal(
            a,
            stages,
            [("Lead", at(5, 4, 23)), ("Needs confirmed", at(5, 12, 0, 30))],
            amount="50",
        ),
        "b1": walked_deal(b, stages, [("Lead", at(5, 6)), ("Won", at(5, 8))], amount="300"),
        "c1": walked_deal(c, stages, [("Lead", at(5, 6))], amount="900"),
    }
    made_followup(a, at(5, 5))
    made_followup(a, at(5, 11, 22))
    made_followup(a, at(5, 6), planned=True)
    made_followup(a, at(5, 12, 0, 10))
    made_followup(a, at(5, 1))
    return Week(d)
