"""The notifications app's own event: the test a user sends themself from the settings page
(to check that e-mail reaches them)."""

from django.utils.translation import gettext as _

from salestrack.notifications.events import Message

TEST_EVENT = "notifications.test"


def render_test(params: dict) -> Message:
    return Message(
        title=_("Test notification from salestrack"),
        text=_("You asked for this test on %(when)s. If you read it, notifications reach you here.")
        % {"when": params.get("when", "")},
        url="/notifications/",
    )
