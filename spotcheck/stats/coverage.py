"""Stored coverage counts (`CoverageCount`): the coverage tables read a few hundred rows instead
of joining every operating entity with its checks.

Each operating (在营) entity contributes, for every key it falls under — ("*", "town", its
town), ("*", "risk", its risk level), (each of its target types, "all" / "town" / "risk"), or
("-", "all") when it has no type — one row for itself (year 0) and one per year with an approved
check (`EntityCheck`), carrying the next such year (`later`, 0: none) and, for its latest year,
that year's last inspection date (`last_day`). An entity checked in (as-of − n years, as-of]
is then one whose row current at as-of (year ≤ as-of's year < later, or later 0) has a year
after as-of's year − n, or that year and a last day after the window's start: exact for as-of
a 31 December (whole years) and for as-of today (inspection dates are not in the future, so
the latest check is the current one).

Whoever changes what an entity contributes — its status, town, risk level or target types, or
its `EntityCheck` rows — subtracts the entity's contribution before the change and adds it
after (`withdraw` / `count`, or the `moving` context manager), in the same transaction; both are
one set-based INSERT … SELECT … ON CONFLICT for any number of entities (imports pass a batch).
`rebuild()` recomputes every row (`rebuild_facts`, `spotcheck stats-rebuild`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection

from spotcheck.registry.models import Entity, EntityStatus
from spotcheck.stats.models import CoverageCount, EntityCheck

ALL_TYPES = "*"
NO_TYPE = "-"
KEY_COLUMNS = ("agency_id", "types", "dimension", "value", "grain", "year", "later", "last_day")
# entities per statement when given as ids: set-based, within SQLite's variable limit
CHUNK = 5000


def _day_number(column: str) -> str:
    """yyyymmdd of a date column as an integer."""
    if connection.vendor == "postgresql":
        return f"CAST(to_char({column}, 'YYYYMMDD') AS integer)"
    # a date is its ISO text on SQLite (no strftime: a "%" would trouble the SQL logging)
    return f"CAST(REPLACE({column}, '-', '') AS integer)"


def _text(column: str) -> str:
    return f"CAST({column} AS {'text' if connection.vendor == 'postgresql' else 'TEXT'})"


def _contribution_sql(where: str, sign: int) -> str:
    """SELECT of the KEY_COLUMNS and n (`sign` × the entities) of the operating entities that
    `where` (a condition on registry_entity `x`) picks."""
    entity = Entity._meta.db_table
    link = Entity.target_types.through._meta.db_table
    checks = EntityCheck._meta.db_table
    return f"""
        WITH e AS (
            SELECT x.id, x.agency_id, x.town, x.risk_level FROM {entity} x
            WHERE x.status = '{EntityStatus.ACTIVE.value}' AND ({where})
        ),
        k AS (
            SELECT e.id, '{ALL_TYPES}' AS types, 'town' AS dimension, e.town AS value FROM e
            UNION ALL SELECT e.id, '{ALL_TYPES}', 'risk', e.risk_level FROM e
            UNION ALL SELECT e.id, {_text("l.targettype_id")}, 'all', '' FROM e
                JOIN {link} l ON l.entity_id = e.id
            UNION ALL SELECT e.id, {_text("l.targettype_id")}, 'town', e.town FROM e
                JOIN {link} l ON l.entity_id = e.id
            UNION ALL SELECT e.id, {_text("l.targettype_id")}, 'risk', e.risk_level FROM e
                JOIN {link} l ON l.entity_id = e.id
            UNION ALL SELECT e.id, '{NO_TYPE}', 'all', '' FROM e
                WHERE NOT EXISTS (SELECT 1 FROM {link} l WHERE l.entity_id = e.id)
        ),
        w AS (
            SELECT c.entity_id, c.year, c.last_on,
                LEAD(c.year) OVER (PARTITION BY c.entity_id ORDER BY c.year) AS next_year
            FROM {checks} c JOIN e ON e.id = c.entity_id
        ),
        h AS (
            SELECT e.id, 'y' AS grain, 0 AS year, 0 AS later, 0 AS last_day FROM e
            UNION ALL SELECT w.entity_id, 'y', w.year, w.next_year, 0 FROM w
                WHERE w.next_year IS NOT NULL
            UNION ALL SELECT w.entity_id, 'm', w.year, 0, {_day_number("w.last_on")} / 100 * 100
                FROM w WHERE w.next_year IS NULL
            UNION ALL SELECT w.entity_id, 'd', w.year, 0, {_day_number("w.last_on")} FROM w
                WHERE w.next_year IS NULL
        )
        SELECT e.agency_id, k.types, k.dimension, k.value, h.grain, h.year, h.later,
            h.last_day, {sign} * COUNT(*) AS n
        FROM e JOIN k ON k.id = e.id JOIN h ON h.id = e.id
        GROUP BY e.agency_id, k.types, k.dimension, k.value, h.grain, h.year, h.later,
            h.last_day
    """


def _merge(where: str, params: Sequence[Any], sign: int) -> None:
    table = CoverageCount._meta.db_table
    columns = ", ".join(KEY_COLUMNS)
    with connection.cursor() as cursor:
        # "WHERE true": SQLite reads an ON after a bare SELECT as a join's
        cursor.execute(
            f"INSERT INTO {table} ({columns}, n) SELECT * FROM ({_contribution_sql(where, sign)}) "
            f"AS counted WHERE 1 = 1 ON CONFLICT ({columns}) DO UPDATE SET n = {table}.n + "
            "excluded.n",
            params,
        )
    # rows that fell to zero stay (they add nothing; the tables skip groups of no entities):
    # finding them would read every row of the table on each change


def _by_ids(entity_ids: Iterable[int]) -> Iterator[tuple[str, list[int]]]:
    ids = sorted(set(entity_ids))
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        yield f"x.id IN ({', '.join(['%s'] * len(part))})", part


def withdraw(entity_ids: Iterable[int]) -> None:
    """Subtract what the entities contribute now (call before changing them)."""
    for where, params in _by_ids(entity_ids):
        _merge(where, params, -1)


def count(entity_ids: Iterable[int]) -> None:
    """Add what the entities contribute now (call after changing them)."""
    for where, params in _by_ids(entity_ids):
        _merge(where, params, 1)


def count_batch(batch_id: int) -> None:
    """Add the entities an import batch created (set-based, however many)."""
    _merge("x.created_batch_id = %s", [batch_id], 1)


@contextmanager
def moving(entity_ids: Iterable[int]) -> Iterator[None]:
    """Subtract the entities' contribution, let the block change them, add it back."""
    ids = sorted(set(entity_ids))
    withdraw(ids)
    yield
    count(ids)


def rebuild() -> int:
    """Every coverage count from the directory and `EntityCheck`; returns the rows written."""
    CoverageCount.objects.all().delete()
    table = CoverageCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(KEY_COLUMNS)}, n) {_contribution_sql('1 = 1', 1)}"
        )
    return CoverageCount.objects.count()


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Covered:
    """One group of a coverage table: operating entities, those checked up to as-of (ever), and
    those checked within each of the windows asked for."""

    entities: int
    ever: int
    within: dict[int, int]


def covered(
    *,
    agency_id: int,
    as_of: date,
    starts: dict[int, date],
    type_ids: Iterable[int],
    target_type: int | None = None,
) -> dict[str, dict[str, Covered]]:
    """{"type" | "town" | "risk": {value: Covered}} for the agency's operating entities (of
    `target_type` only when given), checked in (start, as_of] for each of `starts`' windows.
    "type" values are type ids as text (`type_ids`: every type there is), NO_TYPE for entities
    without one. Two aggregate queries: the rows by year and by month, then the day rows of
    each window's first month."""
    year = as_of.year
    if target_type is None:
        # all entities by town and by risk; each type's entities (and no type's) as a whole
        keys = [(ALL_TYPES, "town"), (ALL_TYPES, "risk")]
        keys += [(str(t), "all") for t in sorted(type_ids)] + [(NO_TYPE, "all")]
    else:
        keys = [(str(target_type), d) for d in ("all", "town", "risk")]

    def picked(extra: str) -> tuple[str, list[Any]]:
        # each key spelled out: the unique index is searched by (agency, "d", types,
        # dimension) and the day range, key by key
        terms, params = [], []
        for types, dimension in keys:
            terms.append(f"(grain = 'd' AND types = %s AND dimension = %s{extra})")
            params += [types, dimension]
        return " OR ".join(terms), params

    # a row by year counts at as-of when its year is up to as-of's and its next year after
    current = "(year >= 1 AND year <= %s AND (grain = 'm' OR later > %s))"
    sums = [
        "SUM(CASE WHEN year = 0 THEN n ELSE 0 END)",
        f"SUM(CASE WHEN {current} THEN n ELSE 0 END)",
    ]
    params: list[Any] = [year, year]
    for start in starts.values():
        # a whole year or month after the window's start (its first month comes by day)
        sums.append(
            f"SUM(CASE WHEN {current} AND (grain = 'y' AND year > %s OR grain = 'm' AND "
            "last_day > %s) THEN n ELSE 0 END)"
        )
        params += [year, year, start.year, _month_number(start)]
    table = CoverageCount._meta.db_table
    found: dict[str, dict[str, Covered]] = {"type": {}, "town": {}, "risk": {}}
    counted: dict[tuple[str, str, str], list[int]] = {}
    with connection.cursor() as cursor:
        # a plain condition: the covering index is searched by (agency, grain)
        if target_type is None:
            where, where_params = f"(types = '{ALL_TYPES}' OR dimension = 'all')", []
        else:
            where, where_params = "types = %s", [str(target_type)]
        cursor.execute(
            f"SELECT types, dimension, value, {', '.join(sums)} FROM {table} "
            f"WHERE agency_id = %s AND grain IN ('y', 'm') AND {where} "
            "GROUP BY types, dimension, value",
            [*params, agency_id, *where_params],
        )
        for types, dimension, value, *numbers in cursor.fetchall():
            counted[(types, dimension, value)] = [int(x or 0) for x in numbers]
        # the first month of each window, by day: the days after its start
        ranges = [(_day_number_of(s), _month_number(s) + 99) for s in starts.values()]
        day_sums = ", ".join(
            "SUM(CASE WHEN last_day > %s AND last_day <= %s THEN n ELSE 0 END)" for _ in ranges
        )
        where, where_params = picked(
            " AND (" + " OR ".join(["last_day > %s AND last_day <= %s"] * len(ranges)) + ")"
        )
        bounds = [b for pair in ranges for b in pair]
        where_params = [
            p for i in range(0, len(where_params), 2) for p in (*where_params[i : i + 2], *bounds)
        ]
        cursor.execute(
            f"SELECT types, dimension, value, {day_sums} FROM {table} "
            f"WHERE agency_id = %s AND ({where}) GROUP BY types, dimension, value",
            [*bounds, agency_id, *where_params],
        )
        for types, dimension, value, *days in cursor.fetchall():
            numbers = counted.get((types, dimension, value))
            if numbers is not None:
                for i, n in enumerate(days):
                    numbers[2 + i] += int(n or 0)
    for (types, dimension, value), (entities, ever, *within) in counted.items():
        if not entities:
            continue
        group = Covered(entities, ever, dict(zip(starts, within, strict=True)))
        if dimension == "all":
            found["type"][types] = group
        else:
            found[dimension][value] = group
    return found


def _month_number(day: date) -> int:
    return day.year * 10000 + day.month * 100


def _day_number_of(day: date) -> int:
    return _month_number(day) + day.day
