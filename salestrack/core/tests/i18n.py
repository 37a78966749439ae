from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext


def zh(message: str, **params) -> str:
    """`message` as a zh-hans user reads it in the page: translated when compiled, escaped."""
    with translation.override("zh-hans"):
        text = gettext(message)
    return escape(text % params if params else text)


def english_for(users):
    """Generator body of a fixture: `users` (and every user in the database) read the site in
    English and the test runs under English, for tests that compare messages as written in the
    code."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.update(language="en")
    for user in users:
        user.language = "en"
    with translation.override("en"):
        yield
