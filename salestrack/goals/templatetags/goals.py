from django import template

from salestrack.goals.selectors import goal_progress_for_user

register = template.Library()


@register.simple_tag
def my_goal_progress(user):
    """goals/_my_progress.html: the user's own and team goals running today."""
    return goal_progress_for_user(user=user)
