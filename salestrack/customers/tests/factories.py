import factory

from salestrack.core.tests.factories import UserFactory
from salestrack.core.text import pinyin_search_key
from salestrack.customers.models import Contact, Customer
from salestrack.customers.services import customer_refresh_search_key


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"华信科技{n}有限公司")
    industry = "制造业"
    region = "上海"
    owner = factory.SubFactory(UserFactory)
    team = factory.LazyAttribute(lambda o: o.owner.team)
    search_key = factory.LazyAttribute(lambda o: pinyin_search_key(o.name))


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"王{n}")
    title = "采购经理"
    phone = factory.Sequence(lambda n: f"1381234{n:04d}")
    decision_role = Contact.Role.DECISION_MAKER
    search_key = factory.LazyAttribute(lambda o: f"{pinyin_search_key(o.name)} {o.phone}".lower())

    @factory.post_generation
    def refresh_customer_key(obj, create, extracted, **kwargs):
        if create:
            customer_refresh_search_key(obj.customer)
