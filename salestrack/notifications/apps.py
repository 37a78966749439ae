from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "salestrack.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from salestrack.notifications.events import (
            CHANNEL_EMAIL,
            CHANNEL_INAPP,
            EventType,
            register,
        )
        from salestrack.notifications.messages import TEST_EVENT, render_test

        register(
            EventType(
                key=TEST_EVENT,
                label=_("Test notification"),
                render=render_test,
                default_channels=frozenset({CHANNEL_INAPP, CHANNEL_EMAIL}),
                in_settings=False,
            )
        )
