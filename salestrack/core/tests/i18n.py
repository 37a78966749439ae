from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext


def zh(message: str, **params) -> str:
    """`message` as a zh-hans user reads it in the page: translated when compiled, escaped."""
    with translation.override("zh-hans"):
        text = gettext(message)
    return escape(text % params if params else text)
