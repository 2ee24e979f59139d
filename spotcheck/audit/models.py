"""An append-only audit trail, each entry chained by SHA-256 to the one before it.

The hash covers the entry's own fields and the previous entry's hash, so editing or
deleting any row breaks the chain at that point; the head row records the last sequence
number and hash, so removing entries from the end is detected too.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from spotcheck.accounts.actors import Actor

GENESIS_HASH = "0" * 64


class AuditHead(models.Model):
    """A single row: the lock that serialises appends, and the chain's expected end."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField("序号", unique=True)
    created_at = models.DateTimeField("时间")
    actor = models.CharField("操作人", max_length=150)
    action = models.CharField("操作", max_length=100, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象编号", max_length=100, blank=True)
    object_repr = models.CharField("对象", max_length=300, blank=True)
    details = models.JSONField("详情", default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("audit entries are append-only")

    def canonical_text(self) -> str:
        created = self.created_at.astimezone(UTC).isoformat(timespec="microseconds")
        payload = {
            "seq": self.seq,
            "created_at": created,
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical_text().encode("utf-8")).hexdigest()


def _lock_head() -> AuditHead:
    if connection.vendor == "postgresql":
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
    else:
        # SQLite transactions are IMMEDIATE (settings), so the write lock is already ours.
        head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        head, _ = AuditHead.objects.get_or_create(pk=1)
        if connection.vendor == "postgresql":
            head = AuditHead.objects.select_for_update().get(pk=1)
    return head


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def record(
    *,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside the action's transaction")
    head = _lock_head()
    entry = AuditEntry(
        seq=head.last_seq + 1,
        created_at=timezone.now(),
        actor=actor_label(actor),
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        details=_json_safe(details or {}),
        prev_hash=head.last_hash,
    )
    entry.hash = entry.compute_hash()
    entry.save()
    AuditHead.objects.filter(pk=1).update(last_seq=entry.seq, last_hash=entry.hash)
    return entry


def actor_label(actor: Actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    username = getattr(actor, "get_username", None)
    return username() if callable(username) else str(actor)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None and not self.problem


def verify_chain(batch_size: int = 2000) -> ChainReport:
    """Walk the chain in order and name the first broken link."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=batch_size):
        if entry.seq != expected_seq:
            return ChainReport(
                checked, expected_seq, f"第{expected_seq}条记录缺失（下一条为第{entry.seq}条）"
            )
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, entry.seq, f"第{entry.seq}条记录的前序哈希与上一条不符")
        if entry.compute_hash() != entry.hash:
            return ChainReport(checked, entry.seq, f"第{entry.seq}条记录的内容已被改动（哈希不符）")
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    last_seq = head.last_seq if head else 0
    last_hash = head.last_hash if head else GENESIS_HASH
    if last_seq != checked or last_hash != expected_prev:
        return ChainReport(
            checked,
            checked + 1,
            f"链尾不符：应有{last_seq}条记录，实际可验证{checked}条（末尾记录被删除或改动）",
        )
    return ChainReport(checked, None, "")
