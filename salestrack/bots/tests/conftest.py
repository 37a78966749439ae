from salestrack.bots.tests.receiver import bot_receiver  # noqa: F401 - the fixture
