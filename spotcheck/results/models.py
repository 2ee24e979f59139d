"""Results of visits (检查结果): what a team recorded, its review and its amendments.

One `Result` per visit; an `ItemResult` per plan item of the visit with its national category
(spotcheck.lib.results.CATEGORIES); a `CheckpointFinding` per checkpoint; `Measure`s (后续处置)
per item result; a `ResultVersion` per approval (the approved content as a JSON snapshot), so an
amendment keeps every approved version.

Everything is written by spotcheck.results.actions (one transaction, audited). Once approved a
result is locked: its content and its rows refuse `save()` (model) and every queryset refuses
`.update()` and `.delete()`; the admin is read-only. A change after approval is an amendment
(`amend_result`), which keeps the approved version and goes through review again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from spotcheck.inspections.models import Visit, VisitItem
from spotcheck.lib import results as rules
from spotcheck.lib.attachments import FileKind
from spotcheck.lib.directory import RiskLevel
from spotcheck.lib.workdays import Overrides

LOCKED_STATES = frozenset({rules.ReviewState.APPROVED.value, rules.ReviewState.PUBLISHED.value})


def checkpoint_texts(visit_item: VisitItem) -> list[str]:
    """The checkpoints a result records a finding for: the item's, else its content as one."""
    item = visit_item.item
    return [p for p in item.checkpoints if str(p).strip()] or [item.content.strip() or item.name]


def item_key(visit_item: VisitItem) -> str:
    """The key of a visit item in a result, its versions' snapshots and published records
    (PlanItem.key). Snapshots stored before unnumbered items were keyed "p<position>" hold the
    bare position: read them with `find_visit_item`."""
    return visit_item.item.key  # type: ignore[no-any-return]


def find_visit_item(
    keyed: dict[str, VisitItem], key: str, *, name: str | None = None
) -> VisitItem | None:
    """The visit item a stored key names, among `keyed` (item_key -> visit item). An older
    snapshot keyed an unnumbered item by its bare position, which can equal a numbered item's
    number: the stored item name (`name`) tells them apart; without a match by name, the
    key's current meaning wins."""
    found = keyed.get(key)
    if found is not None and (name is None or found.item.name == name):
        return found
    legacy = keyed.get(f"p{key}") if key.isdigit() else None
    if legacy is not None and (found is None or legacy.item.name == name):
        return legacy
    return found


class ResultLockedError(ValueError):
    """A change to an approved (locked) result, or a deletion of result records."""


class ResultQuerySet(models.QuerySet[Any]):
    """Results are written row by row by the actions (each audited, locked after approval): a
    bulk `.update()` or `.delete()` would change them behind the audit trail."""

    def update(self, **kwargs: Any) -> int:
        raise ResultLockedError(
            f"{self.model._meta.verbose_name}只能通过录入、审核、更正操作修改（不允许批量更新）"
        )

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ResultLockedError(f"{self.model._meta.verbose_name}不能删除")


def _choices(name: str, pairs: list[tuple[str, str]]) -> Any:
    """TextChoices of (stored value, Chinese label) pairs. The functional API takes (member
    name, value) pairs: passing (value, label) straight would store the label as the value."""
    return models.TextChoices(name, [(value.upper(), (value, label)) for value, label in pairs])  # type: ignore[misc]


def _stored_state(result_id: int | None) -> str | None:
    if result_id is None:
        return None
    return (
        Result.objects.filter(pk=result_id).values_list("state", flat=True).first()  # type: ignore[no-any-return]
    )


class Result(models.Model):
    State = _choices("State", [(s.value, s.label) for s in rules.ReviewState])
    Way = _choices("Way", list(rules.WAYS.items()))
    Ending = _choices("Ending", [(c.code, c.label) for c in rules.ENDINGS])

    visit = models.OneToOneField(
        Visit, verbose_name="检查任务", on_delete=models.PROTECT, related_name="result"
    )
    state = models.CharField(
        "审核状态", max_length=20, choices=State.choices, default=rules.ReviewState.NOT_ENTERED
    )
    revision = models.PositiveIntegerField(
        "修订号", default=0, help_text="每次保存加一；用旧修订号保存会被拒绝（防止互相覆盖）"
    )
    version = models.PositiveIntegerField("版本", default=1, help_text="每次更正加一")
    way = models.CharField("核查方式", max_length=20, choices=Way.choices, blank=True)
    inspected_on = models.DateField("检查日期", null=True, blank=True)
    present = models.JSONField("在场检查人员", default=list, blank=True, help_text="检查组成员编号")
    representative = models.CharField("被检查对象在场人员", max_length=100, blank=True)
    ending = models.CharField("结束情形", max_length=30, choices=Ending.choices, blank=True)
    due_on = models.DateField("公示期限", null=True, blank=True)
    due_warning = models.TextField("公示期限提示", blank=True)
    last_opinion = models.TextField("最近审核意见", blank=True)
    amend_reason = models.TextField("更正理由", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="最后录入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Stamped by the actions with their `now` (bump_revision), not by the clock at save time.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ResultQuerySet.as_manager()

    # What review steps may write on a locked result; anything else is content.
    WORKFLOW_FIELDS = frozenset(
        {
            "state",
            "version",
            "revision",
            "last_opinion",
            "amend_reason",
            "submitted_at",
            "reviewed_at",
            "reviewed_by",
            "updated_at",
            # derived from the inspection date and the holiday calendar, not recorded content:
            # refreshed when administrators enter a year's holidays (refresh_deadlines)
            "due_on",
            "due_warning",
        }
    )

    class Meta:
        verbose_name = "检查结果"
        verbose_name_plural = "检查结果"
        ordering = ["visit"]

    def __str__(self) -> str:
        return f"{self.visit}：{self.get_state_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if _stored_state(self.pk) in LOCKED_STATES:
            fields = set(kwargs.get("update_fields") or ())
            if not fields or not fields <= self.WORKFLOW_FIELDS:
                raise ResultLockedError(
                    "该结果已审核，已锁定；修改须通过更正（说明理由，重新审核）"
                )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ResultLockedError("检查结果不能删除")

    @property
    def review_state(self) -> rules.ReviewState:
        return rules.ReviewState(self.state)

    @property
    def is_locked(self) -> bool:
        return self.state in LOCKED_STATES


class _ResultPart(models.Model):
    """A row of a result's content: locked with its result."""

    objects = ResultQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if _stored_state(self.result_id_of()) in LOCKED_STATES:
            raise ResultLockedError("该结果已审核，已锁定；修改须通过更正（说明理由，重新审核）")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ResultLockedError(f"{self._meta.verbose_name}不能删除")

    def result_id_of(self) -> int | None:
        raise NotImplementedError


class ItemResult(_ResultPart):
    Category = _choices("Category", [(c.code, c.label) for c in rules.CATEGORIES])

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="items")
    visit_item = models.ForeignKey(VisitItem, on_delete=models.PROTECT, related_name="results")
    chosen_category = models.CharField(
        "选定的检查结果",
        max_length=30,
        choices=Category.choices,
        blank=True,
        help_text="空：按检查情况和后续处置自动得出",
    )
    category = models.CharField(
        "检查结果", max_length=30, choices=Category.choices, blank=True, db_index=True
    )

    class Meta:
        verbose_name = "事项检查结果"
        verbose_name_plural = "事项检查结果"
        ordering = ["result", "visit_item__item__number"]
        constraints = [
            models.UniqueConstraint(fields=["result", "visit_item"], name="item_result_unique")
        ]

    def __str__(self) -> str:
        return f"{self.visit_item}：{self.get_category_display()}"

    def result_id_of(self) -> int | None:
        return self.result_id  # type: ignore[no-any-return]


class CheckpointFinding(_ResultPart):
    Finding = _choices("Finding", [(f.value, label) for f, label in rules.FINDING_LABELS.items()])

    item_result = models.ForeignKey(ItemResult, on_delete=models.PROTECT, related_name="findings")
    number = models.PositiveSmallIntegerField("检查要点序号")
    text = models.TextField("检查要点")
    finding = models.CharField("检查情况", max_length=20, choices=Finding.choices, blank=True)
    reason = models.TextField("不适用理由", blank=True)
    problem = models.TextField("问题描述", blank=True)
    note = models.TextField("备注", blank=True)

    class Meta:
        verbose_name = "检查要点情况"
        verbose_name_plural = "检查要点情况"
        ordering = ["item_result", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item_result", "number"], name="finding_unique")
        ]

    def __str__(self) -> str:
        return f"第{self.number}项：{self.get_finding_display() or '未填写'}"

    def result_id_of(self) -> int | None:
        return self.item_result.result_id  # type: ignore[no-any-return]


class Measure(_ResultPart):
    Kind = _choices("Kind", [(k.value, label) for k, label in rules.MEASURE_KINDS.items()])

    item_result = models.ForeignKey(ItemResult, on_delete=models.PROTECT, related_name="measures")
    kind = models.CharField("措施", max_length=20, choices=Kind.choices)
    opened_on = models.DateField("措施日期")
    deadline = models.DateField("整改期限", null=True, blank=True)
    case_number = models.CharField("案件编号", max_length=100, blank=True)
    agency = models.CharField("接收部门", max_length=200, blank=True)
    text = models.TextField("措施内容", blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    closing_text = models.TextField("办结情况", blank=True)
    recheck_visit = models.OneToOneField(
        Visit,
        verbose_name="复查任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recheck_measure",
        help_text="责令改正：复查的检查任务；复查结果审核通过且未发现问题时本措施办结",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "后续处置措施"
        verbose_name_plural = "后续处置措施"
        ordering = ["item_result", "created_at", "pk"]

    def __str__(self) -> str:
        state = "已办结" if self.closed_on else "办理中"
        return f"{self.get_kind_display()}（{state}）"

    def result_id_of(self) -> int | None:
        return self.item_result.result_id  # type: ignore[no-any-return]

    def as_rule(self) -> rules.Measure:
        return rules.Measure(
            kind=rules.MeasureKind(self.kind),
            opened_on=self.opened_on,
            deadline=self.deadline,
            case_number=self.case_number,
            agency=self.agency,
            text=self.text,
            closed_on=self.closed_on,
            closing_text=self.closing_text,
        )


class ResultVersion(models.Model):
    """An approved version of a result, kept for good: the content as approved."""

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本")
    snapshot = models.JSONField("审核通过的内容")
    reason = models.TextField("更正理由", blank=True, help_text="第一版为空")
    amended_by = models.CharField("更正人", max_length=150, blank=True)
    approved_by = models.CharField("审核人", max_length=150)
    approved_at = models.DateTimeField("审核时间")

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = "检查结果版本"
        verbose_name_plural = "检查结果版本"
        ordering = ["result", "number"]
        constraints = [
            models.UniqueConstraint(fields=["result", "number"], name="result_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.result.visit}：第{self.number}版"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ResultLockedError("检查结果版本一经保存不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ResultLockedError("检查结果版本不能删除")


class HolidayOverride(models.Model):
    """A holiday or make-up working day (调休上班) kept by administrators in the admin, for the
    years chinesecalendar does not cover (or to correct it). Holiday arrangements are the State
    Council's, the same for every agency: one table for the server. Listing any day of a year
    declares the year covered (its other days count Monday to Friday), see lib.workdays."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假（节假日）"
        WORKDAY = "workday", "上班（调休工作日）"

    day = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    note = models.CharField("说明", max_length=100, blank=True, help_text="如：2027年国庆节")

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整（chinesecalendar未覆盖的年份）"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.get_kind_display()}"

    def clean(self) -> None:
        if self.kind == self.Kind.WORKDAY and self.day is not None and self.day.weekday() < 5:
            raise ValidationError(
                {
                    "kind": f"{self.day.isoformat()}是周一至周五，本来就是工作日；调休工作日应为周六或周日"
                }
            )


def workday_overrides() -> Overrides:
    """The administrators' table as lib.workdays takes it (one query)."""
    rows = list(HolidayOverride.objects.values_list("day", "kind"))
    return Overrides.of(
        holidays=[day for day, kind in rows if kind == HolidayOverride.Kind.HOLIDAY],
        workdays=[day for day, kind in rows if kind == HolidayOverride.Kind.WORKDAY],
    )


class Attachment(models.Model):
    """A photo or document attached to a result, or to one item of it. The file lives under
    settings.MEDIA_ROOT, named by its SHA-256 (spotcheck.lib.attachments.storage_name), and is
    served only through the scoped attachment view, never as a public URL. An attachment is
    never deleted: it is withdrawn with a reason (audited); it is locked with its result."""

    Kind = _choices("Kind", [(k.value, k.label) for k in FileKind])

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="attachments")
    item_result = models.ForeignKey(
        ItemResult,
        verbose_name="事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("文件名", max_length=200, help_text="上传时的文件名，仅供显示")
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    path = models.CharField("存储位置", max_length=200, help_text="相对于 MEDIA_ROOT")
    thumbnail = models.CharField("缩略图位置", max_length=200, blank=True)
    width = models.PositiveIntegerField("宽", null=True, blank=True)
    height = models.PositiveIntegerField("高", null=True, blank=True)
    captured_at = models.DateTimeField("拍摄时间")
    captured_from_exif = models.BooleanField(
        "拍摄时间取自照片", default=False, help_text="否：取上传时间"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间")
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤回人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdraw_reason = models.TextField("撤回理由", blank=True)

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = "检查附件"
        verbose_name_plural = "检查附件"
        ordering = ["result", "uploaded_at", "pk"]

    def __str__(self) -> str:
        state = "（已撤回）" if self.withdrawn_at else ""
        return f"{self.name}{state}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if _stored_state(self.result_id) in LOCKED_STATES:
            raise ResultLockedError("该结果已审核，已锁定；附件不能再添加或撤回")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ResultLockedError("检查附件不能删除，只能撤回（说明理由）")

    @property
    def is_image(self) -> bool:
        return FileKind(self.kind).is_image

    @property
    def content_type(self) -> str:
        return FileKind(self.kind).content_type


class RiskProposal(models.Model):
    """The risk level an approved result proposes for its entity (lib.results.propose_risk);
    the coordinator accepts it (the entity's level changes, its history naming the result as
    the source) or rejects it. Decided once."""

    class State(models.TextChoices):
        OPEN = "open", "待决定"
        ACCEPTED = "accepted", "已采纳"
        REJECTED = "rejected", "未采纳"

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="risk_proposals")
    version = models.PositiveIntegerField("结果版本")
    entity = models.ForeignKey(
        "registry.Entity", on_delete=models.PROTECT, related_name="risk_proposals"
    )
    current_level = models.CharField("原风险等级", max_length=20, blank=True)
    proposed_level = models.CharField("建议风险等级", max_length=20)
    reason = models.CharField("依据", max_length=300)
    state = models.CharField(
        "状态", max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    created_at = models.DateTimeField("提出时间", default=timezone.now)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_note = models.TextField("决定说明", blank=True)

    class Meta:
        verbose_name = "风险等级调整建议"
        verbose_name_plural = "风险等级调整建议"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["result", "version"], name="risk_proposal_per_result_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity}：{self.current_label} → {self.proposed_label}"

    @property
    def current_label(self) -> str:
        return rules.risk_label(RiskLevel(self.current_level)) if self.current_level else "未评定"

    @property
    def proposed_label(self) -> str:
        return rules.risk_label(RiskLevel(self.proposed_level))
