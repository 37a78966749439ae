import factory

from salestrack.cadence.models import FollowUpRule


class FollowUpRuleFactory(factory.django.DjangoModelFactory):
    """After a demo or visit with an A customer, a review call due within 24 hours."""

    class Meta:
        model = FollowUpRule

    name = factory.Sequence(lambda n: f"复盘规则 {n}")
    trigger = FollowUpRule.Trigger.AFTER_FOLLOWUP
    after_kinds = factory.LazyFunction(lambda: ["demo", "visit"])
    tiers = factory.LazyFunction(lambda: ["A"])
    followup_kind = "call"
    next_step = "电话复盘"
    due_within = 24
    due_unit = FollowUpRule.DueUnit.HOURS
    is_active = True


class TouchRuleFactory(FollowUpRuleFactory):
    """A customers get a touch every day, due the same day."""

    name = factory.Sequence(lambda n: f"每日触达 {n}")
    trigger = FollowUpRule.Trigger.EVERY_DAYS
    after_kinds = factory.LazyFunction(list)
    every_days = 1
    due_within = 0
    due_unit = FollowUpRule.DueUnit.DAYS
