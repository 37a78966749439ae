from decimal import Decimal

import factory
from django.utils import timezone

from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal, Product, StageChange
from salestrack.deals.services import reached_stage_after
from salestrack.deals.stalls import stalls_at_for
from salestrack.pipeline.models import Pipeline


def _default_pipeline():
    return Pipeline.objects.get(is_default=True)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"云ERP 标准版 {n}")
    series = "云ERP"
    list_price = Decimal("12000.00")


class DealFactory(factory.django.DjangoModelFactory):
    """A deal in the default pipeline's first stage, with its opening stage-history row."""

    class Meta:
        model = Deal
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"ERP 项目 {n}")
    customer = factory.SubFactory(CustomerFactory)
    owner = factory.LazyAttribute(lambda o: o.customer.owner)
    team = factory.LazyAttribute(lambda o: o.owner.team)
    pipeline = factory.LazyFunction(_default_pipeline)
    stage = factory.LazyAttribute(lambda o: o.pipeline.stages.order_by("position").first())
    amount = Decimal("100000.00")
    stage_entered_at = factory.LazyFunction(timezone.now)
    status = factory.LazyAttribute(lambda o: o.stage.kind)
    reached_stage = factory.LazyAttribute(
        lambda o: reached_stage_after(reached=None, stage=o.stage)
    )
    stalls_at = factory.LazyAttribute(
        lambda o: stalls_at_for(stage=o.stage, entered_at=o.stage_entered_at)
    )

    @factory.post_generation
    def history(obj, create, extracted, **kwargs):
        if create:
            StageChange.objects.create(
                deal=obj,
                to_stage=obj.stage,
                to_kind=obj.stage.kind,
                entered_at=obj.stage_entered_at,
                actor=obj.owner,
            )
