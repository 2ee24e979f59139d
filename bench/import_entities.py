#!/usr/bin/env python
"""Benchmark (not a test): the entity import against a bare insert of the same rows.

    python bench/import_entities.py [--rows N] [--quick] [--pg-url URL] [--no-pg]

1. Generates N plausible entity rows (valid credit codes, the demo county's towns and target
   types, a risk and status mix; unique names) and streams them to a temporary UTF-8 CSV.
2. Measures the limit in the same run: the same rows, as the import would store them (search
   keys included, computed outside the timing), inserted into the `registry_entity` table of a
   freshly migrated database (same columns and indexes): SQLite with `executemany` in one
   transaction, PostgreSQL (when reachable) with `COPY` (timed until the server has stored
   each chunk, then the commit).
3. Runs the real import (`registry.actions.import_entities`: streaming, validation, staging,
   duplicate and agency checks, insert, target types, batch and audit entry) into another
   freshly migrated database, in a subprocess, and reports rows/s, the ratio to the limit
   (target <= 2.0) and the subprocess's peak RSS; then the same for a file a tenth the size,
   to show that peak memory does not grow with the file.
4. Times a few directory reads on the imported database (indexed filters, a pinyin search).

Default 1,000,000 rows; --quick uses 50,000.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AGENCY = "沂源县公安局"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"


# ---------------------------------------------------------------------------------------------
# Rows


def generate_rows(count: int, seed: int = 2022):
    """Yield (csv_row, stored) pairs: the file's cells and the values the import stores."""
    from spotcheck.lib import demo
    from spotcheck.lib.codes import CREDIT_CODE_ALPHABET, make_credit_code
    from spotcheck.lib.directory import OPERATING_STATUS_LABELS, RISK_LEVEL_LABELS

    rng = random.Random(seed)
    kinds = [name for name, _ in demo.PRIMARY_MIX_PER_600]
    weights = [weight for _, weight in demo.PRIMARY_MIX_PER_600]
    risks = list(RISK_LEVEL_LABELS.items())
    statuses = [(s, OPERATING_STATUS_LABELS[s], w) for s, w in demo._STATUS_WEIGHTS]
    brands = demo._BRANDS
    suffix = {
        demo.HOTELS: "宾馆",
        demo.PRECURSORS: "化工有限公司",
        demo.SECURITY: "保安服务有限公司",
        demo.PHARMA: "医药有限公司",
        demo.INTERNET: "网络科技有限公司",
        demo.EVENTS: "文化传媒有限公司",
        demo.FIREWORKS: "庆典礼仪服务有限公司",
        demo.NOISE: "建筑工程有限公司",
    }
    alphabet = CREDIT_CODE_ALPHABET
    base = date(2024, 3, 1)
    for index in range(count):
        kind = rng.choices(kinds, weights)[0]
        extra = demo.INTERNET if kind != demo.INTERNET else demo.HOTELS
        types = [kind] if rng.random() > 0.05 else [kind, extra]
        # Unique without digits (as real names are): town, trade name and two characters are
        # a mixed-radix spelling of the row index (12 x 80 x 44 x 44 > 1.8 million names).
        town = demo.TOWNS[index % 12]
        brand = brands[(index // 12) % len(brands)]
        given = demo._GIVEN_CHARS
        pair = (
            given[(index // 960) % len(given)] + given[(index // (960 * len(given))) % len(given)]
        )
        name = f"沂源县{town}{brand}{pair}{suffix[kind]}"
        number, body = index, ""
        for _ in range(6):
            number, digit = divmod(number, 31)
            body = alphabet[digit] + body
        code = make_credit_code("9", "1", demo.COUNTY_DIVISION, "MA" + body)
        risk, risk_label = rng.choices(risks, (70, 20, 8, 2))[0]
        status, status_label, _ = rng.choices(statuses, [w for *_, w in statuses])[0]
        assessed = base - timedelta(days=rng.randrange(30, 400))
        licence = f"沂公特旅字〔2020〕第{index + 1:07d}号" if kind == demo.HOTELS else ""
        valid_until = base + timedelta(days=rng.randrange(100, 1800)) if licence else None
        address = f"沂源县{town}{rng.choice(demo._ROADS)}{rng.randrange(1, 999)}号"
        person = rng.choice(demo._SURNAMES) + rng.choice(demo._GIVEN_CHARS) * rng.choice((1, 2))
        phone = "1" + rng.choice("3578") + f"{rng.randrange(10**9):09d}"
        tags = ["重点监管"] if risk in ("medium", "high") else []
        cells = [
            name,
            code,
            "",
            "、".join(types),
            town,
            address,
            person,
            phone,
            risk_label,
            assessed.isoformat(),
            "年度信用风险分类结果",
            status_label,
            licence,
            valid_until.isoformat() if valid_until else "",
            "、".join(tags),
        ]
        stored = {
            "public_id": code,
            "name": name,
            "town": town,
            "address": address,
            "legal_representative": person,
            "contact": phone,
            "risk_level": risk,
            "risk_set_on": assessed,
            "risk_reason": "年度信用风险分类结果",
            "status": status.value,
            "licence_number": licence,
            "licence_valid_until": valid_until,
            "tags": tags,
        }
        yield cells, stored


def write_csv_file(path: Path, count: int) -> None:
    from spotcheck.lib.directory import ENTITY_COLUMNS

    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([spec.label for spec in ENTITY_COLUMNS])
        for cells, _ in generate_rows(count):
            writer.writerow(cells)


# ---------------------------------------------------------------------------------------------
# Databases


def django_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        SPOTCHECK_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="spotcheck.settings",
        PYTHONPATH=str(ROOT),
    )
    # Settings refuse to start without a key unless DEBUG is on (which would slow the run).
    env.setdefault("SECRET_KEY", "spotcheck-bench-only-" + "b" * 40)
    return env


def migrate(database_url: str, var_dir: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "spotcheck.cli", "migrate", "--noinput", "-v0"],
        env=django_env(database_url, var_dir),
        check=True,
        cwd=ROOT,
    )


class Postgres:
    def __init__(self, url: str) -> None:
        import psycopg

        self.psycopg = psycopg
        self.admin_url = url
        self.name = f"spotcheck_bench_{os.getpid()}"

    @classmethod
    def reachable(cls, url: str) -> bool:
        try:
            import psycopg

            with psycopg.connect(url, connect_timeout=3):
                return True
        except Exception:
            return False

    def url(self) -> str:
        base = self.admin_url.rsplit("/", 1)[0]
        return f"{base}/{self.name}"

    def recreate(self) -> None:
        self.drop()
        with self.psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with self.psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


COLUMNS = [
    "agency_id",
    "public_id",
    "code_kind",
    "credit_code",
    "name",
    "town",
    "address",
    "legal_representative",
    "contact",
    "risk_level",
    "risk_set_on",
    "risk_reason",
    "status",
    "licence_number",
    "licence_valid_until",
    "tags",
    "pinyin",
    "pinyin_initials",
    "name_key",
    "created_at",
    "updated_at",
]


def baseline_tuples(count: int, chunk: int = 20_000):
    """The stored rows, in chunks, with the search keys the import computes."""
    from spotcheck.lib.pinyin import name_key
    from spotcheck.registry.search import search_keys

    now = "2024-03-01 00:00:00"
    rows = []
    for _, stored in generate_rows(count):
        full, initials = search_keys(stored["name"])
        rows.append(
            (
                1,
                stored["public_id"],
                "credit_code",
                stored["public_id"],
                stored["name"],
                stored["town"],
                stored["address"],
                stored["legal_representative"],
                stored["contact"],
                stored["risk_level"],
                stored["risk_set_on"].isoformat(),
                stored["risk_reason"],
                stored["status"],
                stored["licence_number"],
                stored["licence_valid_until"].isoformat()
                if stored["licence_valid_until"]
                else None,
                json.dumps(stored["tags"], ensure_ascii=False),
                full,
                initials,
                name_key(stored["name"]),
                now,
                now,
            )
        )
        if len(rows) == chunk:
            yield rows
            rows = []
    if rows:
        yield rows


def baseline_sqlite(path: Path, var_dir: Path, count: int) -> float:
    """Seconds spent in executemany (and the commit) inserting the rows."""
    import sqlite3

    migrate(f"sqlite:///{path}", var_dir)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "INSERT INTO accounts_agency (id, name, short_name, division_code, created_at) VALUES (1, ?, '', '', '2024-03-01')",
        (AGENCY,),
    )
    conn.commit()
    sql = f"INSERT INTO registry_entity ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    spent = 0.0
    conn.execute("BEGIN")
    for rows in baseline_tuples(count):
        start = time.perf_counter()
        conn.executemany(sql, rows)
        spent += time.perf_counter() - start
    start = time.perf_counter()
    conn.commit()
    spent += time.perf_counter() - start
    conn.close()
    return spent


def baseline_postgres(pg: Postgres, var_dir: Path, count: int) -> float:
    """Seconds spent loading the rows with COPY (one COPY per chunk, each timed until the
    server has stored the whole chunk) and the commit. The rows of a chunk are made before
    its timing starts: timing only the `write_row` calls would leave out the server's work,
    which goes on behind a full socket buffer while the next rows are made."""
    pg.recreate()
    migrate(pg.url(), var_dir)
    sql = f"COPY registry_entity ({', '.join(COLUMNS)}) FROM STDIN"
    with pg.psycopg.connect(pg.url()) as conn:
        conn.execute(
            "INSERT INTO accounts_agency (id, name, short_name, division_code, created_at) "
            "VALUES (1, %s, '', '', now())",
            (AGENCY,),
        )
        conn.commit()
        spent = 0.0
        with conn.cursor() as cursor:
            for rows in baseline_tuples(count):
                start = time.perf_counter()
                with cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                spent += time.perf_counter() - start
        start = time.perf_counter()
        conn.commit()
        spent += time.perf_counter() - start
    return spent


# ---------------------------------------------------------------------------------------------
# The real import, in a subprocess (fresh process: its peak RSS is the import's)


def run_import(database_url: str, var_dir: Path, csv_path: Path, workers: str) -> dict:
    migrate(database_url, var_dir)
    env = django_env(database_url, var_dir)
    env["SPOTCHECK_IMPORT_WORKERS"] = workers
    result = subprocess.run(
        [sys.executable, __file__, "--driver", str(csv_path)],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def driver(csv_path: str) -> None:
    import django

    django.setup()
    from django.db import connection

    from spotcheck.registry import imports
    from spotcheck.registry.actions import import_entities
    from spotcheck.registry.models import Entity, TargetType
    from spotcheck.registry.search import search_query

    start = time.perf_counter()
    report = import_entities(
        source=Path(csv_path), filename=Path(csv_path).name, agency_name=AGENCY, actor="bench"
    )
    elapsed = time.perf_counter() - start
    assert report.written and report.ok, report.errors[:5]
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    worker_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    reads = {}
    hotels = TargetType.objects.get(name="宾馆旅店")
    entities = Entity.objects.all()
    cases = {
        "first page, no filter": lambda: list(entities.order_by("name")[:51]),
        "count, town + status": lambda: entities.filter(town="鲁村镇", status="active").count(),
        "page, town + status": lambda: list(entities.filter(town="鲁村镇", status="active")[:51]),
        "page, target type + risk": lambda: list(
            entities.filter(target_types=hotels, risk_level="high")[:51]
        ),
        "count, target type": lambda: entities.filter(target_types=hotels).count(),
        "page, credit code prefix": lambda: list(
            entities.filter(search_query("91370323MA0001"))[:51]
        ),
        "page, pinyin initials 'ylbg'": lambda: list(entities.filter(search_query("ylbg"))[:51]),
        "page, name part (scan)": lambda: list(entities.filter(search_query("悦来伟芳"))[:51]),
    }
    for label, query in cases.items():
        start_query = time.perf_counter()
        query()
        reads[label] = round((time.perf_counter() - start_query) * 1000, 1)
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "rows": report.rows,
                "created": report.created,
                "peak_rss_mib": peak_kib / 1024,
                "worker_peak_rss_mib": worker_kib / 1024,
                "workers": imports.import_workers(report.rows + 1),
                "reads_ms": reads,
            }
        )
    )


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 rows")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--driver", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver:
        driver(args.driver)
        return
    rows = 50_000 if args.quick else args.rows
    small = max(rows // 10, 1000)
    work = Path(tempfile.mkdtemp(prefix="spotcheck-bench-"))
    try:
        print(f"spotcheck entity import benchmark: {rows:,} rows (memory check also at {small:,})")
        start = time.perf_counter()
        big_csv, small_csv = work / "entities.csv", work / "entities-small.csv"
        write_csv_file(big_csv, rows)
        write_csv_file(small_csv, small)
        size = big_csv.stat().st_size / 2**20
        print(f"generated {big_csv.name}: {size:,.0f} MiB in {time.perf_counter() - start:.0f} s")

        targets = [("SQLite", None)]
        if not args.no_pg and Postgres.reachable(args.pg_url):
            targets.append(("PostgreSQL", Postgres(args.pg_url)))
        else:
            print("PostgreSQL not reachable: SQLite only")
        cpus = os.cpu_count() or 1
        workers = min(cpus, 4)
        modes = [("serial", "0")] + (
            [(f"{workers} worker processes", str(workers))] if cpus > 1 else []
        )
        for label, pg in targets:
            var_dir = work / label
            var_dir.mkdir()
            load = os.getloadavg()[0]
            if pg is None:
                limit = baseline_sqlite(var_dir / "baseline.sqlite3", var_dir, rows)
                method = "executemany"
            else:
                limit = baseline_postgres(pg, var_dir, rows)
                method = "COPY"

            def fresh_url(name: str, pg=pg, var_dir=var_dir) -> str:
                if pg is None:
                    return f"sqlite:///{var_dir / (name + '.sqlite3')}"
                pg.recreate()
                return pg.url()

            results = {}
            for mode, workers in modes:
                results[mode] = run_import(
                    fresh_url(f"import-{workers}"), var_dir, big_csv, workers
                )
            little = run_import(fresh_url("small"), var_dir, small_csv, "0")
            if pg is not None:
                pg.drop()
            print(f"\n== {label} (load average at start {load:.1f} on {cpus} CPUs)")
            print(f"bare {method} of the same rows:   {rows / limit:>9,.0f} rows/s ({limit:.1f} s)")
            for mode, result in results.items():
                seconds = result["seconds"]
                print(
                    f"import, {mode + ':':<22}{rows / seconds:>9,.0f} rows/s ({seconds:.1f} s)"
                    f"  ratio {seconds / limit:.2f} (target <= 2.0)"
                )
            serial = results["serial"]
            print(
                f"peak RSS of the importing process (serial): {serial['peak_rss_mib']:.0f} MiB at "
                f"{rows:,} rows, {little['peak_rss_mib']:.0f} MiB at {small:,} rows"
            )
            for mode, result in results.items():
                if result["workers"] > 1:
                    print(
                        f"  with {mode}: importing process {result['peak_rss_mib']:.0f} MiB, "
                        f"largest worker {result['worker_peak_rss_mib']:.0f} MiB"
                    )
            print(
                "reads on the imported directory (ms): "
                + json.dumps(serial["reads_ms"], ensure_ascii=False)
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
