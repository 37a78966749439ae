from functools import lru_cache

from django.urls import get_script_prefix, reverse

_MARK = "2147483647"


def fast_url(name: str, pk: int) -> str:
    """reverse(name, args=[pk]) for pages that link hundreds of records (board cards):
    the pattern is reversed once per process and filled in with the id."""
    return _pattern(name, get_script_prefix()).format(pk)


def fast_url_plain(name: str) -> str:
    return _plain(name, get_script_prefix())


@lru_cache(maxsize=64)
def _plain(name: str, prefix: str) -> str:
    return reverse(name)


@lru_cache(maxsize=64)
def _pattern(name: str, prefix: str) -> str:
    return reverse(name, args=[int(_MARK)]).replace(_MARK, "{}")
