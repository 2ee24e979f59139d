"""Keep FairnessLoad and FairnessTally (what the fairness section reads) equal to the sums of
the matchings' own figures (inspections.ExpectedLoad and MatchingTally) per plan.

`move_matching_totals`: called by `inspections.expectations.record_expectations` in the
transaction of the action that matched a team or replaced a member, with the matching's rows
before and after: the totals move by their differences in one upsert (INSERT … ON CONFLICT,
the increment done by the database), and a total no matching has a row for any more goes.
Only round and event matchings count (re-check visits are counted nowhere in the statistics).

`rebuild_fairness_totals`: everything from the matchings' rows, set-based (`rebuild_facts`,
the backfill of matchings recorded before their figures were stored).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import connection

from spotcheck.plans.models import Plan
from spotcheck.stats.models import FairnessLoad, FairnessTally

LoadKey = tuple[int, int, int]
"""(visits' responsible unit, item or 0 for the visits as a whole, inspector)"""
Load = tuple[int, float, int]
"""(visits eligible, seats expected, seats held)"""
TallyKey = tuple[int, int, str, str]
"""(visits' responsible unit, item or 0, kind, reason)"""

WHOLE_VISIT = 0  # the item of the rows counting every visit once
BATCH = 500  # rows per upsert: 8 parameters each, under SQLite's and PostgreSQL's limits

LOAD_SUMS = ("matchings", "eligible", "expected", "seats")


def move_matching_totals(
    *,
    plan_id: int,
    loads_before: Mapping[LoadKey, Load],
    loads_after: Mapping[LoadKey, Load],
    tallies_before: Mapping[TallyKey, int],
    tallies_after: Mapping[TallyKey, int],
) -> None:
    """Move the plan's totals from a counted matching's rows before to its rows after (a new
    matching: nothing before). Call inside the action's transaction."""
    loads = []
    for key in loads_before.keys() | loads_after.keys():
        old, new = loads_before.get(key), loads_after.get(key)
        if old == new:
            continue
        (e0, x0, s0), (e1, x1, s1) = old or (0, 0.0, 0), new or (0, 0.0, 0)
        present = (new is not None) - (old is not None)
        loads.append((plan_id, *key, present, e1 - e0, x1 - x0, s1 - s0))
    tallies = []
    for key in tallies_before.keys() | tallies_after.keys():
        old_n, new_n = tallies_before.get(key), tallies_after.get(key)
        if old_n == new_n:
            continue
        present = (new_n is not None) - (old_n is not None)
        tallies.append((plan_id, *key, present, (new_n or 0) - (old_n or 0)))
    _upsert(FairnessLoad, ("unit_id", "item", "inspector_id"), LOAD_SUMS, loads)
    _upsert(FairnessTally, ("unit_id", "item", "kind", "reason"), ("matchings", "count"), tallies)
    if loads:
        FairnessLoad.objects.filter(plan_id=plan_id, matchings=0).delete()
    if tallies:
        FairnessTally.objects.filter(plan_id=plan_id, matchings=0).delete()


def _upsert(
    model: type[FairnessLoad] | type[FairnessTally],
    key: tuple[str, ...],
    sums: tuple[str, ...],
    rows: list[tuple[object, ...]],
) -> None:
    """Add rows (plan, *key, *sums) to the model's totals, one statement per batch."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ("plan_id", *key, *sums)
    added = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in sums)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) VALUES {values} "
                f"ON CONFLICT ({', '.join(quote(c) for c in ('plan_id', *key))}) "
                f"DO UPDATE SET {added}",
                [value for row in batch for value in row],
            )


def rebuild_fairness_totals(plans: Iterable[int] | None = None) -> dict[str, int]:
    """The totals of `plans` (None: every plan) recomputed from the matchings' rows; returns
    the rows written per table."""
    chosen = Plan.objects.all() if plans is None else Plan.objects.filter(pk__in=list(plans))
    written = {"fairness loads": 0, "fairness tallies": 0}
    with connection.cursor() as cursor:
        for plan_id in chosen.order_by("pk").values_list("pk", flat=True):
            FairnessLoad.objects.filter(plan_id=plan_id).delete()
            FairnessTally.objects.filter(plan_id=plan_id).delete()
            # the plan's matchings from their index (plan, round, event), never their rows: on
            # SQLite a matching's record lies before its plan in the row
            counted = (
                "SELECT m.id FROM inspections_teammatching m WHERE m.plan_id = %s "
                'AND (m."round" IS NOT NULL OR m.event_id IS NOT NULL)'
            )
            cursor.execute(
                "INSERT INTO stats_fairnessload (plan_id, unit_id, item, inspector_id, "
                "matchings, eligible, expected, seats) "
                f"SELECT %s, l.unit_id, COALESCE(l.item_id, {WHOLE_VISIT}), l.inspector_id, "
                "COUNT(*), SUM(l.eligible), SUM(l.expected), SUM(l.seats) "
                f"FROM inspections_expectedload l WHERE l.matching_id IN ({counted}) "
                f"GROUP BY l.unit_id, COALESCE(l.item_id, {WHOLE_VISIT}), l.inspector_id",
                [plan_id, plan_id],
            )
            written["fairness loads"] += cursor.rowcount
            cursor.execute(
                "INSERT INTO stats_fairnesstally (plan_id, unit_id, item, kind, reason, "
                "matchings, count) "
                f"SELECT %s, t.unit_id, COALESCE(t.item_id, {WHOLE_VISIT}), t.kind, t.reason, "
                "COUNT(*), SUM(t.count) "
                f"FROM inspections_matchingtally t WHERE t.matching_id IN ({counted}) "
                f"GROUP BY t.unit_id, COALESCE(t.item_id, {WHOLE_VISIT}), t.kind, t.reason",
                [plan_id, plan_id],
            )
            written["fairness tallies"] += cursor.rowcount
    return written
