import pytest

from salestrack.bots.tests.receiver import bot_receiver  # noqa: F401 - the fixture
from salestrack.core.tests.i18n import english_for


@pytest.fixture(autouse=True)
def english(personas):
    """The tests compare the messages as written in the code (English): they run under English
    and the personas read the site in English."""
    yield from english_for(
        (personas.alice, personas.bob, personas.charlie, personas.mia, personas.admin)
    )
