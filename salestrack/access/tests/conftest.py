import pytest
from django.db import transaction
from django.test.utils import override_settings

from salestrack.access.tests.authz import build_world, make_personas


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The authorization matrix's records, built once per module and worker.

    They live in a transaction rolled back after the module; each test runs in a savepoint
    inside it (pytest-django's `db`), so whatever a test writes is gone for the next one.
    Files (the imports' uploads) go to a temporary DATA_DIR for the module."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            DATA_DIR=tmp_path_factory.mktemp("matrix-data"),
        ),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world(make_personas())
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
