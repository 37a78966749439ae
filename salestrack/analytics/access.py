"""Who may open the dashboard: roles with the analytics right, and roles that read deals
(own, team, sub-teams or all). A rep sees the figures of their own deals (and those shared
with them); every figure is limited to the deals the user may read. Others (auditors) get 403.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from salestrack.access.models import Scope
from salestrack.access.policy import permissions_for
from salestrack.accounts.models import Team, User


def analytics_may_view(user: User) -> bool:
    perms = permissions_for(user)
    return perms.has("view_analytics") or perms.scope("deal") != Scope.NONE


def analytics_require(user: User) -> None:
    if not analytics_may_view(user):
        raise PermissionDenied(_("Your role may not see the analytics."))


def analytics_teams(user: User):
    """Teams the user may filter by: all with the all scope or the analytics right, else their
    own team's subtree (a rep's figures stay their own whatever team is chosen)."""
    perms = permissions_for(user)
    teams = Team.objects.order_by("path")
    if perms.scope("deal") == Scope.ALL:
        return teams
    if user.team_id is None:
        return teams.none()
    return teams.filter(path__startswith=user.team.path)
