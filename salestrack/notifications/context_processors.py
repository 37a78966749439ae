from salestrack.notifications.selectors import unread_count


def notifications(request) -> dict:
    """`notifications_unread` for the top bar's bell: one COUNT per page, none when signed out."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": unread_count(user=user)}
