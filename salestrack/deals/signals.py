"""Domain signals of the deals app: declared here, sent by the services, connected by higher
apps in their AppConfig.ready() (e.g. salestrack.reminders).

Unlike a reaction that may happen later (sent from transaction.on_commit), `deal_stage_moved`
is sent synchronously INSIDE the service's transaction: its receivers write the outbox rows
(notifications.services.notify) that must commit or roll back together with the move.
Receivers must therefore only write to the database, never call out.
"""

from django.dispatch import Signal

# A deal moved to another stage (deals.services.deal_move_stage), after the StageChange row and
# the audit entry were written, inside the same transaction.
# Keyword arguments: deal_id (int), from_stage_id (int), to_stage_id (int), actor_id (int|None).
deal_stage_moved = Signal()
