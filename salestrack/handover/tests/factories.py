import factory

from salestrack.core.tests.factories import UserFactory
from salestrack.handover.models import HandOver


class HandOverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HandOver

    from_user = factory.SubFactory(UserFactory, is_active=False)
    to_user = factory.SubFactory(UserFactory)
    actor = factory.SubFactory(UserFactory, role="admin")
    customers = 3
    deals = 2
    followups = 1
    deactivated = True
    note = "离职交接"
