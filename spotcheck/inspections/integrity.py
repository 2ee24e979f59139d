"""Stored visits and team rows against the matching document (drift checks).

A matching keeps its full document (`TeamMatching.document`, spotcheck.matching/1: the teams,
the eligibility lists and the replacements) and the rows the application works with (`Visit`,
`TeamMember`). `matching_problems` recomputes the document from its own inputs (the seed and the
lists, docs/matching.md §11) and compares every visit and member row with it. The public
matching page runs it cached by the digest of the document and of the rows it read;
`spotcheck audit verify` runs it over every matching without the cache.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from django.core.cache import cache

from spotcheck.inspections.models import TeamMatching, TeamMember, Visit
from spotcheck.lib import matching

CACHE_PREFIX = "matching-integrity:v1:"


def _digest(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _member_rows(match: TeamMatching) -> list[tuple[Any, ...]]:
    return list(
        TeamMember.objects.filter(matching=match)
        .order_by("pk")
        .values_list(
            "pk",
            "visit__visit_key",
            "inspector__certificate_number",
            "role",
            "seat",
            "pool",
            "ticket",
            "replaced_at",
            "replaced_reason",
            "replacement_id",
        )
    )


def _visit_rows(match: TeamMatching, document: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    keys = [entry["visit_id"] for entry in document.get("visits", [])]
    rows = Visit.objects.filter(plan=match.plan, visit_key__in=keys).values_list(
        "visit_key",
        "entity_key",
        "ticket",
        "planned_start",
        "planned_end",
        "responsible_unit__name",
    )
    if match.round is not None:  # events' and re-checks' matchings have no round of their own
        rows = rows.filter(round=match.round)
    return {row[0]: row for row in rows}


def matching_problems(match: TeamMatching, *, use_cache: bool = True) -> list[str]:
    """What differs between the stored rows, the stored document and its recomputation."""
    document = match.document
    members = _member_rows(match)
    visits = _visit_rows(match, document)
    key = ""
    if use_cache:
        key = f"{CACHE_PREFIX}{match.pk}:{_digest([match.seed, document, members, visits])}"
        cached = cache.get(key)
        if cached is not None:
            return list(cached)
    problems = _problems(match, document, members, visits)
    if use_cache:
        cache.set(key, problems, timeout=None)
    return problems


def _problems(
    match: TeamMatching,
    document: dict[str, Any],
    members: list[tuple[Any, ...]],
    visits: dict[str, tuple[Any, ...]],
) -> list[str]:
    name = f"检查人员匹配{match.pk}（{match}）"
    problems: list[str] = []
    if document.get("seed") != match.seed:
        problems.append(f"{name}：匹配记录中的种子与保存的种子不符")
    try:
        recomputed = matching.recompute_document(document)
    except (ValueError, KeyError, TypeError) as error:
        return [*problems, f"{name}：匹配记录无法重新计算（{error}）"]
    if recomputed != document:
        differing = [
            entry["visit_id"]
            for entry, again in zip(document["visits"], recomputed["visits"], strict=False)
            if entry != again
        ]
        where = "、".join(differing[:5]) or "检查组顺序、工作量上限或替换记录"
        problems.append(f"{name}：匹配记录与按种子和名单重新计算的结果不符（{where}）")

    current: dict[str, dict[int, tuple[Any, ...]]] = {}
    replaced: list[tuple[Any, ...]] = []
    for row in members:
        if row[7] is None:
            seats = current.setdefault(row[1], {})
            if row[4] in seats:
                problems.append(f"{name}：检查任务{row[1]}席位{row[4]}有两名现任成员")
            seats[row[4]] = row
        else:
            replaced.append(row)
    for entry in document["visits"]:
        visit_id = entry["visit_id"]
        where = f"{name}：检查任务{visit_id}"
        stored = visits.get(visit_id)
        if stored is None:
            problems.append(f"{where}：检查任务记录不存在")
        elif stored[1:] != (
            entry["entity_id"],
            entry["ticket"],
            *(_day(d) for d in entry["days"]),
            entry["unit"],
        ):
            problems.append(f"{where}：检查任务记录（对象、顺序号、日期或责任单位）与匹配记录不符")
        seats = current.pop(visit_id, {})
        want = {m["seat"]: m for m in entry["team"]}
        if set(seats) != set(want):
            problems.append(f"{where}：成员席位与匹配记录不符")
            continue
        for seat, member in want.items():
            row = seats[seat]
            if (row[2], row[3], row[6]) != (
                member["inspector_id"],
                member["role"],
                member["ticket"],
            ):
                problems.append(
                    f"{where}席位{seat}：应为{member['inspector_id']}（{member['role']}），"
                    f"记录为{row[2]}（{row[3]}）"
                )
    for visit_id in current:
        problems.append(f"{name}：检查任务{visit_id}有成员记录，但不在匹配记录中")

    by_pk = {row[0]: row for row in members}
    made = sorted(
        (row[1], row[4], row[2], by_pk[row[9]][2] if row[9] in by_pk else None, row[8])
        for row in replaced
    )
    published = sorted(
        (r["visit_id"], r["seat"], r["removed"], r["added"], r["reason"])
        for r in document["replacements"]
    )
    if made != published:
        problems.append(f"{name}：被替换成员的记录与匹配记录中的替换记录不符")
    return problems


def _day(text: str) -> date:
    return date.fromisoformat(text)


def all_matching_problems() -> tuple[int, list[str]]:
    """(number of matchings checked, problems) over every matching."""
    count, problems = 0, []
    for match in TeamMatching.objects.select_related("plan", "event").order_by("pk"):
        count += 1
        problems += matching_problems(match, use_cache=False)
    return count, problems
