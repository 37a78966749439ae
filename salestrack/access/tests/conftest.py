import pytest
from django.db import transaction
from django.test.utils import override_settings

from salestrack.access.tests.authz import build_world, make_personas


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The authorization matrix's records, built once per module and worker.

    They live in a transaction rolled back after the module; each test runs in a savepoint
    inside it (pytest-django's `db`), so whatever a test writes is gone for the next one."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world(make_personas())
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
