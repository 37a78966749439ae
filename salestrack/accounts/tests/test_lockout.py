"""Login lock-out (django-axes): 5 wrong passwords per username + IP lock the account."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from salestrack.accounts.forms import LoginForm
from salestrack.audit.models import AuditEntry
from salestrack.audit.selectors import audit_verify
from salestrack.conftest import PASSWORD
from salestrack.core.env import ipware_proxy_settings

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
BOARD = reverse("deals:board")
HOME = reverse("today:index")  # the daily list (LOGIN_REDIRECT_URL)


def locked_message() -> str:
    with translation.override("zh-hans"):
        return escape(LoginForm.error_messages["locked_out"] % {"minutes": 30})


def fail(client, username="alice", times=5, **extra):
    for _ in range(times):
        r = client.post(LOGIN, {"username": username, "password": "wrong"}, **extra)
    return r


def test_it_locks_after_five_wrong_passwords(client, personas, axes):
    r = fail(client, times=4)
    assert r.status_code == 200
    assert not AccessAttempt.objects.filter(failures_since_start__gte=5).exists()

    r = fail(client, times=1)

    assert r.status_code == 429
    assert AccessAttempt.objects.get(username="alice").failures_since_start == 5


def test_it_refuses_the_right_password_with_a_clear_message(client, personas, axes):
    fail(client)

    r = client.post(LOGIN, {"username": "alice", "password": PASSWORD})

    assert r.status_code == 429
    html = r.content.decode()
    assert 'name="password"' in html  # the login page, not a bare error page
    assert locked_message() in html
    assert client.get(BOARD).status_code == 302


def test_it_locks_per_username_and_address(client, personas, axes):
    fail(client)

    other_user = client.post(LOGIN, {"username": "bob", "password": PASSWORD})
    other_address = client.post(
        LOGIN, {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )

    assert other_user.status_code == 302
    assert other_address.status_code == 302


def test_it_lets_an_admin_reset_the_lock(client, personas, axes):
    fail(client)

    call_command("axes_reset", verbosity=0)
    r = client.post(LOGIN, {"username": "alice", "password": PASSWORD})

    assert r.status_code == 302
    assert r["Location"] == HOME


def test_it_reads_the_limit_from_settings(client, personas, axes, settings):
    settings.AXES_FAILURE_LIMIT = 2

    assert fail(client, times=2).status_code == 429


def test_force_login_is_not_affected(client, personas, axes):
    fail(client)
    client.force_login(personas.alice)

    assert client.get(BOARD).status_code == 200


def test_it_audits_the_lock_out_once_with_the_username_and_address(client, personas, axes):
    fail(client, times=4, REMOTE_ADDR="10.7.7.7")
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOCKOUT).exists()

    fail(client, times=1, REMOTE_ADDR="10.7.7.7")
    client.post(LOGIN, {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.7.7.7")
    fail(client, times=2, REMOTE_ADDR="10.7.7.7")

    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.LOCKOUT)
    assert entry.actor is None and entry.actor_label == ""
    assert entry.object_type == "accounts.user"
    assert entry.object_label == "alice"
    assert entry.extra == {"username": "alice", "failures": 5}
    assert entry.ip == "10.7.7.7"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED).count() == 8
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).exists()
    assert audit_verify().ok


def test_it_audits_a_lock_out_of_an_unknown_username(client, db, axes, settings):
    settings.AXES_FAILURE_LIMIT = 2

    fail(client, username="nobody", times=2)

    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.LOCKOUT)
    assert entry.extra == {"username": "nobody", "failures": 2}


def test_it_audits_no_lock_out_without_axes(client, personas):
    fail(client, times=6)

    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOCKOUT).exists()


def behind_proxies(settings, count: int) -> None:
    settings.SALESTRACK_PROXY_COUNT = count
    proxy_count, headers = ipware_proxy_settings(count)
    settings.AXES_IPWARE_PROXY_COUNT = proxy_count
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = headers


def forged(n: int) -> dict:
    return {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": f"198.51.100.{n}"}


def test_a_forged_forwarded_for_does_not_escape_the_lock_without_proxies(
    client, personas, axes, settings
):
    behind_proxies(settings, 0)
    for n in range(5):
        fail(client, times=1, **forged(n))

    r = client.post(LOGIN, {"username": "alice", "password": PASSWORD}, **forged(99))

    assert r.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}


def test_it_locks_the_client_named_by_one_proxy(client, personas, axes, settings):
    behind_proxies(settings, 1)
    via_proxy = {"REMOTE_ADDR": "10.0.0.1"}
    # The proxy appends the address it saw; anything left of it came from the client.
    fail(client, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7", **via_proxy)

    locked = client.post(
        LOGIN,
        {"username": "alice", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="5.6.7.8, 203.0.113.7",
        **via_proxy,
    )
    other_client = client.post(
        LOGIN,
        {"username": "alice", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.8",
        **via_proxy,
    )

    assert locked.status_code == 429
    assert other_client.status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOCKOUT)
    assert entry.ip == "203.0.113.7"
