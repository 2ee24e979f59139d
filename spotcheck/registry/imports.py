"""The machinery behind the directory imports (the verbs live in `actions.py`).

Entities (a county has thousands, a province millions) are streamed and staged:

1. **Check and stream.** Rows stream from `tabular.iter_rows`; each is checked by
   `directory.validate_entity_row` plus the database's limits (column lengths) and gets its
   pinyin keys (`rowwork`; in worker processes for large files on machines with spare cores).
   Clean records go, a few thousand at a time, into a temporary staging table, errors into a
   second one. The statements run in a writer thread on the same connection (`_Writer`), each
   one call into C (SQLite parsing a JSON array, PostgreSQL COPY), so the database works while
   Python checks the next rows. In a real import (not a dry run) this happens inside the write
   transaction and the rows whose public id is new are inserted into the directory as they
   pass (`_NewRows`); a dry run writes the staging tables only. Memory stays flat.
2. **Cross-row and database checks** in SQL on the staging table: a code repeated inside the file
   (the later rows are rejected, naming the first), a code already in another agency's directory.
   When a row is bad and bad rows are not to be skipped, the action takes the counts and the
   rejects file and rolls the transaction back: nothing is written.
3. **Compare** the valid rows whose public id was already in the directory with the stored
   entities, in chunks: only the columns present in the file are compared (a missing column
   never erases stored data; a present empty cell clears the value). Changed entities are
   updated with one history row each (changed fields only). New entities carry their batch
   (`created_batch`); one `ImportBatch` and one audit entry record the file name, SHA-256 and
   counts.
4. The **rejects file** (original columns, row number, reasons) is written by re-reading the source
   and picking the bad rows in a streaming merge with the error table.

Public ids: the credit code; else the 15-digit registration number; else "NC-" and the first 16
hex digits of SHA-256 over agency, name and address (see `no_code_public_id`), so an entity without
any code keeps its id across re-imports as long as its name and address are written the same way.

Inspectors and recusals (hundreds to a few thousand rows per agency) are validated into memory and
written with bulk operations; the same report, rejects file, batch and audit entry apply.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import hashlib
import itertools
import json
import multiprocessing
import os
import queue
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from spotcheck.accounts.models import Agency
from spotcheck.accounts.orgs import canonical_agency_name
from spotcheck.lib import directory, tabular
from spotcheck.lib.directory import (
    DEFAULT_TARGET_TYPES,
    ENTITY_COLUMNS,
    RowError,
    TargetTypeVocabulary,
    _term_key,
)
from spotcheck.lib.targettypes import STANDARD_TARGET_TYPES, standard_type_for
from spotcheck.registry import rowwork
from spotcheck.registry.models import (
    ENTITY_EDITABLE_FIELDS,
    Entity,
    EntityHistory,
    ImportBatch,
    TargetType,
)
from spotcheck.stats import coverage
from spotcheck.stats.facts import refresh_entities

Source = Path | bytes
REPORTED_ERRORS = 200
REPORTED_WARNINGS = 50
BATCH_ROWS = 2000
CHUNK_ROWS = 1000
PARALLEL_MIN_ROWS = 20_000
WRITE_ROWS = 16_000


class DirectoryImportError(Exception):
    """The file as a whole cannot be imported (unreadable, a required column missing, …)."""


class Progress(Protocol):
    def phase(self, label: str, total: int | None) -> None: ...

    def advance(self, count: int) -> None: ...


class _NoProgress:
    def phase(self, label: str, total: int | None) -> None:
        pass

    def advance(self, count: int) -> None:
        pass


@dataclass
class ImportReport:
    """What an import found and did; JSON-serialisable for the web preview."""

    kind: str
    filename: str
    sha256: str = ""
    agency: str = ""
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    warning_count: int = 0
    warnings: list[str] = field(default_factory=list)
    header_warnings: list[str] = field(default_factory=list)
    skip_invalid: bool = False
    written: bool = False
    batch_id: int | None = None
    rejects_path: str = ""

    @property
    def ok(self) -> bool:
        return self.invalid == 0

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "valid": self.valid,
            "invalid": self.invalid,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["errors"] = [[e.row, e.column, e.reason] for e in self.errors]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportReport:
        data = dict(data)
        data["errors"] = [RowError(*item) for item in data.get("errors", [])]
        return cls(**data)


# ---------------------------------------------------------------------------------------------
# Shared helpers


def fingerprint(source: Source) -> tuple[str, int]:
    """SHA-256 of the file and its number of line breaks (a row estimate for the progress bar)."""
    digest = hashlib.sha256()
    lines = 0
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest(), source.count(b"\n")
    with open(source, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            lines += chunk.count(b"\n")
    return digest.hexdigest(), lines


def open_rows(
    source: Source, filename: str, columns: Sequence[tabular.ColumnSpec]
) -> tuple[list[str], tabular.HeaderMap, tabular.RowIterator]:
    try:
        header, rows = tabular.iter_rows(source, filename)
    except tabular.TabularError as error:
        raise DirectoryImportError(error.message) from None
    mapping = tabular.HeaderMap.match(header, columns)
    if not mapping.ok:
        rows.close()  # type: ignore[attr-defined]
        raise DirectoryImportError("；".join(mapping.errors()))
    return header, mapping, rows


def warn_extra_cells(
    rows: Iterator[tuple[int, list[str]]], width: int, report: ImportReport
) -> Iterator[tuple[int, list[str]]]:
    """Rows, warning about each one with filled cells beyond the header: nothing reads them,
    and silently dropping them would hide a shifted row."""
    for row_number, cells in rows:
        if len(cells) > width:  # trailing blank cells are trimmed by the reader
            report.warning_count += 1
            if len(report.warnings) < REPORTED_WARNINGS:
                report.warnings.append(
                    f"第{row_number}行：有{len(cells)}列，多于表头的{width}列，"
                    f"第{width + 1}列起的内容未导入（请检查该行是否错位）"
                )
        yield row_number, cells


def guarded(rows: tabular.RowIterator) -> Iterator[tuple[int, list[str]]]:
    """Rows, turning a file error met halfway (a CSV switching encoding) into an import error."""
    try:
        yield from rows
    except tabular.TabularError as error:
        raise DirectoryImportError(error.message) from None


def import_workers(estimated_rows: int) -> int:
    """Worker processes for checking rows (0: in the importing process).

    Files under PARALLEL_MIN_ROWS rows are checked in the importing process. Otherwise
    SPOTCHECK_IMPORT_WORKERS (setting or environment) decides; by default one worker per CPU
    (at most 4) on PostgreSQL, whose server does the writing in its own process, and on SQLite
    only from 4 CPUs, because there the importing process's writer thread does it. Measured
    with bench/import_entities.py on 2 CPUs, 1,000,000 rows, three runs: SQLite serial
    62-69 s vs 68-80 s with 2 workers; PostgreSQL serial 101-122 s vs 93-104 s.
    """
    if estimated_rows < PARALLEL_MIN_ROWS:
        return 0
    configured = getattr(settings, "SPOTCHECK_IMPORT_WORKERS", None)
    if configured is None:
        configured = os.environ.get("SPOTCHECK_IMPORT_WORKERS", "")
    if str(configured).strip():
        return int(configured)
    cpus = os.cpu_count() or 1
    if cpus > 1 and (connection.vendor == "postgresql" or cpus >= 4):
        return min(cpus, 4)
    return 0


def find_agency(text: str) -> Agency | None:
    """The agency a directory names: the exact (canonical) name, or else the one agency that a
    plan named loosely ("住房城乡建设等相关部门" becomes the agency 住房城乡建设部门) whose stem
    appears, in order, in the name (沂源县住房和城乡建设局)."""
    name = canonical_agency_name(text)
    if not name:
        return None
    exact = Agency.objects.filter(name=name).first()
    if exact is not None:
        return exact
    loose = [
        agency
        for agency in Agency.objects.filter(name__endswith="部门")
        if len(agency.name) > 3 and _is_subsequence(agency.name.removesuffix("部门"), name)
    ]
    return loose[0] if len(loose) == 1 else None


def _is_subsequence(needle: str, haystack: str) -> bool:
    characters = iter(haystack)
    return all(char in characters for char in needle)


def target_type_vocabulary() -> TargetTypeVocabulary:
    """The target types a directory file may name, keyed by the names `TargetType` rows carry:
    the rows already in the database (with their aliases), the standard vocabulary plan items
    resolve to, and the directory's default synonyms (使用易制毒化学品的企业 → 易制毒化学品使用企业).
    A term claimed by two types keeps its first owner."""
    groups: dict[str, list[str]] = {}
    existing = list(TargetType.objects.all())

    def canonical(term: str) -> str:
        for row in existing:
            if term in row.all_names():
                return row.name
        return standard_type_for(term) or term

    for row in existing:
        groups.setdefault(row.name, []).extend(row.all_names())
    for name, aliases in STANDARD_TARGET_TYPES.items():
        groups.setdefault(canonical(name), []).extend((name, *aliases))
    for name, aliases in DEFAULT_TARGET_TYPES.aliases.items():
        groups.setdefault(canonical(name), []).extend((name, *aliases))
    seen: dict[str, str] = {}
    cleaned: dict[str, list[str]] = {}
    for name, terms in groups.items():
        kept = cleaned.setdefault(name, [])
        for term in (name, *terms):
            key = _term_key(term)
            if seen.setdefault(key, name) == name and term != name and term not in kept:
                kept.append(term)
    licence = {canonical(name) for name in DEFAULT_TARGET_TYPES.licence_types}
    return TargetTypeVocabulary.build(cleaned, licence_types=licence)


def configured_towns() -> list[str] | None:
    towns = getattr(settings, "SPOTCHECK_TOWNS", None)
    return list(towns) if towns else None


def _iso(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _json_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return list(json.loads(value))
    return list(value)


def write_rejects(
    source: Source,
    filename: str,
    errors_by_row: Iterator[tuple[int, list[str]]],
    path: Path,
) -> int:
    """CSV of the rejected rows: their original cells, the row number, and the reasons.

    `errors_by_row` yields (row, reasons) in ascending row order; the source is re-read and the
    two streams merged, so memory stays flat."""
    header, rows = tabular.iter_rows(source, filename)
    pending = next(errors_by_row, None)

    def picked() -> Iterator[list[tabular.CellValue]]:
        nonlocal pending
        for row_number, cells in rows:
            while pending is not None and pending[0] < row_number:
                pending = next(errors_by_row, None)
            if pending is None:
                break
            if pending[0] == row_number:
                padded = cells + [""] * (len(header) - len(cells))
                yield [*padded[: len(header)], row_number, "；".join(pending[1])]
        rows.close()  # type: ignore[attr-defined]

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as stream:
        return tabular.write_csv(stream, [*header, "原行号", "错误原因"], picked())


def _group_errors(errors: Iterator[RowError]) -> Iterator[tuple[int, list[str]]]:
    current: tuple[int, list[str]] | None = None
    for error in errors:
        if current is not None and current[0] == error.row:
            current[1].append(f"{error.column}：{error.reason}")
            continue
        if current is not None:
            yield current
        current = (error.row, [f"{error.column}：{error.reason}"])
    if current is not None:
        yield current


# ---------------------------------------------------------------------------------------------
# Entities

# Stored entity field -> the column key whose presence in the file makes the import own it.
ENTITY_FIELD_SOURCES: dict[str, str] = {
    "name": "name",
    "target_types": "target_types",
    "town": "town",
    "address": "address",
    "legal_representative": "legal_representative",
    "contact": "phone",
    "risk_level": "risk_level",
    "risk_set_on": "risk_assessed_on",
    "risk_reason": "risk_basis",
    "status": "status",
    "licence_number": "licence_number",
    "licence_valid_until": "licence_valid_until",
    "tags": "tags",
}
_DATE_FIELDS = {"risk_set_on", "licence_valid_until"}
# Column (stage and entity alike) order of the scalar fields the import writes.
# the name's search keys, made from the name (rowwork), not kept in the history
_SEARCH_KEYS = ("pinyin", "pinyin_initials", "name_key")
_SCALARS = (*ENTITY_EDITABLE_FIELDS, *_SEARCH_KEYS)
# what the stored coverage counts group by (spotcheck.stats.coverage)
COVERAGE_FIELDS = frozenset({"status", "town", "risk_level", "target_types"})


class EntityImport:
    """One run of the entity import; see the module docstring for the steps."""

    def __init__(
        self,
        *,
        source: Source,
        filename: str,
        agency_name: str,
        today: date | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.source = source
        self.filename = filename
        self.agency_name = canonical_agency_name(agency_name)
        self.agency = find_agency(agency_name)
        self.today = today or timezone.localdate()
        self.progress = progress or _NoProgress()
        self.report = ImportReport(kind=ImportBatch.Kind.ENTITIES, filename=filename)
        self.report.agency = self.agency.name if self.agency else self.agency_name
        self.vocabulary = target_type_vocabulary()
        self.towns = configured_towns()
        self.type_bits: dict[str, int] = {}
        self._masks: dict[tuple[str, ...], int] = {}
        self.present: set[str] = set()
        self.stage: _Stage | None = None
        self.existing = 0
        self.duplicated_ids: set[str] = set()
        self._estimated_rows = 0

    # -- pass 1 ---------------------------------------------------------------------------

    def fingerprint(self) -> None:
        """The file's SHA-256 and a row estimate (one read of the file)."""
        self.report.sha256, self._estimated_rows = fingerprint(self.source)

    def validate(self, *, batch: ImportBatch | None = None) -> None:
        """Check every row into the staging table; with a batch (inside the write transaction),
        also insert the rows whose public id is new, as they come."""
        if not self.report.sha256:
            self.fingerprint()
        header, mapping, rows = open_rows(self.source, self.filename, ENTITY_COLUMNS)
        self.report.header_warnings = mapping.warnings()
        self.present = {key for key in ENTITY_FIELD_SOURCES.values() if mapping.has(key)}
        self.stage = _Stage(_ENTITY_STAGE_COLUMNS)
        stage = self.stage
        self.progress.phase(
            "校验并写入" if batch else "校验", max(self._estimated_rows - 1, 0) or None
        )
        context = rowwork.EntityRowContext(
            positions=tuple((spec.key, mapping.positions.get(spec.key)) for spec in ENTITY_COLUMNS),
            vocabulary=self.vocabulary,
            towns=tuple(self.towns) if self.towns is not None else None,
            today=self.today,
            agency_label=self.agency.name if self.agency else self.agency_name,
        )
        new_rows = _NewRows(self, batch) if batch is not None else None
        writer = _Writer()
        pending: list[list[Any]] = []

        def flush() -> None:
            if not pending:
                return
            if new_rows is not None and new_rows.stages_rows:
                rows = list(pending)
                writer.submit(lambda cursor: new_rows.insert(cursor, rows))
            else:
                # Only the JSON text is kept until the writer runs (memory).
                payload, first, last = stage.payload(pending), pending[0][0], pending[-1][0]
                writer.submit(lambda cursor: stage.insert(cursor, stage.table, payload))
                if new_rows is not None:
                    writer.submit(lambda cursor: new_rows.insert_staged(cursor, first, last))
            pending.clear()

        count = 0
        try:
            checked = warn_extra_cells(guarded(rows), len(header), self.report)
            for rows_in_chunk, chunk in self._prepared_chunks(context, checked):
                count += rows_in_chunk
                if chunk.errors:
                    errors = stage.error_rows(chunk.errors)
                    writer.submit(
                        lambda cursor, errors=errors: stage.insert(
                            cursor, stage.errors_table, errors
                        )
                    )
                for staged in chunk.staged:
                    names = staged[4]
                    mask = self._masks.get(names)
                    if mask is None:
                        known = len(self.type_bits)
                        mask = self._mask(names)
                        if new_rows is not None and len(self.type_bits) > known:
                            flush()
                            writer.drain()  # the new types' rows are written on this thread
                            new_rows.add_types(self.type_bits)
                    staged[4] = mask
                    pending.append(staged)
                if len(pending) >= WRITE_ROWS:
                    flush()
                for row_number, warnings in chunk.warnings:
                    self.report.warning_count += len(warnings)
                    room = max(REPORTED_WARNINGS - len(self.report.warnings), 0)
                    self.report.warnings += [f"第{row_number}行：{w}" for w in warnings[:room]]
                self.progress.advance(rows_in_chunk)
            flush()
            writer.drain()
        except BaseException:
            writer.close(cancel=True)
            raise
        writer.close()
        self.report.rows = count
        if count == 0:
            raise DirectoryImportError("文件中没有数据行")
        stage.analyse()
        self._cross_checks()
        self.report.invalid = stage.scalar(
            f"SELECT COUNT(DISTINCT rownum) FROM {stage.errors_table}"
        )
        self.report.error_count = stage.scalar(f"SELECT COUNT(*) FROM {stage.errors_table}")
        self.report.valid = stage.scalar(f"SELECT COUNT(*) FROM {stage.table} WHERE ok = 1")
        self.report.errors = list(stage.iter_errors(limit=REPORTED_ERRORS))

    def _prepared_chunks(
        self, context: rowwork.EntityRowContext, rows: Iterator[tuple[int, list[str]]]
    ) -> Iterator[tuple[int, rowwork.PreparedChunk]]:
        """Checked chunks in file order: here for small files, in worker processes for large
        ones (a bounded number of chunks in flight, so memory stays flat)."""
        chunks = iter(lambda: list(itertools.islice(rows, CHUNK_ROWS)), [])
        workers = import_workers(self._estimated_rows)
        if workers < 2:
            for chunk in chunks:
                yield len(chunk), rowwork.prepare_entity_rows(context, chunk)
            return
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=rowwork.init_worker,
            initargs=(context,),
        )
        pending: collections.deque[tuple[int, Future[rowwork.PreparedChunk]]] = collections.deque()
        try:
            for chunk in chunks:
                pending.append((len(chunk), pool.submit(rowwork.prepare_in_worker, chunk)))
                if len(pending) >= workers * 4:
                    size, future = pending.popleft()
                    yield size, future.result()
            while pending:
                size, future = pending.popleft()
                yield size, future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _mask(self, names: tuple[str, ...]) -> int:
        mask = self._masks.get(names)
        if mask is None:
            mask = 0
            for name in names:
                bit = self.type_bits.setdefault(name, len(self.type_bits))
                if bit > 62:
                    raise DirectoryImportError("一次导入的检查对象类型超过63种，请分批导入")
                mask |= 1 << bit
            self._masks[names] = mask
        return mask

    def _cross_checks(self) -> None:
        stage = self.stage
        assert stage is not None
        code_label = _label("code")
        duplicates = stage.fetch(
            f"SELECT s.rownum, s.public_id, s.code_kind, f.first_row FROM {stage.table} s "
            f"JOIN (SELECT public_id, MIN(rownum) AS first_row FROM {stage.table} "
            f"GROUP BY public_id HAVING COUNT(*) > 1) f ON f.public_id = s.public_id "
            f"WHERE s.rownum > f.first_row ORDER BY s.rownum"
        )
        found = []
        self.duplicated_ids = {public_id for _, public_id, _, _ in duplicates}
        for row, public_id, kind, first in duplicates:
            if kind == "none":
                reason = f"名称和地址与第{first}行相同（无代码的检查对象按名称和地址识别）"
                found.append(RowError(row, _label("name"), reason))
            else:
                found.append(RowError(row, code_label, f"“{public_id}”与第{first}行重复"))
        entity = Entity._meta.db_table
        agency = Agency._meta.db_table
        foreign = stage.fetch(
            f"SELECT s.rownum, s.public_id, a.name FROM {stage.table} s "
            f"JOIN {entity} e ON e.public_id = s.public_id JOIN {agency} a ON a.id = e.agency_id "
            f"WHERE e.agency_id <> %s ORDER BY s.rownum",
            [self.agency.pk if self.agency else -1],
        )
        for row, public_id, agency_name in foreign:
            reason = f"“{public_id}”已在{agency_name}的名录中，不能导入本机构名录"
            found.append(RowError(row, code_label, reason))
        if found:
            with connection.cursor() as cursor:
                stage.insert(cursor, stage.errors_table, stage.error_rows(found))
        stage.execute(
            f"UPDATE {stage.table} SET ok = 0 WHERE rownum IN "
            f"(SELECT rownum FROM {stage.errors_table})"
        )

    # -- compare and write ----------------------------------------------------------------

    def compare(
        self, *, batch: ImportBatch | None = None, actor: str = "", count_only: bool = False
    ) -> None:
        """Count (and with a batch, unless only counting, apply) the changes to entities
        already in the directory; entities the batch created are new, not compared."""
        stage = self.stage
        assert stage is not None
        type_names = dict(TargetType.objects.values_list("pk", "name"))
        type_ids = {name: pk for pk, name in type_names.items()}
        bit_names = {bit: name for name, bit in self.type_bits.items()}
        compared = [f for f, key in ENTITY_FIELD_SOURCES.items() if key in self.present]
        entity = Entity._meta.db_table
        through = Entity.target_types.through._meta.db_table
        stage_columns = ", ".join(f"s.{column}" for column in ("mask", *_SCALARS))
        entity_columns = ", ".join(
            f"e.{column}" for column in ("id", "public_id", "code_kind", "credit_code", *_SCALARS)
        )
        now = batch.created_at if batch is not None else timezone.now()
        last_row = 0
        updated = unchanged = 0
        # Entities this import created while streaming are new, not existing.
        created_here = "AND (e.created_batch_id IS NULL OR e.created_batch_id <> %s)"
        own_batch = [batch.pk if batch is not None else -1]
        self.existing = stage.scalar(
            f"SELECT COUNT(*) FROM {stage.table} s JOIN {entity} e ON e.public_id = s.public_id "
            f"WHERE s.ok = 1 {created_here}",
            own_batch,
        )
        self.report.created = self.report.valid - self.existing
        if self.existing:
            self.progress.phase("比对已有对象", self.existing)
        while self.existing:
            chunk = stage.fetch(
                f"SELECT s.rownum, {stage_columns}, {entity_columns} FROM {stage.table} s "
                f"JOIN {entity} e ON e.public_id = s.public_id "
                f"WHERE s.ok = 1 AND s.rownum > %s {created_here} ORDER BY s.rownum LIMIT %s",
                [last_row, *own_batch, BATCH_ROWS],
            )
            if not chunk:
                break
            last_row = chunk[-1][0]
            width = 1 + len(_SCALARS)
            ids = [row[1 + width] for row in chunk]
            current_types: dict[int, set[str]] = {pk: set() for pk in ids}
            for entity_id, type_id in stage.fetch(
                f"SELECT entity_id, targettype_id FROM {through} WHERE entity_id IN "
                f"({', '.join(['%s'] * len(ids))})",
                ids,
            ):
                current_types[entity_id].add(type_names[type_id])
            updates, history, type_adds, type_removes = [], [], [], []
            for row in chunk:
                new = dict(zip(_SCALARS, row[2 : 1 + width], strict=True))
                mask = row[1]
                old_row = row[1 + width :]
                entity_id, public_id, code_kind, credit_code = old_row[:4]
                old = dict(zip(_SCALARS, old_row[4:], strict=True))
                old["target_types"] = sorted(current_types[entity_id])
                new["target_types"] = sorted(
                    bit_names[bit] for bit in bit_names if mask & (1 << bit)
                )
                changes, state = self._diff(old, new, compared)
                if not changes:
                    unchanged += 1
                    continue
                updated += 1
                if batch is None or count_only:
                    continue
                updates.append([state[f] for f in _SCALARS] + [now, entity_id])
                if "target_types" in changes:
                    before, after = set(old["target_types"]), set(new["target_types"])
                    type_removes += [(entity_id, type_ids[n]) for n in before - after]
                    type_adds += [(entity_id, n) for n in after - before]
                snapshot = {
                    "public_id": public_id,
                    "code_kind": code_kind,
                    "credit_code": credit_code,
                    **{f: _history_value(f, state[f]) for f in _SCALARS if f not in _SEARCH_KEYS},
                    "target_types": state["target_types"],
                }
                history.append((entity_id, changes, snapshot))
            if updates:
                assert batch is not None
                self._apply(updates, history, type_adds, type_removes, batch, actor, now)
            self.progress.advance(len(chunk))
        self.report.updated = updated
        self.report.unchanged = unchanged

    def _diff(
        self, old: dict[str, Any], new: dict[str, Any], compared: list[str]
    ) -> tuple[dict[str, list[Any]], dict[str, Any]]:
        state = dict(old)
        changes: dict[str, list[Any]] = {}
        for name in compared:
            before, after = old[name], new[name]
            if name == "risk_set_on" and after is None:
                continue  # no date in the file: keep the stored one (or set below)
            if name in _DATE_FIELDS:
                before, after = _as_date(before), _as_date(after)
            elif name == "tags":
                before, after = _json_list(before), _json_list(after)
            if before != after:
                changes[name] = [_history_value(name, before), _history_value(name, after)]
                state[name] = after
        if "risk_level" in changes and "risk_set_on" not in changes and new["risk_level"]:
            changes["risk_set_on"] = [_iso(_as_date(old["risk_set_on"])), self.today.isoformat()]
            state["risk_set_on"] = self.today
        if "name" in changes:
            state.update({key: new[key] for key in _SEARCH_KEYS})
        state["tags"] = _json_list(state["tags"])
        for name in _DATE_FIELDS:
            state[name] = _as_date(state[name])
        return changes, state

    def _apply(
        self,
        updates: list[list[Any]],
        history: list[tuple[int, dict[str, Any], dict[str, Any]]],
        type_adds: list[tuple[int, str]],
        type_removes: list[tuple[int, int]],
        batch: ImportBatch,
        actor: str,
        now: Any,
    ) -> None:
        ops = connection.ops
        entity = Entity._meta.db_table
        through = Entity.target_types.through._meta.db_table
        history_table = EntityHistory._meta.db_table
        tags_at = _SCALARS.index("tags")
        params = []
        for values in updates:
            values = list(values)
            values[tags_at] = ops.adapt_json_value(values[tags_at], None)
            values[-2] = ops.adapt_datetimefield_value(values[-2])
            params.append(values)
        assignments = ", ".join(f"{column} = %s" for column in (*_SCALARS, "updated_at"))
        # the coverage counts group operating entities by town, risk level and type: take the
        # moved ones out before the change and count them again after it
        moved = [
            entity_id for entity_id, changes, _ in history if COVERAGE_FIELDS.intersection(changes)
        ]
        coverage.withdraw(moved)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {entity} SET {assignments} WHERE id = %s", params)
            if type_removes:
                cursor.executemany(
                    f"DELETE FROM {through} WHERE entity_id = %s AND targettype_id = %s",
                    type_removes,
                )
            if type_adds:
                resolved = {name: TargetType.resolve(name).pk for _, name in type_adds}
                cursor.executemany(
                    f"INSERT INTO {through} (entity_id, targettype_id) VALUES (%s, %s)",
                    [(entity_id, resolved[name]) for entity_id, name in type_adds],
                )
            cursor.executemany(
                f"INSERT INTO {history_table} "
                "(entity_id, changed_at, actor, action, changes, state, batch_id, source) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, '')",
                [
                    (
                        entity_id,
                        ops.adapt_datetimefield_value(now),
                        actor,
                        "import",
                        ops.adapt_json_value(changes, None),
                        ops.adapt_json_value(state, None),
                        batch.pk,
                    )
                    for entity_id, changes, state in history
                ],
            )
        coverage.count(moved)
        # findings count by the entity's town: recount the visits of those that moved
        refresh_entities([entity_id for entity_id, changes, _ in history if "town" in changes])

    def settle_new(self, *, batch: ImportBatch) -> None:
        """After the cross-row checks, when bad rows are skipped: an entity created from the
        first row of a public id repeated in the file also got the target types of the later,
        rejected rows (they were linked as they streamed by); link the first row's only."""
        stage = self.stage
        assert stage is not None
        if not self.duplicated_ids:
            return
        entity = Entity._meta.db_table
        through = Entity.target_types.through._meta.db_table
        ids = sorted(self.duplicated_ids)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ", ".join(["%s"] * len(part))
            created = (
                f"SELECT id FROM {entity} WHERE created_batch_id = %s AND public_id IN ({marks})"
            )
            stage.execute(
                f"DELETE FROM {through} WHERE entity_id IN ({created})", [batch.pk, *part]
            )
            stage.execute(
                f"INSERT INTO {through} (entity_id, targettype_id) "
                f"SELECT e.id, t.type_id FROM {stage.table} s "
                f"JOIN {entity} e ON e.public_id = s.public_id "
                f"JOIN {stage.types_table} t ON (s.mask & t.bit_value) <> 0 "
                f"WHERE s.ok = 1 AND e.created_batch_id = %s AND s.public_id IN ({marks})",
                [batch.pk, *part],
            )

    def check_created(self, *, batch: ImportBatch) -> None:
        """The entities the batch created are the valid rows not already in the directory:
        rows are inserted before the cross-row checks, which must reject only rows the insert
        skipped (later repeats, codes of other agencies). Anything else is a bug: roll back."""
        created = Entity.objects.filter(created_batch=batch).count()
        if created != self.report.created:
            raise RuntimeError(
                f"导入内部错误：新增{created}个检查对象，而校验结果应为{self.report.created}个，已全部撤销"
            )

    def rejected_rows(self) -> Iterator[tuple[int, list[str]]]:
        assert self.stage is not None
        return _group_errors(self.stage.iter_errors())

    def close(self) -> None:
        if self.stage is not None:
            self.stage.drop()
            self.stage = None


def _label(key: str) -> str:
    return next(spec.label for spec in ENTITY_COLUMNS if spec.key == key)


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _history_value(name: str, value: Any) -> Any:
    if name in _DATE_FIELDS:
        return _iso(_as_date(value))
    if name == "tags":
        return _json_list(value)
    return value


# ---------------------------------------------------------------------------------------------
# Staging tables


_ENTITY_STAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rownum", "integer PRIMARY KEY"),
    ("public_id", "varchar(40)"),
    ("code_kind", "varchar(20)"),
    ("credit_code", "varchar(18)"),
    ("mask", "bigint"),
    ("name", "varchar(200)"),
    ("town", "varchar(50)"),
    ("address", "varchar(300)"),
    ("legal_representative", "varchar(50)"),
    ("contact", "varchar(100)"),
    ("risk_level", "varchar(20)"),
    ("risk_set_on", "date"),
    ("risk_reason", "varchar(300)"),
    ("status", "varchar(20)"),
    ("licence_number", "varchar(60)"),
    ("licence_valid_until", "date"),
    ("tags", "json"),
    ("pinyin", "varchar(400)"),
    ("pinyin_initials", "varchar(200)"),
    ("name_key", "varchar(400)"),
    ("ok", "smallint"),
)


def _copy(cursor: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """COPY rows into a PostgreSQL table through a Django cursor (errors as Django's)."""
    with (
        cursor.db.wrap_database_errors,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


_ERROR_COLUMNS = {
    "seq": "integer PRIMARY KEY",
    "rownum": "integer",
    "col": "varchar(100)",
    "reason": "text",
}


class _Stage:
    """Temporary tables of one import on the current connection: staged rows, row errors and
    the type bits. Rows are written in bulk by `insert` (JSON on SQLite, COPY on PostgreSQL)."""

    def __init__(self, columns: Sequence[tuple[str, str]]) -> None:
        self.vendor = connection.vendor
        token = secrets.token_hex(6)
        self.table = f"registry_stage_{token}"
        self.errors_table = f"registry_stage_{token}_errors"
        self.types_table = f"registry_stage_{token}_types"
        self.columns = [name for name, _ in columns]
        json_type = "jsonb" if self.vendor == "postgresql" else "text"
        definitions = ", ".join(
            f"{name} {json_type if kind == 'json' else kind}" for name, kind in columns
        )
        self._error_seq = 0
        self.execute(f"CREATE TEMPORARY TABLE {self.table} ({definitions})")
        errors = ", ".join(f"{name} {kind}" for name, kind in _ERROR_COLUMNS.items())
        self.execute(f"CREATE TEMPORARY TABLE {self.errors_table} ({errors})")
        self.execute(f"CREATE INDEX {self.errors_table}_row ON {self.errors_table} (rownum)")
        self.execute(
            f"CREATE TEMPORARY TABLE {self.types_table} (bit_value bigint, type_id bigint)"
        )

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return int(cursor.rowcount or 0)

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)

    def fetch(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> int:
        return int(self.fetch(sql, params)[0][0] or 0)

    def error_rows(self, errors: Sequence[RowError]) -> str:
        """The errors as the rows of `insert` into the errors table."""
        rows = []
        for error in errors:
            self._error_seq += 1
            rows.append((self._error_seq, error.row, error.column, error.reason))
        return self.payload(rows)

    def payload(self, rows: list[Any]) -> Any:
        """Rows (dates as ISO text, JSON columns as JSON text) as `insert` takes them: on
        SQLite one JSON text (made here, in the main thread), on PostgreSQL a copy of the list."""
        return list(rows) if self.vendor == "postgresql" else json.dumps(rows, ensure_ascii=False)

    def insert(self, cursor: Any, table: str, payload: Any) -> None:
        """Insert rows in this table's column order with one statement whose work is done
        outside the GIL, so that the main thread goes on meanwhile (see `_Writer`): on SQLite
        a JSON array of arrays parsed by SQLite itself (`executemany` would take the GIL back
        for every row), on PostgreSQL COPY (formatted in C, parsed by the server)."""
        columns = self.columns if table == self.table else list(_ERROR_COLUMNS)
        if self.vendor == "postgresql":
            _copy(cursor, table, columns, payload)
            return
        selected = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {selected} FROM json_each(%s)",
            [payload],
        )

    def iter_errors(self, limit: int | None = None) -> Iterator[RowError]:
        """Errors in row order (then in the order found), streamed in chunks."""
        last_row, last_seq = 0, 0
        remaining = limit
        while remaining is None or remaining > 0:
            size = BATCH_ROWS if remaining is None else min(BATCH_ROWS, remaining)
            chunk = self.fetch(
                f"SELECT seq, rownum, col, reason FROM {self.errors_table} "
                f"WHERE rownum > %s OR (rownum = %s AND seq > %s) ORDER BY rownum, seq LIMIT %s",
                [last_row, last_row, last_seq, size],
            )
            if not chunk:
                return
            last_seq, last_row = chunk[-1][0], chunk[-1][1]
            if remaining is not None:
                remaining -= len(chunk)
            yield from (RowError(row, column, reason) for _, row, column, reason in chunk)

    def analyse(self) -> None:
        """Statistics for the planner: PostgreSQL knows nothing of a fresh temporary table."""
        if self.vendor == "postgresql":
            self.execute(f"ANALYZE {self.table}")

    def drop(self) -> None:
        for table in (self.table, self.errors_table, self.types_table):
            # In a failed transaction the drop fails too: the tables go with the session.
            with contextlib.suppress(DatabaseError):
                self.execute(f"DROP TABLE IF EXISTS {table}")


class _Writer:
    """Runs the import's statements on the importing connection in a second thread.

    Each statement writes thousands of rows in one call into C (SQLite parsing a JSON
    parameter, without the GIL; PostgreSQL COPY, worked by the server process), so the
    database's work goes on while this process's main thread checks the next rows. The main
    thread hands statements over and does not touch the connection until `drain` or `close`
    has returned; at most two wait in the queue, so memory stays flat. After the first error,
    or once the main thread gives up (`close(cancel=True)`), queued statements are skipped;
    the error is raised in the main thread."""

    def __init__(self) -> None:
        self._cursor = connection.cursor()
        self._queue: queue.Queue[Callable[[Any], None] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._stopped = False  # set by the first error or a cancel; never cleared
        self._thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                if not self._stopped:
                    job(self._cursor)
            except BaseException as error:  # handed to the main thread
                self._error = error
                self._stopped = True
            finally:
                self._queue.task_done()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def submit(self, job: Callable[[Any], None]) -> None:
        self._raise()
        self._queue.put(job)

    def drain(self) -> None:
        """Wait until every submitted statement has run; raise the first error."""
        self._queue.join()
        self._raise()

    def close(self, *, cancel: bool = False) -> None:
        """Stop the thread (skipping what is queued when cancelling) and wait for it: the
        connection must be the main thread's alone again, even after a Ctrl-C."""
        interrupted = False
        if cancel:
            self._stopped = True
        while True:
            try:
                self._queue.put(None)
                break
            except KeyboardInterrupt:
                interrupted = self._stopped = True
        while self._thread.is_alive():
            try:
                self._thread.join()
            except KeyboardInterrupt:
                interrupted = self._stopped = True
        self._cursor.close()
        if interrupted:
            raise KeyboardInterrupt


class _NewRows:
    """Inserts streamed staged rows whose public id is in no directory yet, and their target
    types. Runs inside the import's write transaction: when the file turns out to have bad rows
    (and they are not to be skipped) the transaction is rolled back.

    The first of repeated public ids is the one kept (the cross-row check rejects the later
    ones); an id already taken is an entity of some directory (compared or rejected later).
    SQLite: `INSERT … SELECT … ON CONFLICT DO NOTHING` from the staging table, all in C.
    PostgreSQL: the taken ids are looked up, ids drawn from the sequence, the new rows and their
    types written with COPY (an `INSERT … SELECT` costs the server twice as much), and all the
    rows staged, the new ones without their values (only existing entities are compared)."""

    def __init__(self, job: EntityImport, batch: ImportBatch) -> None:
        assert job.stage is not None and job.agency is not None
        self.stage = job.stage
        self.batch = batch
        self.vendor = connection.vendor
        ops = connection.ops
        self.entity = Entity._meta.db_table
        self.through = Entity.target_types.through._meta.db_table
        self.now = ops.adapt_datetimefield_value(batch.created_at)
        self.today = ops.adapt_datefield_value(job.today)
        self.agency_id = job.agency.pk
        self.columns = [
            "agency_id",
            "public_id",
            "code_kind",
            "credit_code",
            *_SCALARS,
            "created_at",
            "updated_at",
            "created_batch_id",
        ]
        selected = ", ".join(
            "COALESCE(s.risk_set_on, CASE WHEN s.risk_level <> '' THEN %s END)"
            if column == "risk_set_on"
            else f"s.{column}"
            for column in _SCALARS
        )
        self.entity_sql = (
            f"INSERT INTO {self.entity} ({', '.join(self.columns)}) "
            f"SELECT %s, s.public_id, s.code_kind, s.credit_code, {selected}, %s, %s, %s "
            f"FROM {self.stage.table} s WHERE s.rownum >= %s AND s.rownum <= %s "
            f"ORDER BY s.rownum ON CONFLICT (public_id) DO NOTHING"
        )
        self.types_sql = (
            f"INSERT INTO {self.through} (entity_id, targettype_id) "
            f"SELECT e.id, t.type_id FROM {self.stage.table} s "
            f"JOIN {self.entity} e ON e.public_id = s.public_id "
            f"JOIN {self.stage.types_table} t ON (s.mask & t.bit_value) <> 0 "
            # "+": look entities up by public id, not by batch (which grows with the import).
            f"WHERE s.rownum >= %s AND s.rownum <= %s AND +e.created_batch_id = %s "
            f"ON CONFLICT DO NOTHING"
        )
        self.type_ids: dict[int, int] = {}  # bit value -> TargetType id
        # PostgreSQL: `insert` stages the rows too, without the values of the new ones (only
        # the rows of entities already in a directory are compared later).
        self.stages_rows = self.vendor == "postgresql"

    def add_types(self, type_bits: dict[str, int]) -> None:
        """Resolve newly seen type names to `TargetType` rows (the writer must be idle)."""
        fresh = [
            (1 << bit, name) for name, bit in type_bits.items() if 1 << bit not in self.type_ids
        ]
        for value, name in fresh:
            self.type_ids[value] = TargetType.resolve(name).pk
        self.stage.execute_many(
            f"INSERT INTO {self.stage.types_table} (bit_value, type_id) VALUES (%s, %s)",
            [(value, self.type_ids[value]) for value, _ in fresh],
        )

    def insert_staged(self, cursor: Any, first: int, last: int) -> None:
        """SQLite: insert the new ones of the staged rows `first` to `last`."""
        cursor.execute(
            self.entity_sql,
            [self.agency_id, self.today, self.now, self.now, self.batch.pk, first, last],
        )
        cursor.execute(self.types_sql, [first, last, self.batch.pk])

    def insert(self, cursor: Any, rows: list[list[Any]]) -> None:
        """PostgreSQL: insert the new ones of these rows, then stage them all."""
        # Look the ids up first rather than COPY under a savepoint and retry: a savepoint per
        # chunk would hold a subtransaction id each until commit, and past 64 of them every
        # other session's snapshots get slower.
        cursor.execute(
            f"SELECT public_id FROM {self.entity} WHERE public_id = ANY(%s)",
            [[row[1] for row in rows]],
        )
        taken = {public_id for (public_id,) in cursor.fetchall()}
        new = []
        for row in rows:
            if row[1] not in taken:
                taken.add(row[1])
                new.append(row)
        links = self._copy_entities(cursor, new) if new else []
        _copy(cursor, self.through, ["entity_id", "targettype_id"], links)
        created = {id(row) for row in new}
        empty = [None] * len(_SCALARS)
        self.stage.insert(
            cursor,
            self.stage.table,
            [[*row[:5], *empty, row[-1]] if id(row) in created else row for row in rows],
        )

    def _copy_entities(self, cursor: Any, rows: list[list[Any]]) -> list[tuple[int, int]]:
        """COPY rows into the directory with ids drawn from its sequence; their type links."""
        ids = self._draw_ids(cursor, len(rows))
        risk_level, risk_set_on = (
            5 + _SCALARS.index("risk_level"),
            5 + _SCALARS.index("risk_set_on"),
        )
        entities, links = [], []
        type_ids = sorted(self.type_ids.items())
        for entity_id, row in zip(ids, rows, strict=True):
            set_on = row[risk_set_on]
            if set_on is None and row[risk_level]:
                set_on = self.today
            entities.append(
                (
                    entity_id,
                    self.agency_id,
                    *row[1:4],
                    *row[5:risk_set_on],
                    set_on,
                    *row[risk_set_on + 1 : 5 + len(_SCALARS)],
                    self.now,
                    self.now,
                    self.batch.pk,
                )
            )
            mask = row[4]
            links += [(entity_id, type_id) for value, type_id in type_ids if mask & value]
        _copy(cursor, self.entity, ["id", *self.columns], entities)
        return links

    def _draw_ids(self, cursor: Any, count: int) -> Sequence[int]:
        """`count` new ids from the directory's sequence: as a range when they came out
        consecutive (unless another session drew ids meanwhile), else drawn again as a list
        (the first draw's ids are left unused, as sequences leave gaps anyway)."""
        drawn = (
            f"SELECT nextval(pg_get_serial_sequence('{self.entity}', 'id')) AS id "
            "FROM generate_series(1, %s)"
        )
        cursor.execute(f"SELECT min(id), max(id) FROM ({drawn}) AS drawn", [count])
        low, high = cursor.fetchone()
        if high - low + 1 == count:
            return range(low, high + 1)
        cursor.execute(drawn, [count])
        return [entity_id for (entity_id,) in cursor.fetchall()]


# ---------------------------------------------------------------------------------------------
# Inspectors and recusals: small directories, validated into memory.


@dataclass
class _Planned:
    """A validated row and what writing it would do."""

    row: int
    record: Any
    target: Any = None  # the existing row it updates, or None to create
    changes: dict[str, list[Any]] = field(default_factory=dict)


class _SmallImport:
    kind: str
    columns: Sequence[tabular.ColumnSpec]

    def __init__(
        self,
        *,
        source: Source,
        filename: str,
        today: date | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.source = source
        self.filename = filename
        self.today = today or timezone.localdate()
        self.progress = progress or _NoProgress()
        self.report = ImportReport(kind=self.kind, filename=filename)
        self.errors: list[RowError] = []
        self.planned: list[_Planned] = []

    def validate(self) -> None:
        self.report.sha256, estimated = fingerprint(self.source)
        header, mapping, rows = open_rows(self.source, self.filename, self.columns)
        self.mapping = mapping
        self.report.header_warnings = mapping.warnings()
        self.progress.phase("校验", max(estimated - 1, 0) or None)
        records = []
        for row_number, cells in warn_extra_cells(guarded(rows), len(header), self.report):
            self.report.rows += 1
            result = self.validate_row(row_number, mapping.pick(cells))
            if isinstance(result, list):
                self.errors += result
            else:
                records.append(result)
                warnings = getattr(result, "warnings", ())
                self.report.warning_count += len(warnings)
                room = max(REPORTED_WARNINGS - len(self.report.warnings), 0)
                self.report.warnings += [f"第{row_number}行：{w}" for w in warnings[:room]]
            self.progress.advance(1)
        if self.report.rows == 0:
            raise DirectoryImportError("文件中没有数据行")
        self.plan(records)
        self.errors.sort(key=lambda error: error.row)
        bad_rows = {error.row for error in self.errors}
        self.planned = [item for item in self.planned if item.row not in bad_rows]
        self.report.invalid = len(bad_rows)
        self.report.error_count = len(self.errors)
        self.report.errors = self.errors[:REPORTED_ERRORS]
        self.report.valid = len(self.planned)
        self.report.created = sum(1 for item in self.planned if item.target is None)
        self.report.updated = sum(1 for item in self.planned if item.target and item.changes)
        self.report.unchanged = self.report.valid - self.report.created - self.report.updated

    def validate_row(self, row: int, values: dict[str, str]) -> Any:
        raise NotImplementedError

    def plan(self, records: list[Any]) -> None:
        raise NotImplementedError

    def rejected_rows(self) -> Iterator[tuple[int, list[str]]]:
        return _group_errors(iter(self.errors))

    def close(self) -> None:
        pass


def _label_of(columns: Sequence[tabular.ColumnSpec], key: str) -> str:
    return next(spec.label for spec in columns if spec.key == key)


class InspectorImport(_SmallImport):
    """Upserts officers by certificate number (执法证号)."""

    kind = ImportBatch.Kind.INSPECTORS
    columns = directory.INSPECTOR_COLUMNS
    # Stored field -> the column whose presence makes the import own it.
    sources = {
        "name": "name",
        "badge_number": "badge_number",
        "certificate_valid_until": "certificate_valid_until",
        "agency": "unit",
        "unit": "department",
        "post": "post",
        "qualifications": "qualifications",
        "is_active": "status",
        "inactive_reason": "status",
    }

    def validate_row(self, row: int, values: dict[str, str]) -> Any:
        return directory.validate_inspector_row(row, values, today=self.today)

    def plan(self, records: list[directory.InspectorRecord]) -> None:
        from spotcheck.registry.models import Inspector

        duplicates = directory.DuplicateChecker(_label_of(self.columns, "certificate_number"))
        numbers = [record.certificate_number for record in records]
        existing = {
            inspector.certificate_number: inspector
            for inspector in Inspector.objects.filter(certificate_number__in=numbers)
            .select_related("agency", "unit")
            .order_by()
        }
        agencies: dict[str, Agency | None] = {}
        owned = [field for field, key in self.sources.items() if self.mapping.has(key)]
        for record in records:
            duplicate = duplicates.check(record.row, record.certificate_number)
            if duplicate is not None:
                self.errors.append(duplicate)
                continue
            if record.unit not in agencies:
                agencies[record.unit] = find_agency(record.unit)
            agency = agencies[record.unit]
            new = self.values(record, agency.name if agency else canonical_agency_name(record.unit))
            target = existing.get(record.certificate_number)
            changes: dict[str, list[Any]] = {}
            if target is not None:
                old = target.snapshot()
                for name in owned:
                    if old[name] != new[name]:
                        changes[name] = [old[name], new[name]]
            self.planned.append(_Planned(record.row, (record, new), target, changes))

    @staticmethod
    def values(record: directory.InspectorRecord, agency_name: str) -> dict[str, Any]:
        active = record.status is directory.InspectorStatus.ACTIVE
        return {
            "name": record.name,
            "badge_number": record.badge_number,
            "certificate_number": record.certificate_number,
            "certificate_valid_until": record.certificate_valid_until.isoformat(),
            "agency": agency_name,
            "unit": re_space(record.department),
            "post": record.post,
            "qualifications": list(record.qualifications),
            "is_active": active,
            "inactive_reason": "" if active else record.status_label,
        }


def re_space(text: str) -> str:
    return "".join(text.split())


class RecusalImport(_SmallImport):
    """Adds recusals (回避关系), matching the inspector by certificate number and the entity by
    code (else by name); a recusal with the same inspector, entity, reason and start date is the
    same relation, whose end date and note are updated."""

    kind = ImportBatch.Kind.RECUSALS
    columns = directory.RECUSAL_COLUMNS

    def validate_row(self, row: int, values: dict[str, str]) -> Any:
        return directory.validate_recusal_row(row, values)

    def plan(self, records: list[directory.RecusalRecord]) -> None:
        from spotcheck.registry.models import Entity, Inspector, Recusal

        label = {spec.key: spec.label for spec in self.columns}
        inspectors = {
            inspector.certificate_number: inspector
            for inspector in Inspector.objects.filter(
                certificate_number__in={r.certificate_number for r in records}
            ).order_by()
        }
        codes = {r.entity_code for r in records if r.entity_code}
        by_code = {e.public_id: e for e in Entity.objects.filter(public_id__in=codes).order_by()}
        names = {r.entity_name for r in records if not r.entity_code}
        by_name: dict[str, list[Entity]] = {}
        for entity in Entity.objects.filter(name__in=names).order_by("pk"):
            by_name.setdefault(entity.name, []).append(entity)
        seen: dict[tuple[Any, ...], int] = {}
        for record in records:
            inspector = inspectors.get(record.certificate_number)
            problems = []
            if inspector is None:
                problems.append(
                    RowError(
                        record.row,
                        label["certificate_number"],
                        f"执法证号“{record.certificate_number}”不在执法检查人员名录中",
                    )
                )
            elif inspector.name != record.inspector_name:
                problems.append(
                    RowError(
                        record.row,
                        label["inspector_name"],
                        f"“{record.inspector_name}”与执法证号对应的人员“{inspector.name}”不符",
                    )
                )
            entity: Entity | None = None
            if record.entity_code:
                entity = by_code.get(record.entity_code)
                if entity is None:
                    problems.append(
                        RowError(
                            record.row,
                            label["entity_code"],
                            f"“{record.entity_code}”不在检查对象名录中",
                        )
                    )
            else:
                matches = by_name.get(record.entity_name, [])
                if len(matches) == 1:
                    entity = matches[0]
                else:
                    reason = (
                        f"名录中没有名为“{record.entity_name}”的检查对象"
                        if not matches
                        else f"名录中有{len(matches)}个名为“{record.entity_name}”的检查对象，"
                        "请填写统一社会信用代码"
                    )
                    problems.append(RowError(record.row, label["entity_name"], reason))
            if problems or inspector is None or entity is None:
                self.errors += problems
                continue
            reason_value = RECUSAL_REASON_VALUES[record.reason]
            valid_from = record.valid_from or self.today
            key = (inspector.pk, entity.pk, reason_value, valid_from)
            if key in seen:
                self.errors.append(
                    RowError(record.row, label["reason"], f"与第{seen[key]}行是同一回避关系")
                )
                continue
            seen[key] = record.row
            target = Recusal.objects.filter(
                inspector=inspector, entity=entity, reason=reason_value, valid_from=valid_from
            ).first()
            new = {
                "inspector": inspector,
                "entity": entity,
                "reason": reason_value,
                "valid_from": valid_from,
                "valid_until": record.valid_until,
                "note": record.note[:300],
            }
            changes = {}
            if target is not None:
                for name in ("valid_until", "note"):
                    if getattr(target, name) != new[name]:
                        changes[name] = [_iso(getattr(target, name)), _iso(new[name])]
            self.planned.append(_Planned(record.row, new, target, changes))


RECUSAL_REASON_VALUES = {
    directory.RecusalReason.RELATIVE: "kin",
    directory.RecusalReason.FORMER_EMPLOYMENT: "former_employer",
    directory.RecusalReason.DECLARED_INTEREST: "declared_interest",
    directory.RecusalReason.RECENT_CASE: "recent_case",
}
