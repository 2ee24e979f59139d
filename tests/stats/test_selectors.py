"""The dashboard's tables against counts computed independently: plain Python over the rows of
the demo round (tests/stats/conftest.py), never through the selectors' queries."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from django.core.cache import cache

from spotcheck.draws.models import Draw, DrawSelection
from spotcheck.inspections.models import TeamMatching, TeamMember, Visit, VisitItem
from spotcheck.lib.report import CHARTS
from spotcheck.lib.results import CATEGORIES, CategoryKind
from spotcheck.lib.stats import chi_square_sf, position_bins
from spotcheck.registry.models import Entity
from spotcheck.results.models import ItemResult, Measure, Result
from spotcheck.stats.selectors import TABLE_SECTIONS, dashboard_tables, section_of
from spotcheck.stats.tables import Table
from tests.stats.conftest import TODAY

pytestmark = pytest.mark.django_db


# The demo round takes seconds to build: one test builds it and runs every check on it (each
# check a function below, named for what it checks, so a failure names the table).
def test_the_dashboard_agrees_with_counts_computed_from_the_rows(demo, unit):
    for check in CHECKS:
        if "unit" in check.__code__.co_varnames[: check.__code__.co_argcount]:
            check(demo, unit)
        else:
            check(demo)


APPROVED = {"approved", "published"}
KIND = {c.code: c.kind for c in CATEGORIES}
LABEL = {c.code: c.label for c in CATEGORIES}


def tables(demo, **filters) -> dict[str, Table]:
    found = dashboard_tables(agency=demo.plan.agency, today=TODAY, **filters)
    keyed = {t.key: t for t in found}
    assert len(keyed) == len(found), "table keys are unique"
    return keyed


def column(table: Table, name: str) -> dict[str, object]:
    index = table.columns.index(name)
    return {row[0]: row[index] for row in table.rows}


def result_of(visit: Visit) -> Result | None:
    return Result.objects.filter(visit=visit).first()


def item_label(item) -> str:
    return f"事项{item.label or item.number} {item.name}"


def check_every_table_keeps_the_contract(demo):
    for table in dashboard_tables(agency=demo.plan.agency, today=TODAY):
        assert table.chart in CHARTS
        assert table.columns and table.title
        for row in table.rows:
            assert len(row) == len(table.columns)
            assert isinstance(row[0], str)
    with pytest.raises(ValueError):
        Table("x", "x", ["a"], [], "radar")
    with pytest.raises(ValueError):
        Table("x", "x", ["a", "b"], [["only one"]], "bar")


def check_progress_per_item_matches_the_rows(demo):
    table = tables(demo)["progress_items"]
    visit_items = list(
        VisitItem.objects.filter(visit__recheck_of__isnull=True).select_related("visit", "item")
    )
    expected: dict[str, Counter] = defaultdict(Counter)
    for vi in visit_items:
        result = result_of(vi.visit)
        c = expected[item_label(vi.item)]
        if result is None:
            continue
        c["已检查"] += result.inspected_on is not None
        c["已录入"] += result.state in {"pending", "returned", "approved", "published"}
        c["已审核"] += result.state in APPROVED
        c["已公示"] += result.state == "published"
        c["逾期未公示"] += (
            result.state != "published" and result.due_on is not None and result.due_on < TODAY
        )
    drawn: Counter = Counter()
    for selection in DrawSelection.objects.filter(draw__status="executed").select_related(
        "draw__item"
    ):
        if not hasattr(selection, "replaced_by"):
            drawn[item_label(selection.draw.item)] += 1
    for name in ("已检查", "已录入", "已审核", "已公示", "逾期未公示"):
        got = column(table, name)
        for label, value in got.items():
            assert value == expected[label][name], (label, name)
    assert column(table, "已抽取") == {
        item_label(i): drawn[item_label(i)] for i in demo.plan.items.all()
    }
    # planned: the minimum ratio of the pool, rounded up (5 % of the draw's population)
    planned = column(table, "计划")
    for draw in Draw.objects.filter(status="executed").select_related("item"):
        want = math.ceil(float(draw.item.ratio_percent) * draw.population_size / 100)
        assert planned[item_label(draw.item)] == want
    # the demo round has results in every state
    assert sum(column(table, "已审核").values()) > 0
    assert sum(column(table, "已公示").values()) > 0
    assert sum(column(table, "逾期未公示").values()) > 0
    assert sum(column(table, "已录入").values()) > sum(column(table, "已审核").values())


def check_progress_per_unit_sums_the_items(demo):
    found = tables(demo)
    by_unit = column(found["progress_units"], "已检查")
    expected: Counter = Counter()
    for vi in VisitItem.objects.select_related("visit", "item__responsible_unit"):
        result = result_of(vi.visit)
        if result is not None and result.inspected_on is not None:
            expected[vi.item.responsible_unit.name] += 1
    assert {k: v for k, v in by_unit.items() if v} == dict(expected)


def check_progress_per_month(demo):
    table = tables(demo)["progress_months"]
    months = Counter(
        f"{r.inspected_on:%Y-%m}" for r in Result.objects.all() if r.inspected_on is not None
    )
    assert {m: n for m, n in column(table, "检查").items() if n} == dict(months)
    published = Counter(
        f"{p.published_on:%Y-%m}"
        for r in Result.objects.filter(state="published")
        for p in r.publications.filter(withdrawn_at__isnull=True, superseded_at__isnull=True)
    )
    assert {m: n for m, n in column(table, "公示").items() if n} == dict(published)


def check_overdue_counts_back_from_any_day(demo):
    # the past months whole, the day's own month by day: days inside a month of deadlines
    unpublished = [
        (vi.item, r.due_on)
        for vi in VisitItem.objects.filter(visit__recheck_of__isnull=True).select_related("item")
        for r in [result_of(vi.visit)]
        if r is not None and r.state != "published" and r.due_on is not None
    ]
    deadlines = sorted({due for _item, due in unpublished})
    assert len({due.month for due in deadlines}) > 1, "deadlines in several months"
    middle = deadlines[len(deadlines) // 2]
    for day in (deadlines[0], middle, middle + timedelta(days=1), deadlines[-1]):
        found = {
            t.key: t
            for t in dashboard_tables(agency=demo.plan.agency, today=day, sections=["progress"])
        }
        per_item = Counter(item_label(item) for item, due in unpublished if due < day)
        got = column(found["progress_items"], "逾期未公示")
        assert {k: v for k, v in got.items() if v} == dict(per_item), day
        visits = Counter(
            f"{r.due_on:%Y-%m}"
            for r in Result.objects.filter(visit__recheck_of__isnull=True)
            if r.state != "published" and r.due_on is not None and r.due_on < day
        )
        months = column(found["progress_months"], "逾期未公示（按期限月份）")
        assert {m: n for m, n in months.items() if n} == dict(visits), day


def check_joint_checks_and_visits_saved(demo):
    table = tables(demo)["joint"]
    values = {row[0]: row[1] for row in table.rows}
    visits = list(Visit.objects.filter(recheck_of__isnull=True))
    items = sum(v.visit_items.count() for v in visits)
    assert values["检查任务（上门次数）"] == len(visits)
    assert values["检查的事项（如各查一次需上门的次数）"] == items
    assert values["合并检查节省的上门次数"] == items - len(visits) > 0
    assert values["联合检查（多单位、多部门一同上门）"] == sum(
        1 for v in visits if v.cooperating_pools
    )
    assert values["由联合检查建议合并的检查任务"] == sum(1 for v in visits if v.merged_from)


def _checked_entities(since: date) -> set[int]:
    return {
        r.visit.entity_id
        for r in Result.objects.select_related("visit")
        if r.state in APPROVED and r.inspected_on and since < r.inspected_on <= TODAY
    }


def check_coverage_by_type_town_and_risk(demo):
    found = tables(demo)
    checked = _checked_entities(date(2021, 8, 1))
    entities = list(Entity.objects.filter(status="active").prefetch_related("target_types"))
    by_type: Counter = Counter()
    by_type_checked: Counter = Counter()
    by_town: Counter = Counter()
    by_town_checked: Counter = Counter()
    for entity in entities:
        for t in entity.target_types.all():
            by_type[t.name] += 1
            by_type_checked[t.name] += entity.pk in checked
        by_town[entity.town] += 1
        by_town_checked[entity.town] += entity.pk in checked
    types = found["coverage_types"]
    assert column(types, "在营对象数") == dict(by_type)
    assert column(types, "近1年检查") == dict(by_type_checked)
    assert column(types, "从未检查") == {k: by_type[k] - by_type_checked[k] for k in by_type}
    share = column(types, "近1年占比（%）")
    for name in by_type:
        assert share[name] == pytest.approx(100 * by_type_checked[name] / by_type[name], abs=0.05)
    towns = found["coverage_towns"]
    assert column(towns, "在营对象数") == dict(by_town)
    assert column(towns, "近3年检查") == dict(by_town_checked)
    risk = found["coverage_risk"]
    assert list(column(risk, "在营对象数")) == ["低风险", "中低风险", "中风险", "高风险"]
    assert sum(column(risk, "在营对象数").values()) == len(entities)
    assert sum(column(risk, "近2年检查").values()) == len(checked) > 0


def check_coverage_counts_back_from_the_day(demo):
    # a year on, the 2022 checks are still within 2 years but no longer within 1
    later = dashboard_tables(agency=demo.plan.agency, today=date(2023, 12, 1))
    risk = {t.key: t for t in later}["coverage_risk"]
    assert sum(column(risk, "近1年检查").values()) == 0
    assert sum(column(risk, "近2年检查").values()) == len(_checked_entities(date(2021, 1, 1)))


def _approved_items():
    return [
        ir
        for ir in ItemResult.objects.select_related(
            "result",
            "visit_item__item__entity_type",
            "visit_item__visit__entity",
            "visit_item__selection",
        )
        if ir.result.state in APPROVED and ir.category
    ]


def check_findings_by_category_item_type_and_town(demo):
    found = tables(demo)
    items = _approved_items()
    assert column(found["findings_categories"], "事项检查数") == dict(
        Counter(LABEL[ir.category] for ir in items)
    )
    problems = Counter(
        item_label(ir.visit_item.item) for ir in items if KIND[ir.category] is CategoryKind.PROBLEM
    )
    got = column(found["findings_items"], "发现问题")
    assert {k: v for k, v in got.items() if v} == dict(problems)
    totals = Counter(ir.visit_item.item.entity_type.name for ir in items)
    assert column(found["findings_types"], "合计") == dict(totals)
    endings = Counter(
        ir.visit_item.visit.entity.town for ir in items if KIND[ir.category] is CategoryKind.ENDING
    )
    got = column(found["findings_towns"], "未能检查（结束情形）")
    assert {k: v for k, v in got.items() if v} == dict(endings)


def check_problem_rate_per_risk_level_with_wilson(demo):
    table = tables(demo)["problem_rate"]
    names = {"low": "低风险", "medium_low": "中低风险", "medium": "中风险", "high": "高风险"}
    checked: Counter = Counter()
    problems: Counter = Counter()
    for ir in _approved_items():
        kind = KIND[ir.category]
        if kind is CategoryKind.ENDING:
            continue
        level = names[ir.visit_item.selection.stratum]
        checked[level] += 1
        problems[level] += kind is CategoryKind.PROBLEM
    assert column(table, "检查事项数") == dict(checked)
    assert column(table, "发现问题") == dict(problems)
    z = 1.959963984540054
    for row in table.rows:
        n, k = checked[row[0]], problems[row[0]]
        p = k / n
        # the Wilson bounds, written out again
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        assert row[3] == pytest.approx(100 * p, abs=0.05)
        assert row[4] == pytest.approx(100 * max(0, centre - half), abs=0.05)
        assert row[5] == pytest.approx(100 * min(1, centre + half), abs=0.05)


def check_measures_open_closed_and_days_to_close(demo):
    table = tables(demo)["measures"]
    measures = list(Measure.objects.all())
    assert measures
    closed = [m for m in measures if m.closed_on]
    row = table.rows[0]
    assert row[0] == "违法处罚"
    assert row[1:3] == [len(measures) - len(closed), len(closed)]
    mean = sum((m.closed_on - m.opened_on).days for m in closed) / len(closed)
    assert row[3] == pytest.approx(mean, abs=0.05)


def _gini(xs):
    n, total = len(xs), sum(xs)
    return sum(abs(a - b) for a in xs for b in xs) / (2 * n * total) if total else 0.0


def check_inspector_loads_against_expected_from_the_eligible_pools(demo):
    found = tables(demo)
    per_inspector = found["fairness_inspectors"]
    matching = TeamMatching.objects.get(plan=demo.plan, round=1)
    expected: dict[str, float] = defaultdict(float)
    for visit in matching.document["visits"]:
        for pool, ids in visit["eligible"].items():
            seats = sum(1 for s in visit["seats"] if s["pool"] == pool)
            for inspector in ids:
                expected[inspector] += seats / len(ids)
    actual = Counter(
        m.inspector.certificate_number
        for m in TeamMember.objects.filter(replaced_at__isnull=True).select_related("inspector")
    )
    label = {}
    units: dict[str, list[int]] = defaultdict(list)
    for m in TeamMember.objects.select_related("inspector__unit", "inspector__agency"):
        person = m.inspector
        unit_name = person.unit.name if person.unit else person.agency.name
        label[person.certificate_number] = f"{person.name}（{unit_name}）"
    got = column(per_inspector, "实际次数")
    want = column(per_inspector, "期望次数")
    for number, name in label.items():
        assert got[name] == actual[number]
        assert want[name] == pytest.approx(expected[number], abs=0.005)
    assert sum(got.values()) == TeamMember.objects.filter(replaced_at__isnull=True).count()
    # spread per unit
    for number, name in label.items():
        units[name.split("（")[1].rstrip("）")].append(actual[number])
    spread = found["fairness_units"]
    for unit_name, loads in units.items():
        assert column(spread, "检查次数")[unit_name] == sum(loads)
        assert column(spread, "最多")[unit_name] == max(loads)
        assert column(spread, "最多/平均")[unit_name] == pytest.approx(
            max(loads) / (sum(loads) / len(loads)), abs=0.005
        )
        assert column(spread, "基尼系数")[unit_name] == pytest.approx(_gini(loads), abs=0.0005)


def check_exclusions_and_replacements(demo):
    found = tables(demo)
    matching = TeamMatching.objects.get(plan=demo.plan, round=1)
    totals: Counter = Counter()
    for visit in matching.document["visits"]:
        totals.update(visit["excluded"])
    got = column(found["exclusions"], "人次")
    assert got["回避关系"] == totals["recused"]
    assert got["执法证过期"] == totals["certificate_expired"] > 0
    assert sum(got.values()) == sum(totals.values())
    replaced = column(found["replacements"], "次数")
    assert replaced["检查组成员：出差"] == 1


def check_draw_counts_against_inclusion_probabilities(demo):
    table = tables(demo)["draw_fairness"]
    values = {row[0]: row[1] for row in table.rows}
    draws = list(Draw.objects.filter(status="executed").order_by("pk"))
    distinct: dict[tuple, Draw] = {}
    for d in draws:
        distinct.setdefault((d.seed, d.population_hash, str(sorted(d.allocation.items()))), d)
    assert values["已执行的抽取"] == len(draws)
    assert values["与另一抽取同种子、同名录（合并计算）"] == len(draws) - len(distinct)
    # recomputed from each distinct draw's frozen population and its drawn selections
    population = statistic = 0.0
    groups = df = 0
    for d in distinct.values():
        drawn = defaultdict(list)
        for s in DrawSelection.objects.filter(draw=d, kind="drawn"):
            drawn[s.stratum].append(s.public_id)
        for stratum, ids in d.population_strata().items():
            p = min(1.0, d.allocation.get(stratum, 0) / len(ids))
            found = position_bins(ids, drawn[stratum], p)
            population += len(ids)
            groups += len(found)
            df += len(found) - 1
            statistic += sum((b.observed - b.expected) ** 2 / b.expected for b in found if p)
    allocated = sum(sum(d.allocation.values()) for d in distinct.values())
    assert values["名录中参与抽取的对象（各抽取人次相加）"] == population
    assert values["抽中（不含替补）"] == allocated
    assert values["分组数"] == groups
    assert values["自由度"] == df
    assert values["卡方统计量"] == pytest.approx(statistic, abs=0.001)
    assert values["p值"] == pytest.approx(chi_square_sf(statistic, df), abs=0.0001)
    bins = tables(demo)["draw_fairness_bins"]
    assert sum(column(bins, "对象数").values()) == population
    assert sum(column(bins, "期望抽中").values()) == pytest.approx(allocated, abs=0.05)
    assert sum(column(bins, "实际抽中").values()) == allocated


def check_a_unit_sees_its_own_items_and_inspectors(demo, unit):
    found = tables(demo, unit=unit)
    own = {item_label(i) for i in demo.plan.items.filter(responsible_unit=unit)}
    assert set(column(found["progress_items"], "计划")) == own
    assert list(column(found["progress_units"], "计划")) == [unit.name]
    names = column(found["fairness_units"], "检查次数")
    assert list(names) == [unit.name]
    visits = Visit.objects.filter(responsible_unit=unit, recheck_of__isnull=True)
    values = {row[0]: row[1] for row in found["joint"].rows}
    assert values["检查任务（上门次数）"] == visits.count()


def check_a_units_findings_and_months_count_its_items_only(demo, unit):
    found = tables(demo, unit=unit)
    own = [ir for ir in _approved_items() if ir.visit_item.item.responsible_unit_id == unit.pk]
    assert own, "the demo round has approved results of the unit's items"
    assert column(found["findings_categories"], "事项检查数") == dict(
        Counter(LABEL[ir.category] for ir in own)
    )
    assert column(found["findings_items"], "合计") == dict(
        Counter(item_label(ir.visit_item.item) for ir in own)
    )
    measures = Measure.objects.filter(item_result__in=[ir.pk for ir in own])
    assert sum(row[1] + row[2] for row in found["measures"].rows) == measures.count()
    # visits (once each) with one of the unit's items, by month of inspection
    months = Counter(
        f"{r.inspected_on:%Y-%m}"
        for r in Result.objects.filter(
            visit__recheck_of__isnull=True, visit__visit_items__item__responsible_unit=unit
        ).distinct()
        if r.inspected_on is not None
    )
    assert {m: n for m, n in column(found["progress_months"], "检查").items() if n} == dict(months)


def check_filters_by_item_and_year(demo):
    item = demo.plan.items.get(number=1)
    found = tables(demo, item=item)
    assert list(column(found["progress_items"], "计划")) == [item_label(item)]
    hotels = Entity.objects.filter(status="active", target_types=item.entity_type).count()
    assert sum(column(found["coverage_types"], "在营对象数").values()) == hotels
    nothing = tables(demo, year=2030)
    assert nothing["progress_items"].rows == []
    assert nothing["findings_categories"].rows == []


def check_sections_and_the_key_index(demo):
    everything = dashboard_tables(agency=demo.plan.agency, today=TODAY)
    assert {t.key: section_of(t.key) for t in everything} == TABLE_SECTIONS
    only = dashboard_tables(agency=demo.plan.agency, today=TODAY, sections=["coverage"])
    assert [t.key for t in only] == ["coverage_types", "coverage_towns", "coverage_risk"]
    assert section_of("nonsense") is None


CHECKS = [
    check_every_table_keeps_the_contract,
    check_progress_per_item_matches_the_rows,
    check_progress_per_unit_sums_the_items,
    check_progress_per_month,
    check_overdue_counts_back_from_any_day,
    check_joint_checks_and_visits_saved,
    check_coverage_by_type_town_and_risk,
    check_coverage_counts_back_from_the_day,
    check_findings_by_category_item_type_and_town,
    check_problem_rate_per_risk_level_with_wilson,
    check_measures_open_closed_and_days_to_close,
    check_inspector_loads_against_expected_from_the_eligible_pools,
    check_exclusions_and_replacements,
    check_draw_counts_against_inclusion_probabilities,
    check_a_unit_sees_its_own_items_and_inspectors,
    check_a_units_findings_and_months_count_its_items_only,
    check_filters_by_item_and_year,
    check_sections_and_the_key_index,
]


def check_kept_figures_equal_fresh_ones(demo):
    cache.clear()
    fresh = dashboard_tables(agency=demo.plan.agency, today=TODAY)
    kept = dashboard_tables(agency=demo.plan.agency, today=TODAY)
    assert fresh == kept


CHECKS.append(check_kept_figures_equal_fresh_ones)
