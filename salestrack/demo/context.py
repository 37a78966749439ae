"""What the demo generator's planning functions share: one random source, the clock, the
pipeline, the organisation, fresh ids; and small helpers for random values and office hours."""

import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from pypinyin import lazy_pinyin

from salestrack.core.text import pinyin_search_key
from salestrack.customers.models import Contact, Customer
from salestrack.deals.models import Deal
from salestrack.demo.org import CatalogueItem, DemoOrg, products_get_or_create
from salestrack.demo.writer import IdSequence
from salestrack.pipeline.models import Pipeline, Stage

WON_PHASE, LOST_PHASE = 6, 7


@dataclass
class PlanContext:
    rng: random.Random
    now: datetime
    today: date
    tz: object
    org: DemoOrg
    pipeline: Pipeline
    stages: list[Stage]
    open_stages: list[Stage]
    won: Stage
    lost: Stage
    requirements: dict[int, list[str]]
    phases: dict[int, int]
    catalogue: list[CatalogueItem]
    followups_per_deal: float
    customer_ids: IdSequence
    contact_ids: IdSequence
    deal_ids: IdSequence
    customer_followups: float = 0
    used_names: set[str] = field(default_factory=set)
    used_phones: set[str] = field(default_factory=set)
    pinyin: dict[str, list[str]] = field(default_factory=dict)
    search_keys: dict[str, str] = field(default_factory=dict)
    deal_no: int = 0

    @classmethod
    def build(
        cls, *, rng: random.Random, now: datetime, org: DemoOrg, followups_per_deal: float
    ) -> "PlanContext":
        pipeline = Pipeline.objects.get(is_default=True)
        stages = list(
            Stage.objects.filter(pipeline=pipeline)
            .prefetch_related("requirements")
            .order_by("position", "id")
        )
        open_stages = [s for s in stages if s.is_open]
        return cls(
            rng=rng,
            now=now,
            today=now.date(),
            tz=now.tzinfo,
            org=org,
            pipeline=pipeline,
            stages=stages,
            open_stages=open_stages,
            won=next(s for s in stages if s.kind == Stage.Kind.WON),
            lost=next(s for s in stages if s.kind == Stage.Kind.LOST),
            requirements={s.pk: [r.field for r in s.requirements.all()] for s in stages},
            phases={s.pk: _phase(s, open_stages) for s in stages},
            catalogue=products_get_or_create(),
            followups_per_deal=max(followups_per_deal, 0),
            customer_ids=IdSequence(Customer),
            contact_ids=IdSequence(Contact),
            deal_ids=IdSequence(Deal),
            used_names=set(Customer.objects.values_list("name", flat=True)),
        )

    @contextmanager
    def forked(self) -> Iterator[None]:
        """Plan one record with a child generator, so however many numbers it draws (which can
        depend on the clock) the records after it come out the same."""
        parent = self.rng
        self.rng = random.Random(parent.getrandbits(64))
        try:
            yield
        finally:
            self.rng = parent

    def phase(self, stage: Stage) -> int:
        return self.phases[stage.pk]

    def name_pinyin(self, text: str) -> list[str]:
        if text not in self.pinyin:
            self.pinyin[text] = lazy_pinyin(text)
        return self.pinyin[text]

    def search_key(self, text: str) -> str:
        if text not in self.search_keys:
            self.search_keys[text] = pinyin_search_key(text)
        return self.search_keys[text]


def _phase(stage: Stage, open_stages: list[Stage]) -> int:
    """Which word pool a stage uses: open stages map onto 线索 … 回款, then won and lost."""
    if stage.kind == Stage.Kind.WON:
        return WON_PHASE
    if stage.kind == Stage.Kind.LOST:
        return LOST_PHASE
    n = len(open_stages)
    return round(open_stages.index(stage) * 5 / (n - 1)) if n > 1 else 0


# --- random values and office hours ---------------------------------------------------------


def weighted(rng: random.Random, pairs):
    keys, weights = zip(*pairs, strict=True)
    return rng.choices(keys, weights=weights)[0]


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def money(value: float, step: int = 100) -> Decimal:
    """A round CNY amount (to `step` yuan) with two decimals."""
    return Decimal(int(value // step * step)).quantize(Decimal("0.01"))


def log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def work_time(ctx: PlanContext, day: date) -> datetime:
    """A moment during office hours on `day`, in the installation's time zone."""
    rng = ctx.rng
    return datetime.combine(
        day, time(rng.randint(9, 18), rng.randrange(60), rng.randrange(60)), tzinfo=ctx.tz
    )


def between(ctx: PlanContext, low: datetime, high: datetime) -> datetime:
    """A random moment in [low, high], moved into office hours when that stays in range."""
    if high <= low:
        return low
    moment = low + (high - low) * ctx.rng.random()
    for _ in range(3):
        snapped = work_time(ctx, local_date(ctx, moment))
        if low <= snapped <= high:
            return snapped
    return moment


def local_date(ctx: PlanContext, moment: datetime) -> date:
    return moment.astimezone(ctx.tz).date()
