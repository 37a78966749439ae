"""Domain signals of the risks app: declared here, sent by the services, connected by higher
apps in their AppConfig.ready() (e.g. salestrack.reminders).

`risk_flag_raised` is sent synchronously INSIDE the service's transaction: its receivers write
the outbox rows (notifications.services.notify) that must commit or roll back together with
the flag. Receivers must therefore only write to the database, never call out.
"""

from django.dispatch import Signal

# A new risk flag was raised on a deal (risks.services.risk_flag_raise; not sent when an open
# flag of the same kind only gets a new reason), inside the same transaction.
# Keyword arguments: flag_id (int), deal_id (int), kind (str), actor_id (int|None).
risk_flag_raised = Signal()
