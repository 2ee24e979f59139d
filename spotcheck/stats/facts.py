"""Keep the stored statistics (`spotcheck.stats.models`) equal to what the rows say.

`refresh_visits(visit_ids)`: called by every action that changes what a visit counts (results
actions through `bump_revision`, publication and withdrawal, visits created or cancelled,
entities whose town changes), inside the action's transaction: the visits' ledger rows are
subtracted from the totals, recomputed from the rows by INSERT … SELECT, and added back; the
coverage rows of their entities are recomputed the same way.

`rebuild_facts()`: everything from the rows, set-based (the CLI verb `spotcheck stats-rebuild`,
the benchmark's generator, a deployment after upgrading).

The counting rules are docs/statistics.md's; each ledger kind below says what it counts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat, ExtractMonth, ExtractYear, Substr
from django.utils import timezone

from spotcheck.draws.models import Draw, DrawReplacement, DrawSelection
from spotcheck.inspections.models import Visit, VisitItem
from spotcheck.lib.results import CATEGORIES, CategoryKind, ReviewState
from spotcheck.public.models import PublishedItem, note_public_change
from spotcheck.results.models import ItemResult, Measure, Result
from spotcheck.stats import coverage
from spotcheck.stats.fairness_totals import rebuild_fairness_totals
from spotcheck.stats.layout import stamp_current
from spotcheck.stats.models import EntityCheck, Fact, VisitFact

ENTERED = (ReviewState.PENDING, ReviewState.RETURNED, ReviewState.APPROVED, ReviewState.PUBLISHED)
APPROVED = (ReviewState.APPROVED, ReviewState.PUBLISHED)
CLEAN = tuple(c.code for c in CATEGORIES if c.kind is CategoryKind.CLEAN)
PROBLEM = tuple(c.code for c in CATEGORIES if c.kind is CategoryKind.PROBLEM)
ENDING = tuple(c.code for c in CATEGORIES if c.kind is CategoryKind.ENDING)

LEDGER_COLUMNS = ("visit_id", "plan_id", "items", "kind", "key", "n", "total")
# visits refreshed per statement: enough to stay set-based, few enough for SQLite's variables
# (the visits' ids are bound once per kind in the one ledger statement)
CHUNK = 1000


class DaysBetween(Func):
    """Whole days from one date to a later one (an integer on both databases)."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        return super().as_sql(compiler, connection, template="(%(expressions)s)", **extra)

    def as_postgresql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        # date - date is a number of days
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        first, second = self.get_source_expressions()
        a, a_params = compiler.compile(first)
        b, b_params = compiler.compile(second)
        return (
            f"CAST(julianday({a}) - julianday({b}) AS INTEGER)",
            [*a_params, *b_params],
        )


def _visit_items_sql() -> str:
    """The sorted, comma-joined item ids of the visit of the outer query's row."""
    if connection.vendor == "postgresql":
        return (
            "(SELECT string_agg(vi.item_id::text, ',' ORDER BY vi.item_id) "
            "FROM inspections_visititem vi WHERE vi.visit_id = inspections_visit.id)"
        )
    return (
        "(SELECT group_concat(item_id, ',') FROM (SELECT vi.item_id FROM inspections_visititem "
        "vi WHERE vi.visit_id = inspections_visit.id ORDER BY vi.item_id))"
    )


def _month(field: str) -> Any:
    """yyyymm of a date or (local) date-time, as text."""
    return Cast(ExtractYear(field) * 100 + ExtractMonth(field), CharField())


def _kind_of_category(field: str) -> Case:
    return Case(
        When(**{f"{field}__in": CLEAN}, then=Value("clean")),
        When(**{f"{field}__in": PROBLEM}, then=Value("problem")),
        When(**{f"{field}__in": ENDING}, then=Value("ending")),
        default=Value("other"),
        output_field=CharField(),
    )


def _ledger_queries(visits: list[int] | None) -> list[QuerySet[Any]]:
    """One query per kind, each giving ledger rows (LEDGER_COLUMNS) for `visits` (None: every
    visit). Counted visits: the plans' round and event visits (re-checks are follow-up)."""
    counted = Visit.objects.filter(
        Exists(VisitItem.objects.filter(visit=OuterRef("pk"))), recheck_of__isnull=True
    )
    if visits is not None:
        counted = counted.filter(pk__in=visits)
    combo = RawSQL(_visit_items_sql(), (), output_field=CharField())

    def per_visit(kind: str, key: Any, condition: Q | None = None) -> QuerySet[Any]:
        rows = counted if condition is None else counted.filter(condition)
        return rows.annotate(
            f_items=combo, f_kind=Value(kind), f_key=key, f_n=Value(1), f_total=Value(0)
        ).values_list("pk", "plan_id", "f_items", "f_kind", "f_key", "f_n", "f_total")

    live = Q(
        result__publications__superseded_at__isnull=True,
        result__publications__withdrawn_at__isnull=True,
    )
    unpublished_due = Q(result__due_on__isnull=False) & ~Q(result__state=ReviewState.PUBLISHED)
    queries = [
        # review state of the visit's result ('' without one): visits, recorded, approved …
        per_visit("state", Coalesce("result__state", Value(""))),
        # month of the inspection: visited
        per_visit("visited", _month("result__inspected_on"), Q(result__inspected_on__isnull=False)),
        per_visit(
            "submitted",
            _month("result__submitted_at"),
            Q(result__state__in=ENTERED, result__submitted_at__isnull=False),
        ),
        per_visit(
            "reviewed",
            _month("result__reviewed_at"),
            Q(result__state__in=APPROVED, result__reviewed_at__isnull=False),
        ),
        # month of the live (not superseded, not withdrawn) publication
        per_visit(
            "published",
            _month("result__publications__published_on"),
            Q(result__state=ReviewState.PUBLISHED) & live,
        ),
        # publication deadline of what is not published (overdue once before today), by day
        # and by month (yyyy-mm): the months before today's are read whole, today's by day
        per_visit("due", Cast("result__due_on", CharField()), unpublished_due),
        per_visit("due_month", Substr(Cast("result__due_on", CharField()), 1, 7), unpublished_due),
        # an event's visit (each registered event has one until cancelled): inspected, approved
        per_visit(
            "event",
            Concat(
                Case(When(result__inspected_on__isnull=False, then=Value("1")), default=Value("0")),
                Case(When(result__state__in=APPROVED, then=Value("1")), default=Value("0")),
                output_field=CharField(),
            ),
            Q(event__isnull=False),
        ),
        per_visit("joint", Value(""), ~Q(cooperating_pools=[])),
        per_visit("merged", Value(""), ~Q(merged_from=[])),
    ]
    item_results = ItemResult.objects.filter(
        result__state__in=APPROVED, visit_item__visit__recheck_of__isnull=True
    ).exclude(category="")
    measures = Measure.objects.filter(item_result__visit_item__visit__recheck_of__isnull=True)
    if visits is not None:
        item_results = item_results.filter(visit_item__visit__in=visits)
        measures = measures.filter(item_result__visit_item__visit__in=visits)

    def per_item(rows: QuerySet[Any], prefix: str, kind: str, key: Any) -> QuerySet[Any]:
        return (
            rows.annotate(
                f_visit=F(f"{prefix}visit_item__visit_id"),
                f_plan=F(f"{prefix}visit_item__visit__plan_id"),
                f_items=Cast(f"{prefix}visit_item__item_id", CharField()),
                f_kind=Value(kind),
                f_key=key,
            )
            .values("f_visit", "f_plan", "f_items", "f_kind", "f_key")
            .annotate(f_n=Count("pk"), f_total=Value(0))
            .values_list("f_visit", "f_plan", "f_items", "f_kind", "f_key", "f_n", "f_total")
            .order_by()
        )

    kind_of = _kind_of_category("category")
    queries += [
        # approved item results by category, by entity's town, by risk level at the draw
        per_item(item_results, "", "category", F("category")),
        per_item(
            item_results,
            "",
            "town",
            Concat(kind_of, Value("|"), Coalesce("visit_item__visit__entity__town", Value(""))),
        ),
        per_item(
            item_results,
            "",
            "stratum",
            Concat(kind_of, Value("|"), Coalesce("visit_item__selection__stratum", Value(""))),
        ),
    ]
    # what the portal shows (the public page): the live records (not superseded, not
    # withdrawn), by their month of publication, and per published item its category (as
    # published, which an amendment not yet published again does not change) by the risk level
    # at the draw; whether the plan is public is read when counted
    queries.append(
        per_visit(
            "public_month",
            _month("result__publications__published_on"),
            Q(result__publications__isnull=False) & live,
        )
    )
    published_items = PublishedItem.objects.filter(
        published__superseded_at__isnull=True,
        published__withdrawn_at__isnull=True,
        published__result__visit__recheck_of__isnull=True,
    ).exclude(category="")
    if visits is not None:
        published_items = published_items.filter(published__result__visit__in=visits)
    stratum = (
        VisitItem.objects.filter(
            visit=OuterRef("published__result__visit"), item=OuterRef("plan_item")
        )
        .order_by()
        .values("selection__stratum")[:1]
    )  # one: a visit covers an item once
    queries.append(
        published_items.annotate(
            f_visit=F("published__result__visit_id"),
            f_plan=F("published__result__visit__plan_id"),
            f_items=Cast("plan_item_id", CharField()),
            f_kind=Value("public_item"),
            f_key=Concat("category", Value("|"), Coalesce(Subquery(stratum), Value(""))),
        )
        .values("f_visit", "f_plan", "f_items", "f_kind", "f_key")
        .annotate(f_n=Count("pk"), f_total=Value(0))
        .values_list("f_visit", "f_plan", "f_items", "f_kind", "f_key", "f_n", "f_total")
        .order_by()
    )
    state = Case(
        When(closed_on__isnull=True, then=Value("open")),
        default=Value("closed"),
        output_field=CharField(),
    )
    queries.append(
        measures.annotate(
            f_visit=F("item_result__visit_item__visit_id"),
            f_plan=F("item_result__visit_item__visit__plan_id"),
            f_items=Cast("item_result__visit_item__item_id", CharField()),
            f_kind=Value("measure"),
            f_key=Concat("kind", Value("|"), state),
        )
        .values("f_visit", "f_plan", "f_items", "f_kind", "f_key")
        .annotate(
            f_n=Count("pk"),
            f_total=Coalesce(
                Sum(DaysBetween("closed_on", "opened_on"), filter=Q(closed_on__isnull=False)),
                Value(0),
            ),
        )
        .values_list("f_visit", "f_plan", "f_items", "f_kind", "f_key", "f_n", "f_total")
        .order_by()
    )
    return queries


def _insert(table: str, columns: Iterable[str], query: QuerySet[Any]) -> int:
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) {sql}", params)
        return cursor.rowcount


def _union_all(queries: list[QuerySet[Any]]) -> tuple[str, list[Any]]:
    """One statement of the queries' rows (each query unordered: SQLite takes no ORDER BY
    inside a compound SELECT)."""
    parts, params = [], []
    for query in queries:
        sql, query_params = query.order_by().query.sql_with_params()
        parts.append(sql)
        params += query_params
    return " UNION ALL ".join(parts), params


# Building and compiling the ORM queries of a refresh costs far more than running them (a
# few milliseconds against tenths of one for a visit): each statement is compiled once per
# number of visits, with stand-in ids, and reused with the real ones bound in their place.
STAND_IN = -(2**40)  # stand-in ids: STAND_IN, STAND_IN - 1, …; no other parameter is one


def _stand_ins(size: int) -> list[int]:
    return [STAND_IN - i for i in range(size)]


@functools.lru_cache(maxsize=32)
def _compiled(statement: str, size: int, vendor: str, zone: str) -> tuple[str, tuple[Any, ...]]:
    """The SQL and parameters of `statement` for `size` stand-in visit ids (the vendor and the
    current time zone, which the month extraction takes, are part of the key)."""
    sql, params = _union_all(STATEMENTS[statement](_stand_ins(size)))
    return sql, tuple(params)


def _rows(statement: str, ids: list[int]) -> list[tuple[Any, ...]]:
    zone = timezone.get_current_timezone_name()
    sql, params = _compiled(statement, len(ids), connection.vendor, zone)
    bound = [
        ids[STAND_IN - p] if type(p) is int and STAND_IN - len(ids) < p <= STAND_IN else p
        for p in params
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, bound)
        return cursor.fetchall()


def _entity_checks(entities: Any) -> QuerySet[Any]:
    """Per entity and year, its last inspection of an approved result (any visit: coverage
    counts re-checks too). `entities`: ids or a query of them (None: every entity)."""
    results = Result.objects.filter(
        state__in=APPROVED, inspected_on__isnull=False, visit__entity__isnull=False
    )
    if entities is not None:
        results = results.filter(visit__entity__in=entities)
    return (
        results.annotate(f_entity=F("visit__entity_id"), f_year=ExtractYear("inspected_on"))
        .values("f_entity", "f_year")
        .annotate(f_last=Max("inspected_on"))
        .values_list("f_entity", "f_year", "f_last")
        .order_by()
    )


# Rows a refresh reads: the stored ledger rows of the visits (their id last) and the recounted
# ones (0 there), in one statement; the same for the coverage rows of the visits' entities.
NEW = 0
_pending: ContextVar[set[int] | None] = ContextVar("stats_pending_visits", default=None)


@contextmanager
def batched_refresh() -> Iterator[None]:
    """Within the block, `refresh_visits` only notes the visits; they are recounted together
    when the block ends without an error (an action touching several visits, or one visit
    several times, recounts once). Nested blocks recount at the outermost one's end. Use it
    inside the action's transaction: nothing in the block may read the stored counts."""
    if _pending.get() is not None:
        yield
        return
    visits: set[int] = set()
    token = _pending.set(visits)
    try:
        yield
    finally:
        _pending.reset(token)
    refresh_visits(visits)


def refresh_visits(visit_ids: Iterable[int]) -> None:
    """Recount the visits `visit_ids` (and the coverage of their entities): call inside the
    transaction of the action that changed them, after the change (within `batched_refresh`,
    at the end of its block)."""
    pending = _pending.get()
    if pending is not None:
        pending.update(visit_ids)
        return
    ids = sorted(set(visit_ids))
    if not ids:
        return
    with transaction.atomic(savepoint=False):
        for start in range(0, len(ids), CHUNK):
            _refresh_chunk(ids[start : start + CHUNK])


def _ledger_statement(ids: list[int]) -> list[QuerySet[Any]]:
    """The visits' stored ledger rows (their id last) and the recounted ones (NEW there)."""
    stored = VisitFact.objects.filter(visit__in=ids).values_list(
        "visit_id", "plan_id", "items", "kind", "key", "n", "total", "pk"
    )
    recounted = [
        query.annotate(f_row=Value(NEW, output_field=IntegerField()))
        for query in _ledger_queries(ids)
    ]
    return [stored, *recounted]


def _coverage_statement(ids: list[int]) -> list[QuerySet[Any]]:
    """The stored and the recounted coverage rows of the visits' entities."""
    entities = Visit.objects.filter(pk__in=ids, entity__isnull=False).values("entity_id")
    stored = EntityCheck.objects.filter(entity__in=entities).values_list(
        "entity_id", "year", "last_on", "pk"
    )
    recounted = _entity_checks(entities).annotate(f_row=Value(NEW, output_field=IntegerField()))
    return [stored, recounted]


STATEMENTS: dict[str, Callable[[list[int]], list[QuerySet[Any]]]] = {
    "ledger": _ledger_statement,
    "coverage": _coverage_statement,
}

LedgerKey = tuple[int, int, str, str, str]  # visit, plan, items, kind, key


def _refresh_chunk(ids: list[int]) -> None:
    """Two reads (ledger, coverage); writes only where a row changed: the changed ledger rows
    deleted and inserted, the totals moved by their differences in one upsert, the changed
    coverage rows deleted and upserted."""
    old: dict[LedgerKey, list[int]] = {}
    old_rows: dict[LedgerKey, list[int]] = {}  # their ids
    new: dict[LedgerKey, list[int]] = {}
    for visit, plan, items, kind, key, n, total, row in _rows("ledger", ids):
        ledger_key = (int(visit), int(plan), str(items), str(kind), str(key))
        sums = (old if row != NEW else new).setdefault(ledger_key, [0, 0])
        sums[0] += int(n)
        sums[1] += int(total)
        if row != NEW:
            old_rows.setdefault(ledger_key, []).append(int(row))
    changed = [k for k in old.keys() | new.keys() if old.get(k) != new.get(k)]
    if changed:
        _write_ledger(changed, old, old_rows, new)
    _refresh_entity_checks(ids)


def _write_ledger(
    changed: list[LedgerKey],
    old: dict[LedgerKey, list[int]],
    old_rows: dict[LedgerKey, list[int]],
    new: dict[LedgerKey, list[int]],
) -> None:
    gone = [row for key in changed for row in old_rows.get(key, ())]
    for start in range(0, len(gone), CHUNK):
        VisitFact.objects.filter(pk__in=gone[start : start + CHUNK]).delete()
    VisitFact.objects.bulk_create(
        [
            VisitFact(
                visit_id=visit,
                plan_id=plan,
                items=items,
                kind=kind,
                key=key,
                n=new[visit, plan, items, kind, key][0],
                total=new[visit, plan, items, kind, key][1],
            )
            for (visit, plan, items, kind, key) in changed
            if (visit, plan, items, kind, key) in new
        ],
        batch_size=UPSERT_BATCH,
    )
    deltas: dict[tuple[int, str, str, str], list[int]] = {}
    for ledger_key in changed:
        _visit, plan, items, kind, key = ledger_key
        old_n, old_total = old.get(ledger_key, (0, 0))
        new_n, new_total = new.get(ledger_key, (0, 0))
        delta = deltas.setdefault((plan, kind, items, key), [0, 0])
        delta[0] += new_n - old_n
        delta[1] += new_total - old_total
    moved = [(*key, n, total) for key, (n, total) in deltas.items() if (n, total) != (0, 0)]
    emptied = _add_to_facts(moved)
    # a total that fell to nothing goes (the tables never show a zero row)
    if emptied:
        Fact.objects.filter(pk__in=emptied, n=0, total=0).delete()
    elif emptied is None and any(n < 0 or total < 0 for *_key, n, total in moved):
        Fact.objects.filter(
            n=0,
            total=0,
            plan_id__in={row[0] for row in moved},
            kind__in={row[1] for row in moved},
        ).delete()


# rows per upsert statement: 6 parameters each, under SQLite's and PostgreSQL's limits
UPSERT_BATCH = 500


def _add_to_facts(rows: list[tuple[int, str, str, str, int, int]]) -> list[int] | None:
    """Add (plan, kind, items, key, n, total) to the totals: one INSERT … ON CONFLICT DO UPDATE
    per batch (SQLite and PostgreSQL alike); the increment is done by the database, so
    concurrent actions adding to one total both count. Returns the ids of the totals now zero,
    or None where the database cannot return them (SQLite before 3.35)."""
    returning = connection.features.can_return_columns_from_insert
    emptied: list[int] = []
    table = connection.ops.quote_name(Fact._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in FACT_COLUMNS)
    unique = ", ".join(connection.ops.quote_name(c) for c in ("plan_id", "kind", "items", "key"))
    n, total = connection.ops.quote_name("n"), connection.ops.quote_name("total")
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_BATCH):
            batch = rows[start : start + UPSERT_BATCH]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT ({unique}) "
                f"DO UPDATE SET {n} = {table}.{n} + excluded.{n}, "
                f"{total} = {table}.{total} + excluded.{total}"
                + (f" RETURNING id, {n}, {total}" if returning else ""),
                [value for row in batch for value in row],
            )
            if returning:
                emptied += [pk for pk, left, days in cursor.fetchall() if (left, days) == (0, 0)]
    return emptied if returning else None


def _refresh_entity_checks(ids: list[int]) -> None:
    """Recount the coverage rows of the visits' entities; write the ones that changed."""
    old: dict[tuple[int, int], tuple[str, int]] = {}
    new: dict[tuple[int, int], str] = {}
    for entity, year, last_on, row in _rows("coverage", ids):
        # a date on PostgreSQL, its ISO text on SQLite
        day = last_on.isoformat() if hasattr(last_on, "isoformat") else str(last_on)
        if row != NEW:
            old[int(entity), int(year)] = (day, int(row))
        else:
            new[int(entity), int(year)] = day
    gone = [row for key, (day, row) in old.items() if key not in new]
    changed = [
        EntityCheck(entity_id=entity, year=year, last_on=date.fromisoformat(day))
        for (entity, year), day in new.items()
        if old.get((entity, year), ("", 0))[0] != day
    ]
    # the coverage counts follow the checks: the entities whose checks change leave them
    # before and come back after (stats.coverage)
    moved = {entity for (entity, _year) in old.keys() - new.keys()}
    moved.update(check.entity_id for check in changed)
    coverage.withdraw(moved)
    if gone:
        EntityCheck.objects.filter(pk__in=gone).delete()
    if changed:
        EntityCheck.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["entity", "year"],
            update_fields=["last_on"],
            batch_size=UPSERT_BATCH,
        )
    coverage.count(moved)


def _drawn(items: list[int] | None) -> QuerySet[Any]:
    """Per item, the active targets of its executed draws (drawn or replacement, minus the
    replaced)."""
    selections = DrawSelection.objects.filter(
        draw__status=Draw.Status.EXECUTED, replaced_by__isnull=True
    )
    return _per_draw_item(selections, items, kind="drawn", key=Value(""))


def _target_replacements(items: list[int] | None) -> QuerySet[Any]:
    """Per item and reason, the targets replaced in its draws (the fairness section)."""
    replacements = DrawReplacement.objects.all()
    return _per_draw_item(replacements, items, kind="target_replaced", key=F("reason_code"))


def _per_draw_item(
    rows: QuerySet[Any], items: list[int] | None, *, kind: str, key: Any
) -> QuerySet[Any]:
    """Fact rows (plan, kind, item, key, count, 0) counting `rows` (of a draw) per draw item
    and `key`, for `items` or every item."""
    if items is not None:
        rows = rows.filter(draw__item__in=items)
    return (
        rows.annotate(
            f_plan=F("draw__item__plan_id"),
            f_items=Cast("draw__item_id", CharField()),
            f_kind=Value(kind),
            f_key=key,
        )
        .values("f_plan", "f_items", "f_kind", "f_key")
        .annotate(f_n=Count("pk"), f_total=Value(0))
        .values_list("f_plan", "f_kind", "f_items", "f_key", "f_n", "f_total")
        .order_by()
    )


FACT_COLUMNS = ("plan_id", "kind", "items", "key", "n", "total")


def refresh_drawn(item_ids: Iterable[int]) -> None:
    """Recount the targets drawn and the targets replaced for the items (after a draw is
    executed or a target replaced): counts per item, recomputed whole."""
    items = sorted(set(item_ids))
    with transaction.atomic():
        Fact.objects.filter(
            kind__in=("drawn", "target_replaced"), items__in=[str(i) for i in items]
        ).delete()
        _insert(Fact._meta.db_table, FACT_COLUMNS, _drawn(items))
        _insert(Fact._meta.db_table, FACT_COLUMNS, _target_replacements(items))


def refresh_entities(entity_ids: Iterable[int]) -> None:
    """Recount the visits of entities whose counted attributes (the town) changed."""
    refresh_visits(Visit.objects.filter(entity__in=list(entity_ids)).values_list("pk", flat=True))


def rebuild_facts(progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Every stored count from the rows (set-based); returns the rows written per table."""
    say = progress or (lambda _text: None)
    written: dict[str, int] = {}
    with transaction.atomic():
        say("清空统计表")
        Fact.objects.all().delete()
        VisitFact.objects.all().delete()
        EntityCheck.objects.all().delete()
        ledger = 0
        queries = _ledger_queries(None)
        for number, query in enumerate(queries, 1):
            say(f"检查任务统计：第{number}/{len(queries)}类")
            ledger += _insert(VisitFact._meta.db_table, LEDGER_COLUMNS, query)
        written["visit facts"] = ledger
        say("汇总")
        totals = (
            VisitFact.objects.values("plan_id", "kind", "items", "key")
            .annotate(s_n=Sum("n"), s_total=Sum("total"))
            .values_list("plan_id", "kind", "items", "key", "s_n", "s_total")
            .order_by()
        )
        written["facts"] = _insert(Fact._meta.db_table, FACT_COLUMNS, totals)
        say("抽中对象")
        written["facts"] += _insert(Fact._meta.db_table, FACT_COLUMNS, _drawn(None))
        written["facts"] += _insert(Fact._meta.db_table, FACT_COLUMNS, _target_replacements(None))
        say("执法人员检查次数")
        written |= rebuild_fairness_totals()
        say("对象年度检查")
        written["entity checks"] = _insert(
            EntityCheck._meta.db_table, ("entity_id", "year", "last_on"), _entity_checks(None)
        )
        say("名录覆盖")
        written["coverage counts"] = coverage.rebuild()
        stamp_current()
        # cached public pages (statistics made from the old counts) give way to new ones
        note_public_change()
    return written
