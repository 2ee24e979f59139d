"""Stored visits and team rows against the matching document (drift checks).

A matching keeps its full document (`TeamMatching.document`, spotcheck.matching/1: the teams,
the eligibility lists and the replacements) and the rows the application works with (`Visit`,
`TeamMember`). `matching_problems` recomputes the document from its own inputs (the seed and the
lists, docs/matching.md §11) and compares every visit and member row with it. The public
matching page runs it cached by the digest of the document and of the rows it read;
`spotcheck audit verify` runs it over every matching without the cache.

`spotcheck audit verify` also compares each matching's public record as served (teams.json,
draw.json's `teams`) with the digest the audit log recorded last for it (`public_sha256` of the
matching, of each replacement, of each kit issued, of each correction:
`correct_matching_digests`): a record served otherwise than last recorded, with no correction
entry saying why, is named with both digests.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db.models.fields.json import KeyTextTransform

from spotcheck.audit.models import AuditEntry
from spotcheck.inspections.models import TeamMatching, TeamMember, Visit
from spotcheck.lib import matching, matching_public

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
    """(number of matchings checked, problems) over every matching: the stored rows and
    document (`matching_problems`), then the public record against its recorded digest."""
    count, problems = 0, []
    recorded = recorded_digests()
    for match in TeamMatching.objects.select_related("plan", "event").order_by("pk"):
        count += 1
        problems += matching_problems(match, use_cache=False)
        problem = digest_problem(match, recorded.get(match.pk))
        if problem:
            problems.append(problem)
    return count, problems


# --- the public record against the digests the audit log recorded ------------------------------

# Entries whose details hold `public_sha256`, the digest of the matching's public record as it
# was then: on the matching (matched, kit issued, digest corrected) or on the visit of a
# replacement.
CORRECTION_ACTION = "inspections.correct_public_digest"  # actions.digests
MATCHING_DIGEST_ACTIONS = (
    "inspections.match_teams",
    "inspections.match_event_team",
    "inspections.match_recheck_team",
    "inspections.verification_kit",
    CORRECTION_ACTION,
)
VISIT_DIGEST_ACTIONS = ("inspections.replace_member",)


@dataclass(frozen=True)
class RecordedDigest:
    """The latest audit entry recording a matching's public digest."""

    seq: int
    action: str
    sha256: str


def recorded_digests() -> dict[int, RecordedDigest]:
    """Per matching id, the latest audit entry holding the digest of its public record (a
    replacement's entry names the visit: its matching is the one its members belong to).
    Matchings audited before digests were recorded (c75ff7b) have none."""
    label_match, label_visit = TeamMatching._meta.label, Visit._meta.label
    entries = (
        AuditEntry.objects.filter(
            action__in=MATCHING_DIGEST_ACTIONS + VISIT_DIGEST_ACTIONS,
            object_type__in=(label_match, label_visit),
        )
        .annotate(digest=KeyTextTransform("public_sha256", "details"))
        .exclude(digest=None)
        .order_by("seq")
        .values_list("seq", "action", "object_type", "object_id", "digest")
    )
    rows = list(entries)
    visit_ids = {int(row[3]) for row in rows if row[2] == label_visit}
    matchings_of: dict[int, set[int]] = defaultdict(set)
    for visit_id, matching_id in (
        TeamMember.objects.filter(visit_id__in=visit_ids)
        .values_list("visit_id", "matching_id")
        .distinct()
    ):
        matchings_of[visit_id].add(matching_id)
    latest: dict[int, RecordedDigest] = {}
    for seq, action, object_type, object_id, digest in rows:  # in chain order: last one wins
        ids = {int(object_id)} if object_type == label_match else matchings_of[int(object_id)]
        for matching_id in ids:
            latest[matching_id] = RecordedDigest(seq, action, str(digest))
    return latest


def served_digest(match: TeamMatching) -> str:
    """The digest of the matching's public record as served now (verify_draw's `section
    sha256` of teams.json, and of draw.json's `teams`)."""
    return matching_public.public_sha256(match.public_document())


def digest_problem(match: TeamMatching, recorded: RecordedDigest | None) -> str:
    """What is wrong when the public record served differs from the digest recorded last for
    it ("" when it agrees, or when no digest was ever recorded)."""
    if recorded is None:
        return ""
    try:
        served = served_digest(match)
    except (ValueError, KeyError, TypeError) as error:
        return f"检查人员匹配{match.pk}（{match}）：公开的匹配记录无法生成（{error}）"
    if served == recorded.sha256:
        return ""
    return (
        f"检查人员匹配{match.pk}（{match}）：公开的匹配记录（teams.json）SHA-256为{served}，"
        f"审计日志第{recorded.seq}条（{recorded.action}）记录的是{recorded.sha256}，"
        "没有更正记录说明两者为何不同（spotcheck correct-matching-digests 只为按此前规则"
        "公开的记录补记更正）"
    )
