#!/usr/bin/env python
"""Benchmark (not a test): building a year's open-data files, in time and peak memory.

    python bench/opendata.py [--results N] [--pg-url URL] [--reuse DIR]

1. Fills a fresh SQLite database (or empties and fills the PostgreSQL database --pg-url) with
   N published results of the bundled 2022 plan (bench/bulkdata.py); --reuse DIR reuses the
   var directory (and database) of an earlier run instead.
2. Baseline, measured in the same run: reading the same records with `.values_list` (the
   columns the results file is built from, snapshots included, and their approved versions'
   snapshots), iterated in chunks and dropped -- the floor for reading the rows at all.
3. The old way, for comparison: every row of the year in a list, then each file encoded in
   memory (`spotcheck.lib.opendata.encode`), as the per-request build did.
4. `build_year` (what `spotcheck build-open-data` runs): rows streamed to disk, constant memory.

Each step's wall time and its peak of Python allocations (tracemalloc, which slows every step
alike) are printed, with ratios to the baseline. Default N = 100,000.

Figures measured (SQLite, the 2-core machine shared by several engineers, load average 10-18,
so absolute times are inflated; the ratios are taken within one run):

                                  5,000 results       20,000 results      100,000 results
  baseline: values_list, chunked   2.2 s   8.1 MiB     6.8 s   8.1 MiB    53.6 s    8.1 MiB
  old: rows in a list, encoded    15.8 s  25.2 MiB    74.1 s  99.4 MiB   291.9 s  495.6 MiB
  build_year: streamed to disk    15.5 s  20.3 MiB    76.5 s  20.4 MiB   235.2 s   20.5 MiB
  streamed / old (time, memory)   0.99 x  0.81 x      1.03 x  0.21 x      0.81 x   0.041 x

The streamed build's peak stays at about 20 MiB (one chunk of 2,000 records with their
snapshots) whatever the year's size, while the old way's grows with it (about 5 MiB per 1,000
records; 121.7 MiB of files at 100,000). Building takes 4-11 x merely reading the rows:
building each row (the integrity check of its snapshot, the masked display, the encodings)
costs more than reading it.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

YEAR = 2022


def measure(action: Callable[[], Any]) -> tuple[float, int, Any]:
    """(seconds, peak bytes allocated by Python during the action, result)."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--pg-url", help="PostgreSQL database to empty and fill (default SQLite)")
    parser.add_argument("--reuse", type=Path, help="var directory of an earlier run to reuse")
    args = parser.parse_args()

    from bench.bulkdata import build_published_results, prepare_database, read_published_results

    var_dir = prepare_database(args.pg_url, prefix="spotcheck-bench-opendata-", reuse=args.reuse)
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.db import connection

    from spotcheck.lib import opendata as spec
    from spotcheck.public import opendata
    from spotcheck.public.selectors import published_results
    from spotcheck.results.models import ResultVersion

    if args.reuse:
        data = read_published_results()
    else:
        from tqdm import tqdm

        with tqdm(total=args.results, unit="result", desc="公示结果") as bar:
            data = build_published_results(args.results, progress=bar.update)
    print(
        f"{data.results:,} published results ({data.published_items:,} items) on "
        f"{connection.vendor}; var: {var_dir}; load average {os.getloadavg()[0]:.1f}"
    )

    def baseline() -> int:
        records = published_results().filter(plan__year=YEAR).order_by("published_on", "pk")
        count = 0
        columns = ("pk", "result_id", "result_version", "entity_name", "snapshot")
        ids: list[int] = []
        for row in records.values_list(*columns).iterator(chunk_size=opendata.CHUNK):
            ids.append(row[1])
            count += 1
            if len(ids) == opendata.CHUNK:
                list(ResultVersion.objects.filter(result_id__in=ids).values_list("snapshot"))
                ids.clear()
        if ids:
            list(ResultVersion.objects.filter(result_id__in=ids).values_list("snapshot"))
        return count

    def in_memory() -> int:
        size = 0
        for name, rows in opendata.BUILDERS.items():
            everything = list(rows(YEAR))
            for fmt in spec.FORMATS:
                content, _ = spec.encode(spec.DATASETS[name], YEAR, everything, fmt)
                size += len(content)
        return size

    def streamed() -> opendata.Manifest:
        return opendata.build_year(YEAR, force=True)

    base_s, base_peak, count = measure(baseline)
    old_s, old_peak, old_size = measure(in_memory)
    new_s, new_peak, manifest = measure(streamed)
    new_size = sum(info["bytes"] for info in manifest.files.values())
    mib = 1024 * 1024
    print(
        f"records read: {count:,}; files: {new_size / mib:.1f} MiB (in memory: {old_size / mib:.1f} MiB)"
    )
    print(f"{'':34}{'time':>10}{'x base':>9}{'peak MiB':>11}{'x base':>9}")
    for label, seconds, peak in (
        ("baseline: values_list, chunked", base_s, base_peak),
        ("old: rows in a list, encoded", old_s, old_peak),
        ("build_year: streamed to disk", new_s, new_peak),
    ):
        print(
            f"{label:34}{seconds:>9.1f}s{seconds / base_s:>8.1f}x"
            f"{peak / mib:>11.1f}{peak / base_peak:>8.1f}x"
        )
    print(f"streamed / old: time {new_s / old_s:.2f}x, peak memory {new_peak / old_peak:.3f}x")


if __name__ == "__main__":
    main()
