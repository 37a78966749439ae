"""Log in, log out and the per-user language switch (Chinese first, English on request)."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation

from salestrack.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
LANGUAGE = reverse("accounts:language")
BOARD = reverse("deals:board")
HOME = reverse("today:index")  # the daily list (LOGIN_REDIRECT_URL)
ZH_CATALOGUE = Path(django_settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.mo"


@pytest.fixture(autouse=True)
def reset_language():
    """Requests activate the user's language on this thread; leave it as other tests expect."""
    yield
    translation.deactivate()


def test_it_renders_the_login_page_in_chinese_by_default(client):
    r = client.get(LOGIN)

    assert r.status_code == 200
    assert '<html lang="zh-CN">' in r.content.decode()
    assert r["Content-Language"] == "zh-hans"


@pytest.mark.skipif(
    not ZH_CATALOGUE.exists(), reason="translations not compiled (scripts/compile_translations.py)"
)
def test_it_labels_the_login_page_in_chinese(client):
    html = client.get(LOGIN).content.decode()

    assert "登录" in html
    assert "Log in" not in html


def test_it_logs_in_and_goes_to_the_daily_list(client, personas):
    r = client.post(LOGIN, {"username": "alice", "password": PASSWORD})

    assert r.status_code == 302
    assert r["Location"] == HOME
    assert client.get(BOARD).status_code == 200


def test_it_refuses_a_wrong_password(client, personas):
    r = client.post(LOGIN, {"username": "alice", "password": "wrong"})

    assert r.status_code == 200
    assert 'class="errors"' in r.content.decode()
    assert client.get(BOARD).status_code == 302


def test_it_follows_a_safe_next_after_login(client, personas):
    r = client.post(
        LOGIN, {"username": "charlie", "password": PASSWORD, "next": reverse("customers:list")}
    )

    assert r["Location"] == reverse("customers:list")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "http:evil.example"])
def test_it_ignores_an_unsafe_next_after_login(client, personas, target):
    r = client.post(LOGIN, {"username": "charlie", "password": PASSWORD, "next": target})

    assert r.status_code == 302
    assert r["Location"] == HOME


def test_it_sends_a_signed_in_user_from_the_login_page_to_the_daily_list(client, personas):
    client.force_login(personas.alice)

    r = client.get(LOGIN)

    assert r.status_code == 302
    assert r["Location"] == HOME


def test_it_switches_the_users_language_and_renders_english(client, personas):
    client.force_login(personas.alice)
    deals = reverse("deals:list")

    r = client.post(LANGUAGE, {"language": "en", "next": deals})

    assert r.status_code == 302
    assert r["Location"] == deals
    personas.alice.refresh_from_db()
    assert personas.alice.language == "en"
    page = client.get(deals)
    assert '<html lang="en">' in page.content.decode()
    assert page["Content-Language"] == "en"
    assert "Log out" in page.content.decode()


def test_it_keeps_the_language_with_the_user_not_the_browser(client, personas):
    client.force_login(personas.alice)
    client.post(LANGUAGE, {"language": "en", "next": BOARD})
    client.force_login(personas.charlie)  # same browser, the cookie still says 'en'

    html = client.get(BOARD).content.decode()

    assert '<html lang="zh-CN">' in html
    personas.charlie.refresh_from_db()
    assert personas.charlie.language == "zh-hans"


def test_it_switches_back_to_chinese(client, personas):
    personas.alice.language = "en"
    personas.alice.save(update_fields=["language"])
    client.force_login(personas.alice)
    assert '<html lang="en">' in client.get(BOARD).content.decode()

    client.post(LANGUAGE, {"language": "zh-hans", "next": BOARD})

    assert '<html lang="zh-CN">' in client.get(BOARD).content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", ""])
def test_it_ignores_an_unsafe_next_when_switching(client, personas, target):
    client.force_login(personas.bob)

    r = client.post(LANGUAGE, {"language": "en", "next": target})

    assert r.status_code == 302
    assert r["Location"] == "/"
    personas.bob.refresh_from_db()
    assert personas.bob.language == "en"


def test_it_ignores_an_unknown_language(client, personas):
    client.force_login(personas.alice)

    r = client.post(LANGUAGE, {"language": "fr", "next": BOARD})

    assert r.status_code == 302
    personas.alice.refresh_from_db()
    assert personas.alice.language == "zh-hans"
    assert '<html lang="zh-CN">' in client.get(BOARD).content.decode()


def test_it_switches_the_login_page_to_english_for_a_visitor(client):
    r = client.post(LANGUAGE, {"language": "en", "next": LOGIN})

    assert r["Location"] == LOGIN
    assert r.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(LOGIN).content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html


def test_it_only_switches_language_on_post(client, personas):
    client.force_login(personas.alice)

    assert client.get(LANGUAGE, {"language": "en"}).status_code == 405
    personas.alice.refresh_from_db()
    assert personas.alice.language == "zh-hans"


def test_it_logs_out_on_post_only(client, personas):
    client.force_login(personas.alice)

    assert client.get(LOGOUT).status_code == 405
    assert client.get(BOARD).status_code == 200  # still signed in

    r = client.post(LOGOUT)

    assert r.status_code == 302
    assert r["Location"] == LOGIN
    after = client.get(BOARD)
    assert after.status_code == 302
    assert after["Location"].startswith(LOGIN)
