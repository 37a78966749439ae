import factory

from salestrack.accounts.models import Team, User


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"销售{n}组")
    parent = None

    @factory.post_generation
    def set_path(obj, create, extracted, **kwargs):
        prefix = obj.parent.path if obj.parent else "/"
        obj.path = f"{prefix}{obj.pk}/"
        if create:
            obj.save(update_fields=["path"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"销售{n}")
    role = User.Role.REP
    team = factory.SubFactory(TeamFactory)
    language = "zh-hans"
    password = factory.django.Password("pw-for-tests-1")
