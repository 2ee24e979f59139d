"""The two directories (两库): inspected entities and law-enforcement inspectors.

Every change to an entity or inspector keeps a history row with who, when, what changed and
the full state after the change, so "was this hotel in the pool on the day of the draw?" has
an answer.
"""

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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


class EntityHistory(models.Model):
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="history")
    changed_at = models.DateTimeField("时间", db_index=True)
    actor = models.CharField("操作人", max_length=150)
    action = models.CharField("操作", max_length=50)
    changes = models.JSONField("变更", default=dict)
    state = models.JSONField("变更后状态", default=dict)

    class Meta:
        verbose_name = "检查对象变更记录"
        verbose_name_plural = "检查对象变更记录"
        ordering = ["entity", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.changed_at:%Y-%m-%d %H:%M} {self.actor} {self.action}"


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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
            return "不在岗"
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
        }


class InspectorHistory(models.Model):
    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="history")
    changed_at = models.DateTimeField("时间", db_index=True)
    actor = models.CharField("操作人", max_length=150)
    action = models.CharField("操作", max_length=50)
    changes = models.JSONField("变更", default=dict)
    state = models.JSONField("变更后状态", default=dict)

    class Meta:
        ordering = ["inspector", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.changed_at:%Y-%m-%d %H:%M} {self.actor} {self.action}"


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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "回避关系"
        verbose_name_plural = "回避关系"
        indexes = [models.Index(fields=["entity", "inspector"])]

    def __str__(self) -> str:
        return f"{self.inspector.name} ↔ {self.entity.name}（{self.get_reason_display()}）"

    def applies_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class InspectionRecord(models.Model):
    """The last inspection of an entity for an item, used to exclude recently checked
    entities from a draw and to keep the same inspector off the next visit."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="inspection_records")
    item_name = models.CharField("抽查事项", max_length=300)
    inspected_on = models.DateField("检查日期")
    problem_found = models.BooleanField("发现问题", default=False)
    inspector_ids = models.JSONField("检查人员执法证号", default=list, blank=True)
    source = models.CharField("来源", max_length=100, blank=True)

    class Meta:
        verbose_name = "检查记录"
        verbose_name_plural = "检查记录"
        indexes = [models.Index(fields=["entity", "item_name", "inspected_on"])]

    def __str__(self) -> str:
        return f"{self.entity} {self.item_name} {self.inspected_on}"
