import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from spotcheck.accounts.models import Agency
from spotcheck.audit.models import AuditEntry, AuditHead, record, verify_chain


def _append(n: int) -> list[AuditEntry]:
    entries = []
    for i in range(n):
        with transaction.atomic():
            agency = Agency.objects.create(name=f"机构{i}")
            entries.append(
                record(actor="tester", action="agency.create", obj=agency, details={"i": i})
            )
    return entries


@pytest.mark.django_db
def test_chain_links_each_entry_to_the_previous():
    entries = _append(4)
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev_hash == "0" * 64
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.hash
    report = verify_chain()
    assert report.ok and report.checked == 4
    assert AuditHead.objects.get().last_hash == entries[-1].hash


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        record(actor="x", action="nothing")


@pytest.mark.django_db
def test_entries_cannot_be_changed_through_the_model():
    (entry,) = _append(1)
    entry.action = "tampered"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field,value",
    [
        ("action", "plan.delete"),
        ("actor", "someone-else"),
        ("details", {"i": 99}),
        ("object_repr", "x"),
    ],
)
def test_direct_edit_of_a_row_is_detected_at_that_row(field, value):
    _append(5)
    AuditEntry.objects.filter(seq=3).update(**{field: value})
    report = verify_chain()
    assert not report.ok
    assert report.broken_at == 3
    assert "第3条" in report.problem


@pytest.mark.django_db
def test_deleting_a_middle_row_is_detected():
    _append(5)
    AuditEntry.objects.filter(seq=2).delete()
    report = verify_chain()
    assert report.broken_at == 2 and "缺失" in report.problem


@pytest.mark.django_db
def test_deleting_the_last_rows_is_detected():
    _append(5)
    AuditEntry.objects.filter(seq__gte=4).delete()
    report = verify_chain()
    assert not report.ok and "链尾" in report.problem


@pytest.mark.django_db
def test_rehashing_a_row_still_breaks_the_next_link():
    _append(4)
    entry = AuditEntry.objects.get(seq=2)
    entry.details = {"i": 42}
    AuditEntry.objects.filter(seq=2).update(details=entry.details, hash=entry.compute_hash())
    report = verify_chain()
    assert report.broken_at == 3


@pytest.mark.django_db
def test_audit_verify_command_names_the_broken_link(capsys):
    _append(3)
    call_command("audit", "verify")
    assert "3条" in capsys.readouterr().out
    AuditEntry.objects.filter(seq=2).update(actor="mallory")
    with pytest.raises(CommandError, match="第2条"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_rolled_back_action_leaves_no_entry():
    with pytest.raises(RuntimeError), transaction.atomic():
        agency = Agency.objects.create(name="回滚机构")
        record(actor="t", action="agency.create", obj=agency)
        raise RuntimeError("fail after audit")
    assert not AuditEntry.objects.exists()
    assert verify_chain().ok
