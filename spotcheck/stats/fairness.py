"""The fairness section of the statistics (issue 13): each inspector's visits against the number
expected under the matching rules, the spread per unit, exclusions and replacements, and how
often entities were drawn against their inclusion probabilities.

It reads figures stored when matchings and draws were executed, never the matching records or
the frozen populations themselves: FairnessLoad and FairnessTally (stats.fairness_totals: the
sums per plan, responsible unit and item of what inspections.expectations stores per
matching), the `target_replaced` facts (target replacements per item and reason) and DrawBin
(draws.expectations: per draw, stratum and group of the population). Counted: the round and
event matchings of the plans in scope (not re-check matchings, as re-check visits are not
counted anywhere in the statistics); with a unit chosen, the visits that unit is responsible
for; with an item, the visits covering it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from spotcheck.draws.models import Draw, DrawReplacement
from spotcheck.inspections.models import MatchingTally
from spotcheck.lib import stats
from spotcheck.stats.fairness_totals import WHOLE_VISIT
from spotcheck.stats.tables import Scope, Table, fetch_rows

EXCLUSION_LABELS = {
    "inactive": "不在岗",
    "certificate_expired": "执法证过期",
    "recused": "回避关系",
    "previous_inspector": "上次检查人员",
    "unqualified": "缺少所需资格（仍可占普通席位）",
    "capped": "已达工作量上限",
}


@dataclass(frozen=True)
class _ScopeSQL:
    """The scope as plain SQL: the ORM's building and compiling of the section's queries cost
    many times running them. Each method gives a subquery of ids and its parameters."""

    plans_where: str
    plan_params: list[Any]
    items_where: str  # on plans_planitem as pi
    item_params: list[Any]

    @classmethod
    def of(cls, scope: Scope) -> _ScopeSQL:
        plans, plan_params = scope.plans_sql()
        narrower, narrower_params = scope.items_sql("pi")
        items = f"pi.plan_id IN (SELECT p.id FROM plans_plan p WHERE {plans}){narrower}"
        item_params = [*plan_params, *narrower_params]
        return cls(plans, plan_params, items, item_params)

    def plans(self) -> tuple[str, list[Any]]:
        return f"SELECT p.id FROM plans_plan p WHERE {self.plans_where}", list(self.plan_params)

    def items(self) -> tuple[str, list[Any]]:
        return f"SELECT pi.id FROM plans_planitem pi WHERE {self.items_where}", list(
            self.item_params
        )

    def executed_draws(self) -> tuple[str, list[Any]]:
        """The executed draws of the items, answered from two indexes (item; status), never a
        draw's row: on SQLite a draw's item lies past its frozen population and record in
        the row, and a condition on the row's status made the planner read every draw's item
        from the row (a scan, or a Bloom filter built by one: ~20 ms at 1,000,000 results)."""
        items, params = self.items()
        return (
            f"SELECT d.id FROM draws_draw d WHERE d.item_id IN ({items}) AND d.id IN "
            f"(SELECT e.id FROM draws_draw e WHERE e.status = '{Draw.Status.EXECUTED.value}')",
            params,
        )


def _group_sql(scope: Scope, alias: str) -> tuple[str, list[Any]]:
    """Condition on FairnessLoad or FairnessTally rows (`alias`) of the scope: the plans'; the
    item's rows (an item of the unit, when one is chosen) or the whole visits' rows; with a
    unit, the rows of the visits it is responsible for."""
    where = _ScopeSQL.of(scope)
    plans, params = where.plans()
    sql = f"{alias}.plan_id IN ({plans})"
    if scope.unit is not None:
        sql += f" AND {alias}.unit_id = %s"
        params.append(scope.unit.pk)
    if scope.item is not None:
        items, item_params = where.items()
        sql += f" AND {alias}.item IN ({items})"
        params += item_params
    else:
        sql += f" AND {alias}.item = {WHOLE_VISIT}"
    return sql, params


def _loads(scope: Scope) -> list[tuple[str, str, str | None, str, int, float]]:
    """Per inspector of the scope: certificate number, name, unit and agency names, seats held
    and expected, in the order of agency, unit, name, certificate number."""
    where, params = _group_sql(scope, "l")
    if scope.unit is not None:
        where += " AND i.unit_id = %s"
        params.append(scope.unit.pk)
    return fetch_rows(
        "SELECT i.certificate_number, i.name, u.name, a.name, SUM(l.seats), SUM(l.expected) "
        "FROM stats_fairnessload l "
        "INNER JOIN registry_inspector i ON i.id = l.inspector_id "
        "INNER JOIN accounts_agency a ON a.id = i.agency_id "
        "LEFT OUTER JOIN accounts_unit u ON u.id = i.unit_id "
        f"WHERE {where} "
        "GROUP BY i.certificate_number, i.name, u.name, a.name "
        "ORDER BY a.name, u.name, i.name, i.certificate_number",
        params,
    )


TARGET = "target"  # the kind of the target replacements' rows among the tallies


def _tallies(scope: Scope) -> dict[str, dict[str, int]]:
    """Per kind (FairnessTally's, and TARGET for the draws' target replacements, stored per
    item as facts of kind target_replaced), per reason, how many: one statement."""
    where, params = _group_sql(scope, "t")
    in_scope = _ScopeSQL.of(scope)
    plans, plan_params = in_scope.plans()
    found: dict[str, dict[str, int]] = {}
    for kind, reason, n in fetch_rows(
        "SELECT t.kind, t.reason, SUM(t.count) FROM stats_fairnesstally t "
        f"WHERE {where} GROUP BY t.kind, t.reason "
        "UNION ALL "
        f"SELECT '{TARGET}', f.key, SUM(f.n) FROM stats_fact f "
        f"WHERE f.plan_id IN ({plans}) AND f.kind = 'target_replaced' "
        "AND f.items IN (SELECT CAST(pi.id AS VARCHAR(20)) FROM plans_planitem pi "
        f"WHERE {in_scope.items_where}) GROUP BY f.key",
        [*params, *plan_params, *in_scope.item_params],
    ):
        found.setdefault(kind, {})[reason] = int(n)
    return found


def fairness_tables(scope: Scope) -> list[Table]:
    per_inspector = []
    per_unit: dict[str, list[tuple[int, float]]] = {}
    for _number, name, unit_name, agency_name, got, want in _loads(scope):
        unit_name = unit_name or agency_name
        got = int(got)
        per_inspector.append([f"{name}（{unit_name}）", got, round(want, 2), round(got - want, 2)])
        per_unit.setdefault(unit_name, []).append((got, want))
    spread = []
    for unit_name, unit_loads in sorted(per_unit.items()):
        got_list = [g for g, _ in unit_loads]
        ratio = stats.max_mean_ratio(got_list)
        spread.append(
            [
                unit_name,
                len(unit_loads),
                sum(got_list),
                round(sum(got_list) / len(got_list), 2),
                max(got_list),
                round(ratio, 2) if ratio is not None else None,
                round(stats.gini(got_list), 3),
                round(stats.gini([w for _, w in unit_loads]), 3),
            ]
        )
    tallies = _tallies(scope)
    exclusions = tallies.get(MatchingTally.Kind.EXCLUDED, {})
    replaced = sorted(
        tallies.get(MatchingTally.Kind.REPLACED, {}).items(), key=lambda kv: (-kv[1], kv[0])
    )
    over_cap = sum(tallies.get(MatchingTally.Kind.OVER_CAP, {}).values())
    target_replacements = sorted(tallies.get(TARGET, {}).items(), key=lambda kv: (-kv[1], kv[0]))
    reason_labels = dict(DrawReplacement.Reason.choices)
    return [
        Table(
            "fairness_inspectors",
            "执法人员检查次数与按规则的期望次数",
            ["执法人员", "实际次数", "期望次数", "差值"],
            per_inspector,
            "bar",
        ),
        Table(
            "fairness_units",
            "各单位检查次数的分布（最多/平均、基尼系数）",
            [
                "单位",
                "执法人员数",
                "检查次数",
                "平均",
                "最多",
                "最多/平均",
                "基尼系数",
                "期望的基尼系数",
            ],
            spread,
            "bar",
        ),
        Table(
            "exclusions",
            "匹配时排除的执法人员（人次）",
            ["原因", "人次"],
            [
                [EXCLUSION_LABELS.get(k, k), exclusions[k]]
                for k in EXCLUSION_LABELS
                if k in exclusions
            ],
            "bar",
        ),
        Table(
            "replacements",
            "替换：检查组成员与检查对象",
            ["原因", "次数"],
            [[f"检查组成员：{reason or '未说明'}", n] for reason, n in replaced]
            + ([["检查组成员：超出工作量上限的替换", over_cap]] if over_cap else [])
            + [
                [f"检查对象：{reason_labels.get(code, code)}", n] for code, n in target_replacements
            ],
            "bar",
        ),
        *draw_fairness_tables(scope),
    ]


def draw_fairness_tables(scope: Scope) -> list[Table]:
    """Whether the executed draws in scope picked entities as their probabilities say.

    Each draw is its own experiment: within a stratum every entity had the probability
    n_h / N_h, and the stratum's population, in its canonical order, is cut into groups with
    enough expected selections (DrawBin). Pearson's statistic over a draw's groups has, per
    stratum, groups - 1 degrees of freedom (the stratum's total is fixed by the allocation).
    Independent draws add up: the statistics and the degrees of freedom are summed over the
    draws, and the p-value is that of the sum. Draws with the same seed, population and
    allocation (one ceremony drawing several items alike) make the same selection: they are
    one experiment and count once (the first draw of each event). docs/statistics.md gives the
    rule."""
    draws, draw_params = _ScopeSQL.of(scope).executed_draws()
    [(executed, events)] = fetch_rows(
        f"SELECT (SELECT COUNT(*) FROM ({draws}) x), "
        f"(SELECT COUNT(DISTINCT b.event) FROM draws_drawbin b WHERE b.draw_id IN ({draws}))",
        [*draw_params, *draw_params],
    )
    # per probability, what the chi-square needs (each sum adds up over the groups)
    rows = fetch_rows(
        "SELECT b.probability, COUNT(*), SUM(CASE WHEN b.position = 0 THEN 1 ELSE 0 END), "
        "SUM(b.population), SUM(b.expected), SUM(b.observed), "
        "SUM(CASE WHEN b.expected > 0 THEN (b.observed - b.expected) * (b.observed - b.expected)"
        " / b.expected END), "
        "SUM(CASE WHEN b.expected = 0 AND b.observed > 0 THEN 1 ELSE 0 END) "
        "FROM draws_drawbin b WHERE b.draw_id IN "
        f"(SELECT MIN(f.draw_id) FROM draws_drawbin f WHERE f.draw_id IN ({draws}) "
        "GROUP BY f.event) "
        "GROUP BY b.probability ORDER BY b.probability",
        draw_params,
    )
    n_groups = sum(int(r[1]) for r in rows)
    n_strata = sum(int(r[2]) for r in rows)
    entities = sum(int(r[3]) for r in rows)
    drawn = sum(int(r[5]) for r in rows)
    chi2 = sum(float(r[6]) for r in rows if r[6] is not None)
    impossible = sum(int(r[7]) for r in rows)
    df = n_groups - n_strata
    fit = None
    if df >= 1:
        statistic = float("inf") if impossible else chi2
        p_value = 0.0 if impossible else stats.chi_square_sf(statistic, df)
        fit = stats.ChiSquare(statistic, df, p_value)
    by_probability = _probability_groups(
        (float(r[0]), int(r[3]), float(r[4]), int(r[5])) for r in rows
    )
    summary = [
        ["已执行的抽取", executed],
        ["与另一抽取同种子、同名录（合并计算）", executed - events],
        ["名录中参与抽取的对象（各抽取人次相加）", entities],
        ["抽中（不含替补）", drawn],
        ["分组数", n_groups],
        ["卡方统计量", round(fit.statistic, 3) if fit else None],
        ["自由度", fit.df if fit else None],
        ["p值", round(fit.p_value, 4) if fit else None],
    ]
    return [
        Table(
            "draw_fairness",
            "对象被抽中次数与入选概率的卡方检验（各次抽取分别分组，统计量相加）",
            ["指标", "数值"],
            summary,
            "none",
        ),
        Table(
            "draw_fairness_bins",
            "按入选概率分组：期望与实际",
            ["期望次数范围", "对象数", "期望抽中", "实际抽中"],
            [
                [f"{low:.3f}–{high:.3f}", entities, round(expected, 2), observed]
                for low, high, entities, expected, observed in by_probability
            ],
            "bar",
        ),
    ]


def _probability_groups(
    rows: Iterable[tuple[float, int, float, int]], *, groups: int = 10
) -> list[tuple[float, float, int, float, int]]:
    """(probability, entities, expected, observed) rows in order of probability, merged into
    at most `groups` consecutive groups of about equal expected selections, for display."""
    ordered = list(rows)
    total = sum(expected for _, _, expected, _ in ordered)
    merged: list[tuple[float, float, int, float, int]] = []
    current: list[tuple[float, int, float, int]] = []
    for index, row in enumerate(ordered):
        current.append(row)
        closing = sum(r[2] for r in current) >= total / groups - 1e-9
        if (closing and len(merged) < groups - 1) or index == len(ordered) - 1:
            merged.append(
                (
                    current[0][0],
                    current[-1][0],
                    sum(r[1] for r in current),
                    sum(r[2] for r in current),
                    sum(r[3] for r in current),
                )
            )
            current = []
    return merged
