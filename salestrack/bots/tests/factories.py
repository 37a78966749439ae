import factory

from salestrack.bots.models import Bot
from salestrack.core.tests.factories import TeamFactory


class BotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bot

    team = factory.SubFactory(TeamFactory)
    kind = Bot.Kind.DINGTALK
    name = factory.Sequence(lambda n: f"销售群机器人{n}")
    webhook_url = factory.Sequence(
        lambda n: f"https://oapi.dingtalk.com/robot/send?access_token=t{n}"
    )
    secret = ""
    language = "zh-hans"
    events = factory.LazyFunction(list)
    enabled = True
