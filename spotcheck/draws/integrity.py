"""Stored rows against the verified document (drift checks).

An executed draw keeps two copies of its result: the draw document (`document_gz`, what
draw.json exports and the verifier checks) and the rows the application works with
(`DrawSelection`, `DrawReplacement`). A row changed in the database behind the actions would show
a substituted entity on the public page while draw.json still verifies. Two checks close that:

- `stored_rows_problems(draw)`: the rows against the stored document (cheap; the public page
  runs it on every request, cached by the digest of the document and of the rows it read).
- `draw_problems(draw)`: additionally recomputes the selection from the frozen population and
  the recorded seed and compares it with the stored document (`spotcheck audit verify`).

Both return a list of problems in plain Chinese (empty when consistent), each naming the row.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.cache import cache

from spotcheck.draws.actions import compute_document
from spotcheck.draws.models import Draw, DrawError, DrawSelection
from spotcheck.lib import drawdoc
from spotcheck.lib.publication import is_masked_form

CACHE_PREFIX = "draw-integrity:v3:"
# The parts of the document the selection is computed from or consists of.
RECOMPUTED_SECTIONS = ("population", "allocation", "seed", "selection")


def _selection_rows(draw: Draw) -> list[tuple[Any, ...]]:
    return list(
        DrawSelection.objects.filter(draw=draw)
        .order_by("position")
        .values_list(*SELECTION_ROW_FIELDS)
    )


def _replacement_rows(draw: Draw) -> list[tuple[Any, ...]]:
    return list(draw.replacements.order_by("sequence").values_list(*REPLACEMENT_ROW_FIELDS))


SELECTION_ROW_FIELDS = (
    "pk",
    "position",
    "kind",
    "public_id",
    "entity__public_id",
    "name",
    "credit_code",
    "stratum",
    "rank",
    "ticket",
    "public_name",
)


def selection_row(selection: DrawSelection) -> tuple[Any, ...]:
    """A selection read with its entity, as the checks compare it (SELECTION_ROW_FIELDS)."""
    s = selection
    return (
        s.pk,
        s.position,
        s.kind,
        s.public_id,
        s.entity.public_id,
        s.name,
        s.credit_code,
        s.stratum,
        s.rank,
        s.ticket,
        s.public_name,
    )


REPLACEMENT_ROW_FIELDS = ("sequence", "original_id", "replacement_id", "document_entry")


def rows_problems(
    draw: Draw, selections: list[tuple[Any, ...]], replacements: list[tuple[Any, ...]]
) -> list[str]:
    """`stored_rows_problems` of rows read in bulk by the caller (selections ordered by
    position, as SELECTION_ROW_FIELDS; replacements by sequence, as REPLACEMENT_ROW_FIELDS)."""
    if draw.status != Draw.Status.EXECUTED:
        return []
    return _rows_problems(draw, selections, replacements)


def stored_rows_problems(draw: Draw, *, use_cache: bool = True) -> list[str]:
    """Whether the selection and replacement rows say what the stored document says."""
    if draw.status != Draw.Status.EXECUTED:
        return []
    selections = _selection_rows(draw)
    replacements = _replacement_rows(draw)
    key = ""
    if use_cache:
        digest = hashlib.sha256(bytes(draw.document_gz))
        digest.update(
            json.dumps([selections, replacements], ensure_ascii=False, default=str).encode()
        )
        key = f"{CACHE_PREFIX}{draw.pk}:{digest.hexdigest()}"
        cached = cache.get(key)
        if cached is not None:
            return list(cached)
    problems = _rows_problems(draw, selections, replacements)
    if use_cache:
        cache.set(key, problems, timeout=None)
    return problems


def _rows_problems(
    draw: Draw, selections: list[tuple[Any, ...]], replacements: list[tuple[Any, ...]]
) -> list[str]:
    name = f"抽取{draw.pk}（{draw}）"
    try:
        document = draw.document()
    except (ValueError, OSError) as error:
        return [f"{name}：抽取文档无法读取（{error}）"]
    if document is None:
        return [f"{name}：已执行但没有抽取文档"]
    problems: list[str] = []
    entities = document.get("entities", {})
    drawn = [row for row in selections if row[2] == DrawSelection.Kind.DRAWN]
    expected = document["selection"]
    if len(drawn) != len(expected):
        problems.append(f"{name}：抽中记录{len(drawn)}行，抽取文档中为{len(expected)}个")
    for row, entry in zip(drawn, expected, strict=False):
        pk, position, _, public_id, entity_public_id, row_name, credit_code = row[:7]
        stratum, rank, ticket, public_name = row[7:]
        where = f"{name}抽中记录第{position}行（id {pk}）"
        if (public_id, stratum, rank, ticket) != (
            entry["id"],
            entry["stratum"],
            entry["rank"],
            entry["ticket"],
        ):
            problems.append(
                f"{where}：应为{entry['id']}（{entry['stratum']}第{entry['rank']}名），"
                f"记录为{public_id}（{stratum}第{rank}名）"
            )
        if entity_public_id != public_id:
            problems.append(f"{where}：关联的检查对象是{entity_public_id}，不是{public_id}")
        info = entities.get(entry["id"])
        # Documents name entities as published (public_name, masked since under stricter
        # rules: draws.actions.remask_public_names); those stored before names were masked in
        # them hold the name as drawn.
        if info is not None and (
            not (info["name"] == row_name or is_masked_form(info["name"], row_name))
            or not is_masked_form(public_name, info["name"])
            or credit_code != info["credit_code"]
        ):
            problems.append(f"{where}：名称或信用代码与抽取文档不符（{row_name}）")
    for row in selections:
        pk, position, row_name, public_name = row[0], row[1], row[5], row[10]
        if not is_masked_form(public_name, row_name):
            problems.append(
                f"{name}抽中记录第{position}行（id {pk}）：公示名称不是抽取时的名称遮蔽后的形式"
            )

    by_pk = {row[0]: row for row in selections}
    replayed = dict(document)
    for sequence, original_pk, replacement_pk, entry in replacements:
        where = f"{name}替补记录第{sequence}条"
        original, successor = by_pk.get(original_pk), by_pk.get(replacement_pk)
        if original is None or successor is None:
            problems.append(f"{where}：原对象或替补对象不是本次抽取的记录")
            break
        try:
            replayed = drawdoc.add_replacement(replayed, original[3], str(entry.get("reason", "")))
        except (ValueError, KeyError) as error:
            problems.append(f"{where}：按规则重放失败（{error}）")
            break
        want = replayed["replacements"][-1]
        if entry != want:
            problems.append(f"{where}：应由{want['replacement_id']}替补，记录为{entry}")
        if successor[2] != DrawSelection.Kind.REPLACEMENT or (
            successor[3],
            successor[7],
            successor[8],
            successor[9],
        ) != (want["replacement_id"], want["stratum"], want["rank"], want["ticket"]):
            problems.append(
                f"{where}：替补对象记录（id {successor[0]}）应为{want['replacement_id']}，"
                f"记录为{successor[3]}"
            )
        if successor[4] != successor[3]:
            problems.append(f"{where}：替补对象关联的检查对象是{successor[4]}，不是{successor[3]}")
    extra = len(selections) - len(drawn) - len(replacements)
    if extra:
        problems.append(f"{name}：有{extra}行替补对象记录没有对应的替补记录")
    return problems


def draw_problems(draw: Draw) -> list[str]:
    """Recompute an executed draw from its frozen population and seed; compare with the stored
    document, then the stored rows with the document."""
    if draw.status != Draw.Status.EXECUTED:
        return []
    name = f"抽取{draw.pk}（{draw}）"
    try:
        recomputed = compute_document(draw)
        stored = draw.document()
    except (DrawError, ValueError, KeyError) as error:
        return [f"{name}：无法重新计算（{error}）"]
    if stored is None:
        return [f"{name}：已执行但没有抽取文档"]
    problems = [
        f"{name}：抽取文档的{section}部分与按冻结名录和种子重新计算的结果不符"
        for section in RECOMPUTED_SECTIONS
        if stored.get(section) != recomputed[section]
    ]
    return problems + stored_rows_problems(draw, use_cache=False)


def all_draw_problems() -> tuple[int, list[str]]:
    """(number of executed draws checked, problems) over every executed draw."""
    draws = Draw.objects.filter(status=Draw.Status.EXECUTED).select_related(
        "item", "item__plan", "item__plan__agency", "item__entity_type"
    )
    count, problems = 0, []
    for draw in draws.order_by("pk").iterator(chunk_size=20):
        count += 1
        problems += draw_problems(draw)
    return count, problems
