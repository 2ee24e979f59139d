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

from collections.abc import Callable, Iterable
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
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat, ExtractMonth, ExtractYear

from spotcheck.draws.models import Draw, DrawSelection
from spotcheck.inspections.models import Visit, VisitItem
from spotcheck.lib.results import CATEGORIES, CategoryKind, ReviewState
from spotcheck.results.models import ItemResult, Measure, Result
from spotcheck.stats import coverage
from spotcheck.stats.models import EntityCheck, Fact, VisitFact

ENTERED = (ReviewState.PENDING, ReviewState.RETURNED, ReviewState.APPROVED, ReviewState.PUBLISHED)
APPROVED = (ReviewState.APPROVED, ReviewState.PUBLISHED)
CLEAN = tuple(c.code for c in CATEGORIES if c.kind is CategoryKind.CLEAN)
PROBLEM = tuple(c.code for c in CATEGORIES if c.kind is CategoryKind.PROBLEM)
ENDING = tuple(c.code for c in CATEGORIES if c.kind is CategoryKind.ENDING)

LEDGER_COLUMNS = ("visit_id", "plan_id", "items", "kind", "key", "n", "total")
# visits refreshed per statement: enough to stay set-based, few enough for SQLite's variables
CHUNK = 5000


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
        # publication deadline of what is not published (overdue once before today)
        per_visit(
            "due",
            Cast("result__due_on", CharField()),
            Q(result__due_on__isnull=False) & ~Q(result__state=ReviewState.PUBLISHED),
        ),
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


def _totals(rows: QuerySet[VisitFact]) -> dict[tuple[int, str, str, str], tuple[int, int]]:
    return {
        (r["plan_id"], r["kind"], r["items"], r["key"]): (r["n"], r["total"])
        for r in rows.values("plan_id", "kind", "items", "key")
        .annotate(n=Sum("n"), total=Sum("total"))
        .order_by()
    }


def _entity_checks(entities: list[int] | None) -> QuerySet[Any]:
    """Per entity and year, its last inspection of an approved result (any visit: coverage
    counts re-checks too)."""
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


def refresh_visits(visit_ids: Iterable[int]) -> None:
    """Recount the visits `visit_ids` (and the coverage of their entities): call inside the
    transaction of the action that changed them, after the change."""
    ids = sorted(set(visit_ids))
    if not ids:
        return
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            _refresh_chunk(ids[start : start + CHUNK])


def _refresh_chunk(ids: list[int]) -> None:
    ledger = VisitFact.objects.filter(visit__in=ids)
    before = _totals(ledger)
    ledger.delete()
    for query in _ledger_queries(ids):
        _insert(VisitFact._meta.db_table, LEDGER_COLUMNS, query)
    after = _totals(VisitFact.objects.filter(visit__in=ids))
    for key in before.keys() | after.keys():
        old_n, old_total = before.get(key, (0, 0))
        new_n, new_total = after.get(key, (0, 0))
        if (old_n, old_total) == (new_n, new_total):
            continue
        plan_id, kind, items, value = key
        found = Fact.objects.filter(plan_id=plan_id, kind=kind, items=items, key=value)
        changed = found.update(n=F("n") + (new_n - old_n), total=F("total") + new_total - old_total)
        if not changed:
            Fact.objects.create(
                plan_id=plan_id,
                kind=kind,
                items=items,
                key=value,
                n=new_n - old_n,
                total=new_total - old_total,
            )
    Fact.objects.filter(n=0, total=0, plan_id__in={k[0] for k in before}).delete()
    entities = list(
        Visit.objects.filter(pk__in=ids, entity__isnull=False)
        .values_list("entity_id", flat=True)
        .distinct()
    )
    if entities:
        coverage.withdraw(entities)  # the coverage counts follow the entities' checks
        EntityCheck.objects.filter(entity__in=entities).delete()
        _insert(
            EntityCheck._meta.db_table, ("entity_id", "year", "last_on"), _entity_checks(entities)
        )
        coverage.count(entities)


def _drawn(items: list[int] | None) -> QuerySet[Any]:
    """Per item, the active targets of its executed draws (drawn or replacement, minus the
    replaced)."""
    selections = DrawSelection.objects.filter(
        draw__status=Draw.Status.EXECUTED, replaced_by__isnull=True
    )
    if items is not None:
        selections = selections.filter(draw__item__in=items)
    return (
        selections.annotate(
            f_plan=F("draw__item__plan_id"),
            f_items=Cast("draw__item_id", CharField()),
            f_kind=Value("drawn"),
            f_key=Value(""),
        )
        .values("f_plan", "f_items", "f_kind", "f_key")
        .annotate(f_n=Count("pk"), f_total=Value(0))
        .values_list("f_plan", "f_kind", "f_items", "f_key", "f_n", "f_total")
        .order_by()
    )


FACT_COLUMNS = ("plan_id", "kind", "items", "key", "n", "total")


def refresh_drawn(item_ids: Iterable[int]) -> None:
    """Recount the targets drawn for the items (after a draw is executed or a target
    replaced): a count per item, recomputed whole."""
    items = sorted(set(item_ids))
    with transaction.atomic():
        Fact.objects.filter(kind="drawn", items__in=[str(i) for i in items]).delete()
        _insert(Fact._meta.db_table, FACT_COLUMNS, _drawn(items))


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
        say("对象年度检查")
        written["entity checks"] = _insert(
            EntityCheck._meta.db_table, ("entity_id", "year", "last_on"), _entity_checks(None)
        )
        say("名录覆盖")
        written["coverage counts"] = coverage.rebuild()
    return written
