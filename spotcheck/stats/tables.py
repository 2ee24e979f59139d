"""What the statistics count (Scope: one agency's plans, narrowed by year, plan, item and unit)
and what they show (Table), shared by every section of the dashboard (selectors, fairness)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from spotcheck.accounts.models import Agency, Unit
from spotcheck.inspections.models import TeamMatching, Visit, VisitItem
from spotcheck.lib.report import CHARTS
from spotcheck.plans.models import Plan, PlanItem


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: str
    """One of CHARTS; the first column holds the category labels."""

    def __post_init__(self) -> None:
        if self.chart not in CHARTS:
            raise ValueError(f"unknown chart {self.chart!r}")
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"table {self.key}: row {row!r} does not fit {self.columns!r}")


@dataclass(frozen=True)
class Scope:
    """What the tables count: one agency's plans, narrowed by year, plan, item and unit."""

    agency: Agency
    unit: Unit | None = None
    year: int | None = None
    plan: Plan | None = None
    item: PlanItem | None = None
    today: date | None = None

    @property
    def as_of(self) -> date:
        """The day coverage counts back from: today, or the end of an earlier filtered year."""
        today = self.today or timezone.localdate()
        year = self.year or (self.plan.year if self.plan else None)
        if year is not None and year < today.year:
            return date(year, 12, 31)
        return today

    def plans(self) -> QuerySet[Plan]:
        plans = Plan.objects.filter(agency=self.agency)
        if self.year is not None:
            plans = plans.filter(year=self.year)
        if self.plan is not None:
            plans = plans.filter(pk=self.plan.pk)
        return plans

    def items(self) -> QuerySet[PlanItem]:
        items = PlanItem.objects.filter(plan__in=self.plans())
        if self.item is not None:
            items = items.filter(pk=self.item.pk)
        if self.unit is not None:
            items = items.filter(responsible_unit=self.unit)
        return items

    def visit_items(self) -> QuerySet[VisitItem]:
        """The items of the plan's visits (re-checks excluded) in scope."""
        return VisitItem.objects.filter(
            item__in=self.items(), visit__recheck_of__isnull=True, visit__plan__in=self.plans()
        )

    def visits(self) -> QuerySet[Visit]:
        visits = Visit.objects.filter(
            plan__in=self.plans(),
            recheck_of__isnull=True,
            pk__in=self.visit_items().values("visit"),
        )
        if self.unit is not None:
            visits = visits.filter(responsible_unit=self.unit)
        return visits

    def matchings(self) -> QuerySet[TeamMatching]:
        return TeamMatching.objects.filter(plan__in=self.plans())
