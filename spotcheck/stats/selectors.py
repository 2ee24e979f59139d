"""The statistics (issue 13): plan progress, coverage of the directory, what the checks found,
and whether draws and teams were fair, as tables the dashboard, the public page and the annual
summary all read.

Counting is done by the database: the stored counts (spotcheck.stats.facts, stats.coverage)
are summed by plain aggregate statements; Python only turns the few aggregated rows into
labelled tables (a row per item, unit, month, town, level …). The fairness section is in
stats.fairness.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.utils import timezone

from spotcheck.accounts.models import Agency, Unit
from spotcheck.draws.models import Draw
from spotcheck.inspections.models import Event
from spotcheck.lib import stats
from spotcheck.lib.drawdoc import STRATA, STRATUM_NAMES
from spotcheck.lib.publication import suppress_small_counts
from spotcheck.lib.results import CATEGORIES, MEASURE_KINDS, ReviewState
from spotcheck.plans.models import Plan, PlanItem
from spotcheck.public.selectors import published_plans
from spotcheck.registry.models import RISK_LEVEL_CHOICES, TargetType
from spotcheck.stats import coverage
from spotcheck.stats.facts import APPROVED, CLEAN, ENDING, ENTERED, PROBLEM
from spotcheck.stats.fairness import fairness_tables
from spotcheck.stats.models import Fact
from spotcheck.stats.tables import Scope, Table, fetch_rows

CATEGORY_LABELS = {c.code: c.label for c in CATEGORIES}
KIND_OF_CATEGORY = {
    **dict.fromkeys(CLEAN, "clean"),
    **dict.fromkeys(PROBLEM, "problem"),
    **dict.fromkeys(ENDING, "ending"),
}
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


# --- reading -------------------------------------------------------------------------------------
#
# The sections read a few hundred stored rows (spotcheck.stats.facts) per request; building the
# ORM's SQL for them cost more than running it, so the reads below are plain statements with
# the scope's ids bound.


def _marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


@dataclass(frozen=True)
class _ScopeItems:
    """The scope's plan items (`Scope.items`) in display order, as dicts of ITEM_FIELDS."""

    rows: list[dict[str, Any]]
    several_years: bool  # no year or plan chosen and the agency has more than one plan

    @property
    def plan_ids(self) -> list[int]:
        return sorted({row["plan_id"] for row in self.rows})


ITEM_FIELDS = (
    "pk",
    "plan_id",
    "number",
    "label",
    "name",
    "plan__year",
    "ratio_percent",
    "estimated_targets",
    "event_driven",
    "responsible_unit__name",
    "responsible_unit_name",
    "entity_type__name",
)


def _scope_items(scope: Scope) -> _ScopeItems:
    plans, plan_params = scope.plans_sql()
    narrower, narrower_params = scope.items_sql("i")
    where, params = plans + narrower, [*plan_params, *narrower_params]
    several = scope.year is None and scope.plan is None
    # the plans counted once (an uncorrelated subquery), only when several years can show
    count = f"(SELECT COUNT(*) FROM {_PLAN} p WHERE {plans})" if several else "0"
    rows = fetch_rows(
        f"SELECT i.id, i.plan_id, i.number, i.label, i.name, p.year, i.ratio_percent, "
        "i.estimated_targets, i.event_driven, u.name, i.responsible_unit_name, t.name, "
        f"{count} FROM {_ITEM} i JOIN {_PLAN} p ON p.id = i.plan_id "
        f"LEFT JOIN {_UNIT} u ON u.id = i.responsible_unit_id "
        f"LEFT JOIN {_TYPE} t ON t.id = i.entity_type_id "
        f"WHERE {where} ORDER BY p.year DESC, i.position",
        [*(plan_params if several else []), *params],
    )
    return _ScopeItems(
        [dict(zip(ITEM_FIELDS, row, strict=False)) for row in rows],
        bool(rows) and rows[0][-1] > 1,
    )


_PLAN = Plan._meta.db_table
_ITEM = PlanItem._meta.db_table
_UNIT = Unit._meta.db_table
_TYPE = TargetType._meta.db_table
_FACT = Fact._meta.db_table
_DRAW = Draw._meta.db_table
_EVENT = Event._meta.db_table


def _progress_counts(plan_ids: list[int], today: date) -> tuple[str, list[Any]]:
    """SELECT of the stored counts (items, kind, key, n, total) of PROGRESS_KINDS for the
    plans; kind "due" gives the visits not published whose
    deadline is before `today`, by deadline month (yyyy-mm): the months before today's from
    "due_month", today's month from the days before today ("due")."""
    plans = _marks(plan_ids)
    kinds = [kind for kind in PROGRESS_KINDS if kind != "due"]
    month = f"{today:%Y-%m}"
    # a row per (plan, kind, items, key) is stored (its items are the plan's): read as they
    # are from the covering index, with no sort
    return (
        f'SELECT items, kind, "key", n, total FROM {_FACT} '
        f"WHERE plan_id IN ({plans}) AND kind IN ({_marks(kinds)}) "
        f"UNION ALL SELECT items, 'due', \"key\", n, total FROM {_FACT} "
        f"WHERE plan_id IN ({plans}) AND kind = 'due_month' AND \"key\" < %s "
        f"UNION ALL SELECT items, 'due', SUBSTR(\"key\", 1, 7), SUM(n), SUM(total) FROM {_FACT} "
        f'WHERE plan_id IN ({plans}) AND kind = \'due\' AND "key" >= %s AND "key" < %s '
        'GROUP BY items, SUBSTR("key", 1, 7)',
        [*plan_ids, *kinds, *plan_ids, month, *plan_ids, f"{month}-01", today.isoformat()],
    )


class _Inside:
    """Per stored `items` text (a visit's comma-joined items, or one item's id), its items and
    those in scope: a few dozen combinations, parsed once each."""

    def __init__(self, wanted: set[int]) -> None:
        self.wanted = wanted
        self.parsed: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}

    def __call__(self, items: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        found = self.parsed.get(items)
        if found is None:
            ids = tuple(int(i) for i in items.split(","))
            found = self.parsed[items] = (ids, tuple(i for i in ids if i in self.wanted))
        return found


# --- labels ------------------------------------------------------------------------------------


def _item_labels(items: Iterable[dict[str, Any]], *, with_year: bool) -> dict[int, str]:
    labels = {}
    for item in items:
        number = item["label"] or (str(item["number"]) if item["number"] is not None else "")
        text = f"事项{number} {item['name']}" if number else item["name"]
        labels[item["pk"]] = f"{item['plan__year']}年 {text}" if with_year else text
    return labels


def _percent(part: int | float, whole: int | float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# --- plan progress -----------------------------------------------------------------------------

PROGRESS_COLUMNS = ["计划", "已抽取", "已检查", "已录入", "已审核", "已公示", "逾期未公示"]
PROGRESS_KINDS = (
    *("state", "visited", "submitted", "reviewed", "published", "joint", "merged"),
    *("drawn", "event", "due"),
)
# per review state, the per-item columns a visit in it counts in
STATE_COLUMNS: dict[str, tuple[str, ...]] = {
    state: tuple(
        column
        for column, states in (
            ("recorded", ENTERED),
            ("approved", APPROVED),
            ("published", (ReviewState.PUBLISHED,)),
        )
        if state in states
    )
    for state in ReviewState
}
# the month series of the visits: stored kind -> column
MONTH_KINDS = {
    "visited": "visited",
    "submitted": "recorded",
    "reviewed": "approved",
    "published": "published",
}
MONTH_COLUMNS = (*MONTH_KINDS.values(), "overdue")


def progress_tables(scope: Scope) -> list[Table]:
    today = scope.today or timezone.localdate()
    scoped = _scope_items(scope)
    items = scoped.rows
    labels = _item_labels(items, with_year=scoped.several_years)
    counts: dict[str, dict[int, int]] = {
        column: {} for column in ("drawn", "visited", "recorded", "approved", "published")
    }
    counts["overdue"] = {}
    pools: dict[int, int] = {}
    events: dict[int, dict[str, int]] = {}
    months: dict[str, dict[str, int]] = {}
    visits = item_checks = joint = merged = 0
    ids = [item["pk"] for item in items]
    if ids:
        facts, params = _progress_counts(scoped.plan_ids, today)
        # with the stored counts, in the one statement: the draws' pools (not cancelled) and
        # the cancelled events, per item
        rows = fetch_rows(
            f"{facts} UNION ALL SELECT {_text('item_id')}, 'pool', '', SUM(population_size), 0 "
            f"FROM {_DRAW} WHERE item_id IN ({_marks(ids)}) AND status <> %s GROUP BY item_id "
            f"UNION ALL SELECT {_text('item_id')}, 'cancelled', '', COUNT(*), 0 FROM {_EVENT} "
            f"WHERE item_id IN ({_marks(ids)}) AND cancelled_at IS NOT NULL GROUP BY item_id",
            [*params, *ids, Draw.Status.CANCELLED.value, *ids],
        )
    else:
        rows = []
    inside_of = _Inside(set(ids))
    for items_text, kind, key, n, _total in rows:
        n = int(n)
        if kind == "pool":
            pools[int(items_text)] = n
            continue
        if kind == "cancelled":
            _event_counts(events, int(items_text))["cancelled"] += n
            continue
        visit_items, inside = inside_of(items_text)
        if not inside:
            continue
        if kind == "state":
            visits += n
            item_checks += n * len(visit_items)
            columns: tuple[str, ...] = STATE_COLUMNS.get(key, ())
        elif kind in ("joint", "merged"):
            joint += n if kind == "joint" else 0
            merged += n if kind == "merged" else 0
            continue
        elif kind == "event":
            for item in inside:
                counted = _event_counts(events, item)
                counted["registered"] += n
                counted["checked"] += n if key[0] == "1" else 0
                counted["approved"] += n if key[1] == "1" else 0
            continue
        elif kind == "due":
            _add(months.setdefault(key, {}), "overdue", n)
            columns = ("overdue",)
        else:
            if kind in MONTH_KINDS:
                _add(months.setdefault(f"{key[:4]}-{key[4:]}", {}), MONTH_KINDS[kind], n)
            if kind not in ("visited", "drawn"):
                continue
            columns = (kind,)
        for column in columns:
            totals = counts[column]
            for item in inside:
                totals[item] = totals.get(item, 0) + n
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
        values = [
            planned,
            *(
                counts[k].get(pk, 0)
                for k in ("drawn", "visited", "recorded", "approved", "published", "overdue")
            ),
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
        Table(
            # visits (not items) by month: inspected (inspection date), submitted, approved
            # (last review), published (publication date), overdue (deadline month)
            "progress_months",
            "按月进度（检查任务数）",
            ["月份", "检查", "提交录入", "审核通过", "公示", "逾期未公示（按期限月份）"],
            [[m, *(months[m].get(k, 0) for k in MONTH_COLUMNS)] for m in sorted(months)],
            "line",
        ),
        Table(
            "events",
            "按实际执行的事项：活动登记与检查",
            ["抽查事项", "登记活动", "已取消", "已检查", "已审核"],
            event_rows,
            "bar",
        ),
        Table(
            "joint",
            "进一次门、查多项事",
            ["项目", "数量"],
            [
                ["检查任务（上门次数）", visits],
                ["检查的事项（如各查一次需上门的次数）", item_checks],
                ["合并检查节省的上门次数", item_checks - visits],
                ["联合检查（多单位、多部门一同上门）", joint],
                ["由联合检查建议合并的检查任务", merged],
            ],
            "bar",
        ),
    ]


def _text(column: str) -> str:
    return f"CAST({column} AS {'text' if connection.vendor == 'postgresql' else 'TEXT'})"


def _add(counts: dict[str, int], column: str, n: int) -> None:
    counts[column] = counts.get(column, 0) + n


def _event_counts(events: dict[int, dict[str, int]], item: int) -> dict[str, int]:
    counted = events.get(item)
    if counted is None:
        counted = events[item] = dict.fromkeys(_EVENT_KEYS, 0)
    return counted


_EVENT_KEYS = ("registered", "cancelled", "checked", "approved")


# --- coverage of the directory ----------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


COVERAGE_TABLES = (
    # (dimension, table key, title, label column)
    ("type", "coverage_types", "名录覆盖：按检查对象类型", "对象类型"),
    ("town", "coverage_towns", "名录覆盖：按乡镇街道", "乡镇街道"),
    ("risk", "coverage_risk", "名录覆盖：按风险等级", "风险等级"),
)


def coverage_tables(scope: Scope) -> list[Table]:
    """Operating entities by target type, town and risk level, and those checked (an approved
    result) in the last 1, 2 and 3 years before as-of: read from the stored counts
    (stats.coverage), a few rows per group."""
    as_of = scope.as_of
    target_type = scope.item.entity_type_id if scope.item is not None else None
    type_names: dict[int, str] = dict(fetch_rows(f"SELECT id, name FROM {_TYPE}", []))  # type: ignore[arg-type]
    found = coverage.covered(
        agency_id=scope.agency.pk,
        as_of=as_of,
        starts={n: _years_before(as_of, n) for n in COVERAGE_YEARS},
        type_ids=type_names,
        target_type=target_type,
    )
    named: dict[str, list[tuple[tuple[Any, ...], str, coverage.Covered]]] = {
        "type": sorted(
            (
                (name is None, name or ""),
                name or "未填写",
                group,
            )
            for types, group in found["type"].items()
            for name in [None if types == coverage.NO_TYPE else type_names.get(int(types))]
        ),
        "town": sorted(((town,), town or "未填写", g) for town, g in found["town"].items()),
        "risk": sorted(
            (
                (RISK_ORDER.get(level, len(RISK_ORDER)), level),
                RISK_LABELS.get(level, "未评定"),
                g,
            )
            for level, g in found["risk"].items()
        ),
    }
    columns_after = ["在营对象数"]
    for n in COVERAGE_YEARS:
        columns_after += [f"近{n}年检查", f"近{n}年占比（%）"]
    columns_after.append("从未检查")
    tables = []
    for dimension, key, title, label in COVERAGE_TABLES:
        rows = []
        for _, shown, group in named[dimension]:
            values: list[Any] = [group.entities]
            for n in COVERAGE_YEARS:
                values += [group.within[n], _percent(group.within[n], group.entities)]
            values.append(group.entities - group.ever)
            rows.append([shown, *values])
        tables.append(
            Table(key, f"{title}（截至{as_of:%Y-%m-%d}）", [label, *columns_after], rows, "bar")
        )
    return tables


# --- what the checks found ------------------------------------------------------------------


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


def _kind_counts() -> dict[str, int]:
    return {"clean": 0, "problem": 0, "ending": 0, "total": 0}


def _add_kind(counts: dict[str, int], kind: str, n: int) -> None:
    if kind in counts:
        counts[kind] += n
    counts["total"] += n


FINDING_TOTALS = ("town", "stratum", "measure")


def finding_tables(scope: Scope) -> list[Table]:
    """Approved item results (stats.facts: per item by category, by kind and the entity's town,
    by kind and the risk level at the draw; measures by kind and state)."""
    scoped = _scope_items(scope)
    items = scoped.rows
    # each of these kinds is counted per item result: the scope's items are picked in SQL; the
    # categories are read per item (the per-item, per-type and per-category tables come from
    # them), the towns, risk levels and measures summed over the items there
    texts = [str(item["pk"]) for item in items]
    plans = _marks(scoped.plan_ids)
    rows = (
        fetch_rows(
            f'SELECT kind, items, "key", n, total FROM {_FACT} WHERE plan_id IN ({plans}) '
            f"AND kind = 'category' AND items IN ({_marks(texts)}) "
            f"UNION ALL SELECT kind, '', \"key\", SUM(n), SUM(total) FROM {_FACT} "
            f"WHERE plan_id IN ({plans}) AND kind IN ({_marks(FINDING_TOTALS)}) "
            f'AND items IN ({_marks(texts)}) GROUP BY kind, "key"',
            [*scoped.plan_ids, *texts, *scoped.plan_ids, *FINDING_TOTALS, *texts],
        )
        if items
        else []
    )
    facts: dict[str, list[tuple[str, str, int, int]]] = {
        kind: [] for kind in ("category", *FINDING_TOTALS)
    }
    for kind, item, key, n, total in rows:
        facts[kind].append((item, key, int(n), int(total)))
    type_of = {i["pk"]: i["entity_type__name"] for i in items}
    categories: dict[str, int] = {}
    per_item: dict[int, dict[str, int]] = {}
    per_type: dict[str | None, dict[str, int]] = {}
    for item_text, code, n, _total in facts["category"]:
        categories[code] = categories.get(code, 0) + n
        kind = KIND_OF_CATEGORY.get(code, "other")
        item = int(item_text)
        _add_kind(per_item.setdefault(item, _kind_counts()), kind, n)
        _add_kind(per_type.setdefault(type_of.get(item), _kind_counts()), kind, n)
    by_category = [
        [CATEGORY_LABELS.get(code, code), n]
        for code, n in sorted(categories.items(), key=lambda c: (-c[1], c[0]))
    ]
    labels = _item_labels(items, with_year=scoped.several_years)
    per_town: dict[str, dict[str, int]] = {}
    for _item, key, n, _total in facts["town"]:
        kind, town = key.split("|", 1)
        _add_kind(per_town.setdefault(town, _kind_counts()), kind, n)
    per_stratum: dict[str | None, dict[str, int]] = {}
    for _item, key, n, _total in facts["stratum"]:
        kind, stratum = key.split("|", 1)
        _add_kind(per_stratum.setdefault(stratum or None, _kind_counts()), kind, n)
    order = {s: i for i, s in enumerate(STRATA)}
    by_risk = sorted(per_stratum.items(), key=lambda r: order.get(r[0], len(order)))  # type: ignore[arg-type]
    rates = []
    for stratum, r in by_risk:
        checked = r["clean"] + r["problem"]
        low, high = stats.wilson_interval(r["problem"], checked)
        rates.append(
            [
                _stratum_label(stratum),
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
            [
                (name or "未指定", per_type[name])
                for name in sorted(per_type, key=lambda n: (n is not None, n or ""))
            ],
        ),
        _kind_table(
            "findings_towns",
            "检查结果：按乡镇街道",
            "乡镇街道",
            [(town or "未填写", per_town[town]) for town in sorted(per_town)],
        ),
        _kind_table(
            "findings_risk",
            "检查结果：按抽取时的风险等级",
            "风险等级",
            [(_stratum_label(stratum), r) for stratum, r in by_risk],
        ),
        Table(
            "problem_rate",
            "问题发现率：按抽取时的风险等级（95%置信区间，Wilson法）",
            ["风险等级", "检查事项数", "发现问题", "问题率（%）", "95%下限（%）", "95%上限（%）"],
            rates,
            "bar",
        ),
        _measure_table(facts["measure"]),
    ]


def _measure_table(measures: list[tuple[str, str, int, int]]) -> Table:
    kinds: dict[str, dict[str, int]] = {}
    for _item, key, n, total in measures:
        kind, state = key.split("|", 1)
        counted = kinds.setdefault(kind, {"open": 0, "closed": 0, "days": 0})
        counted[state] += n
        counted["days"] += total
    return Table(
        "measures",
        "后续处置：办理中、已办结与平均办结天数",
        ["措施", "办理中", "已办结", "平均办结天数"],
        [
            [
                MEASURE_KINDS.get(kind, kind),  # type: ignore[call-overload]
                r["open"],
                r["closed"],
                round(r["days"] / r["closed"], 1) if r["closed"] else None,
            ]
            for kind, r in sorted(kinds.items())
        ],
        "stacked_bar",
    )


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
    # the stored counts of what the portal shows (stats.facts: "public_item", a live record's
    # published item checks by category and risk level at the draw, and "public_month", the
    # live records by month), for the published plans; re-checks after 责令改正 are follow-up,
    # counted with the measures, not as checks of their own (as on the dashboard)
    plans = published_plans()
    if year is not None:
        plans = plans.filter(year=year)
    facts = list(
        Fact.objects.filter(
            plan__in=plans.values("pk"), kind__in=("public_item", "public_month", "drawn")
        ).values_list("plan__year", "kind", "items", "key", "n")
    )
    per_item: dict[int, dict[str, int]] = {}
    per_category: dict[str, int] = {}
    per_stratum: dict[str | None, dict[str, int]] = {}
    per_month: dict[str, int] = {}
    drawn: dict[int, int] = {}
    years = set()
    for plan_year, kind, items, key, n in facts:
        if kind == "drawn":
            drawn[int(items)] = drawn.get(int(items), 0) + n
        elif kind == "public_month":
            per_month[key] = per_month.get(key, 0) + n
            years.add(plan_year)
        else:
            category, stratum = key.split("|", 1)
            per_category[category] = per_category.get(category, 0) + n
            kind_of = KIND_OF_CATEGORY.get(category, "other")
            _add_kind(per_item.setdefault(int(items), _kind_counts()), kind_of, n)
            _add_kind(per_stratum.setdefault(stratum or None, _kind_counts()), kind_of, n)
    with_years = year is None and len(years) > 1
    plan_items = list(
        PlanItem.objects.filter(pk__in=[pk for pk, r in per_item.items() if r["total"]])
        .values("pk", "number", "label", "name", "plan__year", "entity_type__name")
        .order_by("-plan__year", "position")
    )
    labels = _item_labels(plan_items, with_year=with_years)
    per_type: dict[str | None, dict[str, int]] = {}
    for item in plan_items:
        counts = per_type.setdefault(item["entity_type__name"], _kind_counts())
        for column, n in per_item[item["pk"]].items():
            counts[column] += n
    by_category = [
        [CATEGORY_LABELS.get(category, category), n]
        for category, n in sorted(per_category.items(), key=lambda c: (-c[1], c[0]))
        if n
    ]
    by_type = [
        {"plan_item__entity_type__name": name, **r}
        for name, r in sorted(per_type.items(), key=lambda t: (t[0] is None, t[0] or ""))
    ]
    by_month = [[f"{m[:4]}-{m[4:]}", n] for m, n in sorted(per_month.items()) if n]
    order = {s: i for i, s in enumerate(STRATA)}
    by_risk = sorted(
        ({"stratum": stratum, **r} for stratum, r in per_stratum.items() if r["total"]),
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
