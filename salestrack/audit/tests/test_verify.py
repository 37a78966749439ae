import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from salestrack.audit.models import AppendOnlyError, AuditEntry
from salestrack.audit.selectors import audit_verify
from salestrack.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(personas):
    """Five entries, seq 1..5."""
    for n in range(5):
        audit_record(
            actor=personas.alice,
            action=AuditEntry.Action.UPDATE,
            object_type="deals.deal",
            object_id=str(n),
            changes={"title": [f"旧 {n}", f"新 {n}"]},
        )
    return list(AuditEntry.objects.order_by("seq"))


def _sql(statement: str, params: list) -> None:
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(statement.format(table=table), params)


def test_it_verifies_a_clean_chain(chain):
    result = audit_verify()
    assert result.ok
    assert result.checked == 5
    assert result.first_bad_seq is None


def test_it_verifies_in_batches(chain):
    assert audit_verify(batch_size=2).ok
    assert audit_verify(batch_size=2).checked == 5


def test_it_verifies_an_empty_chain(db):
    assert audit_verify() == audit_verify().__class__(ok=True, checked=0)


def test_it_names_the_entry_whose_value_was_changed(chain):
    _sql("UPDATE {table} SET object_label = %s WHERE seq = %s", ["篡改", 3])
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == 3
    assert result.checked == 2
    assert "hash" in result.reason


def test_it_names_the_entry_whose_changes_were_rewritten(chain):
    _sql("UPDATE {table} SET changes = %s WHERE seq = %s", ['{"title": ["a", "b"]}', 2])
    assert audit_verify().first_bad_seq == 2


def test_it_names_the_entry_after_a_deleted_row(chain):
    _sql("DELETE FROM {table} WHERE seq = %s", [3])
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == 4
    assert "3 is missing" in result.reason


def test_it_notices_a_deleted_first_row(chain):
    _sql("DELETE FROM {table} WHERE seq = %s", [1])
    assert audit_verify().first_bad_seq == 2


def test_it_notices_rows_cut_off_the_end(chain):
    _sql("DELETE FROM {table} WHERE seq >= %s", [4])
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == 4
    assert "chain head" in result.reason


def test_it_notices_a_deleted_row_whose_successor_was_renumbered(chain):
    _sql("DELETE FROM {table} WHERE seq = %s", [3])
    _sql("UPDATE {table} SET seq = seq - 1 WHERE seq > %s", [3])
    assert audit_verify().first_bad_seq == 3


def test_it_names_the_first_of_two_swapped_rows(chain):
    _sql("UPDATE {table} SET seq = %s WHERE seq = %s", [1000, 2])
    _sql("UPDATE {table} SET seq = %s WHERE seq = %s", [2, 4])
    _sql("UPDATE {table} SET seq = %s WHERE seq = %s", [4, 1000])
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == 2


def test_it_continues_the_chain_after_verification(chain, personas):
    entry = audit_record(actor=personas.bob, action=AuditEntry.Action.VIEW)
    assert entry.seq == 6
    assert entry.prev_hash == chain[-1].hash
    assert audit_verify().checked == 6


def test_it_refuses_updates_and_deletes_through_the_model_api(chain):
    entry = AuditEntry.objects.get(seq=2)
    entry.object_label = "篡改"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=2).update(object_label="篡改")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=2).delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 5
    assert audit_verify().ok


def test_it_makes_the_admin_read_only(chain):
    from django.contrib.admin.sites import site

    model_admin = site._registry[AuditEntry]
    assert not model_admin.has_add_permission(None)
    assert not model_admin.has_change_permission(None)
    assert not model_admin.has_delete_permission(None)


def test_it_prints_ok_from_the_command(chain, capsys):
    call_command("audit_verify")
    assert "OK: 5 entries" in capsys.readouterr().out


def test_it_exits_1_from_the_command_on_a_broken_chain(chain):
    _sql("UPDATE {table} SET actor_label = %s WHERE seq = %s", ["mallory", 4])
    with pytest.raises(CommandError) as exc:
        call_command("audit_verify")
    assert exc.value.returncode == 1
    assert "entry 4" in str(exc.value)
