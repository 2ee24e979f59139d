"""Stored counts the statistics read instead of the result rows (issue 13: the dashboard at a
million results). Kept exactly by `spotcheck.stats.facts.refresh_visits`, called by every
action that changes what is counted, and rebuilt whole by `spotcheck stats-rebuild`.

- `VisitFact`: what one visit contributes (the ledger): a row per (kind, key) the visit counts
  under — its review state, the months it was inspected, submitted, reviewed and published, its
  publication deadline, and per item result its category by town and by risk level at the
  draw, per measure its kind and state. Refreshing a visit subtracts its old rows from the
  totals and adds the new ones.
- `Fact`: the totals of the ledger per (plan, items, kind, key), what the tables read.
- `EntityCheck`: per entity and year, the last inspection date of an approved result (the
  coverage tables count entities by their last check in a window).

`items` is the comma-joined sorted ids of the plan items the visit covers (visit-level kinds:
a visit counts once for any item or unit filter that takes one of its items) or one item's id
(kinds counted per item result or measure).
"""

from __future__ import annotations

from django.db import models


class Fact(models.Model):
    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="+")
    items = models.CharField("抽查事项", max_length=400)
    kind = models.CharField("类别", max_length=20)
    key = models.CharField("取值", max_length=200)
    n = models.BigIntegerField("数量")
    total = models.BigIntegerField("合计（如办结天数）", default=0)

    class Meta:
        verbose_name = "统计汇总"
        verbose_name_plural = "统计汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "kind", "items", "key"], name="stats_fact_unique"
            )
        ]
        indexes = [
            # what the tables read, without the table (SQLite has no INCLUDE): a plan's kind by
            # key range (the deadlines of this month) and whole
            models.Index(
                fields=["plan", "kind", "key", "items", "n", "total"], name="stats_fact_read"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.items} {self.kind} {self.key}: {self.n}"


class VisitFact(models.Model):
    visit = models.ForeignKey(
        # kept when the visit goes: refresh_visits subtracts it from the totals then
        "inspections.Visit",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    plan = models.ForeignKey(
        "plans.Plan", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    items = models.CharField("抽查事项", max_length=400)
    kind = models.CharField("类别", max_length=20)
    key = models.CharField("取值", max_length=200)
    n = models.BigIntegerField("数量")
    total = models.BigIntegerField("合计", default=0)

    class Meta:
        verbose_name = "检查任务的统计"
        verbose_name_plural = "检查任务的统计"

    def __str__(self) -> str:
        return f"{self.visit_id} {self.kind} {self.key}: {self.n}"


class EntityCheck(models.Model):
    entity = models.ForeignKey(
        "registry.Entity",
        on_delete=models.CASCADE,
        related_name="stats_checks",
        db_constraint=False,
    )
    year = models.PositiveSmallIntegerField("年度")
    last_on = models.DateField("该年最后一次检查日期（已审核）")

    class Meta:
        verbose_name = "对象年度检查"
        verbose_name_plural = "对象年度检查"
        constraints = [
            models.UniqueConstraint(fields=["entity", "year"], name="stats_entitycheck_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.year}: {self.last_on}"


class CoverageCount(models.Model):
    """Operating entities of an agency's directory counted by what the coverage tables group
    them by and by their approved checks (`spotcheck.stats.coverage` keeps it and says how).

    A row per (agency, types, dimension, value, grain, year, later, last_day):
    - `types`: "*" every entity, a target type's id its entities, "-" entities of no type;
    - `dimension`/`value`: "town" and its town, "risk" and its risk level, "all" and "";
    - grain "y": year 0 the entity itself (each counted once per key), else a year with an
      approved check that is not its latest, with the next such year (`later`);
    - grain "m" and "d": the year of its latest check (later 0) and that year's last
      inspection date, as yyyymm00 ("m", by month) and as yyyymmdd ("d", by day): each latest
      check is counted at both grains, read by month except in a window's first month.
    """

    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="+")
    types = models.CharField("检查对象类型", max_length=20)
    dimension = models.CharField("分组", max_length=10)
    value = models.CharField("分组取值", max_length=50)
    grain = models.CharField("粒度", max_length=1)
    year = models.PositiveSmallIntegerField("检查年度（0为对象本身）")
    later = models.PositiveSmallIntegerField("下一检查年度（0为无）")
    last_day = models.IntegerField("最近一次检查日期（yyyymmdd，按月为yyyymm00）")
    n = models.BigIntegerField("对象数")

    class Meta:
        verbose_name = "名录覆盖计数"
        verbose_name_plural = "名录覆盖计数"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "agency",
                    "grain",
                    "types",
                    "dimension",
                    "last_day",
                    "value",
                    "year",
                    "later",
                ],
                name="stats_coveragecount_unique",
            )
        ]
        indexes = [
            # what the coverage tables read by year and month, without the table (SQLite has
            # no INCLUDE): the unique index above serves the day ranges
            models.Index(
                fields=[
                    "agency",
                    "grain",
                    "types",
                    "dimension",
                    "value",
                    "year",
                    "later",
                    "last_day",
                    "n",
                ],
                name="stats_coverage_read",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.types} {self.dimension}={self.value} {self.year}: {self.n}"


class FactsLayout(models.Model):
    """One row: the layout version of the stored counts (`spotcheck.stats.layout`), written by
    `rebuild_facts()`; older than the code's means `spotcheck stats-rebuild` has not been run."""

    version = models.PositiveIntegerField("统计数据结构版本")
    rebuilt_at = models.DateTimeField("重建时间", null=True, blank=True)

    class Meta:
        verbose_name = "统计数据结构版本"
        verbose_name_plural = "统计数据结构版本"

    def __str__(self) -> str:
        return f"layout {self.version}"


class FairnessLoad(models.Model):
    """The fairness section's inspector figures (`spotcheck.stats.fairness_totals` keeps them):
    inspections.ExpectedLoad summed over a plan's round and event matchings, per (visits'
    responsible unit, item, inspector). `item` 0: every visit once (ExpectedLoad's empty item;
    a number, not a key, so that the upsert's conflict target has no NULL). The sums are plain
    integers: the upsert's inserted row carries the differences, which may be negative."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    item = models.BigIntegerField("抽查事项（0为整个检查任务）")
    inspector = models.ForeignKey("registry.Inspector", on_delete=models.PROTECT, related_name="+")
    matchings = models.IntegerField("计入的匹配数")
    eligible = models.IntegerField("可参与的检查任务数")
    expected = models.FloatField("期望次数")
    seats = models.IntegerField("实际次数（现任）")

    class Meta:
        verbose_name = "执法人员检查次数汇总"
        verbose_name_plural = "执法人员检查次数汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "unit", "item", "inspector"], name="stats_fairnessload_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.unit_id} {self.item} {self.inspector_id}: {self.seats}"


class FairnessTally(models.Model):
    """inspections.MatchingTally summed over a plan's round and event matchings, per (visits'
    responsible unit, item (0: every visit once), kind, reason); kept with FairnessLoad. A
    total of 0 stays while a matching has a row for it (the tables list every reason named)."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    item = models.BigIntegerField("抽查事项（0为整个检查任务）")
    kind = models.CharField("类别", max_length=10)
    reason = models.CharField("原因", max_length=200, blank=True)
    matchings = models.IntegerField("计入的匹配数")
    count = models.IntegerField("次数")

    class Meta:
        verbose_name = "匹配计数汇总"
        verbose_name_plural = "匹配计数汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "unit", "item", "kind", "reason"], name="stats_fairnesstally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.unit_id} {self.item} {self.kind} {self.reason}: {self.count}"
