import json

import pytest
from django.urls import reverse

from salestrack.audit.models import AuditEntry
from salestrack.conftest import PASSWORD

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
