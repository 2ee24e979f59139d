#!/usr/bin/env python
"""Benchmark (not a test): publishing one result into a task of many results, against
publishing one into a small task, measured in the same run.

    python bench/task_pages.py [--results N] [--pg-url URL] [--reuse DIR] [--repeat R]
                               [--small S]

1. Data: N published results (bench/bulkdata.py) in a fresh SQLite database in a temporary
   directory, or in the PostgreSQL database --pg-url (emptied first; ANALYZE afterwards), or
   the data of an earlier run (--reuse DIR, with the same --pg-url; migrated first; this run
   publishes into it). The plan's items take turns, so every task holds about 1.2 N / 12 rows.
2. The small task: the last task with all but its newest S rows deleted (bench-only; their
   records stay, without this task) and its page keys made again; the large task: the first
   one, as built.
3. For each task, R times: the result of the task's newest record (a visit of that task alone)
   set back to 已审核 (bench-only) and published again through `publish_results`: the whole
   action, timed. It supersedes the task's newest row and adds a newer one, as a publication on
   approval of a result of that task changes the task's rows at the top.
Prints the median per publication of each task (and of the page keys' upkeep inside it, timed
by wrapping the function publish_results calls) and large/small; the ratio stays near 1 when
the upkeep does not grow with the task (spotcheck.public.models.TaskPage).

Figures (150,000 results: tasks of 15,000 rows, the small one of 100; 15 publications each;
load 6.7-8.6 on 2 cores shared with other engineers' tests; medians):
- SQLite, before (aec3381: the page starts rebuilt whole per publication): small 43.4 ms
  (upkeep 5.7 ms), large 96.0 ms (upkeep 55.5 ms), large/small 2.21.
- SQLite, after (1c793e2: keys from the oldest row, kept from the oldest changed row on):
  small 11.0 ms (upkeep 2.0 ms), large 14.7 ms (upkeep 1.9 ms), large/small 1.34; again with
  25 publications each: 47.1 ms (6.4 ms) and 45.9 ms (6.3 ms), 0.97.
- PostgreSQL, before: small 68.8 ms (upkeep 8.5 ms), large 107.2 ms (upkeep 39.0 ms), 1.56.
- PostgreSQL, after: small 103.3 ms (upkeep 15.4 ms), large 107.2 ms (upkeep 15.7 ms), 1.04.
The whole publication's times move with the machine's load between runs (and main's other
changes between the two commits); the upkeep's before grows with the task, after it does not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bulkdata import build_published_results, prepare_database  # noqa: E402


def newest_single_task_result(plan_item_id: int) -> int:
    """The result of the task's newest record that covers that task alone."""
    from django.db.models import Count

    from spotcheck.public.models import PublishedResult, task_rows

    for published_id in task_rows(plan_item_id).values_list("published_id", flat=True)[:50]:
        record = PublishedResult.objects.annotate(n=Count("items")).get(pk=published_id)
        if record.n == 1:
            return record.result_id
    raise SystemExit(f"no result of task {plan_item_id} alone among its newest 50")


def make_small(plan_item_id: int, keep: int) -> None:
    """All but the task's newest `keep` rows deleted (bench-only: their records stay, without
    this task), and its keys made again."""
    from django.db import transaction

    from spotcheck.public.models import PublishedItem, rebuild_task_pages, task_rows

    with transaction.atomic():
        kept = list(task_rows(plan_item_id).values_list("pk", flat=True)[:keep])
        PublishedItem.objects.filter(plan_item=plan_item_id).exclude(pk__in=kept).delete()
        rebuild_task_pages([plan_item_id])


def timed_upkeep(spent: list[float]) -> None:
    """Time the page keys' upkeep publish_results calls (this code's or, measuring the code
    before it, rebuild_task_pages) into `spent`."""
    from spotcheck.public import actions

    name = (
        "renumber_task_pages" if hasattr(actions, "renumber_task_pages") else "rebuild_task_pages"
    )
    upkeep = getattr(actions, name)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        upkeep(*args, **kwargs)
        spent.append(time.perf_counter() - started)

    setattr(actions, name, timed)


def publish_again(result_id: int, actor, repeat: int) -> list[float]:
    """Seconds per `publish_results` of the result, set back to 已审核 before each."""
    from django.db import connection

    from spotcheck.lib import results as rules
    from spotcheck.public.actions import publish_results
    from spotcheck.results.models import Result

    seconds = []
    table = Result._meta.db_table
    for _ in range(repeat):
        # bench-only, in SQL: results are otherwise changed by the audited actions alone
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET state = %s WHERE id = %s",  # noqa: S608 - a model's table
                [rules.ReviewState.APPROVED.value, result_id],
            )
        result = Result.objects.get(pk=result_id)
        started = time.perf_counter()
        publish_results(results=[result], actor=actor)
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=int, default=400_000)
    parser.add_argument("--pg-url", help="PostgreSQL database to empty and fill (default SQLite)")
    parser.add_argument("--reuse", type=Path, help="the var directory of an earlier run")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--small", type=int, default=100, help="rows of the small task")
    args = parser.parse_args()
    var_dir = prepare_database(args.pg_url, prefix="spotcheck-taskpages-", reuse=args.reuse)

    import django

    django.setup()
    from django.db import connection

    from spotcheck.accounts.models import Role, User
    from spotcheck.public.models import PublishedItem, TaskPage, rebuild_task_pages, task_rows

    if args.reuse is None:
        built = build_published_results(args.results)
        print(f"{built.results:,} results built in {built.seconds:.0f} s (var: {var_dir})")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    tasks = list(
        PublishedItem.objects.filter(current=True)
        .values_list("plan_item", flat=True)
        .distinct()
        .order_by("plan_item")
    )
    large, small = tasks[0], tasks[-1]
    if PublishedItem.objects.filter(plan_item=small).count() > args.small:
        make_small(small, args.small)
    rebuild_task_pages([large, small])  # as this code keeps them (--reuse: maybe other code's)
    upkeep: list[float] = []
    timed_upkeep(upkeep)
    first = PublishedItem.objects.filter(plan_item=large).select_related("published").first()
    assert first is not None
    actor, _ = User.objects.get_or_create(
        username="bench-publisher",
        defaults={"role": Role.COORDINATOR, "agency_id": first.published.agency_id},
    )
    figures = {}
    for name, task in (("small", small), ("large", large)):
        result_id = newest_single_task_result(task)
        rows = task_rows(task).count()
        publish_again(result_id, actor, 2)  # warm-up (caches, the first audit entries)
        upkeep.clear()
        seconds = publish_again(result_id, actor, args.repeat)
        figures[name] = statistics.median(seconds)
        keys = TaskPage.objects.filter(plan_item=task).count()
        print(
            f"{name:>5} task: {rows:>7,} rows, {keys:>5,} page keys; publishing one result: "
            f"median {figures[name] * 1000:7.1f} ms (min {min(seconds) * 1000:.1f}, "
            f"max {max(seconds) * 1000:.1f}; {args.repeat} times), of which the page keys' "
            f"upkeep {statistics.median(upkeep) * 1000:.1f} ms"
        )
    print(f"large/small: {figures['large'] / figures['small']:.2f}")
    print(f"database: {connection.vendor}; load: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
