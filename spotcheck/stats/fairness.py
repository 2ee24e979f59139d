"""The fairness section of the statistics (issue 13): each inspector's visits against the number
expected under the matching rules, the spread per unit, exclusions and replacements, and how
often each entity was drawn against its inclusion probability.

It reads two kinds of stored documents, not result rows: the matching records (each visit's
eligibility lists: who could have been drawn) and the frozen populations of the draws (who
could have been drawn, with which probability)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, QuerySet

from spotcheck.draws.models import Draw, DrawReplacement, DrawSelection
from spotcheck.inspections.models import TeamMatching, TeamMember, Visit
from spotcheck.lib import stats
from spotcheck.registry.models import Inspector
from spotcheck.stats.tables import Scope, Table

EXCLUSION_LABELS = {
    "inactive": "不在岗",
    "certificate_expired": "执法证过期",
    "recused": "回避关系",
    "previous_inspector": "上次检查人员",
    "unqualified": "缺少所需资格（仍可占普通席位）",
    "capped": "已达工作量上限",
}


@dataclass(frozen=True)
class MatchingSummary:
    """What the fairness tables take from one matching record (its visits in scope)."""

    expected: dict[str, float]
    exclusions: dict[str, int]
    over_cap: int


def summarise_matching(document: dict[str, Any], keys: set[str] | None) -> MatchingSummary:
    """Expected seats per inspector (each visit's seats shared among its eligible inspectors),
    exclusion counts and over-cap replacements, over the visits `keys` (None: all)."""
    pools_per_visit = []
    exclusions: dict[str, int] = {}
    for entry in document.get("visits", []):
        if keys is not None and entry["visit_id"] not in keys:
            continue
        seats: dict[str, int] = {}
        for seat in entry["seats"]:
            seats[seat["pool"]] = seats.get(seat["pool"], 0) + 1
        eligible = entry.get("eligible", {})
        pools_per_visit.append({p: (n, eligible.get(p, [])) for p, n in seats.items()})
        for reason, count in entry.get("excluded", {}).items():
            exclusions[reason] = exclusions.get(reason, 0) + count
    over_cap = sum(
        1
        for r in document.get("replacements", [])
        if r.get("over_cap") and (keys is None or r["visit_id"] in keys)
    )
    return MatchingSummary(stats.expected_loads(pools_per_visit), exclusions, over_cap)


def _matching_summaries(scope: Scope, visits: QuerySet[Visit]) -> list[MatchingSummary]:
    if scope.item is None and scope.unit is None:
        # Every visit of the plans' round and event matchings is in scope: summarise whole
        # records. A record's eligibility lists never change after matching; replacements only
        # append, so (matching, replacements made) identifies a summary and it is kept.
        matchings = TeamMatching.objects.filter(plan__in=scope.plans()).exclude(
            round__isnull=True, event__isnull=True
        )
        replaced = dict(
            TeamMember.objects.filter(matching__in=matchings, replaced_at__isnull=False)
            .values("matching_id")
            .annotate(n=Count("pk"))
            .values_list("matching_id", "n")
        )
        # the random salt of each record tells it apart from any other (a reused primary key)
        keys = {
            pk: f"spotcheck.stats.matching:{pk}:{salt}:{replaced.get(pk, 0)}"
            for pk, salt in matchings.values_list("pk", "commitment_salt").order_by("pk")
        }
        cached = cache.get_many(keys.values())
        missing = [pk for pk, key in keys.items() if key not in cached]
        if missing:  # one query for every record not summarised yet
            made = {
                keys[pk]: summarise_matching(document, None)
                for pk, document in TeamMatching.objects.filter(pk__in=missing).values_list(
                    "pk", "document"
                )
            }
            cache.set_many(made, timeout=None)
            cached |= made
        return [cached[key] for key in keys.values()]
    keys_by_matching: dict[int, set[str]] = {}
    for matching_id, key in (
        TeamMember.objects.filter(visit__in=visits)
        .values_list("matching_id", "visit__visit_key")
        .distinct()
    ):
        keys_by_matching.setdefault(matching_id, set()).add(key)
    return [
        summarise_matching(document, keys_by_matching[pk])
        for pk, document in TeamMatching.objects.filter(pk__in=keys_by_matching).values_list(
            "pk", "document"
        )
    ]


def fairness_tables(scope: Scope) -> list[Table]:
    visits = scope.visits()
    summaries = _matching_summaries(scope, visits)
    expected: dict[str, float] = {}
    exclusions: dict[str, int] = {}
    for summary in summaries:
        for inspector, load in summary.expected.items():
            expected[inspector] = expected.get(inspector, 0.0) + load
        for reason, count in summary.exclusions.items():
            exclusions[reason] = exclusions.get(reason, 0) + count
    over_cap = sum(summary.over_cap for summary in summaries)
    seats = TeamMember.objects.filter(visit__in=visits, replaced_at__isnull=True)
    actual = {
        r["inspector__certificate_number"]: r["n"]
        for r in seats.values("inspector__certificate_number").annotate(n=Count("pk"))
    }
    inspectors = Inspector.objects.filter(certificate_number__in=set(expected) | set(actual))
    if scope.unit is not None:
        inspectors = inspectors.filter(unit=scope.unit)
    people = list(
        inspectors.values("certificate_number", "name", "unit__name", "agency__name").order_by(
            "agency__name", "unit__name", "name", "certificate_number"
        )
    )
    per_inspector = []
    per_unit: dict[str, list[tuple[int, float]]] = {}
    for person in people:
        number = person["certificate_number"]
        unit_name = person["unit__name"] or person["agency__name"]
        got, want = actual.get(number, 0), expected.get(number, 0.0)
        per_inspector.append(
            [f"{person['name']}（{unit_name}）", got, round(want, 2), round(got - want, 2)]
        )
        per_unit.setdefault(unit_name, []).append((got, want))
    spread = []
    for unit_name, loads in sorted(per_unit.items()):
        got = [g for g, _ in loads]
        ratio = stats.max_mean_ratio(got)
        spread.append(
            [
                unit_name,
                len(loads),
                sum(got),
                round(sum(got) / len(got), 2),
                max(got),
                round(ratio, 2) if ratio is not None else None,
                round(stats.gini(got), 3),
                round(stats.gini([w for _, w in loads]), 3),
            ]
        )
    replaced = (
        TeamMember.objects.filter(visit__in=visits, replaced_at__isnull=False)
        .values("replaced_reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "replaced_reason")
    )
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
            [[f"检查组成员：{r['replaced_reason'] or '未说明'}", r["n"]] for r in replaced]
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
    """Each entity's draws against its inclusion probabilities: per executed draw, an entity of
    stratum h had probability n_h / N_h; summed over the draws in scope that is its expected
    number of draws. Entities grouped by expectation, observed against expected, chi-square.

    Draws of one ceremony share a seed, so an entity's ticket is the same in each: two draws of
    the same population with the same seed and allocation (items 8-11 of the 2022 plan) are one
    random event and count once. Draws of different populations with one seed remain somewhat
    dependent, so the p-value is approximate."""
    draws = Draw.objects.filter(item__in=scope.items(), status=Draw.Status.EXECUTED)
    identity = draws.order_by("pk").values_list("pk", "population_hash", "seed", "executed_at")
    # An executed draw is locked (population, allocation and selection never change), so the
    # figures of a set of draws are kept once computed.
    text = "\n".join("|".join(map(str, row)) for row in identity)
    key = "spotcheck.stats.draws:" + hashlib.sha256(text.encode()).hexdigest()
    tables: list[Table] | None = cache.get(key)
    if tables is None:
        tables = _draw_fairness(draws)
        cache.set(key, tables, timeout=None)
    return tables


def _draw_fairness(draws: QuerySet[Draw]) -> list[Table]:
    expected: dict[str, float] = {}
    counted: list[int] = []
    seen: set[tuple[str, str, str]] = set()
    executed = 0
    for draw in draws.only("pk", "seed", "population_gz", "population_hash", "allocation"):
        executed += 1
        event = (draw.seed, draw.population_hash, json.dumps(draw.allocation, sort_keys=True))
        if event in seen:
            continue
        seen.add(event)
        counted.append(draw.pk)
        for stratum, ids in draw.population_strata().items():
            if not ids:
                continue
            p = min(1.0, draw.allocation.get(stratum, 0) / len(ids))
            for entity_id in ids:
                expected[entity_id] = expected.get(entity_id, 0.0) + p
    observed = {
        r["public_id"]: r["n"]
        for r in DrawSelection.objects.filter(draw__in=counted, kind=DrawSelection.Kind.DRAWN)
        .values("public_id")
        .annotate(n=Count("pk"))
    }
    bins = stats.expected_bins([(e, observed.get(i, 0)) for i, e in expected.items()])
    fit = stats.chi_square([b.observed for b in bins], [b.expected for b in bins])
    summary = [
        ["已执行的抽取", executed],
        ["与另一抽取同种子、同名录（合并计算）", executed - len(counted)],
        ["名录中参与抽取的对象", len(expected)],
        ["抽中（不含替补）", sum(observed.values())],
        ["分组数", len(bins)],
        ["卡方统计量", round(fit.statistic, 3) if fit else None],
        ["自由度", fit.df if fit else None],
        ["p值", round(fit.p_value, 4) if fit else None],
    ]
    return [
        Table(
            "draw_fairness",
            "对象被抽中次数与入选概率的卡方检验",
            ["指标", "数值"],
            summary,
            "none",
        ),
        Table(
            "draw_fairness_bins",
            "按期望被抽中次数分组：期望与实际",
            ["期望次数范围", "对象数", "期望抽中", "实际抽中"],
            [
                [f"{b.low:.3f}–{b.high:.3f}", b.entities, round(b.expected, 2), b.observed]
                for b in bins
            ],
            "bar",
        ),
    ]
