"""Issue 13, "Done when": on the demo year (`spotcheck demo-year`, the 2022 plan played to the
end through the real actions) the dashboard, the public statistics page and the annual summary
workbook agree with each other and with counts computed here from the rows."""

from __future__ import annotations

import io
from collections import Counter, defaultdict

import openpyxl
import pytest
from django.db.models import Count

from spotcheck.accounts.models import Unit
from spotcheck.draws.actions import active_selections
from spotcheck.draws.models import Draw, DrawBin
from spotcheck.inspections.models import ExpectedLoad, TeamMatching, TeamMember, Visit, VisitItem
from spotcheck.lib.report import write_report
from spotcheck.lib.results import CATEGORIES, CategoryKind
from spotcheck.plans.models import Plan
from spotcheck.public.models import PublishedItem, PublishedResult
from spotcheck.registry.models import Inspector
from spotcheck.results.models import ItemResult, Measure, Result
from spotcheck.stats.facts import rebuild_facts
from spotcheck.stats.fairness import EXCLUSION_LABELS
from spotcheck.stats.selectors import dashboard_tables, public_tables
from tests.stats.test_facts import differences, stored

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_demo_year")]

LABEL = {c.code: c.label for c in CATEGORIES}
KIND = {c.code: c.kind for c in CATEGORIES}


@pytest.fixture
def year(shared_demo_year, shared_copy) -> Plan:
    """The played year (tests/conftest.py: shared_demo_year, played once for the worker's
    modules that share it); each test runs in a savepoint of it."""
    return shared_copy(shared_demo_year.plan)


def column(table, name):
    index = table.columns.index(name)
    return {row[0]: row[index] for row in table.rows}


def label(item) -> str:
    return f"事项{item.label or item.number} {item.name}"


def test_dashboard_public_page_and_summary_agree_on_the_demo_year(year):
    dashboard = {t.key: t for t in dashboard_tables(agency=year.agency, year=year.year)}
    public = {t.key: t for t in public_tables(threshold=1, year=year.year)}

    # counted here from the rows: the year's item checks of planned visits (not re-checks)
    planned = [
        ir
        for ir in ItemResult.objects.select_related("result__visit", "visit_item__item")
        if ir.result.visit.recheck_of_id is None
    ]
    published = [ir for ir in planned if ir.result.state == "published"]
    assert published and len(published) == len(planned)  # the demo publishes everything
    per_item = Counter(label(ir.visit_item.item) for ir in published)
    categories = Counter(LABEL[ir.category] for ir in published)

    dash_published = {k: v for k, v in column(dashboard["progress_items"], "已公示").items() if v}
    public_published = column(public["public_items"], "公示的事项检查")
    assert dash_published == public_published == dict(per_item)
    assert len(per_item) == 12  # every item of the plan, event-driven ones included
    assert column(dashboard["findings_categories"], "事项检查数") == dict(categories)
    assert column(public["public_categories"], "事项检查数") == dict(categories)
    for kind, name in ((CategoryKind.PROBLEM, "发现问题"), (CategoryKind.CLEAN, "未发现问题")):
        want = Counter(label(ir.visit_item.item) for ir in published if KIND[ir.category] is kind)
        dash = {k: v for k, v in column(dashboard["findings_items"], name).items() if v}
        pub = {k: v for k, v in column(public["public_items"], name).items() if v}
        assert dash == pub == dict(want)
    assert column(dashboard["problem_rate"], "发现问题") == column(
        public["public_risk"], "发现问题"
    )
    # the public page's other tables (read from the stored counts), counted here from the live
    # published records and the draws
    live = PublishedResult.objects.filter(
        plan=year, superseded_at=None, withdrawn_at=None, result__visit__recheck_of=None
    )
    assert column(public["public_months"], "检查对象数") == dict(
        Counter(f"{r.published_on:%Y-%m}" for r in live)
    )
    live_items = [
        i
        for i in PublishedItem.objects.filter(published__in=live).select_related(
            "plan_item__entity_type"
        )
        if i.category
    ]
    types = Counter(
        i.plan_item.entity_type.name if i.plan_item.entity_type else "未指定" for i in live_items
    )
    assert column(public["public_types"], "合计") == dict(types)
    checked = [i for i in live_items if KIND[i.category] is not CategoryKind.ENDING]
    assert sum(column(public["public_risk"], "检查事项数").values()) == len(checked)
    drawn = {
        label(item): sum(
            len(active_selections(d)) for d in item.draws.filter(status=Draw.Status.EXECUTED)
        )
        for item in year.items.all()
    }
    for name, n in column(public["public_items"], "抽中检查对象").items():
        assert n == drawn[name]

    months = Counter(f"{r.inspected_on:%Y-%m}" for r in Result.objects.all() if r.inspected_on)
    got = column(dashboard["progress_months"], "检查")
    assert {k: v for k, v in got.items() if v} == {
        m: n
        for m, n in Counter(
            f"{r.inspected_on:%Y-%m}" for r in Result.objects.filter(visit__recheck_of=None)
        ).items()
    }
    assert sum(months.values()) >= sum(got.values())
    measures = Measure.objects.filter(item_result__result__visit__recheck_of=None)
    table = dashboard["measures"]
    assert sum(r[1] + r[2] for r in table.rows) == measures.count()
    assert sum(r[1] for r in table.rows) == measures.filter(closed_on__isnull=True).count() > 0

    # the annual summary workbook holds the same figures, sheet by sheet
    stream = io.BytesIO()
    tables = list(dashboard.values())
    write_report(stream, title="年度总结", metadata=[("年度", year.year)], tables=tables)
    book = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    for table in tables:
        sheet = next(s for s in book.worksheets if s.cell(1, 1).value == table.title)
        header = [c.value for c in sheet[3]][: len(table.columns)]
        assert header == table.columns
        rows = [
            [c.value for c in row][: len(table.columns)]
            for row in sheet.iter_rows(min_row=4, max_row=3 + len(table.rows))
        ]
        for got_row, want_row in zip(rows, table.rows, strict=True):
            for got_value, want_value in zip(got_row, want_row, strict=True):
                if isinstance(want_value, float):
                    assert got_value == pytest.approx(want_value)
                else:
                    assert got_value == want_value, (table.key, want_row)

    # the counts the actions kept over the year are those a recount from the rows gives
    kept = stored()
    rebuild_facts()
    assert not differences(kept, stored())


def fairness_from_the_records(plan, *, unit=None, item=None) -> dict[str, dict]:
    """The inspectors', units', exclusion and replacement figures computed as the dashboard
    did before they were stored: from every matching record's eligibility lists and the team
    rows of the visits in scope, in plain Python."""
    visits = Visit.objects.filter(plan=plan, recheck_of=None)
    if unit is not None:
        visits = visits.filter(responsible_unit=unit)
    if item is not None:
        visits = visits.filter(visit_items__item=item)
    keys = set(visits.values_list("visit_key", flat=True))
    expected: dict[str, float] = defaultdict(float)
    exclusions: Counter = Counter()
    over_cap = 0
    for matching in TeamMatching.objects.filter(plan=plan):
        for entry in matching.document["visits"]:
            if entry["visit_id"] not in keys:
                continue
            for pool, ids in entry["eligible"].items():
                seats = sum(1 for s in entry["seats"] if s["pool"] == pool)
                for number in ids:
                    expected[number] += min(1.0, seats / len(ids))
            exclusions.update(entry["excluded"])
        over_cap += sum(
            1
            for r in matching.document.get("replacements", [])
            if r.get("over_cap") and r["visit_id"] in keys
        )
    members = TeamMember.objects.filter(visit__in=visits).select_related(
        "inspector__unit", "inspector__agency"
    )
    actual = Counter(m.inspector.certificate_number for m in members if m.replaced_at is None)
    people = Inspector.objects.filter(certificate_number__in=set(expected) | set(actual))
    if unit is not None:
        people = people.filter(unit=unit)
    inspectors, per_unit = {}, defaultdict(list)
    for person in people.select_related("unit", "agency"):
        unit_name = person.unit.name if person.unit else person.agency.name
        got, want = actual[person.certificate_number], expected[person.certificate_number]
        inspectors[f"{person.name}（{unit_name}）"] = (got, round(want, 2))
        per_unit[unit_name].append((got, want))
    units = {
        name: (len(loads), sum(g for g, _ in loads), max(g for g, _ in loads))
        for name, loads in per_unit.items()
    }
    replaced = Counter(
        f"检查组成员：{m.replaced_reason or '未说明'}" for m in members if m.replaced_at
    )
    if over_cap:
        replaced["检查组成员：超出工作量上限的替换"] = over_cap
    return {
        "inspectors": inspectors,
        "units": units,
        "exclusions": {EXCLUSION_LABELS[k]: n for k, n in exclusions.items()},
        "replacements": dict(replaced),
    }


def fairness_from_the_dashboard(plan, **filters) -> dict[str, dict]:
    found = {t.key: t for t in dashboard_tables(agency=plan.agency, year=plan.year, **filters)}
    return {
        "inspectors": {r[0]: (r[1], r[2]) for r in found["fairness_inspectors"].rows},
        "units": {r[0]: (r[1], r[2], r[4]) for r in found["fairness_units"].rows},
        "exclusions": column(found["exclusions"], "人次"),
        "replacements": {
            k: v
            for k, v in column(found["replacements"], "次数").items()
            if k.startswith("检查组成员")
        },
    }


def test_fairness_from_stored_expectations_equals_the_records_on_the_demo_year(year):
    # every matching and every executed draw of the year stored its figures when executed
    assert not TeamMatching.objects.exclude(pk__in=ExpectedLoad.objects.values("matching"))
    executed = Draw.objects.filter(status=Draw.Status.EXECUTED)
    assert executed and not executed.exclude(pk__in=DrawBin.objects.values("draw"))

    whole = fairness_from_the_dashboard(year)
    assert whole == fairness_from_the_records(year)
    assert sum(n for n, _ in whole["inspectors"].values()) > 0
    unit = Visit.objects.filter(plan=year).values_list("responsible_unit", flat=True).first()
    unit = Unit.objects.get(pk=unit)
    assert fairness_from_the_dashboard(year, unit=unit) == fairness_from_the_records(
        year, unit=unit
    )
    joint = VisitItem.objects.filter(visit__plan=year).values("visit").annotate(n=Count("pk"))
    item = VisitItem.objects.filter(visit__in=joint.filter(n__gt=1).values("visit")).first().item
    assert fairness_from_the_dashboard(year, item=item) == fairness_from_the_records(
        year, item=item
    )
