"""The fairness section of the statistics (issue 13): each inspector's visits against the number
expected under the matching rules, the spread per unit, exclusions and replacements, and how
often entities were drawn against their inclusion probabilities.

It reads figures stored when matchings and draws were executed, never the matching records or
the frozen populations themselves: ExpectedLoad and MatchingTally (inspections.expectations:
per matching, responsible unit and item) and DrawBin (draws.expectations: per draw, stratum and
group of the population). Counted: the round and event matchings of the plans in scope (not
re-check matchings, as re-check visits are not counted anywhere in the statistics); with a unit
chosen, the visits that unit is responsible for; with an item, the visits covering it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast

from spotcheck.draws.models import Draw, DrawBin, DrawReplacement
from spotcheck.inspections.models import ExpectedLoad, MatchingTally, TeamMatching
from spotcheck.lib import stats
from spotcheck.stats.tables import Scope, Table

EXCLUSION_LABELS = {
    "inactive": "不在岗",
    "certificate_expired": "执法证过期",
    "recused": "回避关系",
    "previous_inspector": "上次检查人员",
    "unqualified": "缺少所需资格（仍可占普通席位）",
    "capped": "已达工作量上限",
}


def _in_scope(rows: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    """ExpectedLoad or MatchingTally rows of the scope: the plans' round and event matchings;
    the item's rows (an item of the unit, when one is chosen) or the whole visits' rows."""
    # the matchings as a subquery (read from their index once), not joined row by row
    matchings = TeamMatching.objects.filter(plan__in=scope.plans()).filter(
        Q(round__isnull=False) | Q(event__isnull=False)
    )
    rows = rows.filter(matching__in=matchings.order_by().values("pk"))
    if scope.unit is not None:
        rows = rows.filter(unit=scope.unit)
    if scope.item is not None:
        return rows.filter(item__in=scope.items())
    return rows.filter(item__isnull=True)


def fairness_tables(scope: Scope) -> list[Table]:
    loads = _in_scope(ExpectedLoad.objects.all(), scope)
    if scope.unit is not None:
        loads = loads.filter(inspector__unit=scope.unit)
    per_inspector = []
    per_unit: dict[str, list[tuple[int, float]]] = {}
    for person in (
        loads.values(
            "inspector__certificate_number",
            "inspector__name",
            "inspector__unit__name",
            "inspector__agency__name",
        )
        .annotate(got=Sum("seats"), want=Sum("expected"))
        .order_by(
            "inspector__agency__name",
            "inspector__unit__name",
            "inspector__name",
            "inspector__certificate_number",
        )
    ):
        unit_name = person["inspector__unit__name"] or person["inspector__agency__name"]
        got, want = person["got"], person["want"]
        per_inspector.append(
            [
                f"{person['inspector__name']}（{unit_name}）",
                got,
                round(want, 2),
                round(got - want, 2),
            ]
        )
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
    tallies: dict[str, dict[str, int]] = {}
    for row in (
        _in_scope(MatchingTally.objects.all(), scope)
        .values("kind", "reason")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        tallies.setdefault(row["kind"], {})[row["reason"]] = row["n"]
    exclusions = tallies.get(MatchingTally.Kind.EXCLUDED, {})
    replaced = sorted(
        tallies.get(MatchingTally.Kind.REPLACED, {}).items(), key=lambda kv: (-kv[1], kv[0])
    )
    over_cap = sum(tallies.get(MatchingTally.Kind.OVER_CAP, {}).values())
    target_replacements = (
        DrawReplacement.objects.filter(draw__item__in=scope.items())
        .values("reason_code")
        .annotate(n=Count("pk"))
        .order_by("-n", "reason_code")
    )
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
                [f"检查对象：{reason_labels.get(r['reason_code'], r['reason_code'])}", r["n"]]
                for r in target_replacements
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
    one experiment and count once. docs/statistics.md gives the rule."""
    draws = Draw.objects.filter(item__in=scope.items(), status=Draw.Status.EXECUTED)
    executed = draws.count()
    first_of_event: dict[str, int] = {}
    for event, draw in (
        DrawBin.objects.filter(draw__in=draws)
        .values_list("event", "draw")
        .distinct()
        .order_by("draw")
    ):
        first_of_event.setdefault(event, draw)
    bins = DrawBin.objects.filter(draw__in=first_of_event.values())
    totals = bins.aggregate(
        n_groups=Count("pk"),
        n_strata=Count("pk", filter=Q(position=0)),
        entities=Sum("population"),
        drawn=Sum("observed"),
        chi2=Sum(
            (Cast("observed", FloatField()) - F("expected"))
            * (Cast("observed", FloatField()) - F("expected"))
            / F("expected"),
            filter=Q(expected__gt=0),
        ),
        impossible=Count("pk", filter=Q(expected=0, observed__gt=0)),
    )
    df = (totals["n_groups"] or 0) - (totals["n_strata"] or 0)
    fit = None
    if df >= 1:
        statistic = float("inf") if totals["impossible"] else (totals["chi2"] or 0.0)
        p_value = 0.0 if totals["impossible"] else stats.chi_square_sf(statistic, df)
        fit = stats.ChiSquare(statistic, df, p_value)
    by_probability = _probability_groups(
        bins.values("probability")
        .annotate(entities=Sum("population"), want=Sum("expected"), got=Sum("observed"))
        .order_by("probability")
        .values_list("probability", "entities", "want", "got")
    )
    summary = [
        ["已执行的抽取", executed],
        ["与另一抽取同种子、同名录（合并计算）", executed - len(first_of_event)],
        ["名录中参与抽取的对象（各抽取人次相加）", totals["entities"] or 0],
        ["抽中（不含替补）", totals["drawn"] or 0],
        ["分组数", totals["n_groups"] or 0],
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
