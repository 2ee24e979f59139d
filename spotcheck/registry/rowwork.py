"""Per-row work of the entity import, free of Django so that worker processes can run it.

`prepare_entity_rows` takes a chunk of (row number, cells) and returns the staging rows of the
good rows and the errors of the bad ones: the lib's `validate_entity_row`, the database's column
limits, the public id, and the pinyin search keys. `EntityImport` runs it in the importing
process, or in a pool of spawned processes for large files where cores are to spare (the pool
needs no database connection; the importing process reads the file and writes).

`search_keys` is the pinyin function of `spotcheck.lib.pinyin` with pypinyin's per-word
conversion memoised (a test checks the two agree): pypinyin segments a name into words and
converts each word on its own, and names in a directory share most words (沂源县, 有限公司,
towns, trade names). About 230 µs a name for the library function, about 5 µs here.
"""

from __future__ import annotations

import hashlib
import json
import operator
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pypinyin import Style
from pypinyin.core import _default_pinyin

from spotcheck.lib import directory
from spotcheck.lib.directory import ENTITY_COLUMNS, RowError, TargetTypeVocabulary
from spotcheck.lib.pinyin import _ascii_key, name_key, segment

_MAX_CACHED_WORDS = 200_000
# Keys of each word pypinyin converts on its own, as `spotcheck.lib.pinyin._ascii_key` filters them.
_full_keys: dict[str, str] = {}
_initial_keys: dict[str, str] = {}


def _convert(word: str, style: Style) -> str:
    converted = _default_pinyin._converter.convert(word, style, False, "default", strict=False)
    return "".join(item for items in converted for item in items)


def _learn(word: str) -> None:
    if len(_full_keys) >= _MAX_CACHED_WORDS:
        _full_keys.clear()
        _initial_keys.clear()
    _full_keys[word] = _ascii_key([_convert(word, Style.NORMAL)])
    _initial_keys[word] = _ascii_key([_convert(word, Style.FIRST_LETTER)])


def search_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a name, as `spotcheck.lib.pinyin.search_keys` computes them.

    The words are pypinyin's (`segment` cuts a text exactly as `_default_pinyin.seg` does).
    Keys are filtered per word (the filter works character by character), so a name's keys are
    the joins of its words' keys."""
    words = segment(unicodedata.normalize("NFKC", name))
    try:
        return (
            "".join(map(_full_keys.__getitem__, words)),
            "".join(map(_initial_keys.__getitem__, words)),
        )
    except KeyError:  # a word not seen yet
        pass
    full: list[str] = []
    initials: list[str] = []
    for word in words:
        if word not in _full_keys:
            _learn(word)
        full.append(_full_keys[word])
        initials.append(_initial_keys[word])
    return "".join(full), "".join(initials)


def no_code_public_id(agency_name: str, name: str, address: str) -> str:
    """Stable id of an entity without any code: "NC-" + 16 hex digits of SHA-256 over
    agency, name and address (separated by U+001F)."""
    text = "\x1f".join((agency_name, name, address))
    return "NC-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16].upper()


# Column limits of registry_entity the lib's validator does not enforce (stored field, column).
FIELD_LIMITS = {
    "address": ("address", 300),
    "risk_reason": ("risk_basis", 300),
    "licence_number": ("licence_number", 60),
}
_LABELS = {spec.key: spec.label for spec in ENTITY_COLUMNS}
_LIMITED = tuple(FIELD_LIMITS.values())
_limited_values = operator.attrgetter(*(key for key, _ in _LIMITED))


@dataclass(frozen=True)
class EntityRowContext:
    """Everything a worker needs to check rows: where each column sits, the vocabularies."""

    positions: tuple[tuple[str, int | None], ...]
    vocabulary: TargetTypeVocabulary
    towns: tuple[str, ...] | None
    today: date
    agency_label: str


@dataclass
class PreparedChunk:
    staged: list[list[Any]] = field(default_factory=list)  # types as names, see below
    errors: list[RowError] = field(default_factory=list)
    warnings: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)


def prepare_entity_rows(
    context: EntityRowContext, rows: Sequence[tuple[int, list[str]]]
) -> PreparedChunk:
    """Check a chunk of rows. Each staged list is the staging-table row (dates as ISO text,
    JSON-serialisable) with the target type names (a tuple) where the staging table has its
    type mask."""
    chunk = PreparedChunk()
    positions = context.positions
    validate = directory.validate_entity_row
    towns: Collection[str] | None = context.towns
    for row_number, cells in rows:
        width = len(cells)
        values = {
            key: (cells[index] if index is not None and index < width else "")
            for key, index in positions
        }
        record = validate(
            row_number,
            values,
            target_types=context.vocabulary,
            towns=towns,
            today=context.today,
        )
        if isinstance(record, list):
            chunk.errors += record
            continue
        too_long = [
            (key, limit, len(value))
            for (key, limit), value in zip(_LIMITED, _limited_values(record), strict=True)
            if len(value) > limit
        ]
        if too_long:
            chunk.errors += [
                RowError(row_number, _LABELS[key], f"长度不能超过{limit}个字，实际为{length}个字")
                for key, limit, length in too_long
            ]
            continue
        if record.warnings:
            chunk.warnings.append((row_number, record.warnings))
        if record.code_kind == "none":
            public_id = no_code_public_id(context.agency_label, record.name, record.address)
            credit_code = ""
        else:
            public_id = credit_code = record.code
        full, initials = search_keys(record.name)
        chunk.staged.append(
            [
                row_number,
                public_id,
                record.code_kind,
                credit_code,
                record.target_types,
                record.name,
                record.town,
                record.address,
                record.legal_representative,
                record.phone,
                record.risk_level.value if record.risk_level else "",
                _iso(record.risk_assessed_on),
                record.risk_basis,
                record.status.value,
                record.licence_number,
                _iso(record.licence_valid_until),
                json.dumps(list(record.tags), ensure_ascii=False) if record.tags else "[]",
                full[:400],
                initials[:200],
                name_key(record.name)[:400],
                1,
            ]
        )
    return chunk


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


# Worker-process side of the pool: the context is sent once, at start-up.
_worker_context: EntityRowContext | None = None


def init_worker(context: EntityRowContext) -> None:
    global _worker_context
    _worker_context = context


def prepare_in_worker(rows: Sequence[tuple[int, list[str]]]) -> PreparedChunk:
    assert _worker_context is not None
    return prepare_entity_rows(_worker_context, rows)
