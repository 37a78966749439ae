import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from salestrack.audit.models import AuditEntry
from salestrack.conftest import PASSWORD
from salestrack.core.env import ipware_proxy_settings

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def test_it_records_a_login_with_the_address(client, personas):
    client.post(LOGIN, {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN)
    assert entry.actor == personas.alice
    assert entry.actor_label == "alice"
    assert entry.ip == "10.1.2.3"
    assert entry.object_type == "accounts.user"
    assert entry.object_id == str(personas.alice.pk)


def test_it_records_a_failed_login_without_the_password(client, personas):
    client.post(LOGIN, {"username": "alice", "password": "wrong-secret-42"}, REMOTE_ADDR="10.9.9.9")
    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED)
    assert entry.actor is None
    assert entry.extra == {"username": "alice"}
    assert entry.ip == "10.9.9.9"
    stored = json.dumps([entry.changes, entry.extra, entry.object_label, entry.actor_label])
    assert "wrong-secret-42" not in stored
    assert "****" not in stored
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).exists()


def test_it_records_a_failed_login_for_an_unknown_username(client, db):
    client.post(LOGIN, {"username": "nobody", "password": "x"})
    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED)
    assert entry.extra == {"username": "nobody"}


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "recorded"),
    [
        (0, "203.0.113.7", "10.0.0.1"),  # no proxy: the header is the client's word only
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # what the client forged is skipped
        (2, "203.0.113.7, 10.0.0.2", "203.0.113.7"),
    ],
)
def test_it_records_the_client_address_by_the_proxy_count(
    client, personas, settings, proxies, forwarded_for, recorded
):
    settings.AXES_IPWARE_PROXY_COUNT, settings.AXES_IPWARE_META_PRECEDENCE_ORDER = (
        ipware_proxy_settings(proxies)
    )
    client.post(
        LOGIN,
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )

    [login] = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN)
    assert login.ip == recorded


@pytest.mark.parametrize("proxies", [0, 1])
def test_without_the_header_it_records_the_connection_address(client, personas, settings, proxies):
    settings.AXES_IPWARE_PROXY_COUNT, settings.AXES_IPWARE_META_PRECEDENCE_ORDER = (
        ipware_proxy_settings(proxies)
    )
    client.post(LOGIN, {"username": "bob", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")

    [failed] = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED)
    assert failed.ip == "10.0.0.1"


def test_it_refuses_a_negative_proxy_count():
    with pytest.raises(ImproperlyConfigured):
        ipware_proxy_settings(-1)
