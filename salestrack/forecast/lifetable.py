"""When an open deal wins: a life table of the time from first entering a stage to closing.

For a stage (and industry segment) the snapshot counts, per lag bucket [EDGES[j], EDGES[j+1])
(days since the deal first entered the stage), the deals won, lost, and still open at the
cut-off (censored: they were at risk up to their age and then left the sample). The actuarial
(life-table) estimate turns these counts into

- S(t): the share of deals entering the stage still open t days later;
- W(t): the share won within t days (cumulative incidence of winning, losing competing).

An open deal that has been in the stage for `a` days wins between lag t1 and t2 (t1 >= a) with
probability (W(t2) - W(t1)) / S(a); both functions are linear within a bucket. Deals still
open at the cut-off count as at risk, so recent entries and long-open deals are not ignored:
a deal older than every past win gets a probability near 0 instead of the stage's average.

Pure Python over a few dozen counts per stage: no queries here.
"""

from dataclasses import dataclass, field

# Bucket edges in days: weekly for half a year, then monthly to two years; the last bucket is
# open-ended and read as TAIL_DAYS wide.
EDGES: tuple[int, ...] = (*range(0, 183, 7), *range(212, 731, 30))
TAIL_DAYS = 365
# How long deals had stayed in the stage (days): a deal still in it after d days is compared
# with the past deals that stayed at least the largest of these <= d (`given_stay`).
HELD: tuple[int, ...] = (0, 7, 14, 30, 60, 90, 180, 365)


@dataclass
class LifeTable:
    """Per bucket counts (len(EDGES) each): won, lost and censored (open at the cut-off)."""

    won: list[int]
    lost: list[int]
    censored: list[int]
    times: list[float] = field(init=False)
    survival: list[float] = field(init=False)
    won_by: list[float] = field(init=False)
    # the same for the deals that stayed in the stage at least `days`: [(days, table)]
    held: list[tuple[int, "LifeTable"]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.times = [float(e) for e in EDGES] + [float(EDGES[-1] + TAIL_DAYS)]
        survival, won_by = [1.0], [0.0]
        at_risk = sum(self.won) + sum(self.lost) + sum(self.censored)
        for won, lost, censored in zip(self.won, self.lost, self.censored, strict=True):
            exposed = at_risk - censored / 2  # censored deals were at risk half the bucket
            s = survival[-1]
            if exposed > 0:
                won_by.append(won_by[-1] + s * won / exposed)
                survival.append(max(0.0, s * (1 - (won + lost) / exposed)))
            else:
                won_by.append(won_by[-1])
                survival.append(s)
            at_risk -= won + lost + censored
        self.survival, self.won_by = survival, won_by

    @classmethod
    def from_json(cls, data: dict | None) -> "LifeTable | None":
        if not data or list(data.get("edges", [])) != list(EDGES):
            return None
        table = cls(list(data["won"]), list(data["lost"]), list(data["censored"]))
        table.held = [
            (part["days"], cls(list(part["won"]), list(part["lost"]), list(part["censored"])))
            for part in data.get("held", [])
        ]
        return table

    def as_json(self) -> dict:
        return {
            "edges": list(EDGES),
            "won": self.won,
            "lost": self.lost,
            "censored": self.censored,
            "held": [
                {"days": days, "won": t.won, "lost": t.lost, "censored": t.censored}
                for days, t in self.held
            ],
        }

    def given_stay(self, *, days: float, min_closed: int) -> "LifeTable":
        """The table of the past deals that stayed in the stage at least as long as a deal
        that has been there `days` (the largest HELD bucket <= days with `min_closed` closed
        deals; else everyone's)."""
        chosen = self
        for held_days, table in self.held:
            if held_days <= days and table.closed >= min_closed:
                chosen = table
        return chosen

    @property
    def closed(self) -> int:
        return sum(self.won) + sum(self.lost)

    def _at(self, values: list[float], t: float) -> float:
        times = self.times
        if t <= 0:
            return values[0]
        if t >= times[-1]:
            return values[-1]
        # the bucket holding t (few dozen edges: a linear scan is fine)
        j = next(i for i in range(len(times) - 1) if times[i + 1] > t)
        share = (t - times[j]) / (times[j + 1] - times[j])
        return values[j] + share * (values[j + 1] - values[j])

    def win_between(self, *, age: float, start: float, end: float) -> float:
        """P(won between `start` and `end` days after entering the stage | still open at
        `age` days). `start` is raised to `age`; 0 when no past deal stayed open that long."""
        start = max(start, age)
        if end <= start:
            return 0.0
        alive = self._at(self.survival, age)
        if alive <= 1e-9:
            return 0.0
        gained = self._at(self.won_by, end) - self._at(self.won_by, start)
        return min(1.0, max(0.0, gained / alive))

    def win_eventually(self, *, age: float) -> float:
        return self.win_between(age=age, start=age, end=self.times[-1])
