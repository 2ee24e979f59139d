"""Coverage read from the stored counts (spotcheck.stats.coverage) equals a count over the rows
for windows that start on, just before and just after an inspection day, for as-of today and
as-of the end of an earlier year, by type, town and risk level, with and without an item."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from spotcheck.registry.models import Entity
from spotcheck.results.models import Result
from spotcheck.stats.facts import APPROVED
from spotcheck.stats.selectors import COVERAGE_YEARS, _years_before, coverage_tables
from spotcheck.stats.tables import Scope

pytestmark = pytest.mark.django_db


def expected(as_of: date, target_type: int | None) -> dict[str, dict[str, list[int]]]:
    """Per table and group: operating entities, checked in each window, never checked."""
    dates: dict[int, list[date]] = {}
    for entity_id, day in Result.objects.filter(
        state__in=APPROVED, inspected_on__isnull=False, visit__entity__isnull=False
    ).values_list("visit__entity_id", "inspected_on"):
        dates.setdefault(entity_id, []).append(day)
    entities = Entity.objects.filter(status="active").prefetch_related("target_types")
    found: dict[str, dict[str, list[int]]] = {"type": {}, "town": {}, "risk": {}}
    labels = {"low": "低风险", "medium_low": "中低风险", "medium": "中风险", "high": "高风险"}
    for entity in entities:
        types = [t.pk for t in entity.target_types.all()]
        if target_type is not None and target_type not in types:
            continue
        days = [d for d in dates.get(entity.pk, []) if d <= as_of]
        values = [1]
        for n in COVERAGE_YEARS:
            start = _years_before(as_of, n)
            values.append(int(any(start < d for d in days)))
        values.append(int(not days))
        names = [t.name for t in entity.target_types.all()] or ["未填写"]
        if target_type is not None:
            names = [t.name for t in entity.target_types.all() if t.pk == target_type]
        groups = [
            ("town", entity.town or "未填写"),
            ("risk", labels.get(entity.risk_level, "未评定")),
        ]
        for dimension, name in [*(("type", n) for n in names), *groups]:
            counted = found[dimension].setdefault(name, [0] * len(values))
            for i, v in enumerate(values):
                counted[i] += v
    return found


def shown(scope: Scope) -> dict[str, dict[str, list[int]]]:
    keys = {"coverage_types": "type", "coverage_towns": "town", "coverage_risk": "risk"}
    found: dict[str, dict[str, list[int]]] = {}
    for table in coverage_tables(scope):
        counts = [table.columns.index(c) for c in table.columns if "检查" in c and "占比" not in c]
        entities = table.columns.index("在营对象数")
        found[keys[table.key]] = {
            row[0]: [row[entities], *(row[i] for i in counts)] for row in table.rows
        }
    return found


def test_coverage_windows_match_a_count_over_the_rows(demo):
    agency = demo.plan.agency
    days = sorted(
        set(Result.objects.filter(state__in=APPROVED).values_list("inspected_on", flat=True))
    )
    assert len(days) >= 3
    middle = days[len(days) // 2]
    item = demo.plan.items.get(number=1)
    todays = [days[-1] + timedelta(days=1), date(middle.year + 3, 12, 31)]
    for years in COVERAGE_YEARS:
        # windows starting the day before, on and after an inspection day
        todays += [
            date(middle.year + years, middle.month, middle.day) + timedelta(days=shift)
            for shift in (-1, 0, 1)
        ]
    for today in todays:
        for scope, target_type in (
            (Scope(agency=agency, today=today), None),
            (Scope(agency=agency, today=today, item=item), item.entity_type_id),
        ):
            assert shown(scope) == expected(scope.as_of, target_type), (today, target_type)
    # as-of the end of an earlier year (2022, seen from 2024)
    scope = Scope(agency=agency, today=date(2024, 3, 1), year=2022)
    assert scope.as_of == date(2022, 12, 31)
    assert shown(scope) == expected(scope.as_of, None)
