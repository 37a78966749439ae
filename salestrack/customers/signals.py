"""Domain signals of the customers app: declared here, sent from transaction.on_commit by the
services, connected by higher apps in their AppConfig.ready() (e.g. salestrack.cadence)."""

from django.dispatch import Signal

# A contact who was the customer's decision maker (决策人) left or was replaced: moved to the
# trash, given another role in the decision, or marked as having left the company. Sent once per
# change, after commit, by customers.services.contact_update / contact_delete.
# Keyword arguments: contact_id (int), actor_id (int | None), how ("deleted", "role_changed" or
# "left_company").
decision_maker_left = Signal()
