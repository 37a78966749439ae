"""Domain signals of the activities app: declared here, sent from transaction.on_commit by the
services, connected by higher apps in their AppConfig.ready() (e.g. salestrack.cadence)."""

from django.dispatch import Signal

# A follow-up was recorded by a person (activities.services.followup_create), after commit.
# Keyword arguments: followup_id (int), actor_id (int).
followup_recorded = Signal()
