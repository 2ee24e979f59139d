from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from spotcheck.lib.docnumber import MAX_PATTERN_LENGTH, DocumentNumberError, DocumentNumberPattern

DEFAULT_NOTICE_NUMBER_PATTERN = "检通字〔{year}〕第{n:04d}号"


def validate_number_pattern(value: str) -> None:
    """A document-number pattern that spotcheck.lib.docnumber accepts ({year} and {n})."""
    try:
        DocumentNumberPattern.parse_pattern(value)
    except DocumentNumberError as error:
        raise ValidationError(str(error)) from None


class Agency(models.Model):
    """An agency that plans, initiates or cooperates in checks (县公安局, 住房城乡建设部门, …)."""

    name = models.CharField("机构名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=50, blank=True)
    division_code = models.CharField("行政区划代码", max_length=6, blank=True)
    notice_number_pattern = models.CharField(
        "检查通知书编号格式",
        max_length=MAX_PATTERN_LENGTH,
        default=DEFAULT_NOTICE_NUMBER_PATTERN,
        validators=[validate_number_pattern],
        help_text=(
            "{year}为年份，{n}为各单位当年的序号（{n:04d}补零到4位），"
            "如“沂公检通字〔{year}〕第{n:04d}号”；字面的花括号写作{{ }}"
        ),
    )
    # publication of results (issue 10)
    publish_on_approval = models.BooleanField(
        "审核通过后自动公示",
        default=False,
        help_text="勾选后，单位负责人审核通过的检查结果立即公示；否则由单位分批公示",
    )
    publish_inspector_names = models.BooleanField(
        "公示检查人员姓名", default=False, help_text="勾选后，公示的检查结果列出在场检查人员姓名"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "机构"
        verbose_name_plural = "机构"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A unit inside an agency (治安大队, 禁毒大队, 网安大队, …)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units")
    name = models.CharField("单位名称", max_length=100)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=40, blank=True)
    address = models.CharField("地址", max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "内设单位"
        verbose_name_plural = "内设单位"
        ordering = ["agency__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="unit_unique_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.agency.name}{self.name}"


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "统筹协调员"
    UNIT_LEADER = "unit_leader", "单位负责人"
    INSPECTOR = "inspector", "执法检查人员"
    SUPERVISOR = "supervisor", "纪检监督员"
    ADMINISTRATOR = "administrator", "系统管理员"


class User(AbstractUser):
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.INSPECTOR)
    agency = models.ForeignKey(
        Agency, verbose_name="所属机构", null=True, blank=True, on_delete=models.PROTECT
    )
    unit = models.ForeignKey(
        Unit, verbose_name="所属单位", null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def has_role(self, *roles: str) -> bool:
        if not self.is_authenticated or not self.is_active:
            return False
        return self.role in roles or (self.is_superuser and Role.ADMINISTRATOR in roles)

    @property
    def can_manage_plans(self) -> bool:
        return self.has_role(Role.COORDINATOR, Role.ADMINISTRATOR)

    @property
    def can_audit(self) -> bool:
        return self.has_role(Role.SUPERVISOR, Role.COORDINATOR, Role.ADMINISTRATOR)
