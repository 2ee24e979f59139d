#!/usr/bin/env python
"""Bulk data for the statistics benchmark: N results over several years, every row they hang on.

    python bench/statsdata.py [--results N] [--years 2022,2023,2024] [--pg-url URL]

    from bench.bulkdata import prepare_database     # before anything imports Django models
    from bench.statsdata import build_statistics_data
    data = build_statistics_data(1_000_000)

The bundled 2022 plan is imported and published through the real actions once per year (the same
twelve items, the year changed); then, in batches of `bulk_create` and without audit records
(benchmark data, never a way to record results), the rows the statistics read:

- a directory of entities (about one per two and a half results) with a town, a risk level and a
  target type, so coverage by town, type and risk has something to count;
- per year and drawn item an executed `Draw` with its `DrawSelection`s (one in two hundred a
  replacement, with its `DrawReplacement` and reason), per year one `TeamMatching`;
- `Visit`s (one in five covering two items, i.e. a joint visit) with their `VisitItem`s linked
  to the selections, two `TeamMember`s each drawn from the unit's inspectors (one in two hundred
  replaced, with a reason), three in a hundred visits not yet recorded (no result);
- the `Result` (state: mostly published, some approved, pending, returned or not entered) with
  an `ItemResult` per item (categories weighted like a county's: most "未发现问题"), a
  `Measure` for each problem found (責令改正 mostly, four in five closed);
- for published results a `PublishedResult` and its `PublishedItem`s, one `Publication` a day.

Everything is drawn from a seeded generator: the same arguments give the same data.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BATCH = 5000
YEARS = (2022, 2023, 2024)
RESULTS_PER_ENTITY = 2.5
UNITS = (
    ("治安管理大队", 4),
    ("网络安全保卫大队", 3),
    ("城关派出所", 3),
    ("南麻派出所", 2),
    ("悦庄派出所", 2),
    ("东里派出所", 1),
    ("燕崖派出所", 1),
)
INSPECTORS_PER_UNIT = 24
TOWNS = ("南麻街道", "历山街道", "悦庄镇", "东里镇", "南鲁山镇", "中庄镇", "燕崖镇", "西里镇",
         "大张庄镇", "石桥镇", "张家坡镇", "鲁村镇")  # fmt: skip
TARGET_TYPES = ("旅馆业", "易制毒化学品购买单位", "保安服务公司", "危险化学品单位",
                "网络运营者", "互联网服务营业场所")  # fmt: skip
RISK_WEIGHTS = (("low", 45), ("medium_low", 25), ("medium", 18), ("high", 7), ("", 5))
STATE_WEIGHTS = (
    ("published", 86),
    ("approved", 5),
    ("pending", 4),
    ("returned", 2),
    ("not_entered", 3),
)
CATEGORY_WEIGHTS = (
    ("no_problem", 78),
    ("corrected", 9),
    ("pending_follow_up", 3),
    ("not_disclosed", 1),
    ("no_relevant_activity", 4),
    ("closed", 3),
    ("moved_out", 2),
)
PROBLEM_CATEGORIES = frozenset({"corrected", "pending_follow_up", "not_disclosed"})
MEASURE_WEIGHTS = (("correction", 80), ("penalty", 12), ("transfer", 5), ("notify", 3))
REPLACEMENT_REASONS = ("deregistered", "moved_out", "not_of_type")
UNRECORDED_PER_HUNDRED = 3  # visits drawn but not yet recorded, beyond the N results


@dataclass
class StatisticsData:
    """What was built: ids and counts the benchmark checks its figures against."""

    agency_id: int
    plan_ids: list[int]
    results: int
    visits: int
    entities: int
    seconds: float


def _batches(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]], k: int) -> list[str]:
    return rng.choices([v for v, _ in pairs], [w for _, w in pairs], k=k)


def _import_plans(years: Sequence[int]) -> list[Any]:
    from importlib import resources

    from spotcheck.plans.actions import import_plan, publish_plan, read_plan_upload

    data = resources.files("spotcheck.data").joinpath("2022-county-police-plan.txt").read_bytes()
    parsed = read_plan_upload(data=data, filename="plan.txt")
    plans = []
    for year in years:
        this_year = replace(parsed, title=parsed.title.replace("2022", str(year)), year=year)
        plan = import_plan(
            parsed=this_year, actor="bench", source_filename="plan.txt", source_bytes=data
        )
        plans.append(publish_plan(plan=plan, actor="bench"))
    return plans


class Inserter:
    """Plain multi-row INSERTs for one model with explicit primary keys: `bulk_create` spends
    most of its time building model instances and compiling SQL, several times the database's.
    Columns not given get their model default (blank text, `now` for auto timestamps), adapted
    once; given values must already be what the database takes (dates as ISO text)."""

    def __init__(self, model: Any, given: Sequence[str], *, now: datetime) -> None:
        from django.db import connection

        self.model = model
        self.next_pk = (
            model._base_manager.order_by("-pk").values_list("pk", flat=True).first() or 0
        ) + 1
        fields = {f.attname: f for f in model._meta.concrete_fields}
        pk = model._meta.pk.attname
        unknown = set(given) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__}: unknown fields {sorted(unknown)}")
        self.constants: Any = []
        rest = [f for name, f in fields.items() if name not in given and name != pk]
        for column in rest:
            if getattr(column, "auto_now", False) or getattr(column, "auto_now_add", False):
                value: Any = now
            elif column.has_default() or column.null:
                value = column.get_default()
            elif column.get_internal_type() in ("CharField", "TextField"):
                value = ""
            else:
                raise ValueError(f"{model.__name__}.{column.attname} must be given")
            self.constants.append(column.get_db_prep_save(value, connection))
        self.constants = tuple(self.constants)
        quote = connection.ops.quote_name
        names = [pk, *given] + [f.attname for f in rest]
        columns = [quote(fields[name].column) for name in names]
        marks = ", ".join(["%s"] * len(columns))
        table = quote(model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        self.copy = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        self.vendor = connection.vendor

    def take(self, count: int) -> range:
        """Reserve `count` primary keys."""
        pks = range(self.next_pk, self.next_pk + count)
        self.next_pk += count
        return pks

    def insert(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Rows of (pk, *given values)."""
        from django.db import connection

        if not rows:
            return
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":  # COPY: several times executemany's speed
                with cursor.cursor.copy(self.copy) as copy:
                    for row in rows:
                        copy.write_row(row + self.constants)
            else:
                cursor.executemany(self.sql, [row + self.constants for row in rows])


def _reset_sequences(models: Sequence[Any]) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def build_statistics_data(
    count: int,
    *,
    years: Sequence[int] = YEARS,
    seed: int = 13,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> StatisticsData:
    """Write `count` results spread evenly over `years` (see the module docstring).
    `progress(n)` is called after each batch with the number of results written in it."""
    from django.db import connection, transaction
    from django.utils import timezone

    from spotcheck.accounts.orgs import get_or_create_unit
    from spotcheck.draws.expectations import record_bins
    from spotcheck.draws.models import Draw, DrawReplacement, DrawSelection, compress_text
    from spotcheck.inspections.expectations import record_expectations
    from spotcheck.inspections.models import TeamMatching, TeamMember, Visit, VisitItem
    from spotcheck.lib.drawdoc import canonical_strata, population_canonical_text, population_hash
    from spotcheck.lib.matching import DOCUMENT_FORMAT as MATCHING_FORMAT
    from spotcheck.public.models import Publication, PublishedItem, PublishedResult
    from spotcheck.registry.models import Entity, Inspector, TargetType
    from spotcheck.results.models import ItemResult, Measure, Result

    started = time.perf_counter()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # benchmark data: durability is not the point
            cursor.execute("PRAGMA synchronous=OFF")
    rng = random.Random(seed)
    now = timezone.now()
    plans = _import_plans(years)
    agency = plans[0].agency
    units = [get_or_create_unit(agency, name)[0] for name, _ in UNITS]
    unit_weights = [w for _, w in UNITS]
    inspectors = {
        unit.pk: [
            (i.pk, i.certificate_number)
            for i in Inspector.objects.bulk_create(
                Inspector(
                    agency=agency,
                    unit=unit,
                    name=f"检查员{u:02d}{n:03d}",
                    certificate_number=f"BS{u:02d}{n:04d}",
                    certificate_valid_until=date(2030, 12, 31),
                )
                for n in range(INSPECTORS_PER_UNIT)
            )
        ]
        for u, unit in enumerate(units)
    }
    types = [TargetType.objects.get_or_create(name=name)[0].pk for name in TARGET_TYPES]

    # The directory.
    n_entities = max(1, int(count / RESULTS_PER_ENTITY))
    entities = Inserter(
        Entity, ["agency_id", "public_id", "credit_code", "name", "town", "risk_level"], now=now
    )
    type_link = Entity.target_types.through
    typed = Inserter(type_link, ["entity_id", "targettype_id"], now=now)
    entity_pks: list[int] = []
    strata: list[str] = []  # each entity's stratum (its risk level, "unknown" when unrated)
    for part in _batches(n_entities, batch * 4):
        risks = _weighted(rng, RISK_WEIGHTS, len(part))
        pks = entities.take(len(part))
        with transaction.atomic():
            entities.insert(
                [
                    (
                        pk,
                        agency.pk,
                        f"ST{n:08d}",
                        f"91370323{n:09d}X",
                        _entity_name(n),
                        TOWNS[rng.randrange(len(TOWNS))],
                        risk,
                    )  # fmt: skip
                    for pk, n, risk in zip(pks, part, risks, strict=True)
                ]
            )
            typed.insert(
                [
                    (link, pk, types[n % len(types)])
                    for link, pk, n in zip(typed.take(len(part)), pks, part, strict=True)
                ]
            )
        entity_pks.extend(pks)
        strata.extend(risk or "unknown" for risk in risks)

    # Every draw's frozen population: the whole directory by stratum (hashed, compressed once).
    population: dict[str, list[str]] = {}
    for n, stratum in enumerate(strata):
        population.setdefault(stratum, []).append(f"ST{n:08d}")
    population_gz = compress_text(population_canonical_text(population))
    population_digest = population_hash(population)
    population_counts = {stratum: len(ids) for stratum, ids in population.items()}
    canonical = canonical_strata(population)

    writers = Writers(now=now, models=(
        Visit, VisitItem, TeamMember, DrawSelection, DrawReplacement, Result, ItemResult,
        Measure, Publication, PublishedResult, PublishedItem,
    ))  # fmt: skip
    visits_total = 0
    per_year = [
        count // len(years) + (1 if y < count % len(years) else 0) for y in range(len(years))
    ]
    for plan, results_this_year in zip(plans, per_year, strict=True):
        items = [i for i in plan.items.order_by("position") if not i.event_driven]
        draws = {
            item.pk: Draw.objects.create(
                item=item,
                status=Draw.Status.EXECUTED,
                population_date=date(plan.year, 3, 1),
                ratio_percent=item.ratio_percent or 5,
                population_hash=population_digest,
                population_counts=population_counts,
                population_size=n_entities,
                population_gz=population_gz,
                prepared_at=now,
                prepared_by="bench",
                seed=f"bench|{plan.year}|{item.number}",
                seeded_at=now,
                executed_at=now,
                executed_by="bench",
            ).pk
            for item in items
        }
        year = YearState(
            plan=plan,
            items=items,
            draws=draws,
            matching=TeamMatching.objects.create(plan=plan, round=1, seed=f"bench-{plan.year}").pk,
        )
        visits_this_year = results_this_year * (100 + UNRECORDED_PER_HUNDRED) // 100
        for part in _batches(visits_this_year, batch):
            with transaction.atomic():
                written = writers.write(
                    rng=rng,
                    year=year,
                    units=units,
                    unit_weights=unit_weights,
                    inspectors=inspectors,
                    entity_pks=entity_pks,
                    strata=strata,
                    part=part,
                    results_left=results_this_year,
                )
            results_this_year -= written
            visits_total += len(part)
            if progress is not None:
                progress(written)
        # What the draws drew (their allocation), and the year's matching record.
        for draw, allocation in year.allocation.items():
            Draw._base_manager.filter(pk=draw).update(allocation=allocation)
        document = {
            "format": MATCHING_FORMAT,
            "seed": f"bench-{plan.year}",
            "visits": year.matching_visits,
        }
        TeamMatching._base_manager.filter(pk=year.matching).update(document=document)
        year.matching_visits = []
        # the fairness figures, by the functions the real actions call (the record as stored,
        # not parsed back from the database)
        with transaction.atomic():
            match = TeamMatching.objects.defer("document").get(pk=year.matching)
            match.document = document
            record_expectations(match)
            for draw in Draw.objects.filter(pk__in=year.draws.values()):
                record_bins(draw, strata=canonical)
    _reset_sequences(
        [Entity, type_link, Visit, VisitItem, TeamMember, DrawSelection, DrawReplacement,
         Result, ItemResult, Measure, Publication, PublishedResult, PublishedItem]
    )  # fmt: skip
    return StatisticsData(
        agency_id=agency.pk,
        plan_ids=[p.pk for p in plans],
        results=count,
        visits=visits_total,
        entities=n_entities,
        seconds=time.perf_counter() - started,
    )


def _entity_name(n: int) -> str:
    return f"沂源县统计基准{n:07d}有限公司"


@dataclass
class YearState:
    plan: Any
    items: list[Any]
    draws: dict[int, int]  # item pk -> draw pk
    matching: int
    drawn: dict[int, set[int]] = field(default_factory=dict)  # item pk -> entity indexes
    ranks: dict[int, int] = field(default_factory=dict)  # draw pk -> last rank
    replacements: dict[int, int] = field(default_factory=dict)  # draw pk -> last sequence
    publications: dict[date, int] = field(default_factory=dict)
    allocation: dict[int, dict[str, int]] = field(default_factory=dict)  # draw -> stratum -> n
    matching_visits: list[dict[str, Any]] = field(default_factory=list)  # its document's entries


class Writers:
    """The inserters of a batch's tables, kept across batches (they hold the next keys)."""

    def __init__(self, *, now: datetime, models: tuple[Any, ...]) -> None:
        from django.db import connection

        (
            Visit, VisitItem, TeamMember, DrawSelection, DrawReplacement, Result,
            ItemResult, Measure, Publication, PublishedResult, PublishedItem,
        ) = models  # fmt: skip
        self.now = connection.ops.adapt_datetimefield_value(now)
        self.selections = Inserter(
            DrawSelection,
            ["draw_id", "entity_id", "kind", "public_id", "name", "stratum", "rank", "ticket",
             "position"],
            now=now,
        )  # fmt: skip
        self.replacements = Inserter(
            DrawReplacement,
            ["draw_id", "sequence", "original_id", "replacement_id", "reason_code",
             "out_of_scope_since", "reason", "entity_status", "created_at", "created_by"],
            now=now,
        )  # fmt: skip
        self.visits = Inserter(
            Visit,
            ["plan_id", "round", "visit_key", "entity_id", "entity_key", "entity_name",
             "responsible_unit_id", "cooperating_pools", "window_start_month",
             "window_end_month", "planned_start", "planned_end", "ticket", "team_size", "status"],
            now=now,
        )  # fmt: skip
        self.visit_items = Inserter(VisitItem, ["visit_id", "item_id", "selection_id"], now=now)
        self.members = Inserter(
            TeamMember,
            ["matching_id", "visit_id", "inspector_id", "role", "seat", "pool", "ticket",
             "eligibility", "replaced_at", "replaced_reason", "replacement_id"],
            now=now,
        )  # fmt: skip
        self.results = Inserter(
            Result,
            ["visit_id", "state", "revision", "way", "inspected_on", "due_on", "submitted_at",
             "reviewed_at"],
            now=now,
        )  # fmt: skip
        self.item_results = Inserter(
            ItemResult, ["result_id", "visit_item_id", "category"], now=now
        )
        self.measures = Inserter(
            Measure,
            ["item_result_id", "kind", "opened_on", "deadline", "text", "closed_on",
             "closing_text"],
            now=now,
        )  # fmt: skip
        self.publications = Inserter(
            Publication, ["agency_id", "published_at", "published_on", "actor"], now=now
        )
        self.published = Inserter(
            PublishedResult,
            ["publication_id", "result_id", "result_version", "agency_id", "plan_id",
             "entity_key", "entity_name", "inspected_on", "published_on", "due_on", "snapshot",
             "snapshot_sha256"],
            now=now,
        )  # fmt: skip
        self.published_items = Inserter(
            PublishedItem,
            ["published_id", "plan_item_id", "category", "follow_up", "published_on"],
            now=now,
        )

    def write(
        self,
        *,
        rng: random.Random,
        year: YearState,
        units: list[Any],
        unit_weights: list[int],
        inspectors: dict[int, list[tuple[int, str]]],
        entity_pks: list[int],
        strata: list[str],
        part: range,
        results_left: int,
    ) -> int:
        """One batch of visits with everything under them; returns the number of results."""
        plan, items, now = year.plan, year.items, self.now
        n_entities = len(entity_pks)
        for item in items:
            year.drawn.setdefault(item.pk, set())
        for draw in year.draws.values():
            year.ranks.setdefault(draw, 0)
            year.replacements.setdefault(draw, 0)

        specs = []  # (n, entity index, items, unit, inspected_on)
        for n in part:
            first = items[n % len(items)]
            covered = [first] if n % 5 else [first, items[(n + 3) % len(items)]]
            entity = rng.randrange(n_entities)
            while any(entity in year.drawn[item.pk] for item in covered):
                entity = rng.randrange(n_entities)
            for item in covered:
                year.drawn[item.pk].add(entity)
            month = rng.randint(first.window_start_month or 1, first.window_end_month or 12)
            inspected_on = date(plan.year, month, rng.randint(1, 28))
            unit = rng.choices(units, unit_weights)[0]
            specs.append((n, entity, covered, unit, inspected_on))

        # Draw selections, one per visit item; one in two hundred replaced an out-of-scope one.
        selection_rows, replaced_rows, replacement_rows = [], [], []
        selection_pks = iter(self.selections.take(sum(len(s[2]) for s in specs)))
        selection_of: list[int] = []
        for _n, entity, covered, _unit, _day in specs:
            for item in covered:
                draw = year.draws[item.pk]
                year.ranks[draw] += 1
                rank = year.ranks[draw]
                stratum = strata[entity]
                drawn = year.allocation.setdefault(draw, {})
                drawn[stratum] = drawn.get(stratum, 0) + 1
                pk = next(selection_pks)
                selection_of.append(pk)
                replacing = rank % 200 == 0
                selection_rows.append(
                    (pk, draw, entity_pks[entity], "replacement" if replacing else "drawn",
                     f"ST{entity:08d}", _entity_name(entity), stratum, rank, f"0.{rank:012d}", rank)
                )  # fmt: skip
                if replacing:
                    year.replacements[draw] += 1
                    sequence = year.replacements[draw]
                    (original,) = self.selections.take(1)
                    # the replaced target was drawn from the population too (an entity no
                    # visit of the item covers), so it counts in the allocation
                    out = rng.randrange(n_entities)
                    while out in year.drawn[item.pk]:
                        out = rng.randrange(n_entities)
                    year.drawn[item.pk].add(out)
                    drawn[strata[out]] = drawn.get(strata[out], 0) + 1
                    replaced_rows.append(
                        (original, draw, entity_pks[out], "drawn", f"ST{out:08d}",
                         _entity_name(out), strata[out], 10**8 + sequence, "0.0", 10**8 + sequence)
                    )  # fmt: skip
                    (replacement,) = self.replacements.take(1)
                    replacement_rows.append(
                        (replacement, draw, sequence, original, pk,
                         REPLACEMENT_REASONS[sequence % len(REPLACEMENT_REASONS)],
                         date(plan.year, 2, 1).isoformat(), "基准数据", "deregistered", now,
                         "bench")
                    )  # fmt: skip
        self.selections.insert(selection_rows + replaced_rows)
        self.replacements.insert(replacement_rows)

        visit_pks = self.visits.take(len(specs))
        self.visits.insert(
            [
                (pk, plan.pk, 1,
                 f"{plan.year}/ST{entity:08d}/{'+'.join(str(i.number) for i in covered)}/{n}",
                 entity_pks[entity], f"ST{entity:08d}", _entity_name(entity), unit.pk,
                 '["配合单位"]' if len(covered) > 1 and n % 2 else "[]",
                 covered[0].window_start_month or 1, covered[0].window_end_month or 12,
                 day.isoformat(), (day + timedelta(days=14)).isoformat(), f"0.{n:09d}", 2,
                 "matched")
                for pk, (n, entity, covered, unit, day) in zip(visit_pks, specs, strict=True)
            ]
        )  # fmt: skip
        visit_item_rows = []
        selections = iter(selection_of)
        visit_item_pks = iter(self.visit_items.take(len(selection_of)))
        for visit, spec in zip(visit_pks, specs, strict=True):
            for item in spec[2]:
                visit_item_rows.append((next(visit_item_pks), visit, item.pk, next(selections)))
        self.visit_items.insert(visit_item_rows)

        # Two members a visit from the unit's inspectors; one seat in two hundred replaced.
        # The matching record lists who was eligible (the unit's inspectors, now and then one
        # recused), which the fairness statistics compare the seats with.
        member_rows = []
        member_pks = iter(self.members.take(2 * len(specs)))
        for visit, spec in zip(visit_pks, specs, strict=True):
            n, entity, covered, unit, _day = spec
            pool = inspectors[unit.pk]
            recused = pool[rng.randrange(len(pool))] if n % 50 == 0 else None
            eligible = [person for person in pool if person != recused]
            year.matching_visits.append(
                {
                    "visit_id": f"{plan.year}/ST{entity:08d}/"
                    + "+".join(str(i.number) for i in covered)
                    + f"/{n}",
                    "unit": unit.name,
                    "seats": [{"pool": unit.name, "qualification": ""}] * 2,
                    "eligible": {unit.name: [number for _pk, number in eligible]},
                    "excluded": {"recused": 1} if recused else {},
                }
            )
            for seat, (inspector, _number) in enumerate(rng.sample(eligible, 2), start=1):
                pk = next(member_pks)
                role = "leader" if seat == 1 else "member"
                ticket = f"0.{visit}{seat}"
                if pk % 200:
                    member_rows.append(
                        (pk, year.matching, visit, inspector, role, seat, unit.name, ticket,
                         "bench", None, "", None)
                    )  # fmt: skip
                    continue
                (substitute,) = self.members.take(1)
                member_rows.append(
                    (substitute, year.matching, visit, rng.choice(eligible)[0], role,
                     seat, unit.name, ticket + "R", "bench", None, "", None)
                )  # fmt: skip
                member_rows.append(
                    (pk, year.matching, visit, inspector, role, seat, unit.name, ticket, "bench",
                     now, ("因病", "回避", "公务冲突")[pk % 3], substitute)
                )  # fmt: skip
        self.members.insert(member_rows)

        # Results for the year's first visits; the last ones are not recorded yet.
        recorded = max(0, min(len(specs), results_left))
        states = _weighted(rng, STATE_WEIGHTS, recorded)
        result_pks = self.results.take(recorded)
        result_rows = []
        for pk, visit, spec, state in zip(result_pks, visit_pks, specs, states, strict=False):
            entered = state != "not_entered"
            day = spec[4]
            result_rows.append(
                (pk, visit, state, 1, "on_site" if entered else "",
                 day.isoformat() if entered else None,
                 (day + timedelta(days=28)).isoformat() if entered else None,
                 now if state in ("pending", "approved", "published") else None,
                 now if state in ("approved", "published") else None)
            )  # fmt: skip
        self.results.insert(result_rows)

        item_rows = []  # (item result pk, result index, visit item pk, plan item pk, category)
        item_result_pks = iter(self.item_results.take(len(visit_item_rows)))
        position = 0
        for index, spec in enumerate(specs):
            for item in spec[2]:
                if index < recorded and states[index] != "not_entered":
                    category = _weighted(rng, CATEGORY_WEIGHTS, 1)[0]
                    vi = visit_item_rows[position][0]
                    item_rows.append((next(item_result_pks), index, vi, item.pk, category))
                position += 1
        self.item_results.insert(
            [(pk, result_pks[index], vi, category) for pk, index, vi, _item, category in item_rows]
        )
        measure_rows = []
        measure_pks = iter(self.measures.take(len(item_rows)))
        for pk, index, _vi, _item, category in item_rows:
            if category not in PROBLEM_CATEGORIES:
                continue
            opened = specs[index][4]
            closed = opened + timedelta(days=rng.randint(3, 60)) if rng.random() < 0.8 else None
            measure_rows.append(
                (next(measure_pks), pk, _weighted(rng, MEASURE_WEIGHTS, 1)[0], opened.isoformat(),
                 (opened + timedelta(days=30)).isoformat(), "责令限期改正",
                 closed.isoformat() if closed else None, "已整改" if closed else "")
            )  # fmt: skip
        self.measures.insert(measure_rows)

        # Published results: one publication a day, a week after the inspection.
        published = [i for i in range(recorded) if states[i] == "published"]
        new_days = sorted(
            {specs[i][4] + timedelta(days=7) for i in published} - year.publications.keys()
        )
        publication_rows = []
        for pk, day in zip(self.publications.take(len(new_days)), new_days, strict=True):
            year.publications[day] = pk
            publication_rows.append((pk, plan.agency_id, now, day.isoformat(), "bench"))
        self.publications.insert(publication_rows)
        published_pk: dict[int, int] = {}
        published_on: dict[int, str] = {}
        published_rows = []
        snapshot = '{"schema": "bench"}'
        for pk, index in zip(self.published.take(len(published)), published, strict=True):
            published_pk[index] = pk
            n, entity, _covered, _unit, day = specs[index]
            out = day + timedelta(days=7)
            published_on[index] = out.isoformat()
            published_rows.append(
                (pk, year.publications[out], result_pks[index], 1, plan.agency_id, plan.pk,
                 f"ST{entity:08d}", _entity_name(entity), day.isoformat(), out.isoformat(),
                 (day + timedelta(days=28)).isoformat(), snapshot, "0" * 64)
            )  # fmt: skip
        self.published.insert(published_rows)
        published_item_rows = [
            (index, item, category)
            for _pk, index, _vi, item, category in item_rows
            if index in published_pk
        ]
        self.published_items.insert(
            [
                (pk, published_pk[index], item, category, "none", published_on[index])
                for pk, (index, item, category) in zip(
                    self.published_items.take(len(published_item_rows)),
                    published_item_rows,
                    strict=True,
                )
            ]
        )
        return recorded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--years", default=",".join(map(str, YEARS)))
    parser.add_argument("--pg-url", help="PostgreSQL database to empty and fill (default SQLite)")
    args = parser.parse_args()
    from bench.bulkdata import prepare_database

    var_dir = prepare_database(args.pg_url, prefix="spotcheck-statsdata-")

    import django

    django.setup()
    from tqdm import tqdm

    years = [int(y) for y in args.years.split(",")]
    with tqdm(total=args.results, unit="result", desc="检查结果") as bar:
        built = build_statistics_data(args.results, years=years, progress=bar.update)
    print(
        f"{built.results:,} results ({built.visits:,} visits, {built.entities:,} entities, "
        f"years {args.years}) in {built.seconds:.1f} s; "
        f"database: {os.environ['DATABASE_URL']} (var: {var_dir})"
    )


if __name__ == "__main__":
    main()
