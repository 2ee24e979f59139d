#!/usr/bin/env python
"""Bulk data for benchmarks: N published results stored exactly as publication stores them.

    python bench/bulkdata.py [--results N] [--pg-url URL]    # fill a fresh database and stop

    from bench.bulkdata import prepare_database, build_published_results
    var_dir = prepare_database(database_url)        # before anything imports Django models
    data = build_published_results(1_000_000)

The bundled 2022 plan is imported and published through the real actions; then, in batches of
`bulk_create` and without audit records (this is benchmark data, never a way to publish), N
results are written with every row publication keeps for one: a `Visit` with its `VisitItem`s,
the approved `Result` with its `ItemResult`s and its `ResultVersion`, and the
`PublishedResult` (public snapshot and SHA-256, masked name and its pinyin initials, credit
code, dates) with its `PublishedItem`s, grouped in one `Publication` per publication day. The
snapshots have the shape `spotcheck.public.actions.public_snapshot` gives and are hashed with
its `snapshot_sha256`, so the portal's integrity check passes on them.

The data look like a county's years of checks: entities with several results each (one per
round), one in ten a sole trader whose published name is masked, most results "未发现问题",
one in five visits covering two items, publication dates rising with the row ids. Everything
is drawn from a seeded generator: the same arguments give the same data.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
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
    from spotcheck.lib.pinyin import substring_keys
    from spotcheck.plans.actions import import_plan, publish_plan, read_plan_upload
    from spotcheck.public.actions import SCHEMA, snapshot_sha256
    from spotcheck.public.models import (
        Publication,
        PublicName,
        PublicNameKey,
        PublishedItem,
        PublishedResult,
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

    # Entities: the registry rows and what is published of each (masked name, its initials).
    n_entities = max(1, -(-count // results_per_entity))
    entity_pks: list[int] = []
    keys: list[str] = []
    public_names: list[str] = []
    initials: list[str] = []
    codes: list[str] = []
    for part in _batches(n_entities, batch):
        rows = []
        for n in part:
            sole = n % 10 == 3
            operator = rng.choice(SURNAMES[:-2]) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
            name = _entity_name(rng, operator, sole_trader=sole)
            code = _credit_code(rng, sole_trader=sole)
            full, short = search_keys(name)
            public = pub.public_entity_name(name, credit_code=code, operators=[operator])
            rows.append(
                Entity(
                    agency=agency,
                    public_id=f"BK{n:07d}",
                    credit_code=code,
                    name=name,
                    legal_representative=operator,
                    pinyin=full,
                    pinyin_initials=short,
                )
            )
            keys.append(f"BK{n:07d}")
            public_names.append(public)
            initials.append(search_keys(public)[1][:200])
            codes.append(code)
        with transaction.atomic():
            entity_pks.extend(e.pk for e in Entity.objects.bulk_create(rows))

    # The index of published names, as publication fills it (PublicName.index).
    pairs = list(dict(zip(public_names, initials, strict=True)).items())
    for part in _batches(len(pairs), batch):
        chunk = pairs[part.start : part.stop]
        with transaction.atomic():
            made = PublicName.objects.bulk_create(PublicName(name=name) for name, _ in chunk)
            # ~25 keys a name: plain executemany, bulk_create's per-object work would dominate
            table, key_column, name_column = map(
                connection.ops.quote_name, (PublicNameKey._meta.db_table, "key", "name_id")
            )
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} ({key_column}, {name_column}) VALUES (%s, %s)",
                    [
                        (key, public_name.pk)
                        for public_name, (name, short) in zip(made, chunk, strict=True)
                        for key in sorted(substring_keys(name, short, length=PublicNameKey.LENGTH))
                    ],
                )

    # One publication batch per publication day.
    now = timezone.now()
    days = sorted(
        {FIRST_PUBLICATION + timedelta(days=n * PUBLICATION_DAYS // count) for n in range(count)}
    )
    publications = {
        day: p
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
    published_items = 0
    for part in _batches(count, batch):
        specs = []
        for n in part:
            e = n % n_entities
            published_on = FIRST_PUBLICATION + timedelta(days=n * PUBLICATION_DAYS // count)
            inspected_on = published_on - timedelta(days=rng.randint(3, 25))
            first = items[n % len(items)]
            covered = [first] if n % 5 else [first, items[(n + 1) % len(items)]]
            specs.append((n, e, published_on, inspected_on, covered))
        with transaction.atomic():
            visits = Visit.objects.bulk_create(
                Visit(
                    plan=plan,
                    round=n // n_entities + 1,
                    visit_key=f"2022/{keys[e]}/{'+'.join(str(i.number) for i in covered)}/{n}",
                    entity_id=entity_pks[e],
                    entity_key=keys[e],
                    entity_name=public_names[e],
                    responsible_unit=unit,
                    window_start_month=1,
                    window_end_month=12,
                    planned_start=inspected_on,
                    planned_end=inspected_on,
                    ticket=f"0.{n:09d}",
                    team_size=2,
                    status=Visit.Status.MATCHED,
                )
                for n, e, _, inspected_on, covered in specs
            )
            visit_items = VisitItem.objects.bulk_create(
                VisitItem(visit=visit, item=item)
                for visit, spec in zip(visits, specs, strict=True)
                for item in spec[4]
            )
            results = Result.objects.bulk_create(
                Result(
                    visit=visit,
                    state=rules.ReviewState.PUBLISHED,
                    revision=3,
                    version=1,
                    way="on_site",
                    inspected_on=inspected_on,
                    due_on=inspected_on + timedelta(days=28),
                    submitted_at=now,
                    reviewed_at=now,
                )
                for visit, (_, _, _, inspected_on, _) in zip(visits, specs, strict=True)
            )
            chosen = iter(rng.choices(categories, weights, k=len(visit_items)))
            item_rows = []  # (result index, visit item, category)
            position = 0
            for index, spec in enumerate(specs):
                for _ in spec[4]:
                    item_rows.append((index, visit_items[position], next(chosen)))
                    position += 1
            ItemResult.objects.bulk_create(
                ItemResult(result=results[index], visit_item=vi, category=category)
                for index, vi, category in item_rows
            )
            by_result: dict[int, list[tuple[Any, str]]] = {}
            for index, vi, category in item_rows:
                by_result.setdefault(index, []).append((vi, category))
            versions = []
            published = []
            for index, (_, e, published_on, inspected_on, _) in enumerate(specs):
                visit = visits[index]
                rows = by_result[index]
                versions.append(
                    ResultVersion(
                        result=results[index],
                        number=1,
                        snapshot={
                            "visit": visit.visit_key,
                            "version": 1,
                            "way": "on_site",
                            "inspected_on": inspected_on.isoformat(),
                            "present": [],
                            "representative": "",
                            "ending": "",
                            "due_on": (inspected_on + timedelta(days=28)).isoformat(),
                            "items": [
                                {
                                    "item": str(vi.item.number),
                                    "name": vi.item.name,
                                    "category": category,
                                    "chosen_category": "",
                                    "findings": [],
                                    "measures": [],
                                }
                                for vi, category in rows
                            ],
                        },
                        approved_by="bench",
                        approved_at=now,
                    )
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
                            "number": str(vi.item.number),
                            "name": vi.item.name,
                            "plan_item": vi.item_id,
                            "check_type": pub.check_type(vi.item.mode),
                            "draw": None,
                            "category": category,
                            "category_label": labels[category],
                            "follow_up": follow_up.value,
                            "follow_up_label": follow_up.label,
                        }
                        for vi, category in rows
                    ],
                }
                if with_names:
                    snapshot["inspectors"] = []
                published.append(
                    PublishedResult(
                        publication=publications[published_on],
                        result=results[index],
                        result_version=1,
                        agency=agency,
                        plan=plan,
                        entity_key=keys[e],
                        entity_name=public_names[e],
                        credit_code=codes[e],
                        name_initials=initials[e],
                        inspected_on=inspected_on,
                        published_on=published_on,
                        due_on=inspected_on + timedelta(days=28),
                        snapshot=snapshot,
                        snapshot_sha256=snapshot_sha256(snapshot),
                    )
                )
            ResultVersion.objects.bulk_create(versions)
            published = PublishedResult.objects.bulk_create(published)
            published_items += len(
                PublishedItem.objects.bulk_create(
                    PublishedItem(
                        published=published[index],
                        plan_item_id=vi.item_id,
                        category=category,
                        follow_up=follow_up.value,
                        published_on=specs[index][2],
                    )
                    for index, vi, category in item_rows
                )
            )
        if progress is not None:
            progress(len(part))
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
