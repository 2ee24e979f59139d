"""Draws of inspection targets (随机抽取检查对象): prepare → seed → execute, then locked.

A draw is for one item of a published plan, in one round. The order of its steps is enforced
here, in the model, as well as in `actions.py`:

prepared  the population is frozen and published: its canonical text (spotcheck.lib.drawdoc,
          "spotcheck-population/1"), the SHA-256 of that text, the allocation and the options.
seeded    the seed typed in at the public ceremony, with its parts (witnesses' dice digits, an
          optional beacon value), is recorded. The population can no longer change.
executed  the selection is computed and stored with every ticket, rank and stratum, together
          with the draw document (draw.json). Locked: no field of the draw changes again and
          nothing is ever deleted. Out-of-scope targets are replaced by appending a
          DrawReplacement (the next ticket of the stratum), never by editing the selection.
cancelled only a prepared draw (before any seed exists) may be cancelled, with a reason; it
          stays published as cancelled.

Storage of the frozen population: the canonical text itself, zlib-compressed, in a BinaryField
(`population_gz`). The text is exactly what is hashed, so every read re-checks the hash; a
million 18-character credit codes take about 10 MB compressed and one row, written in one
statement. The draw document is stored the same way (`document_gz`) when the draw executes.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.urls import reverse

from spotcheck.lib.drawdoc import STRATA, STRATUM_NAMES, population_hash
from spotcheck.lib.publication import is_masked_form, mask_phone_numbers, public_entity_name
from spotcheck.plans.models import PlanItem, plan_is_public
from spotcheck.registry.models import Entity


class DrawError(Exception):
    """A draw step refused; the message names the rule in plain Chinese."""


class DrawLocked(DrawError):
    """A change to an executed (locked) draw, or any deletion of draw records."""


def compress_text(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 6)


def decompress_text(data: bytes | memoryview) -> str:
    return zlib.decompress(bytes(data)).decode("utf-8")


def parse_population_text(text: str) -> dict[str, list[str]]:
    """The strata of a canonical population text (the inverse of population_canonical_text).

    Ids cannot contain tabs or line breaks (drawdoc rejects control characters), so a line with
    tabs is always a stratum header.
    """
    strata: dict[str, list[str]] = {}
    current: list[str] | None = None
    expected = 0
    for line in text.split("\n")[:-1] if text else []:
        if "\t" in line:
            if current is not None and len(current) != expected:
                raise DrawError("冻结名录的分层户数与标识行数不符")
            marker, stratum, count = line.split("\t")
            if marker != "stratum" or stratum not in STRATA or stratum in strata:
                raise DrawError(f"冻结名录的分层行无法识别：{line!r}")
            current = strata[stratum] = []
            expected = int(count)
        elif current is None:
            raise DrawError("冻结名录缺少分层行")
        else:
            current.append(line)
    if current is not None and len(current) != expected:
        raise DrawError("冻结名录的分层户数与标识行数不符")
    return strata


class DrawQuerySet(models.QuerySet["Draw"]):
    def update(self, **kwargs: Any) -> int:
        raise DrawLocked("抽取记录只能通过抽取步骤修改（不允许批量更新）")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise DrawLocked("抽取一经公布即不能删除；未掷骰的抽取可以作废")

    def public(self) -> DrawQuerySet:
        """Draws of published plans: their commitments and results are public."""
        return self.filter(plan_is_public("item__plan"))


class Draw(models.Model):
    class Status(models.TextChoices):
        PREPARED = "prepared", "已公布名录，待掷骰"
        SEEDED = "seeded", "已录入种子，待执行"
        EXECUTED = "executed", "已执行（锁定）"
        CANCELLED = "cancelled", "已作废"

    item = models.ForeignKey(
        PlanItem, verbose_name="抽查事项", on_delete=models.PROTECT, related_name="draws"
    )
    round_number = models.PositiveSmallIntegerField("轮次", default=1)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.PREPARED, db_index=True
    )
    population_date = models.DateField(
        "基准日期", help_text="近期检查的排除期由此往前计算；名录取冻结时在营的对象"
    )

    # Frozen at prepare (published before the seed exists).
    options = models.JSONField("选项", default=dict)
    ratio_percent = models.DecimalField("最低抽查比例（%）", max_digits=6, decimal_places=3)
    stratum_ratio_percent = models.JSONField("风险分层比例（%）", default=dict)
    effective_ratio_percent = models.JSONField("各层实际比例（%）", default=dict)
    population_hash = models.CharField("名录哈希（SHA-256）", max_length=64)
    population_counts = models.JSONField("各层户数", default=dict)
    population_size = models.PositiveIntegerField("名录户数", default=0)
    population_gz = models.BinaryField("冻结名录（规范文本，zlib压缩）")
    excluded_gz = models.BinaryField("排除对象（zlib压缩，每行一个标识）", default=b"")
    allocation = models.JSONField("各层抽取数", default=dict)
    warnings = models.JSONField("提示", default=list)
    prepared_at = models.DateTimeField("公布名录时间")
    prepared_by = models.CharField("公布人", max_length=150)

    # Recorded at the ceremony.
    seed = models.TextField("种子", blank=True)
    witnesses = models.JSONField("见证人及骰子数字", default=list)
    beacon = models.TextField("公共随机信标值", blank=True, help_text="未使用信标时为空")
    seeded_at = models.DateTimeField("录入种子时间", null=True, blank=True)
    seeded_by = models.CharField("录入人", max_length=150, blank=True)

    # Execution (the draw is locked from here on).
    document_gz = models.BinaryField("抽取文档 draw.json（zlib压缩）", default=b"")
    executed_at = models.DateTimeField("执行时间", null=True, blank=True)
    executed_by = models.CharField("执行人", max_length=150, blank=True)

    cancelled_at = models.DateTimeField("作废时间", null=True, blank=True)
    cancelled_by = models.CharField("作废人", max_length=150, blank=True)
    cancel_reason = models.CharField("作废原因", max_length=300, blank=True)

    objects = DrawQuerySet.as_manager()

    FROZEN_AT_PREPARE = (
        "item_id",
        "round_number",
        "population_date",
        "options",
        "ratio_percent",
        "stratum_ratio_percent",
        "effective_ratio_percent",
        "population_hash",
        "population_counts",
        "population_size",
        "population_gz",
        "excluded_gz",
        "allocation",
        "warnings",
        "prepared_at",
        "prepared_by",
    )
    FROZEN_AT_SEED = ("seed", "witnesses", "beacon", "seeded_at", "seeded_by")
    EXECUTION_FIELDS = ("document_gz", "executed_at", "executed_by")
    CANCEL_FIELDS = ("cancelled_at", "cancelled_by", "cancel_reason")
    NEXT_STATUS = {
        Status.PREPARED: {Status.PREPARED, Status.SEEDED, Status.CANCELLED},
        Status.SEEDED: {Status.SEEDED, Status.EXECUTED},
        Status.EXECUTED: set(),
        Status.CANCELLED: set(),
    }

    class Meta:
        verbose_name = "随机抽取"
        verbose_name_plural = "随机抽取"
        ordering = ["-prepared_at", "-pk"]
        constraints = [
            # The rule itself: exactly one executed draw per item and round.
            models.UniqueConstraint(
                fields=["item", "round_number"],
                condition=Q(status="executed"),
                name="one_executed_draw_per_item_round",
            ),
            # Stronger, and what prepare relies on: one live (not cancelled) draw per item and
            # round, so a second population cannot be prepared next to a published one.
            models.UniqueConstraint(
                fields=["item", "round_number"],
                condition=~Q(status="cancelled"),
                name="one_live_draw_per_item_round",
            ),
            models.CheckConstraint(condition=Q(round_number__gte=1), name="draw_round_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item.plan.year}年 事项{self.item.number} 第{self.round_number}轮抽取"

    # --- the guards ------------------------------------------------------------------------

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            stored = Draw.objects.filter(pk=self.pk).first()
            if stored is not None:
                self._check_change(stored)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("draws:detail", args=[self.pk])

    def get_public_url(self) -> str:
        return reverse("public:bulletin", args=[self.pk])

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise DrawLocked("抽取一经公布即不能删除；未掷骰的抽取可以作废")

    def _check_change(self, stored: Draw) -> None:
        if stored.status == self.Status.EXECUTED:
            raise DrawLocked("抽取已锁定，不能修改")
        if stored.status == self.Status.CANCELLED:
            raise DrawLocked("抽取已作废，不能修改")
        if self.status not in self.NEXT_STATUS[self.Status(stored.status)]:
            raise DrawError(
                f"抽取不能从“{stored.get_status_display()}”变为“{self.get_status_display()}”"
            )
        # Each group of fields is written by exactly one transition and never again.
        step = (stored.status, self.status)
        frozen = list(self.FROZEN_AT_PREPARE)
        if step != (self.Status.PREPARED, self.Status.SEEDED):
            frozen += self.FROZEN_AT_SEED
        if step != (self.Status.SEEDED, self.Status.EXECUTED):
            frozen += self.EXECUTION_FIELDS
        if step != (self.Status.PREPARED, self.Status.CANCELLED):
            frozen += self.CANCEL_FIELDS
        changed = [
            f for f in frozen if _comparable(getattr(self, f)) != _comparable(getattr(stored, f))
        ]
        if changed:
            raise DrawLocked(
                f"抽取的这些内容只能由相应步骤写入一次，不能修改：{', '.join(changed)}"
            )

    # --- reading -----------------------------------------------------------------------------

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.EXECUTED

    def population_text(self) -> str:
        """The canonical population text exactly as hashed (and as published for download)."""
        return decompress_text(self.population_gz)

    def population_strata(self) -> dict[str, list[str]]:
        """The frozen strata, after checking the stored text against the published hash."""
        strata = parse_population_text(self.population_text())
        if population_hash(strata) != self.population_hash:
            raise DrawError("冻结名录与公布的哈希不符：数据库中的名录已被改动")
        return strata

    def excluded_ids(self) -> list[str]:
        if not self.excluded_gz:
            return []
        text = decompress_text(self.excluded_gz)
        return text.split("\n") if text else []

    def document(self) -> dict[str, Any] | None:
        """The stored draw document (without replacements), once executed."""
        if not self.document_gz:
            return None
        result: dict[str, Any] = json.loads(decompress_text(self.document_gz))
        return result

    def strata_rows(self) -> list[dict[str, Any]]:
        """Per stratum: name, population N_h, effective ratio, allocation n_h, plan estimate."""
        estimates = self.options.get("plan_estimates", {})
        rows = []
        for stratum in STRATA:
            if stratum not in self.population_counts:
                continue
            rows.append(
                {
                    "key": stratum,
                    "name": STRATUM_NAMES[stratum],
                    "population": self.population_counts[stratum],
                    "ratio": self.effective_ratio_percent.get(stratum, ""),
                    "raised": stratum in self.stratum_ratio_percent,
                    "size": self.allocation.get(stratum, 0),
                    "estimate": estimates.get(stratum),
                }
            )
        return rows

    @property
    def public_cancel_reason(self) -> str:
        """The cancel reason as published (bulletin, open data, feed): phone numbers masked."""
        return mask_phone_numbers(self.cancel_reason)

    @property
    def floor_text(self) -> str:
        """The item's minimum ratio as published, e.g. "5" or "100" (percent)."""
        return format(Decimal(self.ratio_percent).normalize(), "f")

    @property
    def policy_summary(self) -> str:
        """The raised strata, e.g. "高风险层 100%"."""
        return "；".join(
            f"{STRATUM_NAMES[s]}风险层 {self.stratum_ratio_percent[s]}%"
            for s in STRATA
            if s in self.stratum_ratio_percent
        )

    @property
    def total_allocation(self) -> int:
        return sum(self.allocation.values())

    @property
    def hash_groups(self) -> list[str]:
        """The hash in groups of 8, for reading aloud at the ceremony."""
        return [self.population_hash[i : i + 8] for i in range(0, 64, 8)]

    @property
    def seed_digits(self) -> int:
        return sum(len(w["digits"]) for w in self.witnesses)


def _comparable(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    return value


class AppendOnly(models.Model):
    """Rows that are only ever inserted."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise DrawLocked("抽取已锁定，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise DrawLocked("抽取已锁定，不能删除抽中对象或替补记录")


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise DrawLocked("抽取已锁定，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise DrawLocked("抽取已锁定，不能删除抽中对象或替补记录")


class DrawSelectionQuerySet(AppendOnlyQuerySet):
    def set_public_names(self, names: Mapping[int, str]) -> int:
        """Write the public names of selections (pk -> name): the one field of a drawn target
        that changes after the draw, and only to mask more of it under stricter masking rules
        (draws.actions.remask_public_names). The verifier reads no name; each new one must be
        the name as drawn with characters masked, or nothing is written."""
        drawn = dict(self.filter(pk__in=list(names)).values_list("pk", "name"))
        for pk, public_name in names.items():
            if pk not in drawn or not is_masked_form(public_name, drawn[pk]):
                raise DrawLocked(f"抽中记录（id {pk}）的公示名称只能在抽取时的名称上遮蔽字符")
        for pk, public_name in names.items():
            models.QuerySet.update(self.filter(pk=pk), public_name=public_name)
        return len(names)


class DrawSelection(AppendOnly):
    """A target of an executed draw: drawn at execution, or added later as a replacement."""

    class Kind(models.TextChoices):
        DRAWN = "drawn", "抽中"
        REPLACEMENT = "replacement", "替补"

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="selections")
    entity = models.ForeignKey(
        Entity, verbose_name="检查对象", on_delete=models.PROTECT, related_name="draw_selections"
    )
    kind = models.CharField("来源", max_length=20, choices=Kind.choices, default=Kind.DRAWN)
    public_id = models.CharField("公开标识", max_length=40)
    name = models.CharField("名称（抽取时）", max_length=200)
    credit_code = models.CharField("统一社会信用代码/注册号（抽取时）", max_length=18, blank=True)
    # Stored, not derived from the registry when shown: a later change of the entity (its
    # operator, name or code) must not change what the bulletin and the open data published.
    public_name = models.CharField(
        "公示名称（抽取时）",
        max_length=200,
        blank=True,
        help_text="门户和开放数据公示的名称（个体工商户经营者姓名已遮蔽，如张*）",
    )
    stratum = models.CharField("风险分层", max_length=20)
    rank = models.PositiveIntegerField("层内名次")
    ticket = models.CharField("号签", max_length=90)
    position = models.PositiveIntegerField("顺序", help_text="draw.json 中的顺序")

    objects = DrawSelectionQuerySet.as_manager()

    class Meta:
        verbose_name = "抽中对象"
        verbose_name_plural = "抽中对象"
        ordering = ["draw", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "public_id"], name="selection_once_per_draw"),
            models.UniqueConstraint(
                fields=["draw", "stratum", "rank"], name="selection_rank_unique_in_stratum"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.public_id}）"

    @staticmethod
    def public_name_of(entity: Entity) -> str:
        """The name as the portal publishes it (a sole trader's operator masked, 张*), from the
        registry as it is when the entity is selected: stored as `public_name`, which the
        bulletin and the open data show (staff pages show the name as drawn)."""
        return public_entity_name(
            entity.name, credit_code=entity.credit_code, operators=[entity.legal_representative]
        )

    def remasked_public_name(self, operators: Iterable[str]) -> str:
        """The public name under the masking rules as they are now, for a draw executed under
        earlier ones: the stored public name masked again (what was masked stays masked) with
        `operators`, every operator name the directory has recorded for the entity."""
        return public_entity_name(
            self.public_name or self.name, credit_code=self.credit_code, operators=operators
        )

    @property
    def stratum_name(self) -> str:
        return STRATUM_NAMES.get(self.stratum, self.stratum)


class DrawReplacement(AppendOnly):
    """An out-of-scope target replaced by the next ticket of its stratum."""

    class Reason(models.TextChoices):
        DEREGISTERED = "deregistered", "已注销"
        REVOKED = "revoked", "已吊销"
        CANCELLED = "cancelled", "已撤销"
        MOVED_OUT = "moved_out", "已迁出"
        NOT_OF_TYPE = "not_of_type", "不属于该检查对象类型"

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="replacements")
    sequence = models.PositiveIntegerField("序号")
    original = models.OneToOneField(
        DrawSelection, on_delete=models.PROTECT, related_name="replaced_by"
    )
    replacement = models.OneToOneField(
        DrawSelection, on_delete=models.PROTECT, related_name="replaces"
    )
    reason_code = models.CharField("不在检查范围的情形", max_length=20, choices=Reason.choices)
    out_of_scope_since = models.DateField("发生日期", help_text="须早于或等于抽取日期")
    reason = models.CharField("原因", max_length=300)
    entity_status = models.CharField("替换时名录中的经营状态", max_length=20)
    document_entry = models.JSONField("draw.json 中的替补记录", default=dict)
    created_at = models.DateTimeField("替换时间")
    created_by = models.CharField("操作人", max_length=150)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "替补记录"
        verbose_name_plural = "替补记录"
        ordering = ["draw", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "sequence"], name="replacement_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.original.public_id} → {self.replacement.public_id}"

    @property
    def public_reason(self) -> str:
        """The reason as draw.json and the bulletin publish it: phone numbers masked (the
        stored entry keeps what was written; the verifier only asks that there is a reason)."""
        return mask_phone_numbers(str(self.document_entry.get("reason", "")))

    @property
    def public_document_entry(self) -> dict[str, Any]:
        """`document_entry` as draw.json publishes it (`public_reason`)."""
        return {**self.document_entry, "reason": self.public_reason}


class DrawBin(models.Model):
    """What the chi-square check of a draw needs, stored when it is executed
    (draws.expectations.record_bins): a stratum's frozen population cut, in its canonical
    order, into `bins` consecutive groups of (nearly) equal size; per group the entities, the
    selections expected (entities x the stratum's inclusion probability n_h / N_h) and those
    drawn (kind drawn, replacements not counted). `event` names the random experiment: draws
    with the same seed, population and allocation make the same selection and count once."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="bins")
    event = models.CharField("抽取事件", max_length=64)
    stratum = models.CharField("风险分层", max_length=20)
    bins = models.PositiveSmallIntegerField("本层分组数")
    position = models.PositiveSmallIntegerField("组序")
    probability = models.FloatField("入选概率")
    population = models.PositiveIntegerField("对象数")
    expected = models.FloatField("期望抽中")
    observed = models.PositiveIntegerField("实际抽中")

    class Meta:
        verbose_name = "抽取分组"
        verbose_name_plural = "抽取分组"
        constraints = [
            models.UniqueConstraint(fields=["draw", "stratum", "position"], name="one_bin")
        ]

    def __str__(self) -> str:
        return f"{self.draw_id} {self.stratum} #{self.position}"
