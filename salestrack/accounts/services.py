from django.db import transaction
from django.utils.translation import gettext as _

from salestrack.accounts.models import Team, User
from salestrack.core.exceptions import ApplicationError


@transaction.atomic
def team_create(*, name: str, parent: Team | None = None) -> Team:
    team = Team.objects.create(name=name, parent=parent)
    prefix = parent.path if parent else "/"
    team.path = f"{prefix}{team.pk}/"
    team.save(update_fields=["path"])
    return team


@transaction.atomic
def team_refresh_paths(*, team: Team) -> None:
    """Recompute `path` of a team and its whole subtree (after create or a parent change)."""
    if team.parent_id and f"/{team.pk}/" in team.parent.path:
        raise ApplicationError(_("A team cannot be placed under itself or its sub-teams."))
    prefix = team.parent.path if team.parent_id else "/"
    team.path = f"{prefix}{team.pk}/"
    team.save(update_fields=["path"])
    for child in team.children.all():
        team_refresh_paths(team=child)


def user_create(
    *,
    username: str,
    password: str,
    role: str = User.Role.REP,
    team: Team | None = None,
    display_name: str = "",
    email: str = "",
    language: str = "zh-hans",
) -> User:
    user = User(
        username=username,
        role=role,
        team=team,
        display_name=display_name,
        email=email,
        language=language,
        is_staff=role == User.Role.ADMIN,
        is_superuser=role == User.Role.ADMIN,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def user_set_language(*, user: User, language: str) -> User:
    if language not in dict(User._meta.get_field("language").choices):
        raise ValueError(language)
    user.language = language
    user.save(update_fields=["language"])
    return user
