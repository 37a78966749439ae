"""Receivers of the lower apps' domain signals (connected in RemindersConfig.ready()). They run
inside the sender's transaction: the notifications they queue (the outbox) commit or roll back
with the change."""

from salestrack.reminders.services import deal_stage_moved_notify, risk_flag_raised_notify


def on_deal_stage_moved(
    sender,
    *,
    deal_id: int,
    from_stage_id: int,
    to_stage_id: int,
    actor_id: int | None = None,
    **kwargs,
) -> None:
    deal_stage_moved_notify(
        deal_id=deal_id, from_stage_id=from_stage_id, to_stage_id=to_stage_id, actor_id=actor_id
    )


def on_risk_flag_raised(sender, *, flag_id: int, actor_id: int | None = None, **kwargs) -> None:
    risk_flag_raised_notify(flag_id=flag_id, actor_id=actor_id)
