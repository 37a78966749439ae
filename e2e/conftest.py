"""Browser tests: sync Playwright driving Debian's chromium against pytest-django's live_server.

Each test needs `@pytest.mark.browser` and `@pytest.mark.django_db(transaction=True,
serialized_rollback=True)`: the live server runs in another thread, so the test's data must be
committed; `serialized_rollback` restores the rows the data migrations created (the default
pipeline) that the flush after every transactional test wipes.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation

from salestrack.conftest import (  # noqa: F401 (fixtures)
    PASSWORD,
    fast_password_hashing,
    personas,
)
from salestrack.pipeline.models import Pipeline

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENSHOT_DIR = Path(__file__).parent / "screenshots"
SAVE_SCREENSHOTS = os.environ.get("SALESTRACK_SCREENSHOTS") == "1"
# Playwright's own default; kept short so a broken page fails fast instead of hanging.
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One headless chromium per test module.

    Playwright's sync API keeps an asyncio loop running in this thread. While it does, Django
    1. refuses ORM calls unless DJANGO_ALLOW_ASYNC_UNSAFE is set (set only while the browser
       lives; module scope: pytest tears it down before it runs tests of other modules), and
    2. keeps database connections in a separate "async" slot, so the test, pytest-django's
       flush/restore and the live server would get fresh connection objects that lack the
       serialized test data (`serialized_rollback` would silently restore nothing). The
       connections of the synchronous thread are put into that slot.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sync_connections = {alias: connections[alias] for alias in connections}
    try:
        with sync_playwright() as playwright:
            for alias, connection in sync_connections.items():
                connections[alias] = connection
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, live_server):
    """Factory for pages in fresh contexts: new_page(viewport=PHONE, locale="en-US")."""
    contexts = []

    def make(viewport: dict | None = None, locale: str = "zh-CN"):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport or DESKTOP, locale=locale
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A 1280×800 zh-CN page whose relative URLs go to the live server."""
    return new_page()


@pytest.fixture
def pipeline(db) -> Pipeline:
    return Pipeline.objects.get(is_default=True)


@pytest.fixture
def stages(pipeline) -> dict:
    """Stages of the default pipeline by English name: stages['Lead'], stages['Won'] ..."""
    return {s.name_en: s for s in pipeline.stages.all()}


def login(
    page, username: str, password: str = PASSWORD, next_url: str | None = "/deals/board/"
) -> None:
    """Sign in through the real login form and wait for `next_url` (the board by default;
    None: where signing in sends everyone, 今日 /today/)."""
    page.goto(f"/accounts/login/?next={next_url}" if next_url else "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(next_url or "/today/")))


def zh(text) -> str:
    """`text` (a lazy translation) as the Chinese UI shows it, catalogue compiled or not."""
    with translation.override("zh-hans"):
        return str(text)


def save_screenshot(page, name: str) -> None:
    """Full-page PNG in e2e/screenshots/ (gitignored), only when SALESTRACK_SCREENSHOTS=1."""
    if SAVE_SCREENSHOTS:
        SCREENSHOT_DIR.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOT_DIR / f"{name}.png", full_page=True)
