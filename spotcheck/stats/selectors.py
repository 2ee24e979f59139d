"""The statistics (issue 13): plan progress, coverage of the directory, what the checks found,
and whether draws and teams were fair, as tables the dashboard, the public page and the annual
summary all read.

Counting is done by the database (`values().annotate(Count/Sum/Avg …)`); Python only turns the
few aggregated rows into labelled tables (a row per item, unit, month, town, level …). The
fairness section is in stats.fairness.

Definitions (one place, used by every table):
- Visits counted are the plan's round and event visits, not re-check visits (复查).
- A visit is *visited* when its result has an inspection date, *recorded* once submitted
  (待审核, 退回, 已审核, 已公示), *approved* when 已审核 or 已公示, *published* when 已公示,
  and *overdue for publication* when not published and its publication deadline has passed.
- *Planned* per item: ⌈minimum ratio × pool⌉ summed over the item's draws (not cancelled),
  else the plan's estimate; for event-driven items, the events registered (not cancelled).
- *Drawn*: the active targets of executed draws (drawn or replacement, minus the replaced).
- What the checks found counts approved item results (已审核, 已公示) by their category.
- *Checked* (coverage): an approved result with an inspection date in the period.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from spotcheck.accounts.models import Agency, Unit
from spotcheck.draws.models import Draw, DrawSelection
from spotcheck.inspections.models import Event, VisitItem
from spotcheck.lib import stats
from spotcheck.lib.drawdoc import STRATA, STRATUM_NAMES
from spotcheck.lib.publication import suppress_small_counts
from spotcheck.lib.results import CATEGORIES, MEASURE_KINDS, CategoryKind, ReviewState
from spotcheck.plans.models import Plan, PlanItem
from spotcheck.public.models import PublishedItem
from spotcheck.public.selectors import live_results, published_draws, published_plans
from spotcheck.registry.models import RISK_LEVEL_CHOICES, Entity, EntityStatus
from spotcheck.results.models import ItemResult, Measure, Result
from spotcheck.stats.fairness import fairness_tables
from spotcheck.stats.tables import Scope, Table

ENTERED = (ReviewState.PENDING, ReviewState.RETURNED, ReviewState.APPROVED, ReviewState.PUBLISHED)
APPROVED = (ReviewState.APPROVED, ReviewState.PUBLISHED)
CLEAN = tuple(c.code for c in CATEGORIES if c.kind is CategoryKind.CLEAN)
PROBLEM = tuple(c.code for c in CATEGORIES if c.kind is CategoryKind.PROBLEM)
ENDING = tuple(c.code for c in CATEGORIES if c.kind is CategoryKind.ENDING)
CATEGORY_LABELS = {c.code: c.label for c in CATEGORIES}
RISK_LABELS = {key: f"{label}风险" for key, label in RISK_LEVEL_CHOICES}
COVERAGE_YEARS = (1, 2, 3)
RISK_ORDER = {key: i for i, (key, _) in enumerate(RISK_LEVEL_CHOICES)}


def dashboard_tables(
    *,
    agency: Agency,
    unit: Unit | None = None,
    year: int | None = None,
    plan: Plan | None = None,
    item: PlanItem | None = None,
    today: date | None = None,
    sections: Iterable[str] | None = None,
) -> list[Table]:
    """Every table of the dashboard and of the annual summary, in display order (`sections`:
    only those of SECTIONS, e.g. for one table's CSV download)."""
    scope = Scope(agency=agency, unit=unit, year=year, plan=plan, item=item, today=today)
    wanted = SECTIONS if sections is None else [s for s in SECTIONS if s in set(sections)]
    return [table for section in wanted for table in SECTIONS[section](scope)]


def section_of(key: str) -> str | None:
    """The section that builds the table `key` (None: no such table)."""
    return TABLE_SECTIONS.get(key)


# --- labels ------------------------------------------------------------------------------------


def _item_labels(items: Iterable[dict[str, Any]], *, with_year: bool) -> dict[int, str]:
    labels = {}
    for item in items:
        number = item["label"] or (str(item["number"]) if item["number"] is not None else "")
        text = f"事项{number} {item['name']}" if number else item["name"]
        labels[item["pk"]] = f"{item['plan__year']}年 {text}" if with_year else text
    return labels


def _several_years(scope: Scope) -> bool:
    return scope.year is None and scope.plan is None and scope.plans().count() > 1


def _percent(part: int | float, whole: int | float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# --- plan progress -----------------------------------------------------------------------------

PROGRESS_COLUMNS = ["计划", "已抽取", "已检查", "已录入", "已审核", "已公示", "逾期未公示"]


def _visit_counts(rows: QuerySet[Any], today: date, prefix: str = "visit__result__") -> Any:
    return rows.annotate(
        visited=Count("pk", filter=Q(**{f"{prefix}inspected_on__isnull": False})),
        recorded=Count("pk", filter=Q(**{f"{prefix}state__in": ENTERED})),
        approved=Count("pk", filter=Q(**{f"{prefix}state__in": APPROVED})),
        published=Count("pk", filter=Q(**{f"{prefix}state": ReviewState.PUBLISHED})),
        overdue=Count(
            "pk",
            filter=Q(**{f"{prefix}due_on__lt": today})
            & ~Q(**{f"{prefix}state": ReviewState.PUBLISHED}),
        ),
    )


def progress_tables(scope: Scope) -> list[Table]:
    today = scope.today or timezone.localdate()
    items = list(
        scope.items()
        .values(
            "pk",
            "number",
            "label",
            "name",
            "plan__year",
            "ratio_percent",
            "estimated_targets",
            "event_driven",
            "responsible_unit__name",
            "responsible_unit_name",
        )
        .order_by("-plan__year", "position")
    )
    labels = _item_labels(items, with_year=_several_years(scope))
    pools = {
        r["item_id"]: r["pool"]
        for r in Draw.objects.filter(item__in=scope.items())
        .exclude(status=Draw.Status.CANCELLED)
        .values("item_id")
        .annotate(pool=Sum("population_size"))
    }
    drawn = {
        r["draw__item_id"]: r["n"]
        for r in DrawSelection.objects.filter(
            draw__item__in=scope.items(),
            draw__status=Draw.Status.EXECUTED,
            replaced_by__isnull=True,
        )
        .values("draw__item_id")
        .annotate(n=Count("pk"))
    }
    events = {
        r["item_id"]: r
        for r in Event.objects.filter(item__in=scope.items())
        .values("item_id")
        .annotate(
            registered=Count("pk", filter=Q(cancelled_at__isnull=True)),
            cancelled=Count("pk", filter=Q(cancelled_at__isnull=False)),
            checked=Count("pk", filter=Q(visit__result__inspected_on__isnull=False)),
            approved=Count("pk", filter=Q(visit__result__state__in=APPROVED)),
        )
    }
    counts = {
        r["item_id"]: r
        for r in _visit_counts(scope.visit_items().values("item_id"), today).annotate(
            visits=Count("pk")
        )
    }
    by_item: list[list[Any]] = []
    by_unit: dict[str, list[int]] = {}
    for item in items:
        pk = item["pk"]
        if item["event_driven"]:
            planned: int | None = events.get(pk, {}).get("registered", 0)
        elif item["ratio_percent"] is not None and pk in pools:
            planned = math.ceil(float(item["ratio_percent"]) * pools[pk] / 100 - 1e-9)
        else:
            planned = item["estimated_targets"]
        c = counts.get(pk, {})
        values = [
            planned,
            drawn.get(pk, 0),
            c.get("visited", 0),
            c.get("recorded", 0),
            c.get("approved", 0),
            c.get("published", 0),
            c.get("overdue", 0),
        ]
        by_item.append([labels[pk], *values])
        unit_name = item["responsible_unit__name"] or item["responsible_unit_name"] or "未指定单位"
        total = by_unit.setdefault(unit_name, [0] * len(values))
        for i, value in enumerate(values):
            total[i] += value or 0
    event_rows = [
        [labels[item["pk"]], *(events.get(item["pk"], {}).get(k, 0) for k in _EVENT_KEYS)]
        for item in items
        if item["event_driven"]
    ]
    return [
        Table(
            "progress_items",
            "计划执行进度（按抽查事项，事项检查数）",
            ["抽查事项", *PROGRESS_COLUMNS],
            by_item,
            "bar",
        ),
        Table(
            "progress_units",
            "计划执行进度（按责任单位，事项检查数）",
            ["责任单位", *PROGRESS_COLUMNS],
            [[name, *values] for name, values in sorted(by_unit.items())],
            "bar",
        ),
        _progress_by_month(scope, today),
        Table(
            "events",
            "按实际执行的事项：活动登记与检查",
            ["抽查事项", "登记活动", "已取消", "已检查", "已审核"],
            event_rows,
            "bar",
        ),
        _joint_table(scope),
    ]


_EVENT_KEYS = ("registered", "cancelled", "checked", "approved")


def _progress_by_month(scope: Scope, today: date) -> Table:
    """Visits (not items) by month: inspected (inspection date), submitted, approved (last
    review), published (publication date), overdue (deadline month)."""
    results = Result.objects.filter(visit__in=scope.visits())
    series = {
        "visited": results.filter(inspected_on__isnull=False).annotate(
            month=TruncMonth("inspected_on")
        ),
        "recorded": results.filter(state__in=ENTERED, submitted_at__isnull=False).annotate(
            month=TruncMonth("submitted_at")
        ),
        "approved": results.filter(state__in=APPROVED, reviewed_at__isnull=False).annotate(
            month=TruncMonth("reviewed_at")
        ),
        "published": results.filter(state=ReviewState.PUBLISHED)
        .filter(publications__superseded_at__isnull=True, publications__withdrawn_at__isnull=True)
        .annotate(month=TruncMonth("publications__published_on")),
        "overdue": results.exclude(state=ReviewState.PUBLISHED)
        .filter(due_on__lt=today)
        .annotate(month=TruncMonth("due_on")),
    }
    months: dict[str, dict[str, int]] = {}
    for key, rows in series.items():
        for row in rows.values("month").annotate(n=Count("pk")).order_by("month"):
            label = f"{row['month']:%Y-%m}"
            months.setdefault(label, {})[key] = row["n"]
    return Table(
        "progress_months",
        "按月进度（检查任务数）",
        ["月份", "检查", "提交录入", "审核通过", "公示", "逾期未公示（按期限月份）"],
        [[m, *(months[m].get(k, 0) for k in series)] for m in sorted(months)],
        "line",
    )


def _joint_table(scope: Scope) -> Table:
    visits = scope.visits()
    totals = visits.aggregate(
        visits=Count("pk", distinct=True),
        joint=Count("pk", distinct=True, filter=~Q(cooperating_pools=[])),
        merged=Count("pk", distinct=True, filter=~Q(merged_from=[])),
    )
    item_checks = VisitItem.objects.filter(visit__in=visits).count()
    return Table(
        "joint",
        "进一次门、查多项事",
        ["项目", "数量"],
        [
            ["检查任务（上门次数）", totals["visits"]],
            ["检查的事项（如各查一次需上门的次数）", item_checks],
            ["合并检查节省的上门次数", item_checks - totals["visits"]],
            ["联合检查（多单位、多部门一同上门）", totals["joint"]],
            ["由联合检查建议合并的检查任务", totals["merged"]],
        ],
        "bar",
    )


# --- coverage of the directory ----------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _coverage(scope: Scope, field: str, title: str, key: str, label: str) -> Table:
    as_of = scope.as_of
    entities = Entity.objects.filter(agency=scope.agency, status=EntityStatus.ACTIVE)
    if scope.item is not None and scope.item.entity_type_id is not None:
        entities = entities.filter(target_types=scope.item.entity_type_id)
    checked = Q(visits__result__state__in=APPROVED, visits__result__inspected_on__lte=as_of)
    annotations = {
        f"y{n}": Count(
            "pk",
            distinct=True,
            filter=checked & Q(visits__result__inspected_on__gt=_years_before(as_of, n)),
        )
        for n in COVERAGE_YEARS
    }
    rows = (
        entities.values(field)
        .annotate(
            entities=Count("pk", distinct=True),
            ever=Count("pk", distinct=True, filter=checked),
            **annotations,
        )
        .order_by(field)
    )
    if field == "risk_level":
        rows = sorted(rows, key=lambda r: RISK_ORDER.get(r[field], len(RISK_ORDER)))
    table_rows = []
    for row in rows:
        name = row[field]
        shown = (RISK_LABELS.get(name, "未评定") if field == "risk_level" else name) or "未填写"
        values: list[Any] = [row["entities"]]
        for n in COVERAGE_YEARS:
            values += [row[f"y{n}"], _percent(row[f"y{n}"], row["entities"])]
        values.append(row["entities"] - row["ever"])
        table_rows.append([shown, *values])
    columns = [label, "在营对象数"]
    for n in COVERAGE_YEARS:
        columns += [f"近{n}年检查", f"近{n}年占比（%）"]
    columns.append("从未检查")
    return Table(key, f"{title}（截至{as_of:%Y-%m-%d}）", columns, table_rows, "bar")


def coverage_tables(scope: Scope) -> list[Table]:
    return [
        _coverage(
            scope, "target_types__name", "名录覆盖：按检查对象类型", "coverage_types", "对象类型"
        ),
        _coverage(scope, "town", "名录覆盖：按乡镇街道", "coverage_towns", "乡镇街道"),
        _coverage(scope, "risk_level", "名录覆盖：按风险等级", "coverage_risk", "风险等级"),
    ]


# --- what the checks found ------------------------------------------------------------------


def approved_item_results(scope: Scope) -> QuerySet[ItemResult]:
    return ItemResult.objects.filter(
        result__state__in=APPROVED, visit_item__in=scope.visit_items()
    ).exclude(category="")


def _kinds(rows: QuerySet[Any]) -> Any:
    return rows.annotate(
        clean=Count("pk", filter=Q(category__in=CLEAN)),
        problem=Count("pk", filter=Q(category__in=PROBLEM)),
        ending=Count("pk", filter=Q(category__in=ENDING)),
        total=Count("pk"),
    )


KIND_COLUMNS = ["未发现问题", "发现问题", "未能检查（结束情形）", "合计"]


def _kind_table(key: str, title: str, label: str, rows: list[tuple[str, dict[str, Any]]]) -> Table:
    return Table(
        key,
        title,
        [label, *KIND_COLUMNS],
        [[name, r["clean"], r["problem"], r["ending"], r["total"]] for name, r in rows],
        "stacked_bar",
    )


def _stratum_label(stratum: str | None) -> str:
    if stratum is None:
        return "未经抽取（活动）"
    return f"{STRATUM_NAMES.get(stratum, stratum)}风险" if stratum != "unknown" else "未评定"


def finding_tables(scope: Scope) -> list[Table]:
    found = approved_item_results(scope)
    by_category = [
        [CATEGORY_LABELS.get(r["category"], r["category"]), r["n"]]
        for r in found.values("category").annotate(n=Count("pk")).order_by("-n", "category")
    ]
    items = list(
        scope.items()
        .values("pk", "number", "label", "name", "plan__year")
        .order_by("-plan__year", "position")
    )
    labels = _item_labels(items, with_year=_several_years(scope))
    per_item = {r["visit_item__item_id"]: r for r in _kinds(found.values("visit_item__item_id"))}
    by_type = _kinds(found.values("visit_item__item__entity_type__name")).order_by(
        "visit_item__item__entity_type__name"
    )
    by_town = _kinds(found.values("visit_item__visit__entity__town")).order_by(
        "visit_item__visit__entity__town"
    )
    order = {s: i for i, s in enumerate(STRATA)}
    by_risk = sorted(
        _kinds(found.values("visit_item__selection__stratum")),
        key=lambda r: order.get(r["visit_item__selection__stratum"], len(order)),
    )
    rates = []
    for r in by_risk:
        checked = r["clean"] + r["problem"]
        low, high = stats.wilson_interval(r["problem"], checked)
        rates.append(
            [
                _stratum_label(r["visit_item__selection__stratum"]),
                checked,
                r["problem"],
                _percent(r["problem"], checked),
                round(100 * low, 1) if checked else None,
                round(100 * high, 1) if checked else None,
            ]
        )
    return [
        Table(
            "findings_categories",
            "检查结果分类（已审核的事项检查）",
            ["检查结果", "事项检查数"],
            by_category,
            "pie",
        ),
        _kind_table(
            "findings_items",
            "检查结果：按抽查事项",
            "抽查事项",
            [(labels[i["pk"]], per_item[i["pk"]]) for i in items if i["pk"] in per_item],
        ),
        _kind_table(
            "findings_types",
            "检查结果：按检查对象类型",
            "对象类型",
            [(r["visit_item__item__entity_type__name"] or "未指定", r) for r in by_type],
        ),
        _kind_table(
            "findings_towns",
            "检查结果：按乡镇街道",
            "乡镇街道",
            [(r["visit_item__visit__entity__town"] or "未填写", r) for r in by_town],
        ),
        _kind_table(
            "findings_risk",
            "检查结果：按抽取时的风险等级",
            "风险等级",
            [(_stratum_label(r["visit_item__selection__stratum"]), r) for r in by_risk],
        ),
        Table(
            "problem_rate",
            "问题发现率：按抽取时的风险等级（95%置信区间，Wilson法）",
            ["风险等级", "检查事项数", "发现问题", "问题率（%）", "95%下限（%）", "95%上限（%）"],
            rates,
            "bar",
        ),
        _measure_table(scope),
    ]


def _measure_table(scope: Scope) -> Table:
    measures = Measure.objects.filter(item_result__visit_item__in=scope.visit_items())
    duration = ExpressionWrapper(F("closed_on") - F("opened_on"), output_field=DurationField())
    rows = (
        measures.values("kind")
        .annotate(
            open=Count("pk", filter=Q(closed_on__isnull=True)),
            closed=Count("pk", filter=Q(closed_on__isnull=False)),
            days=Avg(duration, filter=Q(closed_on__isnull=False)),
        )
        .order_by("kind")
    )
    return Table(
        "measures",
        "后续处置：办理中、已办结与平均办结天数",
        ["措施", "办理中", "已办结", "平均办结天数"],
        [
            [
                MEASURE_KINDS.get(r["kind"], r["kind"]),  # type: ignore[call-overload]
                r["open"],
                r["closed"],
                round(_days(r["days"]), 1) if r["days"] is not None else None,
            ]
            for r in rows
        ],
        "stacked_bar",
    )


def _days(value: timedelta | float) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    return float(value) / 86_400_000_000  # microseconds, as some backends average durations


SECTIONS = {
    "progress": progress_tables,
    "coverage": coverage_tables,
    "findings": finding_tables,
    "fairness": fairness_tables,
}
TABLE_SECTIONS = {
    **{
        key: "progress"
        for key in ("progress_items", "progress_units", "progress_months", "events", "joint")
    },
    **{key: "coverage" for key in ("coverage_types", "coverage_towns", "coverage_risk")},
    **{
        key: "findings"
        for key in (
            "findings_categories",
            "findings_items",
            "findings_types",
            "findings_towns",
            "findings_risk",
            "problem_rate",
            "measures",
        )
    },
    **{
        key: "fairness"
        for key in (
            "fairness_inspectors",
            "fairness_units",
            "exclusions",
            "replacements",
            "draw_fairness",
            "draw_fairness_bins",
        )
    },
}


# --- the public statistics page ---------------------------------------------------------------
#
# The same counts over what is published only (live records of published plans: the public
# selectors), aggregates only, each count below the threshold shown as "fewer than N": a small
# count could point at one entity. A rate is shown only when neither the problems nor the
# others are suppressed (a rate and a total give the small count back).


def public_years() -> list[int]:
    return sorted(set(published_plans().values_list("year", flat=True)), reverse=True)


def public_tables(*, threshold: int, year: int | None = None) -> list[Table]:
    # the planned checks, as on the dashboard: re-checks after 责令改正 are follow-up, counted
    # with the measures, not as checks of their own
    live = live_results().filter(result__visit__recheck_of__isnull=True)
    if year is not None:
        live = live.filter(plan__year=year)
    items = PublishedItem.objects.filter(published__in=live.values("pk")).exclude(category="")
    with_years = year is None and len({*live.values_list("plan__year", flat=True)}) > 1
    plan_items = list(
        PlanItem.objects.filter(pk__in=items.values("plan_item"))
        .values("pk", "number", "label", "name", "plan__year")
        .order_by("-plan__year", "position")
    )
    labels = _item_labels(plan_items, with_year=with_years)
    per_item = {r["plan_item_id"]: r for r in _kinds(items.values("plan_item_id"))}
    draws = published_draws().filter(status=Draw.Status.EXECUTED)
    if year is not None:
        draws = draws.filter(item__plan__year=year)
    drawn = {
        r["draw__item_id"]: r["n"]
        for r in DrawSelection.objects.filter(draw__in=draws, replaced_by__isnull=True)
        .values("draw__item_id")
        .annotate(n=Count("pk"))
    }
    by_category = [
        [CATEGORY_LABELS.get(r["category"], r["category"]), r["n"]]
        for r in items.values("category").annotate(n=Count("pk")).order_by("-n", "category")
    ]
    by_type = _kinds(items.values("plan_item__entity_type__name")).order_by(
        "plan_item__entity_type__name"
    )
    by_month = [
        [f"{r['month']:%Y-%m}", r["n"]]
        for r in live.annotate(month=TruncMonth("published_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    ]
    stratum = VisitItem.objects.filter(
        visit=OuterRef("published__result__visit"), item=OuterRef("plan_item")
    ).values("selection__stratum")[:1]
    order = {s: i for i, s in enumerate(STRATA)}
    by_risk = sorted(
        _kinds(items.annotate(stratum=Subquery(stratum)).values("stratum")),
        key=lambda r: order.get(r["stratum"], len(order)),
    )
    rates = []
    for r in by_risk:
        checked = r["clean"] + r["problem"]
        low, high = stats.wilson_interval(r["problem"], checked)
        hidden = 0 < r["problem"] < threshold or 0 < r["clean"] < threshold
        rates.append(
            [
                _stratum_label(r["stratum"]),
                checked,
                r["problem"],
                None if hidden or not checked else _percent(r["problem"], checked),
                None if hidden or not checked else round(100 * low, 1),
                None if hidden or not checked else round(100 * high, 1),
            ]
        )
    tables = [
        Table(
            "public_items",
            "按抽查事项（事项检查数）",
            ["抽查事项", "抽中检查对象", "公示的事项检查", *KIND_COLUMNS[:3]],
            [
                [
                    labels[i["pk"]],
                    drawn.get(i["pk"], 0),
                    per_item[i["pk"]]["total"],
                    per_item[i["pk"]]["clean"],
                    per_item[i["pk"]]["problem"],
                    per_item[i["pk"]]["ending"],
                ]
                for i in plan_items
            ],
            "stacked_bar",
        ),
        Table(
            "public_categories",
            "按检查结果（事项检查数）",
            ["检查结果", "事项检查数"],
            by_category,
            "pie",
        ),
        Table(
            "public_types",
            "按检查对象类型（事项检查数）",
            ["对象类型", *KIND_COLUMNS],
            [
                [
                    r["plan_item__entity_type__name"] or "未指定",
                    r["clean"],
                    r["problem"],
                    r["ending"],
                    r["total"],
                ]
                for r in by_type
            ],
            "stacked_bar",
        ),
        Table(
            "public_risk",
            "问题发现率：按抽取时的风险等级（95%置信区间，Wilson法）",
            ["风险等级", "检查事项数", "发现问题", "问题率（%）", "95%下限（%）", "95%上限（%）"],
            rates,
            "bar",
        ),
        Table(
            "public_months", "按公示月份（检查对象数）", ["月份", "检查对象数"], by_month, "line"
        ),
    ]
    return [suppress_table(t, threshold) for t in tables]


def suppress_table(table: Table, threshold: int) -> Table:
    """Counts (integers) below the threshold become None ("fewer than N"), by the portal's one
    rule (lib.publication.suppress_small_counts); rates and labels stay."""
    rows = []
    for row in table.rows:
        counts = {str(i): v for i, v in enumerate(row) if i and isinstance(v, int)}
        shown = suppress_small_counts(counts, threshold=threshold)
        rows.append([shown.get(str(i), v) if i else v for i, v in enumerate(row)])
    return Table(table.key, table.title, table.columns, rows, table.chart)
