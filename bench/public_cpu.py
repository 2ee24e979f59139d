#!/usr/bin/env python
"""Benchmark (not a test): the public pages' cost per request, in one process, without a server.

    python bench/public_cpu.py --reuse DIR [--pg-url URL] [--requests R] [--profile PAGE]

Reads data made by bench/bulkdata.py (`--reuse` as in bench/public_load.py: the directory, and
--pg-url for PostgreSQL; migrated first), draws the URLs bench/public_load.py draws (same seed)
and asks for each with Django's test client, the page cache off (every answer is the view's
own work, as public_load.py's "cold" phases). Prints per page the process CPU time and the wall
time per request (p50, p90), and the ratio of each page's CPU p50 to /healthz's. CPU time does
not move with the machine's other load, so the figures compare across runs on a busy machine;
on PostgreSQL the process CPU leaves out the database server's own work: where the server
runs on this machine, "db CPU" is its backend process's CPU time per request (from /proc, the
page's total divided by its requests; the wall time has it too).
`--profile PAGE` prints cProfile's top functions of that page ("task cold", "task by number"...).
(45 of them; the environment variable PSTATS_N sets another number).
`--unkept-chrome` times each page a second way in the same run, its requests alternating in
blocks between the two: with the templates' kept chrome unmarked (spotcheck.public.chrome:
rendered on every page, as before it was kept), printed as "PAGE, chrome unkept".
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bulkdata import prepare_database, read_published_results  # noqa: E402

PAGES = ("baseline", "search cold", "entity cold", "task cold", "task by number")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", type=Path, required=True, metavar="DIR")
    parser.add_argument("--pg-url", help="the PostgreSQL database the data is in")
    parser.add_argument("--requests", type=int, default=300, help="requests a page (300)")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--profile", metavar="PAGE", help="cProfile one page")
    parser.add_argument(
        "--unkept-chrome", action="store_true", help="also each page with the chrome unkept"
    )
    args = parser.parse_args()
    prepare_database(args.pg_url, reuse=args.reuse)
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from bench.public_load import url_lists
    from spotcheck.public.chrome import unkept_templates_setting

    data = read_published_results()
    lists = url_lists(data, args.requests, args.seed)
    caches = {
        **settings.CACHES,
        "public": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    client = Client()
    with override_settings(CACHES=caches, ALLOWED_HOSTS=["testserver"]):
        for url in lists["baseline"][:20] + lists["task cold"][:20]:  # warm up
            client.get(url)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for url in lists[args.profile]:
                client.get(url)
            profiler.disable()
            pstats.Stats(profiler).sort_stats(
                os.environ.get("PROFILE_SORT", "cumulative")
            ).print_stats(int(os.environ.get("PSTATS_N", "45")))
            return
        print(
            f"{data.results:,} published results; {args.requests} requests a page; "
            f"test client, no page cache\n"
            f"{'page':<28}{'CPU p50 ms':>11}{'CPU p90':>9}{'wall p50':>10}{'wall p90':>10}"
            f"{'CPU/base':>10}{'db CPU':>8}"
        )
        backend_cpu = _backend_cpu_reader()
        ways: dict[str, Callable[[], AbstractContextManager[object]]] = {"": nullcontext}
        if args.unkept_chrome:
            ways[", chrome unkept"] = lambda: override_settings(
                TEMPLATES=unkept_templates_setting()
            )
        base = None
        for page in PAGES:
            urls = lists[page]
            block = max(1, len(urls) // 4)
            times: dict[str, tuple[list[float], list[float]]] = {way: ([], []) for way in ways}
            db_cpu = {way: 0.0 for way in ways}
            for start in range(0, len(urls), block):
                for way, settings_of_way in ways.items():
                    cpu, wall = times[way]
                    with settings_of_way():
                        client.get(urls[start])  # the templates of this way loaded
                        db0 = backend_cpu()
                        for url in urls[start : start + block]:
                            c0, w0 = time.process_time(), time.perf_counter()
                            response = client.get(url)
                            cpu.append((time.process_time() - c0) * 1000)
                            wall.append((time.perf_counter() - w0) * 1000)
                            assert response.status_code == 200, (url, response.status_code)
                        db_cpu[way] += backend_cpu() - db0
            for way, (cpu, wall) in times.items():
                deciles = statistics.quantiles(cpu, n=10)
                wall_deciles = statistics.quantiles(wall, n=10)
                p50 = statistics.median(cpu)
                base = base or p50
                print(
                    f"{page + way:<28}{p50:>11.2f}{deciles[-1]:>9.2f}"
                    f"{statistics.median(wall):>10.2f}{wall_deciles[-1]:>10.2f}{p50 / base:>9.1f}x"
                    f"{db_cpu[way] / len(cpu):>8.2f}"
                )


def _backend_cpu_reader() -> Callable[[], float]:
    """The CPU milliseconds this connection's database server process has used so far, read
    from /proc where it runs on this machine (PostgreSQL: one process a connection); a reader
    of 0 elsewhere (SQLite runs inside this process: its work is in the process CPU)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return lambda: 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    if not stat.exists():  # a server on another machine
        return lambda: float("nan")
    ticks = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / ticks  # utime, stime

    return read


if __name__ == "__main__":
    main()
