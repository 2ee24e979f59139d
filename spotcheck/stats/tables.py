"""What the statistics count (Scope: one agency's plans, narrowed by year, plan, item and unit)
and what they show (Table), shared by every section of the dashboard (selectors, fairness)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from spotcheck.accounts.models import Agency, Unit
from spotcheck.inspections.models import TeamMatching, Visit, VisitItem
from spotcheck.lib.report import CHARTS
from spotcheck.plans.models import Plan, PlanItem


def fetch_rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """A plain statement's rows (no per-value converters): the sections read a few hundred
    stored rows per request, and building the ORM's SQL for them cost more than running it."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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

    def plans_sql(self) -> tuple[str, list[Any]]:
        """`plans()` as plain SQL: the condition on plans_plan `p`, and its parameters (the
        sections that read stored counts skip the ORM's building and compiling)."""
        where, params = "p.agency_id = %s", [self.agency.pk]
        if self.year is not None:
            where += " AND p.year = %s"
            params.append(self.year)
        if self.plan is not None:
            where += " AND p.id = %s"
            params.append(self.plan.pk)
        return where, params

    def items_sql(self, alias: str) -> tuple[str, list[Any]]:
        """What `items()` adds to its plans' items as plain SQL: conditions on plans_planitem
        `alias` (each starting with AND; none without an item or unit), and their parameters."""
        where, params = "", []
        if self.item is not None:
            where += f" AND {alias}.id = %s"
            params.append(self.item.pk)
        if self.unit is not None:
            where += f" AND {alias}.responsible_unit_id = %s"
            params.append(self.unit.pk)
        return where, params

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
        """The visits with an item in scope: a unit's are those with one of its items (the
        item's responsible unit, as everywhere in the statistics), whichever unit leads."""
        return Visit.objects.filter(
            plan__in=self.plans(),
            recheck_of__isnull=True,
            pk__in=self.visit_items().values("visit"),
        )

    def matchings(self) -> QuerySet[TeamMatching]:
        return TeamMatching.objects.filter(plan__in=self.plans())
