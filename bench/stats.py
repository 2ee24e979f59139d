#!/usr/bin/env python
"""Benchmark (not a test): the statistics dashboard's queries against a plain COUNT(*).

    python bench/stats.py [--results N] [--quick] [--pg-url URL] [--repeat R] [--only fairness]
                          [--keep DIR | --reuse DIR [--keep-facts]] [--no-dashboard]

1. Migrates a fresh SQLite database (or empties the PostgreSQL database given with --pg-url)
   and fills it with N results over three years (bench/statsdata.py: the directory, draws with
   their frozen populations, visits, teams and matching records, results, item results,
   measures, publications), then runs ANALYZE as a deployment's autovacuum (PostgreSQL) or
   `PRAGMA optimize` (SQLite) would.
2. Baseline, measured in the same run: `SELECT COUNT(*)` of the results table (best of R).
3. The dashboard (`spotcheck.stats.selectors.dashboard_tables`) for the agency, once for the last
   year and once for all years, best of R each; then one more run section by section, with the
   slowest SQL statements of each and the time spent outside SQL (Python), all as ratios to the
   baseline. Goal: the whole dashboard at most 5 x the count. "In execute()" is the time the
   driver's execute takes; rows fetched afterwards (SQLite computes some results while they are
   fetched) and Python's own work (parsing the matching records and frozen populations the
   fairness tables read) count "outside".

Generating 1,000,000 results takes over twenty minutes per database: `--keep DIR` generates into
DIR (the SQLite file, and for either database what was built, in DIR/built.json) and keeps it;
`--reuse DIR` skips the generation and measures the kept database (SQLite in DIR, or the
PostgreSQL database given with --pg-url, which must be the one the kept run filled), migrating it
and rebuilding the statistics facts first (with `--keep-facts` only when their stored layout is
older than the code's). `--no-dashboard` stops after generating.

Default 1,000,000 results; --quick uses 100,000. The machine may be shared: the load average
is printed.

Latest figures at 1,000,000 results (data generated from aec3381, rebuilt by main of 02:39 UTC: layout
4, 10,360,711 visit facts, 16,823 facts, 4,536 fairness loads, 756 fairness tallies; rebuild
180.5 s on PostgreSQL, 316.0 s on SQLite, loaded machine), measured on a quiet machine
(2026-12-05 02:55-03:00 UTC, load average 0.9-1.3) with `--reuse DIR [--pg-url URL]
--keep-facts --repeat 5`, DEBUG off (as served; DEBUG=1 logs every statement: SQLite all years
10.5 ms = 5.2 x in one such run), whole dashboard, best of 5:
                          PostgreSQL                 SQLite (three runs)
  COUNT(*) baseline       30.68 ms                   2.16 / 2.02 / 2.05 ms
  year 2024               16.8 ms = 0.5 x meets      5.3 / 5.2 / 5.0 ms = 2.5 / 2.6 / 2.4 x meets
  all years               21.4 ms = 0.7 x meets      10.1 / 9.6 / 9.4 ms = 4.7 / 4.8 / 4.6 x meets
  SQLite by section (DEBUG on, one run): year 2024 progress 0.6 x, coverage 0.8 x, findings
  0.3 x, fairness 1.3 x; all years 1.4 x, 1.3 x, 0.7 x, 2.3 x (outside SQL: progress 2.8 ms
  of 2.9 ms, the Python over ~1,800 stored rows; fairness 1.9 ms, a row per inspector).
What did it since the figures below: fairness from stored per-plan totals (FairnessLoad,
FairnessTally) read by four plain statements; progress and findings by plain statements, with
overdue deadlines stored by month; no ORM SQL built per request.

Figures at 1,000,000 results (1,029,998 visits, 400,000 entities; generated once from main with
--keep into /work/bench-data/stats-*), measured with `--reuse DIR [--pg-url URL] --repeat 3` at
647e57d (stored coverage counts, a section's stored counts in one query), both runs at the same
time on the 2-core machine shared by five engineers, load average 17-19 (absolute times are
inflated; ratios within one run):
                          PostgreSQL                 SQLite
  rebuild_facts()         392.1 s                    744.0 s
    (8,359,015 visit facts, 14,939 facts, 667,653 entity checks, 120,341 coverage counts)
  COUNT(*) baseline       158.44 ms                  3.03 ms
  whole dashboard, best of 3:
    year 2024             343.6 ms =  2.2 x meets    520.5 ms = 171.7 x MISSES
    all years             600.2 ms =  3.8 x meets    511.5 ms = 168.7 x MISSES
  section by section, year 2024 (one run):
    progress              114.2 ms =  0.7 x           27.5 ms =   9.1 x
    coverage               63.8 ms =  0.4 x            6.2 ms =   2.0 x
    findings               55.4 ms =  0.3 x            9.2 ms =   3.0 x
    fairness              188.6 ms =  1.2 x          455.9 ms = 150.4 x
  section by section, all years (one run):
    progress              196.5 ms =  1.2 x           55.3 ms =  18.2 x
    coverage               95.0 ms =  0.6 x            7.6 ms =   2.5 x
    findings               86.0 ms =  0.5 x           24.2 ms =   8.0 x
    fairness              221.9 ms =  1.4 x          484.0 ms = 159.7 x

  PostgreSQL meets the goal for the whole dashboard. On SQLite the fairness section misses it
  alone: two statements (the MatchingTally sums and the ExpectedLoad rows per inspector) take
  ~200 ms each at 1,000,000 results against ~25 ms at 100,000, so they grow with the data;
  progress, coverage and findings read stored rows (SQLite's COUNT(*) is a 3 ms b-tree walk,
  so even a few hundred rows through Python are several counts). Coverage reads two aggregate
  queries over the stored coverage counts (stats.coverage): 0.4 x / 2.0 x, against 75 x /
  4,641 x when it joined the 400,000 entities with their yearly checks (previous figures,
  below).

SQLite again after the fairness section's matchings came from an index (04b2153: the
MatchingTally and ExpectedLoad statements had joined TeamMatching row by row, each read walking
past a ~200 MB matching record), `--reuse DIR --repeat 3`, load average 7.8 10.8 14.7:
  rebuild_facts()         177.8 s (10,250,637 visit facts, 16,265 facts, 667,653 entity
                          checks, 120,341 coverage counts)
  COUNT(*) baseline       1.92 ms
  whole dashboard         year 2024: 53.1 ms = 27.7 x; all years: 58.4 ms = 30.4 x (MISSES)
  year 2024, by section   progress 13.2 ms = 6.9 x, coverage 3.6 ms = 1.9 x, findings
                          6.9 ms = 3.6 x, fairness 37.0 ms = 19.3 x (was 455.9 ms = 150.4 x)
  PostgreSQL was not measured again after this change (its figures above are from 647e57d).

Progress, coverage and findings read with plain statements (no ORM SQL built per request),
the deadlines of past months stored whole (`due_month`) and a covering index on the stored
counts (statsecs branch, 0184d2b): each section timed best of 15 in one process on copies of
the 1,000,000-result data (bench-data/stats-*, facts of aec3381 plus the new kind), before at
aec3381 and after, load average 8.9-10.1 (SQLite) and 9.2-10.0 (PostgreSQL):
                          SQLite (COUNT 2.18 / 1.89 ms)   PostgreSQL (COUNT 75.1 / 81.2 ms)
  year 2024   progress    24.98 ms = 11.5 x -> 1.06 ms = 0.6 x     8.94 ms -> 2.03 ms
              coverage     1.45 ms =  0.7 x -> 1.33 ms = 0.7 x    19.92 ms -> 6.77 ms (same code)
              findings     7.21 ms =  3.3 x -> 0.44 ms = 0.2 x     5.28 ms -> 1.30 ms
  all years   progress    34.81 ms = 16.0 x -> 3.10 ms = 1.6 x    42.45 ms -> 5.16 ms
              coverage     2.57 ms =  1.2 x -> 2.39 ms = 1.3 x     7.69 ms -> 14.85 ms (same code)
              findings     7.67 ms =  3.5 x -> 1.28 ms = 0.7 x    19.95 ms -> 3.45 ms
  On PostgreSQL every section is under 0.2 x its count either way.

Fairness section after its plain SQL statements and stored totals (FairnessLoad, FairnessTally,
target_replaced facts; the executed draws from the item and status indexes), same data:
- `--reuse DIR [--pg-url URL] --only fairness --repeat 5` at fbdf4d6 (both runs at once with the
  tests of two engineers, load average 7-10): PostgreSQL COUNT(*) 114.83 ms, fairness (the
  whole `--only fairness` dashboard) 8.4 ms = 0.1 x for 2024, 9.4 ms = 0.1 x for all years.
  SQLite 2.7 ms for 2024 and 40.1 ms for all years against a COUNT(*) of 24.56 ms: the cache
  was cold after the 850 s rebuild on the loaded machine, so that run gives no useful ratio.
- Warm, old and new code on the same database one after the other (a profiling script
  calling `fairness_tables` 10 times, best time, COUNT(*) best of 10 in the same process;
  152cbfb, load average 8.2): SQLite, COUNT(*) 1.75-1.84 ms: 2024 39.1-47.2 ms = 22-26 x
  before (aec3381), 2.3-2.7 ms = 1.3-1.5 x after; all years 52.7-59.0 ms = 30-32 x before,
  3.4-3.9 ms = 1.9-2.2 x after. PostgreSQL, COUNT(*) 88-97 ms: 2024 25.3 ms before, 7.8 ms
  after; all years 24.0 ms before, 10.0 ms after. The tables were identical before and after
  for 2024, all years, a unit and an item on both databases.

Previous figures with the stored counts for progress and findings only (branch statsfacts;
load average 15-25): COUNT(*) 120.3 ms (PG) / 2.5 ms (SQLite); progress, 2024: 43.5 ms = 0.4 x
/ 35.3 ms = 14 x; findings, 2024: 8.0 ms = 0.1 x / 11.6 ms = 4.7 x; coverage, 2024 (per entity):
9,048 ms = 75 x / 11,584 ms = 4,641 x; whole dashboard, 2024, PostgreSQL (fairness parsing the
matching records then): 496.4 s = 1,729 x.

Before the stored counts (same data size, `--repeat 1 --sections year`): COUNT(*) 109.3 ms
(PG) / 15.4 ms (SQLite); dashboard for 2024 189.6 s = 1,735 x (PG), 261.0 s = 16,924 x
(SQLite); progress 20.9 s (PG) / 26.2 s, coverage 9.2 s / 37.8 s, findings 16.3 s / 10.1 s,
fairness 66.0 s / 44.8 s.

Fairness section since its figures are stored when decided (ExpectedLoad, MatchingTally,
DrawBin; `--only fairness --quick --repeat 3`, load average 14-19, generation at nice 10):
                          PostgreSQL                 SQLite
  COUNT(*) baseline       28.5 ms                    0.02 ms
  fairness, year 2024     55.4 ms =  1.9 x           438 ms
  fairness, all years     67.2 ms =  2.4 x           353 ms
  It reads a few thousand stored rows (per matching, unit, item and inspector; per draw,
  stratum and group of its population), a number that grows with the matchings, units, items
  and inspectors, not with the results: the 1,000,000-result data has the same 3 matchings and
  33 draws, so the same rows. A 1,000,000-result run was not completed in the time (the
  machine's load made the generation take over an hour); against the 109.3 ms COUNT(*) above
  the section would be about half the count (an estimate from these figures, not measured).
  The SQLite figures are those of the niced benchmark process itself (SQLite runs in it), the
  PostgreSQL statements run in the server at normal priority; the SQLite COUNT(*) at 100,000
  (0.02 ms) is no useful baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL = 5.0


def best_of(repeat: int, action: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def count_results() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM results_result")
        return int(cursor.fetchone()[0])


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")


def statements_of(action: Callable[[], Any]) -> list[tuple[float, str]]:
    """Every SQL statement `action` runs, with its time in seconds."""
    from django.db import connection

    seen: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.append((time.perf_counter() - start, sql))

    with connection.execute_wrapper(timed):
        action()
    return seen


SECTIONS = ("progress_tables", "coverage_tables", "finding_tables", "fairness_tables")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 results")
    parser.add_argument("--pg-url", help="run on this PostgreSQL database (emptied first)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--statements", type=int, default=4, help="statements shown a section")
    parser.add_argument(
        "--sections",
        choices=["year", "all", "both", "none"],
        default="both",
        help="which scopes get the section-by-section run (it costs one more dashboard each)",
    )
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--keep", type=Path, help="generate into DIR and keep it")
    kept.add_argument("--reuse", type=Path, help="measure the database a --keep run left in DIR")
    parser.add_argument("--no-dashboard", action="store_true", help="only generate the data")
    parser.add_argument(
        "--keep-facts",
        action="store_true",
        help="with --reuse: measure the stored counts as they are when their layout is current "
        "(no rebuild_facts, which takes minutes at 1,000,000)",
    )
    parser.add_argument(
        "--only",
        help="comma-separated sections (progress, coverage, findings, fairness) to run; "
        "default all",
    )
    args = parser.parse_args()
    only = args.only.split(",") if args.only else None
    count = 100_000 if args.quick else args.results

    from bench.bulkdata import prepare_database

    if args.reuse:
        previous = json.loads((args.reuse / "built.json").read_text())
        if previous["pg_url"] != args.pg_url:
            parser.error(f"{args.reuse} holds a run on {previous['pg_url'] or 'SQLite'}")
        var_dir = prepare_database(args.pg_url, reuse=args.reuse)
    elif args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        (args.keep / "built.json").unlink(missing_ok=True)
        (args.keep / "bench.sqlite3").unlink(missing_ok=True)
        var_dir = prepare_database(args.pg_url, fresh_in=args.keep)
    else:
        var_dir = prepare_database(args.pg_url, prefix="spotcheck-bench-stats-")
    try:
        import django

        django.setup()
        from django.db import connection
        from tqdm import tqdm

        from bench.statsdata import StatisticsData, build_statistics_data
        from spotcheck.accounts.models import Agency
        from spotcheck.plans.models import Plan
        from spotcheck.stats import selectors

        print(
            f"spotcheck statistics benchmark: {count:,} results on {connection.vendor}; "
            "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())
        )
        if args.reuse:
            built = StatisticsData(**previous["built"])
            count = built.results
            print(
                f"data kept in {args.reuse}: {built.results:,} results, {built.visits:,} "
                f"visits, {built.entities:,} entities (generated in {built.seconds:.1f} s)"
            )
        else:
            with tqdm(total=count, unit="result", desc="检查结果", file=sys.stderr) as bar:
                built = build_statistics_data(count, progress=bar.update)
            print(
                f"data: {built.results:,} results, {built.visits:,} visits, "
                f"{built.entities:,} entities in {built.seconds:.1f} s"
            )
            if args.keep:
                (args.keep / "built.json").write_text(
                    json.dumps({"pg_url": args.pg_url, "built": asdict(built)})
                )
        # what a deployment runs once after loading data: the stored counts the dashboard reads
        from spotcheck.stats.facts import rebuild_facts
        from spotcheck.stats.layout import facts_are_stale, stored_version

        if args.reuse and args.keep_facts and not facts_are_stale():
            print(f"stored counts kept as they are (layout {stored_version()}, current)")
        else:
            start = time.perf_counter()
            written = rebuild_facts()
            print(
                f"rebuild_facts(): {time.perf_counter() - start:.1f} s ("
                + ", ".join(f"{n:,} {name}" for name, n in written.items())
                + ")"
            )
        start = time.perf_counter()
        analyze()
        print(f"ANALYZE: {time.perf_counter() - start:.1f} s")
        if args.no_dashboard:
            return

        agency = Agency.objects.get(pk=built.agency_id)
        plans = Plan.objects.filter(pk__in=built.plan_ids).order_by("-year")
        last_year = plans.values_list("year", flat=True).first()
        baseline, counted = best_of(max(args.repeat, 5), count_results)
        assert counted == count, f"COUNT(*) = {counted}, expected {count}"
        print(
            f"\nbaseline: SELECT COUNT(*) FROM results_result = {counted:,} in "
            f"{baseline * 1000:.2f} ms (best of {max(args.repeat, 5)})"
        )

        def ratio(seconds: float) -> str:
            return f"{seconds * 1000:10.1f} ms {seconds / baseline:9.1f} x"

        scopes: dict[str, dict[str, Any]] = {
            f"year {last_year}": {"year": last_year},
            "all years": {},
        }
        print(f"\n{'dashboard_tables (whole)':24s} {'time':>13s} {'x count':>11s}")
        for label, filters in scopes.items():
            seconds, tables = best_of(
                args.repeat,
                lambda f=filters: selectors.dashboard_tables(agency=agency, sections=only, **f),
            )
            verdict = "meets" if seconds / baseline <= GOAL else "MISSES"
            print(
                f"{label:24s} {ratio(seconds)}  {verdict} the goal (<= {GOAL:g} x); "
                f"{len(tables)} tables, best of {args.repeat}"
            )

        chosen = {"year": [f"year {last_year}"], "all": ["all years"], "none": []}
        for label, filters in scopes.items():
            if label not in chosen.get(args.sections, list(scopes)):
                continue
            scope = selectors.Scope(agency=agency, **filters)
            print(f"\none more run, {label}, section by section (slowest statements of each):")
            in_sql = 0.0
            for name in SECTIONS:
                section = getattr(selectors, name, None)
                if section is None or (
                    only and not any(selectors.SECTIONS.get(o) is section for o in only)
                ):
                    continue
                start = time.perf_counter()
                statements = statements_of(lambda s=section, c=scope: s(c))
                seconds = time.perf_counter() - start
                sql = sum(t for t, _ in statements)
                in_sql += sql
                print(
                    f"  {name:22s} {ratio(seconds)}  ({len(statements)} statements: "
                    f"{sql * 1000:.1f} ms in execute(), {(seconds - sql) * 1000:.1f} ms outside)"
                )
                for spent, text in sorted(statements, reverse=True)[: args.statements]:
                    print(f"      {ratio(spent)}  {' '.join(text.split())[:100]}")
            print(
                f"  all sections: {in_sql * 1000:.1f} ms in SQL = {in_sql / baseline:.1f} x count"
            )
    finally:
        if not (args.keep or args.reuse):
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
