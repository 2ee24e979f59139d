"""Visits (进一次门、查多项事) and their inspector teams (the second random).

A round's visits are built from its executed draws (spotcheck.lib.visits), then every visit gets
a team matched at random under the rules of spotcheck.lib.matching (docs/matching.md). Teams are
locked once matched: a member can only be replaced through `replace_team_member`, which records
the reason and takes the next eligible inspector by ticket.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from spotcheck.accounts.models import Agency, Unit
from spotcheck.lib import matching_public
from spotcheck.lib.publication import mask_phone_numbers, public_entity_name
from spotcheck.lib.results import DELIVERY_METHODS
from spotcheck.plans.models import Plan, PlanItem
from spotcheck.registry.models import Entity, Inspector


def default_team_size() -> int:
    return int(settings.SPOTCHECK_DEFAULT_TEAM_SIZE)


class ItemSetting(models.Model):
    """Inspections-side settings of a plan item: team size and required qualifications."""

    item = models.OneToOneField(
        PlanItem, on_delete=models.CASCADE, related_name="inspection_setting"
    )
    team_size = models.PositiveSmallIntegerField("每组人数", default=default_team_size)
    qualifications = models.JSONField(
        "资格要求",
        default=list,
        blank=True,
        help_text="责任单位至少一名组员须持有的每项资格（专业领域）",
    )

    class Meta:
        verbose_name = "事项检查组设置"
        verbose_name_plural = "事项检查组设置"

    def __str__(self) -> str:
        return f"{self.item}：{self.team_size}人"


def item_team_size(item: PlanItem) -> int:
    setting = ItemSetting.objects.filter(item=item).first()
    return setting.team_size if setting else default_team_size()


def item_qualifications(item: PlanItem) -> list[str]:
    setting = ItemSetting.objects.filter(item=item).first()
    return sorted(setting.qualifications) if setting else []


class Event(models.Model):
    """An event-driven item's occurrence (大型活动、焰火燃放、噪声、重大安保任务): no draw,
    every registered event is inspected."""

    item = models.ForeignKey(PlanItem, on_delete=models.PROTECT, related_name="events")
    organiser = models.CharField("主办/承办单位", max_length=200)
    organiser_entity = models.ForeignKey(
        Entity,
        verbose_name="名录中的单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    place = models.CharField("地点", max_length=300)
    date = models.DateField("日期")
    scale = models.CharField("规模", max_length=200)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_at = models.DateTimeField("登记时间", default=timezone.now)
    # A mistaken registration is cancelled (never deleted) before its ceremony: its visit goes.
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancelled_by = models.CharField("取消人", max_length=150, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "活动登记"
        verbose_name_plural = "活动登记"
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.organiser}（{self.date:%Y-%m-%d}，{self.place}）"

    @property
    def public_label(self) -> str:
        """The event as the portal names it: an organiser that may be a natural person (not
        in the directory, or a sole trader there) masked as on the result pages (张*), also
        where the place repeats the name, and no phone number."""
        entity = self.organiser_entity
        organiser = self.organiser.strip()
        public = public_entity_name(
            organiser,
            credit_code=entity.credit_code if entity else "",
            operators=[entity.legal_representative] if entity else [],
        )
        place = mask_phone_numbers(self.place)
        if public != organiser and len(organiser) >= 2:
            place = place.replace(organiser, public)
        if entity and len(entity.legal_representative.strip()) >= 2 and public != organiser:
            operator = entity.legal_representative.strip()
            place = place.replace(operator, public_entity_name(operator))
        return f"{public}（{self.date:%Y-%m-%d}，{place}）"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def entity_key(self) -> str:
        """The id used in the matching document: the directory id, or a stable event id."""
        if self.organiser_entity is not None:
            return self.organiser_entity.public_id
        return f"event-{self.pk}"


class NoBulkUpdateQuerySet(models.QuerySet[Any]):
    """Visits and matchings are written row by row by the actions (each audited); a bulk
    `.update()` would change published data behind the audit trail, as for draws."""

    def update(self, **kwargs: Any) -> int:
        raise ValueError(f"{self.model._meta.verbose_name}只能通过相应操作修改（不允许批量更新）")


class MatchingQuerySet(NoBulkUpdateQuerySet):
    def delete(self) -> Any:
        raise ValueError("检查人员匹配结果已锁定，不能删除")


class Visit(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "待匹配检查组"
        MATCHED = "matched", "已匹配检查组"

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="visits")
    round = models.PositiveSmallIntegerField("轮次", default=1)
    visit_key = models.CharField("检查编号", max_length=300)
    entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    event = models.OneToOneField(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="visit"
    )
    entity_key = models.CharField("对象标识", max_length=60)
    entity_name = models.CharField("对象名称", max_length=200)
    responsible_unit = models.ForeignKey(
        Unit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="visits"
    )
    cooperating_pools = models.JSONField("配合单位/部门", default=list)
    cooperating_agencies = models.ManyToManyField(
        Agency, verbose_name="配合机构", blank=True, related_name="cooperating_visits"
    )
    window_start_month = models.PositiveSmallIntegerField("窗口开始月份")
    window_end_month = models.PositiveSmallIntegerField("窗口结束月份")
    planned_start = models.DateField("计划开始日期")
    planned_end = models.DateField("计划结束日期")
    # Set by the unit leader after matching (spotcheck.lib.schedule): inside the planned days,
    # which the matching checked certificates and recusals against; not part of the record.
    scheduled_start = models.DateField("安排检查日期（起）", null=True, blank=True)
    scheduled_end = models.DateField("安排检查日期（止）", null=True, blank=True)
    ticket = models.CharField("顺序号（最低抽取号）", max_length=100)
    team_size = models.PositiveSmallIntegerField("每组人数")
    requirements = models.JSONField("资格要求", default=list)
    merged_from = models.JSONField("合并自", default=list, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PLANNED)
    recheck_of = models.ForeignKey(
        "self",
        verbose_name="复查的检查任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rechecks",
        help_text="责令改正后的复查：原检查任务（results.actions.add_measure 创建）",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = NoBulkUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = "检查任务"
        verbose_name_plural = "检查任务"
        ordering = ["plan", "round", "ticket", "visit_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "round", "visit_key"], name="visit_key_unique_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity_name}（{self.visit_key}）"

    def get_absolute_url(self) -> str:
        return reverse("inspections:visit", args=[self.pk])

    @property
    def is_joint(self) -> bool:
        return bool(self.cooperating_pools)

    @property
    def window_summary(self) -> str:
        return f"{self.window_start_month}月—{self.window_end_month}月"

    @property
    def is_scheduled(self) -> bool:
        return self.scheduled_start is not None and self.scheduled_end is not None

    @property
    def schedule_summary(self) -> str:
        if self.scheduled_start is None or self.scheduled_end is None:
            return "未安排"
        if self.scheduled_start == self.scheduled_end:
            return f"{self.scheduled_start:%Y-%m-%d}"
        return f"{self.scheduled_start:%Y-%m-%d}至{self.scheduled_end:%Y-%m-%d}"

    @property
    def deadline(self) -> date:
        """The last day the visit should happen on: its scheduled end, else its planned end."""
        return self.scheduled_end or self.planned_end

    def current_notice(self) -> Notice | None:
        return self.notices.filter(voided_at__isnull=True).first()

    def current_members(self) -> models.QuerySet[TeamMember]:
        return self.members.filter(replaced_at__isnull=True).select_related(
            "inspector", "inspector__unit", "inspector__agency"
        )


def window_days(year: int, start_month: int, end_month: int) -> tuple[date, date]:
    """The first day of the first month and the last day of the last month of the window."""
    last = calendar.monthrange(year, end_month)[1]
    return date(year, start_month, 1), date(year, end_month, last)


class VisitItem(models.Model):
    """One plan item covered by a visit, and the target ticket it was drawn with."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="visit_items")
    item = models.ForeignKey(PlanItem, on_delete=models.PROTECT, related_name="visit_items")
    ticket = models.CharField("抽取号", max_length=100, blank=True)
    selection = models.ForeignKey(
        "draws.DrawSelection",
        verbose_name="抽中记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visit_items",
        help_text="按实际执行的事项（活动）没有抽取",
    )

    class Meta:
        verbose_name = "检查任务事项"
        verbose_name_plural = "检查任务事项"
        ordering = ["visit", "item__number"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "item"], name="visit_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.visit.visit_key}：{self.item}"


class JointProposal(models.Model):
    """Single-unit visits to one entity whose windows overlap: merged only once accepted."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="joint_proposals")
    round = models.PositiveSmallIntegerField("轮次", default=1)
    key = models.CharField("建议编号", max_length=1000)
    visit_keys = models.JSONField("涉及的检查任务", default=list)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="+")
    units = models.JSONField("涉及单位", default=list)
    window_start_month = models.PositiveSmallIntegerField("共同窗口开始月份")
    window_end_month = models.PositiveSmallIntegerField("共同窗口结束月份")
    ticket = models.CharField(max_length=100)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField("接受时间", null=True, blank=True)
    # Declined proposals are kept (and not proposed again) when the round's visits are rebuilt.
    declined_at = models.DateTimeField("不予合并时间", null=True, blank=True)
    declined_by = models.CharField("不予合并的决定人", max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "联合检查建议"
        verbose_name_plural = "联合检查建议"
        ordering = ["plan", "round", "ticket"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "round", "key"], name="proposal_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entity}：{'、'.join(self.units)}联合检查建议"

    @staticmethod
    def key_for(visit_keys: Any) -> str:
        return " & ".join(sorted(visit_keys))

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def is_declined(self) -> bool:
        return self.declined_at is not None

    def items(self) -> list[PlanItem]:
        """The plan items of the visits the proposal would merge, by number."""
        return list(
            PlanItem.objects.filter(
                visit_items__visit__plan_id=self.plan_id,
                visit_items__visit__round=self.round,
                visit_items__visit__visit_key__in=self.visit_keys,
            )
            .distinct()
            .order_by("position")
        )


class TeamMatching(models.Model):
    """One run of the second random: a round's visits, or one event's visit."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="team_matchings")
    round = models.PositiveSmallIntegerField("轮次", null=True, blank=True)
    event = models.OneToOneField(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="matching"
    )
    seed = models.CharField("种子", max_length=2000)
    seed_source = models.JSONField("种子来源", default=dict)
    document = models.JSONField(
        "匹配记录（完整，含可参与名单）",
        default=dict,
        help_text="公开的是不含名单、只含名单承诺值的版本（public_document）；名单只在监督核验包中",
    )
    commitment_salt = models.CharField(
        "名单承诺密钥",
        max_length=64,
        blank=True,
        help_text="每次匹配随机生成；只出现在纪检监督员的核验包中",
    )
    matched_at = models.DateTimeField("匹配时间", default=timezone.now)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = MatchingQuerySet.as_manager()

    class Meta:
        verbose_name = "检查人员匹配"
        verbose_name_plural = "检查人员匹配"
        ordering = ["-matched_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "round"],
                condition=models.Q(event__isnull=True),
                name="one_matching_per_round",
            )
        ]
        indexes = [
            # which matchings a plan has, answered without the row: on SQLite a matching's
            # record (hundreds of MB at a million results) lies before the plan in the row
            models.Index(fields=["plan", "round", "event"], name="teammatching_scope")
        ]

    def __str__(self) -> str:
        if self.event_id:
            # named as the public matching pages name it (the organiser may be a person)
            return f"{self.plan.year}年活动检查人员匹配：{self.event.public_label}"
        if self.round is None:
            return f"{self.plan.year}年复查检查人员匹配（{self.seed_source.get('original_visit', '')}）"
        return f"{self.plan}第{self.round}轮检查人员匹配"

    def get_absolute_url(self) -> str:
        return reverse("public:matching", args=[self.pk])

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("检查人员匹配结果已锁定，不能删除")

    def public_document(self) -> dict[str, Any]:
        """The published record (spotcheck.matching/2): each visit's eligibility lists are
        replaced by a keyed commitment, so that recusals are not disclosed."""
        return matching_public.public_document(
            self.document, self.commitment_salt, self.public_seed_source()
        )

    def public_seed_source(self) -> dict[str, Any] | None:
        """How the matching's seed was made, as published in its teams.json, so that the
        verifier recomputes it from the record alone: a round's draws' seeds, an event's
        ceremony (witnesses, as on the public matching page, and the beacon) or a re-check's
        original seed. Only what the rule needs; None for a source of no known kind."""
        source = self.seed_source
        if self.event_id is not None:
            return {
                "kind": "event",
                "rule": source["rule"],
                "witnesses": [
                    {"name": w["name"], "digits": w["digits"]} for w in source["witnesses"]
                ],
                "beacon": source["beacon"],
            }
        if self.round is not None and "draws" in source:
            return {
                "kind": "round",
                "rule": source["rule"],
                "draws": [
                    {"item": d["item"], "draw_id": d["draw_id"], "seed": d["seed"]}
                    for d in source["draws"]
                ],
            }
        if self.round is None and "original_seed" in source:
            return {
                "kind": "recheck",
                "rule": source["rule"],
                "original_visit": source["original_visit"],
                "original_seed": source["original_seed"],
            }
        return None

    def verification_kit(self) -> dict[str, Any]:
        """The supervisors' kit: the salt and the lists that open the commitments (private)."""
        return matching_public.verification_kit(self.document, self.commitment_salt)


class LockedQuerySet(models.QuerySet["TeamMember"]):
    def delete(self) -> Any:
        raise ValueError("检查组已锁定，不能删除成员（只能按规则替换）")

    def update(self, **kwargs: Any) -> int:
        raise ValueError("检查组已锁定，只能通过替换操作修改")


class TeamMember(models.Model):
    """A seat on a visit's team; locked once matched, replaced only by rule."""

    class Role(models.TextChoices):
        LEADER = "leader", "组长"
        MEMBER = "member", "组员"

    matching = models.ForeignKey(TeamMatching, on_delete=models.PROTECT, related_name="members")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="members")
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="team_seats")
    role = models.CharField("角色", max_length=10, choices=Role.choices)
    seat = models.PositiveSmallIntegerField("席位")
    pool = models.CharField("所属单位/部门", max_length=200)
    qualification = models.CharField("资格席位", max_length=100, blank=True)
    ticket = models.CharField("匹配号", max_length=100)
    eligibility = models.TextField("符合条件的说明")
    replaced_at = models.DateTimeField("被替换时间", null=True, blank=True)
    replaced_reason = models.CharField("替换原因", max_length=200, blank=True)
    replacement = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = LockedQuerySet.as_manager()

    class Meta:
        verbose_name = "检查组成员"
        verbose_name_plural = "检查组成员"
        ordering = ["visit", "replaced_at", "-role", "ticket"]

    def __str__(self) -> str:
        return f"{self.visit.visit_key}：{self.inspector.name}（{self.get_role_display()}）"

    _REPLACEMENT_FIELDS = frozenset({"replaced_at", "replaced_reason", "replacement"})
    _ROLE_FIELDS = frozenset({"role"})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            fields = set(kwargs.get("update_fields") or ())
            # Only two changes are allowed after matching, both made by replace_team_member:
            # recording a replacement once, and the leader role moving after a replacement.
            if not fields or not (fields <= self._REPLACEMENT_FIELDS | self._ROLE_FIELDS):
                raise ValueError("检查组已锁定，只能通过替换操作修改")
            if fields & self._REPLACEMENT_FIELDS:
                stored = TeamMember.objects.filter(pk=self.pk).values("replaced_at").get()
                if stored["replaced_at"] is not None:
                    raise ValueError("该成员已被替换，不能再次修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("检查组已锁定，不能删除成员（只能按规则替换）")

    @property
    def is_current(self) -> bool:
        return self.replaced_at is None


class NoticeCounter(models.Model):
    """The last 检查通知书 number given by a unit in a year. The issuing transaction locks this
    row (select_for_update; on SQLite the IMMEDIATE transaction holds the write lock), so
    numbers are unique and gap-free even when two people issue at once."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年份")
    last = models.PositiveIntegerField("已用到的序号", default=0)

    class Meta:
        verbose_name = "通知书编号计数"
        verbose_name_plural = "通知书编号计数"
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="notice_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit}{self.year}年：{self.last}"


class Notice(models.Model):
    """A visit's 检查通知书: its number (per unit and year), who issued it, how it reached the
    entity. Written only by the actions in spotcheck.inspections.actions.notices (audited)."""

    UNANNOUNCED = "unannounced"

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="notices")
    unit = models.ForeignKey(Unit, verbose_name="编号单位", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("编号年份")
    n = models.PositiveIntegerField("序号")
    number = models.CharField("通知书编号", max_length=200)
    issued_at = models.DateTimeField("签发时间")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_by_label = models.CharField("签发人", max_length=150)
    delivery_method = models.CharField(
        "通知方式", max_length=20, choices=list(DELIVERY_METHODS.items()), blank=True
    )
    delivered_at = models.DateTimeField("通知时间", null=True, blank=True)
    delivery_recorded_by = models.CharField("通知登记人", max_length=150, blank=True)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)

    objects = NoBulkUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = "检查通知书"
        verbose_name_plural = "检查通知书"
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "n"], name="notice_number_unique"),
            models.UniqueConstraint(
                fields=["visit"],
                condition=models.Q(voided_at__isnull=True),
                name="one_current_notice_per_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}（{self.visit.entity_name}）"

    @property
    def is_unannounced(self) -> bool:
        return self.delivery_method == self.UNANNOUNCED


class ExpectedLoad(models.Model):
    """What the fairness statistics compare an inspector's seats with, stored when a matching is
    saved (inspections.expectations.record_expectations), per (visits' responsible unit, item):
    the visits of the matching where the inspector was eligible, the seats expected under the
    rules (each visit's seats of a pool shared equally among its eligible inspectors) and the
    seats held now. `item` empty: every visit of the matching once; else the visits covering
    the item (a joint visit counts under each of its items)."""

    matching = models.ForeignKey(TeamMatching, on_delete=models.CASCADE, related_name="loads")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        PlanItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="+")
    eligible = models.PositiveIntegerField("可参与的检查任务数")
    expected = models.FloatField("期望次数")
    seats = models.PositiveIntegerField("实际次数（现任）")

    class Meta:
        verbose_name = "期望检查次数"
        verbose_name_plural = "期望检查次数"
        constraints = [
            models.UniqueConstraint(
                fields=["matching", "unit", "item", "inspector"], name="one_load_per_group"
            ),
            models.UniqueConstraint(
                fields=["matching", "unit", "inspector"],
                condition=models.Q(item__isnull=True),
                name="one_whole_load_per_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.matching_id} {self.inspector_id}: {self.expected:.2f}"


class MatchingTally(models.Model):
    """Counts of a matching per (visits' responsible unit, item; `item` empty: every visit
    once), stored with ExpectedLoad: inspectors excluded by reason (`kind` excluded, `reason` a
    key of lib.matching.EXCLUSION_LABELS), seats replaced by the reason written (`replaced`),
    replacements beyond a load cap (`over_cap`, no reason)."""

    class Kind(models.TextChoices):
        EXCLUDED = "excluded", "排除"
        REPLACED = "replaced", "替换"
        OVER_CAP = "over_cap", "超出工作量上限的替换"

    matching = models.ForeignKey(TeamMatching, on_delete=models.CASCADE, related_name="tallies")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        PlanItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=200, blank=True)
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = "匹配计数"
        verbose_name_plural = "匹配计数"

    def __str__(self) -> str:
        return f"{self.matching_id} {self.kind} {self.reason}: {self.count}"
