import factory
from django.utils import timezone

from salestrack.activities.models import FollowUp
from salestrack.customers.tests.factories import CustomerFactory


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    customer = factory.SubFactory(CustomerFactory)
    deal = None
    owner = factory.LazyAttribute(lambda o: o.customer.owner)
    team = factory.LazyAttribute(lambda o: o.owner.team)
    kind = FollowUp.Kind.CALL
    occurred_at = factory.LazyFunction(timezone.now)
    customer_words = "价格再优惠一点我们就可以推进"
    summary = "客户关注价格，需要准备折扣方案"
    next_step = "发送优惠报价"
