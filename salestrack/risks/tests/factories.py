from datetime import datetime, timedelta

import factory
from django.utils import timezone

from salestrack.customers.tests.factories import CustomerFactory
from salestrack.deals.models import Deal
from salestrack.deals.tests.factories import DealFactory
from salestrack.pipeline.models import Pipeline
from salestrack.risks.models import RiskFlag


class RiskFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskFlag

    deal = factory.SubFactory(DealFactory)
    kind = RiskFlag.Kind.DECISION_MAKER_LEFT
    reason = "王总离职"
    raised_at = factory.LazyFunction(timezone.now)


def won_deal(*, owner, days: float, industry: str = "制造业", closed_at: datetime | None = None):
    """A won deal of the default pipeline that took `days` from creation to win."""
    pipeline = Pipeline.objects.get(is_default=True)
    closed_at = closed_at or timezone.now()
    deal = DealFactory(
        owner=owner,
        customer=CustomerFactory(owner=owner, industry=industry),
        stage=pipeline.stages.get(kind="won"),
    )
    Deal.objects.filter(pk=deal.pk).update(
        status=Deal.Status.WON,
        closed_at=closed_at,
        created_at=closed_at - timedelta(days=days),
    )
    deal.refresh_from_db()
    return deal


def open_deal(*, owner, stage, created_days_ago: float, industry: str = "制造业", now=None):
    """An open deal created `created_days_ago` days before `now`, just followed up."""
    now = now or timezone.now()
    deal = DealFactory(
        owner=owner,
        customer=CustomerFactory(owner=owner, industry=industry),
        stage=stage,
        stage_entered_at=now,
    )
    Deal.objects.filter(pk=deal.pk).update(
        created_at=now - timedelta(days=created_days_ago), last_activity_at=now
    )
    deal.refresh_from_db()
    return deal
