"""Receivers of the lower apps' domain signals (connected in CadenceConfig.ready()); they run
after the sender's transaction committed."""

from salestrack.cadence.services import relationship_risk_raise, rules_apply_after_followup


def on_followup_recorded(sender, *, followup_id: int, actor_id: int, **kwargs) -> None:
    rules_apply_after_followup(followup_id=followup_id)


def on_decision_maker_left(
    sender, *, contact_id: int, how: str, actor_id: int | None = None, **kwargs
) -> None:
    relationship_risk_raise(contact_id=contact_id, how=how, actor_id=actor_id)
