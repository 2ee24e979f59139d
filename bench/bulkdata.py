#!/usr/bin/env python
"""Bulk data for benchmarks: N published results stored exactly as publication stores them.

    python bench/bulkdata.py [--results N] [--pg-url URL]    # fill a fresh database and stop

    from bench.bulkdata import prepare_database, build_published_results
    var_dir = prepare_database(database_url)        # before anything imports Django models
    data = build_published_results(1_000_000)

The bundled 2022 plan is imported and published through the real actions; then, in batches and
without audit records (this is benchmark data, never a way to publish), N results are written
as prepared tuples (no model instances: their bulk_create took most of an hour for 1,000,000),
by COPY on PostgreSQL and executemany on SQLite (no fsync, journal in memory while it loads),
with every row publication keeps for one: a `Visit` with its `VisitItem`s,
the approved `Result` with its `ItemResult`s and its `ResultVersion`, and the
`PublishedResult` (public snapshot and SHA-256, masked name, its pinyin initials and search key, credit
code, dates) with its `PublishedItem`s, grouped in one `Publication` per publication day, and
the tasks' page starts (`TaskPage`). The
snapshots are what `spotcheck.public.actions.public_snapshot` gives and are hashed with its
`snapshot_sha256`, the name index is filled as `PublicName.index` fills it, so the portal's
integrity check passes on them (tests/bench/test_bulkdata.py checks all of this).

The data look like a county's years of checks: entities with several results each (one per
round), one in ten a sole trader whose published name is masked, most results "未发现问题",
one in five visits covering two items, publication dates rising with the row ids. Everything
is drawn from a seeded generator: the same arguments give the same data.
"""

from __future__ import annotations

import argparse
import enum
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BATCH = 5000
RESULTS_PER_ENTITY = 4
FIRST_PUBLICATION = date(2022, 3, 1)
PUBLICATION_DAYS = 640  # publication dates spread over this many days, rising with the row ids

PLACES = ("沂源县", "沂源", "淄博", "淄博市", "山东", "鲁中")
BRAND_CHARS = (
    "悦来鑫达华兴恒通金源福瑞宏盛佳和顺祥泰安康乐新宇博远天成益丰嘉信永利昌隆聚德正大"
    "荣辉光明海润弘毅凯旋东方百川汇通九州锦程万家兴旺如意和美"
)
INDUSTRIES = (
    "宾馆",
    "旅馆",
    "快捷酒店",
    "网络科技有限公司",
    "信息技术有限公司",
    "五金机电有限公司",
    "汽车修理厂",
    "废旧物资回收有限公司",
    "印章刻制有限公司",
    "开锁服务部",
    "典当有限公司",
    "二手车交易市场有限公司",
    "娱乐有限公司",
    "KTV",
    "网吧",
    "物流有限公司",
    "寄递服务部",
    "化工有限公司",
    "加油站",
    "保安服务有限公司",
)
SOLE_TRADES = ("小吃部", "便利店", "旅社", "开锁店", "修理部", "废品收购站")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗欧阳"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
# Most results find nothing; the rest spread over problem and ending categories.
CATEGORY_WEIGHTS = (
    ("no_problem", 80),
    ("corrected", 8),
    ("pending_follow_up", 3),
    ("violates_police_rules", 2),
    ("no_relevant_activity", 3),
    ("unreachable", 2),
    ("closed", 2),
)


def prepare_database(
    database_url: str | None,
    *,
    prefix: str = "spotcheck-bench-",
    reuse: Path | None = None,
    fresh_in: Path | None = None,
) -> Path:
    """A temporary var directory and a freshly migrated database: SQLite in that directory by
    default, or the PostgreSQL database `database_url`, emptied first. With `reuse`, the
    directory a previous run kept, its database (or `database_url`) kept as it is and only
    migrated. With `fresh_in`, a fresh database as without `reuse`, in that directory (kept by
    the caller). Call before Django is set up; sets the environment the bench's Django (and a
    server it starts) reads."""
    var_dir = reuse or fresh_in or Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["SPOTCHECK_VAR_DIR"] = str(var_dir)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{var_dir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "spotcheck.settings"
    os.environ.setdefault("SECRET_KEY", "spotcheck-bench-only-" + "b" * 40)
    if database_url and reuse is None:
        subprocess.run(
            [sys.executable, "-m", "spotcheck.cli", "flush", "--noinput", "-v0"],
            check=False,
            cwd=ROOT,
        )
    subprocess.run(
        [sys.executable, "-m", "spotcheck.cli", "migrate", "--noinput", "-v0"],
        check=True,
        cwd=ROOT,
    )
    return var_dir


@dataclass
class BulkData:
    """What was built, for the benchmarks to pick their requests from."""

    plan_id: int
    results: int
    entities: int
    published_items: int
    item_ids: list[int]
    seconds: float
    entity_keys: list[str] = field(repr=False, default_factory=list)
    names: list[str] = field(repr=False, default_factory=list)  # public names, by entity
    credit_codes: list[str] = field(repr=False, default_factory=list)


def _credit_code(rng: random.Random, *, sole_trader: bool) -> str:
    from spotcheck.lib.codes import credit_check_char

    body = ("92" if sole_trader else "91") + "370323" + "".join(rng.choices("0123456789", k=9))
    return body + credit_check_char(body)


def _entity_name(rng: random.Random, operator: str, *, sole_trader: bool) -> str:
    place = rng.choice(PLACES)
    if sole_trader:
        return f"{place}{operator}{rng.choice(SOLE_TRADES)}"
    brand = "".join(rng.sample(BRAND_CHARS, 2))
    return f"{place}{brand}{rng.choice(INDUSTRIES)}"


def _batches(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


class _Loader:
    """Writes prepared rows the fastest way the database has: COPY on PostgreSQL, executemany
    of tuples on SQLite (its journal in memory and no fsync while the load runs)."""

    def __init__(self, connection: Any, now: Any) -> None:
        self.connection = connection
        self.now = now

    def write(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        quote = self.connection.ops.quote_name
        names = ", ".join(quote(c) for c in columns)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)

    @contextmanager
    def fast(self, models: list[Any]) -> Iterator[None]:
        """The load without what only slows it: the secondary indexes of `models`' tables are
        dropped and made again at the end (one sort each instead of a million random
        inserts); SQLite also runs without fsync, its journal in memory and a large page
        cache (a crash loses the benchmark's data, nothing else), then back to the
        settings' WAL; PostgreSQL skips the foreign-key triggers (the loader writes each
        table after the ones it points to). Nothing of this inside a transaction (a test's):
        SQLite cannot change its journal there, and a test's data are small."""
        if self.connection.in_atomic_block:
            yield
            return
        tables = [m._meta.db_table for m in models]
        sqlite = self.connection.vendor == "sqlite"
        with self.connection.cursor() as cursor:
            if sqlite:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                    f" AND tbl_name IN ({', '.join(['%s'] * len(tables))})",
                    tables,
                )
            else:
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                    " AND tablename = ANY(%s) AND indexname NOT IN"
                    " (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))",
                    [tables],
                )
            indexes = cursor.fetchall()
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {self.connection.ops.quote_name(name)}")
            if sqlite:
                cursor.execute("PRAGMA journal_mode=MEMORY")
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute("PRAGMA cache_size=-500000")  # KiB
            else:
                cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with self.connection.cursor() as cursor:
                if not sqlite:
                    cursor.execute("SET session_replication_role = DEFAULT")
                    cursor.execute("SET maintenance_work_mem = '256MB'")
                for _, sql in indexes:
                    cursor.execute(sql)
                if sqlite:
                    cursor.execute("PRAGMA journal_mode=WAL")
                    cursor.execute("PRAGMA synchronous=NORMAL")
                    cursor.execute("PRAGMA cache_size=-2000")

    def reset_sequences(self, models: list[Any]) -> None:
        """Ids are given here, not by the database: move PostgreSQL's sequences past them."""
        if self.connection.vendor != "postgresql":
            return
        from django.core.management.color import no_style

        with self.connection.cursor() as cursor:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


class _Table:
    """Rows of one model written as prepared tuples, not model instances (whose bulk_create
    cost most of the time): the `varying` columns given per row, DB-ready; every other column
    its field's default (auto_now fields: the load's time) or a value in `constants`, prepared
    for the database once. Ids are given here, from the table's highest id on."""

    def __init__(self, loader: _Loader, model: Any, varying: list[str], **constants: Any) -> None:
        from django.db import models

        self.loader = loader
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        fixed = [name for name in fields if name != "id" and name not in varying]
        values: list[Any] = []
        for name in fixed:
            f = fields[name]
            if name in constants:
                value = constants[name]
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = loader.now
            else:
                value = f.get_default()
            if isinstance(value, enum.Enum):
                value = value.value
            if isinstance(f, models.JSONField):
                value = json.dumps(value)  # as JSONField stores it (no encoder)
            elif value is not None:
                value = f.get_db_prep_save(value, loader.connection)
            values.append(value)
        self.fixed = tuple(values)
        self.columns = [
            "id",
            *(fields[n].column for n in varying),
            *(fields[n].column for n in fixed),
        ]
        self.rows: list[tuple[Any, ...]] = []
        table = loader.connection.ops.quote_name(model._meta.db_table)
        with loader.connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608 - a model's table
            self.next_id = (cursor.fetchone()[0] or 0) + 1

    def add(self, *values: Any) -> int:
        """Queue one row (the varying columns' values, DB-ready); its id."""
        pk = self.next_id
        self.next_id += 1
        self.rows.append((pk, *values, *self.fixed))
        return pk

    def write(self) -> None:
        self.loader.write(self.model._meta.db_table, self.columns, self.rows)
        self.rows = []


def build_published_results(
    count: int,
    *,
    seed: int = 2022,
    results_per_entity: int = RESULTS_PER_ENTITY,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> BulkData:
    """Write `count` published results (see the module docstring). `progress(n)` is called
    after each batch with the number of results written in it."""
    from importlib import resources

    from django.db import connection, transaction
    from django.utils import timezone

    from spotcheck.accounts.orgs import get_or_create_unit
    from spotcheck.inspections.models import Visit, VisitItem
    from spotcheck.lib import publication as pub
    from spotcheck.lib import results as rules
    from spotcheck.lib.pinyin import name_key, substring_keys
    from spotcheck.plans.actions import import_plan, publish_plan, read_plan_upload
    from spotcheck.public.actions import SCHEMA, snapshot_sha256
    from spotcheck.public.models import (
        Publication,
        PublicName,
        PublicNameKey,
        PublishedItem,
        PublishedResult,
        note_public_change,
        rebuild_task_pages,
    )
    from spotcheck.registry.models import Entity
    from spotcheck.registry.rowwork import search_keys
    from spotcheck.results.models import ItemResult, Result, ResultVersion

    started = time.perf_counter()
    rng = random.Random(seed)
    data = resources.files("spotcheck.data").joinpath("2022-county-police-plan.txt").read_bytes()
    parsed = read_plan_upload(data=data, filename="plan.txt")
    plan = import_plan(parsed=parsed, actor="bench", source_filename="plan.txt", source_bytes=data)
    plan = publish_plan(plan=plan, actor="bench")
    agency = plan.agency
    unit, _ = get_or_create_unit(agency, "治安大队")
    items = list(plan.items.order_by("position"))
    with_names = agency.publish_inspector_names
    now = timezone.now()
    loader = _Loader(connection, now)
    day = {}  # date -> its ISO text, as a DateField is stored

    def iso(value: date) -> str:
        text = day.get(value)
        if text is None:
            text = day[value] = value.isoformat()
        return text

    # Entities: the registry rows and what is published of each (masked name, its initials).
    n_entities = max(1, -(-count // results_per_entity))
    entity_pks: list[int] = []
    keys: list[str] = []
    registry_names: list[str] = []  # as drawn: what a visit keeps
    public_names: list[str] = []
    initials: list[str] = []
    codes: list[str] = []
    entities = _Table(
        loader,
        Entity,
        ["public_id", "credit_code", "name", "legal_representative", "pinyin", "pinyin_initials"]
        + ["name_key"],
        agency_id=agency.pk,
    )
    loaded = [
        Entity,
        PublicName,
        PublicNameKey,
        Visit,
        VisitItem,
        Result,
        ItemResult,
        ResultVersion,
        PublishedResult,
        PublishedItem,
    ]
    with loader.fast(loaded):
        for part in _batches(n_entities, batch):
            for n in part:
                sole = n % 10 == 3
                operator = rng.choice(SURNAMES[:-2]) + "".join(
                    rng.choices(GIVEN, k=rng.randint(1, 2))
                )
                name = _entity_name(rng, operator, sole_trader=sole)
                code = _credit_code(rng, sole_trader=sole)
                full, short = search_keys(name)
                public = pub.public_entity_name(name, credit_code=code, operators=[operator])
                key = f"BK{n:07d}"
                entity_pks.append(
                    entities.add(key, code, name, operator, full, short, name_key(name)[:400])
                )
                keys.append(key)
                registry_names.append(name)
                public_names.append(public)
                initials.append(search_keys(public)[1][:200])
                codes.append(code)
            with transaction.atomic():
                entities.write()

        # The index of published names, as publication fills it (PublicName.index).
        names_table = _Table(loader, PublicName, ["name"])
        name_keys = _Table(loader, PublicNameKey, ["key", "name_id"])
        pairs = list(dict(zip(public_names, initials, strict=True)).items())
        for part in _batches(len(pairs), batch):
            for name, short in pairs[part.start : part.stop]:
                name_id = names_table.add(name)
                for key in sorted(substring_keys(name, short, length=PublicNameKey.LENGTH)):
                    name_keys.add(key, name_id)
            with transaction.atomic():
                names_table.write()
                name_keys.write()

        # One publication batch per publication day.
        days = sorted(
            {
                FIRST_PUBLICATION + timedelta(days=n * PUBLICATION_DAYS // count)
                for n in range(count)
            }
        )
        publications = {
            day: p.pk
            for day, p in zip(
                days,
                Publication.objects.bulk_create(
                    Publication(agency=agency, published_at=now, published_on=day, actor="bench")
                    for day in days
                ),
                strict=True,
            )
        }

        categories = [code for code, _ in CATEGORY_WEIGHTS]
        weights = [w for _, w in CATEGORY_WEIGHTS]
        labels = {c.code: c.label for c in rules.CATEGORIES}
        follow_up = pub.follow_up_state([])
        plan_json = {"id": plan.pk, "year": plan.year, "title": plan.title}
        public_item = {  # the public part of each item, as public_snapshot gives it
            i.pk: {
                "number": str(i.number),
                "name": i.name,
                "plan_item": i.pk,
                "check_type": pub.check_type(i.mode),
                "draw": None,
            }
            for i in items
        }
        visits = _Table(
            loader,
            Visit,
            ["round", "visit_key", "entity_id", "entity_key", "entity_name"]
            + ["planned_start", "planned_end", "ticket"],
            plan_id=plan.pk,
            responsible_unit_id=unit.pk,
            window_start_month=1,
            window_end_month=12,
            team_size=2,
            status=Visit.Status.MATCHED,
        )
        visit_items = _Table(loader, VisitItem, ["visit_id", "item_id"])
        results = _Table(
            loader,
            Result,
            ["visit_id", "inspected_on", "due_on"],
            state=rules.ReviewState.PUBLISHED,
            revision=3,
            version=1,
            way="on_site",
            submitted_at=now,
            reviewed_at=now,
        )
        item_results = _Table(loader, ItemResult, ["result_id", "visit_item_id", "category"])
        versions = _Table(
            loader,
            ResultVersion,
            ["result_id", "snapshot"],
            number=1,
            approved_by="bench",
            approved_at=now,
        )
        published = _Table(
            loader,
            PublishedResult,
            ["publication_id", "result_id", "entity_key", "entity_name", "credit_code"]
            + ["name_initials", "name_key", "inspected_on", "published_on", "due_on"]
            + ["snapshot", "snapshot_sha256"],
            result_version=1,
            agency_id=agency.pk,
            plan_id=plan.pk,
        )
        published_item_rows = _Table(
            loader,
            PublishedItem,
            ["published_id", "plan_item_id", "category", "published_on"],
            follow_up=follow_up.value,
            current=True,
        )
        published_items = 0
        for part in _batches(count, batch):
            chosen = iter(rng.choices(categories, weights, k=len(part) + len(part) // 5 + 1))
            for n in part:
                e = n % n_entities
                published_on = FIRST_PUBLICATION + timedelta(days=n * PUBLICATION_DAYS // count)
                inspected_on = published_on - timedelta(days=rng.randint(3, 25))
                due_on = inspected_on + timedelta(days=28)
                first = items[n % len(items)]
                covered = [first] if n % 5 else [first, items[(n + 1) % len(items)]]
                rows = [(item, next(chosen)) for item in covered]
                visit_key = f"2022/{keys[e]}/{'+'.join(str(i.number) for i in covered)}/{n}"
                visit_id = visits.add(
                    n // n_entities + 1,
                    visit_key,
                    entity_pks[e],
                    keys[e],
                    registry_names[e],
                    iso(inspected_on),
                    iso(inspected_on),
                    f"0.{n:09d}",
                )
                result_id = results.add(visit_id, iso(inspected_on), iso(due_on))
                for item, category in rows:
                    visit_item_id = visit_items.add(visit_id, item.pk)
                    item_results.add(result_id, visit_item_id, category)
                versions.add(
                    result_id,
                    json.dumps(
                        {
                            "visit": visit_key,
                            "version": 1,
                            "way": "on_site",
                            "inspected_on": inspected_on.isoformat(),
                            "present": [],
                            "representative": "",
                            "ending": "",
                            "due_on": due_on.isoformat(),
                            "items": [
                                {
                                    "item": str(item.number),
                                    "name": item.name,
                                    "category": category,
                                    "chosen_category": "",
                                    "findings": [],
                                    "measures": [],
                                }
                                for item, category in rows
                            ],
                        }
                    ),
                )
                snapshot: dict[str, Any] = {
                    "schema": SCHEMA,
                    "version": 1,
                    "entity": {"key": keys[e], "name": public_names[e], "credit_code": codes[e]},
                    "agency": agency.name,
                    "cooperating_agencies": [],
                    "plan": plan_json,
                    "inspected_on": inspected_on.isoformat(),
                    "items": [
                        {
                            **public_item[item.pk],
                            "category": category,
                            "category_label": labels[category],
                            "follow_up": follow_up.value,
                            "follow_up_label": follow_up.label,
                        }
                        for item, category in rows
                    ],
                }
                if with_names:
                    snapshot["inspectors"] = []
                published_id = published.add(
                    publications[published_on],
                    result_id,
                    keys[e],
                    public_names[e],
                    codes[e],
                    initials[e],
                    name_key(public_names[e])[:400],
                    iso(inspected_on),
                    iso(published_on),
                    iso(due_on),
                    json.dumps(snapshot),
                    snapshot_sha256(snapshot),
                )
                for item, category in rows:
                    published_item_rows.add(published_id, item.pk, category, iso(published_on))
                    published_items += 1
            with transaction.atomic():
                for table in (
                    visits,
                    visit_items,
                    results,
                    item_results,
                    versions,
                    published,
                    published_item_rows,
                ):
                    table.write()
            if progress is not None:
                progress(len(part))
    loader.reset_sequences(loaded)
    note_public_change(plan.year)  # as every publication does (the open data's version)
    rebuild_task_pages(i.pk for i in items)  # as every publication does
    return BulkData(
        plan_id=plan.pk,
        results=count,
        entities=n_entities,
        published_items=published_items,
        item_ids=[i.pk for i in items],
        seconds=time.perf_counter() - started,
        entity_keys=keys,
        names=public_names,
        credit_codes=codes,
    )


def read_published_results() -> BulkData:
    """What `build_published_results` returned, read back from a database it filled."""
    from spotcheck.plans.models import Plan
    from spotcheck.public.models import PublishedItem, PublishedResult

    started = time.perf_counter()
    first = PublishedResult.objects.filter(entity_key__startswith="BK").order_by("pk").first()
    if first is None:
        raise SystemExit("no published results made by bench/bulkdata.py in this database")
    plan = Plan.objects.get(pk=first.plan_id)
    entities = dict(
        PublishedResult.objects.filter(plan=plan)
        .values_list("entity_key", "entity_name")
        .distinct()
        .order_by("entity_key")
    )
    codes = dict(
        PublishedResult.objects.filter(plan=plan)
        .values_list("entity_key", "credit_code")
        .distinct()
        .order_by("entity_key")
    )
    return BulkData(
        plan_id=plan.pk,
        results=PublishedResult.objects.filter(plan=plan).count(),
        entities=len(entities),
        published_items=PublishedItem.objects.filter(published__plan=plan).count(),
        item_ids=list(plan.items.order_by("position").values_list("pk", flat=True)),
        seconds=time.perf_counter() - started,
        entity_keys=list(entities),
        names=list(entities.values()),
        credit_codes=[codes[key] for key in entities],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=int, default=50_000)
    parser.add_argument("--pg-url", help="PostgreSQL database to empty and fill (default SQLite)")
    args = parser.parse_args()
    var_dir = prepare_database(args.pg_url, prefix="spotcheck-bulkdata-")

    import django

    django.setup()
    from tqdm import tqdm

    with tqdm(total=args.results, unit="result", desc="公示结果") as bar:
        built = build_published_results(args.results, progress=bar.update)
    print(
        f"{built.results:,} published results ({built.published_items:,} items, "
        f"{built.entities:,} entities) in {built.seconds:.1f} s; "
        f"database: {os.environ['DATABASE_URL']} (var: {var_dir})"
    )


if __name__ == "__main__":
    main()
