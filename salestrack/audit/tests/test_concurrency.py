import threading

import pytest
from django.conf import settings
from django.db import connection

from salestrack.audit.models import AuditEntry
from salestrack.audit.selectors import audit_verify
from salestrack.audit.services import audit_record

WRITERS = 4
ENTRIES_EACH = 10


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL: concurrent writers on their own connections",
)
# Committed data (each thread has its own connection); serialized_rollback as in e2e/.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_never_forks_the_chain_under_concurrent_writers():
    errors = []
    start = threading.Barrier(WRITERS)

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(ENTRIES_EACH):
                audit_record(actor=None, action="view", object_type="t", object_id=f"{n}-{i}")
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, WRITERS * ENTRIES_EACH + 1))
    assert audit_verify().ok
