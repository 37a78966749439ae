from salestrack.handover.services import may_hand_over


def nav(request) -> dict:
    """`can_hand_over` for the nav link in base.html."""
    return {"can_hand_over": may_hand_over(request.user)}
