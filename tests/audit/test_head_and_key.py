"""Rewriting the chain with database access: caught by a saved head, or by the chain key."""

import hashlib
import hmac

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from spotcheck.accounts.models import Agency
from spotcheck.audit.models import (
    AuditEntry,
    AuditHead,
    Head,
    current_head,
    record,
    verify_chain,
)


def _append(n: int) -> list[AuditEntry]:
    entries = []
    for _ in range(n):
        with transaction.atomic():
            agency = Agency.objects.create(name=f"机构{Agency.objects.count()}")
            entries.append(record(actor="tester", action="agency.create", obj=agency))
    return entries


def rewrite_from(seq: int, *, keyed: bool | None = None, **changes) -> None:
    """What an attacker with database access does: edit entry `seq`, re-hash it and every
    later entry with plain SHA-256 and move the head row."""
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else "0" * 64
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        if entry.seq == seq:
            for name, value in changes.items():
                setattr(entry, name, value)
        if keyed is not None:
            entry.keyed = keyed
        entry.prev_hash = prev
        text = entry.canonical_text().encode("utf-8")
        entry.hash = hashlib.sha256(text).hexdigest()
        AuditEntry.objects.filter(pk=entry.pk).update(
            prev_hash=entry.prev_hash, hash=entry.hash, keyed=entry.keyed, **changes
        )
        changes = {}
        prev = entry.hash
    last = AuditEntry.objects.order_by("-seq").first()
    AuditHead.objects.filter(pk=1).update(last_seq=last.seq, last_hash=last.hash)


@pytest.mark.django_db
def test_head_command_prints_the_current_head(capsys):
    entries = _append(3)
    call_command("audit", "head")
    assert capsys.readouterr().out.strip() == f"3:{entries[-1].hash}"
    assert current_head() == Head(3, entries[-1].hash)


@pytest.mark.django_db
def test_an_empty_chain_has_the_genesis_head():
    assert str(current_head()) == "0:" + "0" * 64
    assert verify_chain(head=current_head()).ok


@pytest.mark.django_db
def test_cutting_the_tail_and_moving_the_head_is_caught_by_a_saved_head():
    _append(5)
    saved = current_head()
    AuditEntry.objects.filter(seq__gte=4).delete()
    third = AuditEntry.objects.get(seq=3)
    AuditHead.objects.filter(pk=1).update(last_seq=3, last_hash=third.hash)
    assert verify_chain().ok  # the database alone cannot tell
    report = verify_chain(head=saved)
    assert not report.ok and "第5条" in report.problem and "只有3条" in report.problem
    with pytest.raises(CommandError, match="末尾记录被删除"):
        call_command("audit", "verify", "--head", str(saved))


@pytest.mark.django_db
def test_rehashing_from_an_edited_row_is_caught_by_a_saved_head():
    _append(5)
    at_four = Head(4, AuditEntry.objects.get(seq=4).hash)
    at_five = current_head()
    rewrite_from(3, details={"i": 99})
    assert verify_chain().ok  # re-hashed consistently: only a saved head can tell
    report = verify_chain(head=at_four)
    assert report.broken_at == 4 and "保存的链头" in report.problem
    assert verify_chain(head=at_five).broken_at == 5
    with pytest.raises(CommandError, match="第4条"):
        call_command("audit", "verify", "--head", str(at_four))


@pytest.mark.django_db
def test_verify_passes_through_a_genuine_saved_head(capsys):
    _append(3)
    saved = current_head()
    _append(2)
    call_command("audit", "verify", "--head", str(saved))
    out = capsys.readouterr().out
    assert "5条" in out and f"第3条 {saved.hash}" in out


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["3", "x:abc", "3:" + "g" * 64, "-1:" + "0" * 64])
def test_a_malformed_head_is_refused_with_the_expected_form(text):
    _append(1)
    with pytest.raises(CommandError, match="序号:64位十六进制哈希"):
        call_command("audit", "verify", f"--head={text}")


@pytest.mark.django_db
def test_with_a_key_entries_are_chained_by_hmac(settings):
    settings.SPOTCHECK_AUDIT_KEY = "audit-key-outside-the-database"
    entries = _append(3)
    for entry in entries:
        assert entry.keyed
        expected = hmac.new(
            b"audit-key-outside-the-database",
            entry.canonical_text().encode("utf-8"),
            hashlib.sha256,
        ).hexdigest()
        assert entry.hash == expected
    assert verify_chain().ok


@pytest.mark.django_db
def test_with_a_key_rehashing_from_an_edited_row_is_caught(settings):
    settings.SPOTCHECK_AUDIT_KEY = "k" * 32
    _append(5)
    rewrite_from(3, details={"i": 99})  # still marked keyed, but plain SHA-256
    report = verify_chain()
    assert report.broken_at == 3 and "哈希不符" in report.problem


@pytest.mark.django_db
def test_with_a_key_unkeying_the_rest_of_the_chain_is_caught(settings):
    settings.SPOTCHECK_AUDIT_KEY = "k" * 32
    _append(5)
    rewrite_from(3, keyed=False, details={"i": 99})
    report = verify_chain()
    assert report.broken_at == 3 and "未用密钥" in report.problem


@pytest.mark.django_db
def test_a_keyed_chain_needs_the_right_key(settings):
    settings.SPOTCHECK_AUDIT_KEY = "right-key"
    _append(2)
    settings.SPOTCHECK_AUDIT_KEY = "wrong-key"
    assert verify_chain().broken_at == 1
    settings.SPOTCHECK_AUDIT_KEY = ""
    report = verify_chain()
    assert report.broken_at == 1 and "SPOTCHECK_AUDIT_KEY" in report.problem


@pytest.mark.django_db
def test_a_chain_started_without_a_key_continues_keyed(settings, capsys):
    _append(2)
    settings.SPOTCHECK_AUDIT_KEY = "k" * 32
    call_command("audit", "verify")
    assert "没有一条记录以密钥链接" in capsys.readouterr().out
    entries = _append(2)
    assert [e.keyed for e in AuditEntry.objects.order_by("seq")] == [False, False, True, True]
    assert entries[0].prev_hash == AuditEntry.objects.get(seq=2).hash
    report = verify_chain(head=current_head())
    assert report.ok and report.keyed_from == 3
    call_command("audit", "verify")
    assert "第3条起以密钥" in capsys.readouterr().out
