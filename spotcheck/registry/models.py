"""The two directories (两库): inspected entities and law-enforcement inspectors.

History (the directory is evidence: "was this hotel in the pool on the day of the draw?").
What is kept, chosen to stay cheap at a million entities and still answer that question:

- Creating an entity writes no history row. The entity row itself says when it entered the
  directory (`created_at`) and, for imports, which `ImportBatch` brought it in
  (`created_batch`: who, when, file name and SHA-256). A first import of a million rows is
  therefore one insert per entity, not two.
- Every later change (an import that changes a field, an edit on the web) writes one
  `EntityHistory` row with who, when, the batch if any, the changed fields only as
  ``{field: [old, new]}``, and the full state after the change.
- `Entity.state_at(moment)` walks back from the current state, undoing the changes made after
  the moment (their "old" values); before `created_at` the entity was not in the directory.
  `entities_in_pool_at()` answers the same question for a whole draw population.

Entities are never deleted by imports: an entity that leaves the market changes status (注销,
吊销, …), which history records, so a past pool can always be rebuilt.

Inspectors keep the same kind of history (`InspectorHistory`).
"""

from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from spotcheck.accounts.models import Agency, Unit
from spotcheck.lib.targettypes import (
    STANDARD_TARGET_TYPES,
    normalize_type_phrase,
    standard_type_for,
)

RISK_LEVEL_CHOICES = [
    ("low", "低"),
    ("medium_low", "中低"),
    ("medium", "中"),
    ("high", "高"),
]


class TargetType(models.Model):
    """A kind of inspected entity (宾馆旅店, 保安服务公司, …) that plan items target."""

    name = models.CharField("类型名称", max_length=100, unique=True)
    aliases = models.JSONField("同义写法", default=list, blank=True)

    class Meta:
        verbose_name = "检查对象类型"
        verbose_name_plural = "检查对象类型"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def all_names(self) -> list[str]:
        return [self.name, *self.aliases]

    @classmethod
    def resolve(cls, phrase: str) -> "TargetType":
        """The type a plan or directory phrase names, created from the standard
        vocabulary (or from the phrase itself) when it does not exist yet."""
        wanted = normalize_type_phrase(phrase)
        for target_type in cls.objects.all():
            if wanted in target_type.all_names():
                return target_type
        standard = standard_type_for(wanted)
        if standard is not None:
            aliases = list(STANDARD_TARGET_TYPES[standard])
            found, _ = cls.objects.get_or_create(name=standard, defaults={"aliases": aliases})
            return found
        return cls.objects.create(name=wanted)


class ImportBatch(models.Model):
    """One import of a directory file: who, when, which file (name and SHA-256), what it did."""

    class Kind(models.TextChoices):
        ENTITIES = "entities", "检查对象"
        INSPECTORS = "inspectors", "执法检查人员"
        RECUSALS = "recusals", "回避关系"

    kind = models.CharField("名录", max_length=20, choices=Kind.choices)
    agency = models.ForeignKey(
        Agency, verbose_name="名录所属机构", null=True, blank=True, on_delete=models.PROTECT
    )
    filename = models.CharField("文件名", max_length=300)
    sha256 = models.CharField("文件SHA-256", max_length=64)
    actor = models.CharField("操作人", max_length=150)
    created_at = models.DateTimeField("导入时间", default=timezone.now, db_index=True)
    rows = models.PositiveIntegerField("数据行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    invalid = models.PositiveIntegerField("有误未导入", default=0)
    skip_invalid = models.BooleanField("跳过有误的行", default=False)

    class Meta:
        verbose_name = "名录导入批次"
        verbose_name_plural = "名录导入批次"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}（{self.created_at:%Y-%m-%d %H:%M}）"


class EntityStatus(models.TextChoices):
    ACTIVE = "active", "在营"
    SUSPENDED = "suspended", "停业"
    DEREGISTERED = "deregistered", "注销"
    REVOKED = "revoked", "吊销"
    CANCELLED = "cancelled", "撤销"
    MOVED_OUT = "moved_out", "迁出"


class CodeKind(models.TextChoices):
    CREDIT_CODE = "credit_code", "统一社会信用代码"
    REGISTRATION_NUMBER = "registration_number", "注册号（旧）"
    NONE = "none", "无代码"


# The fields a person or an import may change on an entity (identity fields never change).
ENTITY_EDITABLE_FIELDS = (
    "name",
    "town",
    "address",
    "legal_representative",
    "contact",
    "risk_level",
    "risk_set_on",
    "risk_reason",
    "status",
    "licence_number",
    "licence_valid_until",
    "tags",
)


class Entity(models.Model):
    agency = models.ForeignKey(
        Agency, verbose_name="名录所属机构", on_delete=models.PROTECT, related_name="entities"
    )
    public_id = models.CharField(
        "公开标识",
        max_length=40,
        unique=True,
        help_text="抽取使用的标识：统一社会信用代码，或无代码时系统生成的稳定编码",
    )
    code_kind = models.CharField(
        "代码类型", max_length=20, choices=CodeKind.choices, default=CodeKind.CREDIT_CODE
    )
    credit_code = models.CharField("统一社会信用代码/注册号", max_length=18, blank=True)
    name = models.CharField("名称", max_length=200, db_index=True)
    target_types = models.ManyToManyField(
        TargetType, verbose_name="检查对象类型", related_name="entities"
    )
    town = models.CharField("乡镇街道", max_length=50, blank=True, db_index=True)
    address = models.CharField("地址", max_length=300, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    contact = models.CharField("联系方式", max_length=100, blank=True)
    risk_level = models.CharField(
        "风险等级", max_length=20, choices=RISK_LEVEL_CHOICES, blank=True, db_index=True
    )
    risk_set_on = models.DateField("风险评定日期", null=True, blank=True)
    risk_reason = models.CharField("风险评定依据", max_length=300, blank=True)
    status = models.CharField(
        "经营状态",
        max_length=20,
        choices=EntityStatus.choices,
        default=EntityStatus.ACTIVE,
        db_index=True,
    )
    licence_number = models.CharField("特种行业许可证号", max_length=60, blank=True)
    licence_valid_until = models.DateField("许可证有效期至", null=True, blank=True)
    tags = models.JSONField("标签", default=list, blank=True)
    pinyin = models.CharField("拼音", max_length=400, blank=True, db_index=True)
    pinyin_initials = models.CharField("拼音首字母", max_length=200, blank=True, db_index=True)
    # name as the searches compare names (lib.pinyin.name_key: fullwidth ＡＢＣ is abc, no
    # whitespace): what a search for part of a name matches
    name_key = models.CharField("名称检索键", max_length=400, blank=True)
    # Set by the action that writes the row, from its `now=` (an import's batch moment, a
    # hand edit's moment): the stored moments agree with the history and the audit trail.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    created_batch = models.ForeignKey(
        ImportBatch,
        verbose_name="导入批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="created_entities",
    )

    class Meta:
        verbose_name = "检查对象"
        verbose_name_plural = "检查对象"
        ordering = ["name"]
        indexes = [
            models.Index(fields=["agency", "status", "risk_level"]),
            models.Index(fields=["credit_code"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:entity", args=[self.pk])

    @property
    def is_drawable(self) -> bool:
        return self.status == EntityStatus.ACTIVE

    def state_at(self, moment: datetime) -> dict[str, Any] | None:
        """The entity as the directory held it at `moment` (a snapshot), or None when it was
        not in the directory yet. Undoes, newest first, every change recorded after `moment`."""
        if self.created_at > moment:
            return None
        # The stored state, not this instance's (which may be stale).
        state = Entity.objects.prefetch_related("target_types").get(pk=self.pk).snapshot()
        later = self.history.filter(changed_at__gt=moment).order_by("-changed_at", "-pk")
        for change in later:
            for field, (old, _new) in change.changes.items():
                state[field] = old
        return state

    def state_on(self, day: date) -> dict[str, Any] | None:
        """The entity as it stood at the end of `day` (local time); see `state_at`."""
        return self.state_at(end_of_day(day))

    def was_drawable_on(self, day: date, target_type: "TargetType | str | None" = None) -> bool:
        """Whether the entity was in the directory, operating (在营) and, when given, of that
        target type at the end of `day`."""
        state = self.state_on(day)
        if state is None or state["status"] != EntityStatus.ACTIVE:
            return False
        if target_type is None:
            return True
        name = target_type.name if isinstance(target_type, TargetType) else target_type
        return name in state["target_types"]

    def snapshot(self) -> dict[str, Any]:
        """The entity's state as history keeps it (JSON-safe)."""
        return {
            "public_id": self.public_id,
            "code_kind": self.code_kind,
            "credit_code": self.credit_code,
            "name": self.name,
            "target_types": sorted(t.name for t in self.target_types.all()) if self.pk else [],
            "town": self.town,
            "address": self.address,
            "legal_representative": self.legal_representative,
            "contact": self.contact,
            "risk_level": self.risk_level,
            "risk_set_on": self.risk_set_on.isoformat() if self.risk_set_on else None,
            "risk_reason": self.risk_reason,
            "status": self.status,
            "licence_number": self.licence_number,
            "licence_valid_until": (
                self.licence_valid_until.isoformat() if self.licence_valid_until else None
            ),
            "tags": list(self.tags),
        }


def end_of_day(day: date) -> datetime:
    """The last instant of `day` in the project's time zone."""
    return timezone.make_aware(datetime.combine(day, time.max))


def entities_in_pool_at(
    *, agency: Agency, target_type: "TargetType", moment: datetime
) -> list[str]:
    """Public ids of the entities of `agency` that were operating and of `target_type` at
    `moment`, sorted: the draw population as the directory stood then.

    Entities unchanged since `moment` are selected by the database from their current values;
    only those changed afterwards are rebuilt from history.
    """
    entities = Entity.objects.filter(agency=agency, created_at__lte=moment)
    changed_ids = set(
        EntityHistory.objects.filter(entity__agency=agency, changed_at__gt=moment).values_list(
            "entity_id", flat=True
        )
    )
    pool = set(
        entities.filter(status=EntityStatus.ACTIVE, target_types=target_type)
        .exclude(pk__in=changed_ids)
        .values_list("public_id", flat=True)
    )
    for entity in entities.filter(pk__in=changed_ids).prefetch_related("target_types"):
        state = entity.state_at(moment)
        if (
            state is not None
            and state["status"] == EntityStatus.ACTIVE
            and target_type.name in state["target_types"]
        ):
            pool.add(state["public_id"])
    return sorted(pool)


class ChangeRecord(models.Model):
    """One change to a directory record: who, when, the changed fields as {field: [old, new]},
    and the full state after the change (see the module docstring)."""

    changed_at = models.DateTimeField("时间", db_index=True)
    actor = models.CharField("操作人", max_length=150)
    action = models.CharField("操作", max_length=50)
    changes = models.JSONField("变更", default=dict)
    state = models.JSONField("变更后状态", default=dict)
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name="导入批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(class)s_set",
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.changed_at:%Y-%m-%d %H:%M} {self.actor} {self.action}"


class EntityHistory(ChangeRecord):
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="history")
    source = models.CharField(
        "来源",
        max_length=300,
        blank=True,
        help_text="非手工、非导入的变更的依据，如调整风险等级的检查结果",
    )

    class Meta:
        verbose_name = "检查对象变更记录"
        verbose_name_plural = "检查对象变更记录"
        ordering = ["entity", "changed_at", "pk"]
        indexes = [models.Index(fields=["entity", "changed_at"])]


# Fields a coordinator may edit by hand (the form and `actions.update_inspector` share them).
INSPECTOR_EDITABLE_FIELDS = (
    "name",
    "badge_number",
    "certificate_valid_until",
    "unit",
    "post",
    "qualifications",
    "is_active",
    "inactive_reason",
)


class Inspector(models.Model):
    agency = models.ForeignKey(
        Agency, verbose_name="所属机构", on_delete=models.PROTECT, related_name="inspectors"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspectors",
    )
    name = models.CharField("姓名", max_length=50, db_index=True)
    badge_number = models.CharField("警号", max_length=30, blank=True)
    certificate_number = models.CharField("执法证号", max_length=40, unique=True)
    certificate_valid_until = models.DateField("执法证有效期至")
    post = models.CharField("职务岗位", max_length=50, blank=True)
    qualifications = models.JSONField("专业领域", default=list, blank=True)
    is_active = models.BooleanField("在岗", default=True)
    inactive_reason = models.CharField(
        "不在岗原因", max_length=30, blank=True, help_text="离职、退休、停职等"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="系统账户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspector",
    )
    pinyin = models.CharField("拼音", max_length=200, blank=True)
    pinyin_initials = models.CharField("拼音首字母", max_length=50, blank=True, db_index=True)
    name_key = models.CharField("姓名检索键", max_length=100, blank=True)  # as Entity.name_key
    # Set by the action that writes the row, from its `now=` (an import's batch moment, a
    # hand edit's moment): the stored moments agree with the history and the audit trail.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    created_batch = models.ForeignKey(
        ImportBatch,
        verbose_name="导入批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="created_inspectors",
    )

    class Meta:
        verbose_name = "执法检查人员"
        verbose_name_plural = "执法检查人员"
        ordering = ["agency", "unit", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.certificate_number}）"

    def get_absolute_url(self) -> str:
        return reverse("registry:inspector", args=[self.pk])

    def ineligibility_reason(self, on: date) -> str:
        """Why this officer cannot be drawn on that day ("" when drawable)."""
        if not self.is_active:
            return f"不在岗（{self.inactive_reason}）" if self.inactive_reason else "不在岗"
        if self.certificate_valid_until < on:
            return f"执法证已于{self.certificate_valid_until:%Y-%m-%d}过期"
        return ""

    def snapshot(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "badge_number": self.badge_number,
            "certificate_number": self.certificate_number,
            "certificate_valid_until": self.certificate_valid_until.isoformat(),
            "agency": self.agency.name,
            "unit": self.unit.name if self.unit else "",
            "post": self.post,
            "qualifications": list(self.qualifications),
            "is_active": self.is_active,
            "inactive_reason": self.inactive_reason,
        }

    @property
    def certificate_is_open_ended(self) -> bool:
        return self.certificate_valid_until == date.max


class InspectorHistory(ChangeRecord):
    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="history")

    class Meta:
        verbose_name = "执法检查人员变更记录"
        verbose_name_plural = "执法检查人员变更记录"
        ordering = ["inspector", "changed_at", "pk"]


class Recusal(models.Model):
    """An inspector must not inspect an entity (回避) while this relation is valid."""

    class Reason(models.TextChoices):
        KIN = "kin", "亲属关系"
        FORMER_EMPLOYER = "former_employer", "曾在该单位任职"
        DECLARED_INTEREST = "declared_interest", "申报利害关系"
        RECENT_CASE = "recent_case", "近期办理相关案件"
        OTHER = "other", "其他"

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="recusals")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="recusals")
    reason = models.CharField("回避事由", max_length=30, choices=Reason.choices)
    note = models.CharField("说明", max_length=300, blank=True)
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("失效日期", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)  # as Entity's
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "回避关系"
        verbose_name_plural = "回避关系"
        indexes = [models.Index(fields=["entity", "inspector"])]

    def __str__(self) -> str:
        return f"{self.inspector.name} ↔ {self.entity.name}（{self.get_reason_display()}）"

    def applies_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)
