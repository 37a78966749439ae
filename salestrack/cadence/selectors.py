from django.db.models import QuerySet

from salestrack.cadence.models import FollowUpRule


def followup_rule_list() -> QuerySet[FollowUpRule]:
    """Every rule (a settings page: admins only, no record scope)."""
    return FollowUpRule.objects.order_by("trigger", "name", "id")
