#!/usr/bin/env python
"""Benchmark (not a test): record and approve results for N visits through the actions.

    python bench/results.py [--visits N] [--quick] [--pg-url URL]

1. Migrates a fresh SQLite database (or the PostgreSQL database given with --pg-url, which it
   empties) in a temporary directory, imports and publishes the bundled 2022 plan and creates N
   visits of items 11 and 12 (13 + 5 checkpoints) with a matched team of two, in bulk.
2. Baseline, measured in the same run: the same content written for each visit with bare ORM
   inserts (a Result, its two ItemResults, 18 CheckpointFindings in one bulk insert, a state
   update) -- no validation, no locking, no audit. This is the floor for the writes themselves.
3. For the first N/10 visits, then for all the others: `save_draft` with every checkpoint
   filled in, `submit_result` and `approve_result` (each one transaction, validated, locked and
   audited), as the unit leader. Prints queries per visit for each action and in total (they
   must not grow with the number of visits: both sizes are shown) and the time per visit, as a
   ratio to the baseline. Of that, the statistics upkeep (`stats.facts.refresh_visits`, called
   by every change of a result): its queries and its share of the actions' time.

Default 10,000 visits; --quick uses 500. Figures before and after the cheaper recount
(82 -> 19 upkeep queries per visit; about 60 % -> 10 % of the actions' time on SQLite):
docs/statistics.md, "维护成本 (upkeep)".
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def prepare_environment(database_url: str | None) -> Path:
    var_dir = Path(tempfile.mkdtemp(prefix="spotcheck-bench-results-"))
    os.environ["SPOTCHECK_VAR_DIR"] = str(var_dir)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{var_dir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "spotcheck.settings"
    os.environ.setdefault("SECRET_KEY", "spotcheck-bench-only-" + "b" * 40)
    if database_url:
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


def build_visits(count: int):
    """N matched visits of items 11 and 12, and the unit leader who records and reviews."""
    from importlib import resources

    from spotcheck.accounts.models import Role, User
    from spotcheck.accounts.orgs import get_or_create_unit
    from spotcheck.inspections.models import TeamMatching, TeamMember, Visit, VisitItem
    from spotcheck.plans.actions import import_plan, publish_plan, read_plan_upload
    from spotcheck.registry.models import Entity, Inspector

    data = resources.files("spotcheck.data").joinpath("2022-county-police-plan.txt").read_bytes()
    parsed = read_plan_upload(data=data, filename="plan.txt")
    plan = import_plan(parsed=parsed, actor="bench", source_filename="plan.txt", source_bytes=data)
    plan = publish_plan(plan=plan, actor="bench")
    agency = plan.agency
    unit, _ = get_or_create_unit(agency, "治安大队")
    leader = User.objects.create_user(
        "bench-leader", password="bench-password-1", role=Role.UNIT_LEADER, agency=agency, unit=unit
    )
    items = [plan.items.get(number=11), plan.items.get(number=12)]
    entities = Entity.objects.bulk_create(
        Entity(agency=agency, public_id=f"B{n:06d}", name=f"沂源县基准{n:06d}网络科技有限公司")
        for n in range(count)
    )
    inspectors = [
        Inspector.objects.create(
            agency=agency,
            unit=unit,
            name=name,
            certificate_number=f"B{i:04d}",
            certificate_valid_until=date(2030, 1, 1),
        )
        for i, name in enumerate(("王一", "李二"))
    ]
    visits = Visit.objects.bulk_create(
        Visit(
            plan=plan,
            round=1,
            visit_key=f"2022/{entity.public_id}/11+12",
            entity=entity,
            entity_key=entity.public_id,
            entity_name=entity.name,
            responsible_unit=unit,
            window_start_month=1,
            window_end_month=12,
            planned_start=date(2022, 9, 1),
            planned_end=date(2022, 10, 31),
            ticket=f"0.{n:06d}",
            team_size=2,
            status=Visit.Status.MATCHED,
        )
        for n, entity in enumerate(entities)
    )
    visits = list(Visit.objects.filter(plan=plan).order_by("pk"))
    VisitItem.objects.bulk_create(
        VisitItem(visit=visit, item=item) for visit in visits for item in items
    )
    matching = TeamMatching.objects.create(plan=plan, round=1, seed="1" * 20)
    TeamMember.objects.bulk_create(
        TeamMember(
            matching=matching,
            visit=visit,
            inspector=inspector,
            role=TeamMember.Role.LEADER if seat == 1 else TeamMember.Role.MEMBER,
            seat=seat,
            pool="治安大队",
            ticket=f"0.{visit.pk}{seat}",
            eligibility="bench",
        )
        for visit in visits
        for seat, inspector in enumerate(inspectors, start=1)
    )
    return visits, leader


def content_for(visit, checkpoints: dict[int, int]):
    from spotcheck.results.actions import FindingInput, ItemInput, ResultInput

    members = tuple(
        visit.members.order_by("seat").values_list("pk", flat=True)
    )  # read outside the timing
    return ResultInput(
        way="on_site",
        inspected_on=date(2022, 9, 30),
        present=members,
        representative="负责人",
        items=tuple(
            ItemInput(
                visit_item_id=visit_item_id,
                findings=tuple(
                    FindingInput(number=n, finding="checked") for n in range(1, count + 1)
                ),
            )
            for visit_item_id, count in checkpoints.items()
        ),
    )


def baseline(visits, checkpoints_of) -> float:
    """Bare ORM writes of the same content (seconds for all visits), rolled back afterwards."""
    from django.db import transaction

    from spotcheck.results.models import CheckpointFinding, ItemResult, Result

    class Rollback(Exception):
        pass

    spent = 0.0
    try:
        with transaction.atomic():
            for visit in visits:
                checkpoints = checkpoints_of[visit.pk]
                start = time.perf_counter()
                result = Result.objects.create(
                    visit=visit, way="on_site", inspected_on=date(2022, 9, 30)
                )
                rows = [
                    ItemResult.objects.create(
                        result=result, visit_item_id=vi, category="no_problem"
                    )
                    for vi in checkpoints
                ]
                CheckpointFinding.objects.bulk_create(
                    CheckpointFinding(item_result=row, number=n, text="", finding="checked")
                    for row, count in zip(rows, checkpoints.values(), strict=True)
                    for n in range(1, count + 1)
                )
                result.state = "approved"
                result.save(update_fields=["state"])
                spent += time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return spent


def run_actions(visits, leader, checkpoints_of) -> dict[str, float]:
    from django.db import connection

    from spotcheck.results import actions
    from spotcheck.stats import facts

    counts = {"save_draft": 0, "submit_result": 0, "approve_result": 0}
    current = ["save_draft"]
    # the statistics upkeep inside the actions (stats.facts.refresh_visits): its queries and time
    # (the actions call it directly or, in a batch, through stats.facts at the batch's end)
    upkeep = {"queries": 0, "seconds": 0.0, "inside": False}
    refresh = facts.refresh_visits

    def timed_refresh(visit_ids):
        upkeep["inside"] = True
        start = time.perf_counter()
        try:
            return refresh(visit_ids)
        finally:
            upkeep["seconds"] += time.perf_counter() - start
            upkeep["inside"] = False

    def count(execute, sql, params, many, context):
        counts[current[0]] += 1
        if upkeep["inside"]:
            upkeep["queries"] += 1
        return execute(sql, params, many, context)

    actions.refresh_visits = facts.refresh_visits = timed_refresh

    contents = {visit.pk: content_for(visit, checkpoints_of[visit.pk]) for visit in visits}
    spent = 0.0
    with connection.execute_wrapper(count):
        for visit in visits:
            start = time.perf_counter()
            current[0] = "save_draft"
            result = actions.save_draft(
                visit=visit, content=contents[visit.pk], revision=0, actor=leader
            )
            current[0] = "submit_result"
            actions.submit_result(result=result, actor=leader)
            current[0] = "approve_result"
            actions.approve_result(result=result, actor=leader)
            spent += time.perf_counter() - start
    actions.refresh_visits = facts.refresh_visits = refresh
    per_visit = {name: value / len(visits) for name, value in counts.items()}
    per_visit["total"] = sum(counts.values()) / len(visits)
    per_visit["seconds"] = spent
    per_visit["upkeep_queries"] = upkeep["queries"] / len(visits)
    per_visit["upkeep_seconds"] = upkeep["seconds"]
    return per_visit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="500 visits")
    parser.add_argument("--pg-url", help="run on this PostgreSQL database (emptied first)")
    args = parser.parse_args()
    count = 500 if args.quick else args.visits
    var_dir = prepare_environment(args.pg_url)
    try:
        import django

        django.setup()
        from django.db import connection

        from spotcheck.inspections.models import VisitItem
        from spotcheck.results.actions import checkpoint_texts

        print(
            f"spotcheck results benchmark: {count:,} visits of items 11 and 12 "
            f"(13 + 5 checkpoints) on {connection.vendor}; load average "
            + " ".join(f"{x:.1f}" for x in os.getloadavg())
        )
        start = time.perf_counter()
        visits, leader = build_visits(count)
        print(f"setup: {count:,} visits with teams in {time.perf_counter() - start:.1f} s")
        checkpoints_of: dict[int, dict[int, int]] = {}
        for visit_item in VisitItem.objects.select_related("item").order_by("pk"):
            checkpoints_of.setdefault(visit_item.visit_id, {})[visit_item.pk] = len(
                checkpoint_texts(visit_item)
            )
        base = baseline(visits, checkpoints_of) / count
        print(f"baseline (bare inserts of the same content): {base * 1000:.2f} ms per visit")
        small = max(count // 10, 1)
        print(
            f"{'visits':>8} {'draft':>7} {'submit':>7} {'approve':>8} {'queries':>8}"
            f" {'ms/visit':>9} {'x baseline':>11}"
        )
        done = 0
        for size in (small, count - small):
            stats = run_actions(visits[done : done + size], leader, checkpoints_of)
            done += size
            ms = stats["seconds"] / size * 1000
            print(
                f"{size:>8,} {stats['save_draft']:>7.1f} {stats['submit_result']:>7.1f}"
                f" {stats['approve_result']:>8.1f} {stats['total']:>8.1f}"
                f" {ms:>9.2f} {ms / (base * 1000):>11.1f}"
            )
            upkeep_ms = stats["upkeep_seconds"] / size * 1000
            print(
                f"{'':>8} of which the statistics upkeep (stats.facts.refresh_visits): "
                f"{stats['upkeep_queries']:.1f} queries, {upkeep_ms:.2f} ms per visit = "
                f"{stats['upkeep_seconds'] / stats['seconds']:.0%} of the actions' time"
            )
        print(
            f"(second row: visits {small + 1:,}-{count:,}, recorded with {small:,} already stored)"
        )
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
