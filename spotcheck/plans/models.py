from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from spotcheck.accounts.models import Agency, Unit
from spotcheck.lib.publication import item_heading, mask_phone_numbers

RISK_LEVELS = (
    ("low", "低风险"),
    ("medium_low", "中低风险"),
    ("medium", "中风险"),
    ("high", "高风险"),
)


class Plan(models.Model):
    """An agency's annual spot-check plan (年度抽查工作计划) and its items."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已公开"

    agency = models.ForeignKey(Agency, verbose_name="制定机构", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("标题", max_length=300)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    source_filename = models.CharField("来源文件", max_length=300, blank=True)
    source_sha256 = models.CharField("来源文件SHA-256", max_length=64, blank=True)
    # the import's moment (`import_plan(now=…)`), not necessarily the row's insertion
    imported_at = models.DateTimeField("导入时间", default=timezone.now, editable=False)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    # Notes rows of the imported file ("备注：…") and how ambiguous columns were read.
    notes = models.JSONField("备注", default=list, blank=True)
    column_notes = models.JSONField("列的识别说明", default=list, blank=True)
    # What the coordinator corrected in the import preview: {"columns": {header: field or
    # None}, "cells": [{"source", "field", "was", "now"}]}; empty when imported as read.
    import_corrections = models.JSONField("导入时的更正", default=dict, blank=True)

    class Meta:
        verbose_name = "抽查计划"
        verbose_name_plural = "抽查计划"
        ordering = ["-year", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="one_plan_per_agency_year")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("plans:detail", args=[self.pk])

    def item_groups(self, items: list["PlanItem"]) -> list[tuple[str, str, list["PlanItem"]]]:
        """The plan's items as its table groups them: by 抽查方式 and 责任单位, in order."""
        groups: dict[tuple[str, str], list[PlanItem]] = {}
        for item in items:
            key = (
                item.get_mode_display() or "未注明抽查方式",
                item.responsible_unit_name or "未注明责任单位",
            )
            groups.setdefault(key, []).append(item)
        return [(mode, unit, group) for (mode, unit), group in groups.items()]

    def get_public_url(self) -> str:
        """The plan on the portal (spotcheck.public), where only a published plan is found."""
        return reverse("public:plan", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


def plan_is_public(path: str = "") -> Q:
    """The one "is it public?" rule: an object is public when the plan it belongs to is
    published. `path` leads from the queried model to its plan ("" for plans themselves,
    "item__plan" for draws, "plan" for matchings); every published-only selector uses this."""
    field = f"{path}__status" if path else "status"
    return Q(**{field: Plan.Status.PUBLISHED})


class PlanItem(models.Model):
    """One inspection item of a plan: every column of the published table, structured
    where the text allows, with the original text of each cell kept beside it."""

    class Mode(models.TextChoices):
        JOINT = "joint", "部门联合"
        INTERNAL = "internal", "公安内部"

    class Category(models.TextChoices):
        GENERAL = "general", "一般检查事项"
        KEY = "key", "重点检查事项"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveIntegerField("编号", null=True)
    position = models.PositiveIntegerField("顺序")
    mode = models.CharField("抽查方式", max_length=20, choices=Mode.choices, blank=True)
    domain = models.CharField("抽查领域", max_length=300, blank=True)
    name = models.CharField("抽查事项", max_length=300)
    content = models.TextField("抽查内容", blank=True)
    checkpoints = models.JSONField("检查要点", default=list)
    target_type = models.CharField("检查对象", max_length=200, blank=True)
    entity_type = models.ForeignKey(
        "registry.TargetType",
        verbose_name="对象类型（名录）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan_items",
        help_text="抽取时从名录中取此类型的检查对象",
    )
    category = models.CharField("事项类别", max_length=20, choices=Category.choices, blank=True)
    ratio_percent = models.DecimalField(
        "最低抽查比例（%）", max_digits=6, decimal_places=3, null=True, blank=True
    )
    times_per_year = models.PositiveSmallIntegerField("每年抽查次数", null=True, blank=True)
    event_driven = models.BooleanField("按实际执行", default=False)
    initiating_department = models.CharField("发起部门", max_length=200, blank=True)
    cooperating_departments = models.JSONField("配合部门", default=list)
    cooperating_agencies = models.ManyToManyField(
        Agency, verbose_name="配合机构", blank=True, related_name="cooperating_items"
    )
    inspection_body = models.CharField("检查主体", max_length=200, blank=True)
    window_start_month = models.PositiveSmallIntegerField("检查开始月份", null=True, blank=True)
    window_end_month = models.PositiveSmallIntegerField("检查结束月份", null=True, blank=True)
    responsible_unit_name = models.CharField("责任单位", max_length=200, blank=True)
    responsible_unit = models.ForeignKey(
        Unit, verbose_name="责任单位", null=True, blank=True, on_delete=models.PROTECT
    )
    estimated_targets = models.PositiveIntegerField("预估抽查对象数", null=True, blank=True)
    estimated_low = models.PositiveIntegerField("预估低风险", null=True, blank=True)
    estimated_medium_low = models.PositiveIntegerField("预估中低风险", null=True, blank=True)
    estimated_medium = models.PositiveIntegerField("预估中风险", null=True, blank=True)
    estimated_high = models.PositiveIntegerField("预估高风险", null=True, blank=True)
    legal_basis = models.TextField("检查依据", blank=True)
    method = models.TextField("检查方式", blank=True)
    # "3", or "3.1", "3.2" for the further rows under a number spanning several rows.
    label = models.CharField("编号（显示）", max_length=20, blank=True)
    ratio_max_percent = models.DecimalField(
        "最高抽查比例（%）", max_digits=6, decimal_places=3, null=True, blank=True
    )
    sample_count_min = models.PositiveIntegerField("抽查数量（下限）", null=True, blank=True)
    sample_count_max = models.PositiveIntegerField("抽查数量（上限）", null=True, blank=True)
    risk_ratios = models.JSONField("各风险等级抽查比例", default=dict, blank=True)
    risk_rule = models.TextField("信用风险分类要求", blank=True)
    original = models.JSONField("原文", default=dict)
    extra = models.JSONField("其他列", default=dict)
    review_flags = models.JSONField("待复核", default=list)
    source = models.CharField("来源位置", max_length=100, blank=True)
    # Withdrawn by a revision (计划调整) for the rest of the year: no new draws; kept, with its
    # draws, never deleted.
    withdrawn_on = models.DateField("撤回日期", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        "plans.PlanRevision",
        verbose_name="撤回的计划调整",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="withdrawn_items",
    )

    class Meta:
        verbose_name = "抽查事项"
        verbose_name_plural = "抽查事项"
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="item_number_unique_in_plan")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}" if self.number is not None else self.name

    def get_absolute_url(self) -> str:
        return reverse("plans:item", args=[self.plan_id, self.pk])

    def get_public_url(self) -> str:
        return reverse("public:plan_item", args=[self.plan_id, self.pk])

    @property
    def key(self) -> str:
        """The item within its plan, in visits, draw documents and results: its number, or
        "p" and its position when it has none (so it never reads as another item's number)."""
        return str(self.number) if self.number is not None else f"p{self.position}"

    @property
    def heading(self) -> str:
        """ "事项3 名称" (its label when it has one), or the name alone when unnumbered."""
        return item_heading(self.label or self.number, self.name)

    @property
    def estimated_risk(self) -> dict[str, int | None]:
        return {
            "low": self.estimated_low,
            "medium_low": self.estimated_medium_low,
            "medium": self.estimated_medium,
            "high": self.estimated_high,
        }

    @property
    def has_estimated_risk(self) -> bool:
        return any(v is not None for v in self.estimated_risk.values())

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None

    @property
    def is_joint(self) -> bool:
        return self.mode == self.Mode.JOINT

    @property
    def rule_summary(self) -> str:
        if self.event_driven:
            return "按实际执行"
        parts = []
        if self.ratio_percent is not None:
            parts.append(f"不低于{self.ratio_percent.normalize():f}%")
        if self.times_per_year:
            parts.append(f"每年{self.times_per_year}次")
        return "，".join(parts) or self.original.get("sampling_rule", "")

    @property
    def window_summary(self) -> str:
        if self.window_start_month and self.window_end_month:
            return f"{self.window_start_month}月—{self.window_end_month}月"
        return self.original.get("window", "")

    @property
    def risk_summary(self) -> str:
        """预估风险等级 as "低3家；中低?家…" ("?": the plan did not say), blank when none."""
        if not self.has_estimated_risk:
            return ""
        labels = {"low": "低", "medium_low": "中低", "medium": "中", "high": "高"}
        return "；".join(
            f"{labels[k]}{'?' if v is None else v}家" for k, v in self.estimated_risk.items()
        )

    def field_rows(self) -> list[dict[str, Any]]:
        """The item's columns as the plan published them: each field's label, the value the
        system read (`parsed`) and the cell's original text; fields with neither left out.
        The staff page and the public page show the same fields."""
        fields = [
            ("抽查方式", self.get_mode_display(), "mode"),
            ("编号", self.number, "number"),
            ("抽查领域", self.domain, "domain"),
            ("抽查事项", self.name, "name"),
            ("检查对象", self.target_type, "target_type"),
            ("事项类别", self.get_category_display(), "category"),
            ("抽查比例和频次", self.rule_summary, "sampling_rule"),
            ("发起部门", self.initiating_department, "initiating_department"),
            ("配合部门", "、".join(self.cooperating_departments), "cooperating_departments"),
            ("检查主体", self.inspection_body, "inspection_body"),
            ("检查时间", self.window_summary, "window"),
            ("责任单位", self.responsible_unit_name, "responsible_unit"),
            ("预估抽查对象数", self.estimated_targets, "estimated_targets"),
            ("预估风险等级", self.risk_summary, "estimated_risk"),
            ("检查依据", self.legal_basis, "legal_basis"),
            ("检查方式", self.method, "method"),
        ]
        return [
            {"label": label, "parsed": value, "original": self.original.get(key, "")}
            for label, value, key in fields
            if value not in ("", None) or self.original.get(key)
        ]


class PlanRevision(models.Model):
    """A change to a published plan (计划调整): its reason and date, and the changes it makes
    (added, changed and withdrawn items, each with the item's fields before and after). The
    changes apply to the plan when the revision is published, which is then shown beside the
    plan with the diff; until then the published plan stays as it is."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已公开"

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveSmallIntegerField("第几次调整")
    reason = models.TextField("调整原因")
    effective_date = models.DateField("调整日期")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    # [{"kind": "add"|"change"|"withdraw", "item": item id or None, "label", "name",
    #   "values": the form's values (add/change), "before": fields before, "after": after}]
    changes = models.JSONField("调整内容", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    published_at = models.DateTimeField("公开时间", null=True, blank=True)

    class Meta:
        verbose_name = "计划调整"
        verbose_name_plural = "计划调整"
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="revision_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan.title}（第{self.number}次调整）"

    def get_absolute_url(self) -> str:
        return reverse("plans:revision", args=[self.plan_id, self.pk])

    def get_public_url(self) -> str:
        """The revision as the portal shows it: on its plan's public page."""
        return reverse("public:plan", args=[self.plan_id]) + f"#revision-{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def public_reason(self) -> str:
        """The reason as the portal publishes it (plan page, feed): phone numbers masked."""
        return mask_phone_numbers(self.reason)
