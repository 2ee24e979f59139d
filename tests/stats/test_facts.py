"""The stored counts (spotcheck.stats.facts) stay equal to a recount from the rows after every
kind of action: each step below runs one through the real actions, then compares what the
actions kept with what `rebuild_facts` computes from scratch. An action that forgot to refresh
leaves the stored counts behind and the comparison names the rows that differ."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from spotcheck.draws.actions import active_selections, replace_target
from spotcheck.draws.models import Draw
from spotcheck.inspections.actions import cancel_event, register_event
from spotcheck.public.actions import withdraw_published
from spotcheck.public.models import PublishedResult
from spotcheck.registry.actions import import_entities, set_entity_risk, update_entity
from spotcheck.registry.exports import export_entities
from spotcheck.registry.models import Entity, TargetType
from spotcheck.results import actions
from spotcheck.results.models import Result
from spotcheck.stats import coverage
from spotcheck.stats.facts import batched_refresh, rebuild_facts, refresh_visits
from spotcheck.stats.models import CoverageCount, EntityCheck, Fact, VisitFact
from tests.registry.helpers import ENTITY_HEADER, column, county_rows, csv_bytes
from tests.stats.conftest import INSPECTED, content

pytestmark = pytest.mark.django_db


def stored() -> dict[str, object]:
    return {
        "facts": {
            (f.plan_id, f.kind, f.items, f.key): (f.n, f.total)
            for f in Fact.objects.exclude(n=0, total=0)
        },
        "checks": set(EntityCheck.objects.values_list("entity_id", "year", "last_on")),
        "coverage": {
            tuple(row[:-1]): row[-1]
            for row in CoverageCount.objects.exclude(n=0).values_list(*coverage.KEY_COLUMNS, "n")
        },
    }


def differences(before: dict, after: dict) -> list[str]:
    lines = []
    for key in sorted(before["facts"].keys() | after["facts"].keys(), key=str):
        kept, recounted = before["facts"].get(key), after["facts"].get(key)
        if kept != recounted:
            lines.append(f"{key}: kept {kept}, recounted {recounted}")
    lines += [f"check kept, not recounted: {c}" for c in before["checks"] - after["checks"]]
    lines += [f"check recounted, not kept: {c}" for c in after["checks"] - before["checks"]]
    for key in sorted(before["coverage"].keys() | after["coverage"].keys(), key=str):
        kept, recounted = before["coverage"].get(key), after["coverage"].get(key)
        if kept != recounted:
            lines.append(f"coverage {key}: kept {kept}, recounted {recounted}")
    return lines


def assert_current(step: str) -> None:
    kept = stored()
    rebuild_facts()
    problems = differences(kept, stored())
    assert not problems, f"after {step}: " + "; ".join(problems[:10])


def test_stored_counts_follow_every_kind_of_action(demo, coordinator):
    # the demo round: visits built, teams matched and replaced, drafts saved, measures added
    # and closed, results submitted, approved and published
    assert Fact.objects.filter(kind="state").exists()
    assert_current("the demo round")
    results = {r.visit_id: r for r in Result.objects.filter(visit__in=demo.visits)}

    pending = next(r for r in results.values() if r.state == "pending")
    leader = demo.leaders[pending.visit.responsible_unit_id]
    actions.return_result(result=pending, opinion="补充照片", actor=leader)
    assert_current("return")

    approved = next(r for r in results.values() if r.state == "approved" and r.ending)
    leader = demo.leaders[approved.visit.responsible_unit_id]
    later = INSPECTED + timedelta(days=40)
    actions.amend_result(
        result=approved,
        reason="检查日期填错",
        content=content(approved.visit, ending=approved.ending, day=later),
        actor=leader,
    )
    assert_current("amend")
    amended = Result.objects.get(pk=approved.pk)
    actions.approve_result(result=amended, actor=leader)
    assert_current("approve after amending")

    published = PublishedResult.objects.filter(result__visit__in=demo.visits).first()
    leader = demo.leaders[published.result.visit.responsible_unit_id]
    withdraw_published(published=published, reason="内容有误", actor=leader)
    assert_current("withdraw a publication")

    not_entered = next(v for v in demo.visits if v.pk not in results)
    leader = demo.leaders[not_entered.responsible_unit_id]
    actions.save_draft(visit=not_entered, content=content(not_entered), revision=0, actor=leader)
    assert_current("first draft")

    entity = next(v.entity for v in demo.visits if v.pk in results and v.entity is not None)
    update_entity(entity=entity, actor=coordinator, values={"town": "新设街道"})
    assert_current("entity moved to another town")

    event_item = demo.plan.items.filter(event_driven=True).order_by("number").first()
    assert event_item is not None
    event = register_event(
        item=event_item,
        organiser="某某文化传媒有限公司",
        place="体育馆",
        date=date(demo.plan.year, event_item.window_start_month or 7, 10),
        scale="3000人",
        actor=coordinator,
    )
    assert_current("event registered")
    cancel_event(event=event, reason="登记错误", actor=coordinator)
    assert_current("event cancelled")

    actions.refresh_deadlines(actor=coordinator)
    assert_current("deadlines recomputed")


def deadlines_by_month(kind: str) -> Counter:
    totals: Counter = Counter()
    for plan, items, key, n in Fact.objects.filter(kind=kind).values_list(
        "plan_id", "items", "key", "n"
    ):
        totals[plan, items, key[:7]] += n
    return +totals


def test_deadline_months_are_the_sums_of_their_days(demo, coordinator):
    # stored once by day ("due") and once by month ("due_month"): the progress tables read
    # past months whole; both kept by the actions, both equal to a recount
    unpublished = Counter(
        f"{r.due_on:%Y-%m}"
        for r in Result.objects.filter(visit__recheck_of__isnull=True, due_on__isnull=False)
        if r.state != "published"
    )
    assert unpublished and deadlines_by_month("due_month") == deadlines_by_month("due")
    months: Counter = Counter()
    for (_plan, _items, month), n in deadlines_by_month("due_month").items():
        months[month] += n
    assert months == unpublished
    published = PublishedResult.objects.filter(result__visit__in=demo.visits).first()
    leader = demo.leaders[published.result.visit.responsible_unit_id]
    withdraw_published(published=published, reason="内容有误", actor=leader)
    actions.refresh_deadlines(actor=coordinator)
    assert deadlines_by_month("due_month") == deadlines_by_month("due")
    assert_current("a publication withdrawn, deadlines recomputed")


def test_coverage_counts_follow_every_change_of_an_entity(demo, coordinator):
    assert CoverageCount.objects.exists()
    assert_current("the demo round")
    checked = list(
        Entity.objects.filter(pk__in=EntityCheck.objects.values("entity_id")).order_by("pk")
    )
    assert len(checked) >= 3
    first, second, third = checked[:3]
    update_entity(entity=first, actor=coordinator, values={"status": "deregistered"})
    assert_current("entity closed")
    update_entity(entity=first, actor=coordinator, values={"status": "active"})
    assert_current("entity reopened")
    update_entity(entity=second, actor=coordinator, values={"risk_level": "high"})
    assert_current("risk level edited")
    set_entity_risk(
        entity=third, level="low", reason="检查未发现问题", source="检查结果", actor=coordinator
    )
    assert_current("risk level set from a result")
    other_type = TargetType.objects.exclude(entities=second).order_by("pk").first()
    update_entity(entity=second, actor=coordinator, values={"target_types": [other_type]})
    assert_current("target type changed")
    update_entity(entity=third, actor=coordinator, values={"target_types": []})
    assert_current("target types removed")

    # an import: existing entities moved (town, status, risk level, type) and new ones created
    police = demo.plan.agency
    exported = io.BytesIO()
    export_entities(exported, "csv", Entity.objects.filter(agency=police))
    header, *rows = list(csv.reader(io.StringIO(exported.getvalue().decode("utf-8-sig"))))
    assert header == ENTITY_HEADER
    by_name = {row[column("名称")]: row for row in rows}
    moved = [by_name[e.name] for e in checked[3:7]]
    moved[0][column("乡镇街道")] = "新设街道"
    moved[1][column("经营状态")] = "注销"
    moved[2][column("风险等级")] = "高"
    moved[3][column("检查对象类型")] = other_type.name
    names = set(by_name)
    fresh = [r for r in county_rows(40, seed=97) if r[column("名称")] not in names][:5]
    assert fresh
    report = import_entities(
        source=csv_bytes(ENTITY_HEADER, moved + fresh),
        filename="entities.csv",
        agency_name=police.name,
        actor=coordinator,
    )
    assert report.written and report.created == len(fresh), report.errors
    assert report.updated == len(moved)
    assert_current("import")


def test_the_coverage_comparison_sees_an_entity_changed_past_the_actions(demo):
    entity = Entity.objects.filter(pk__in=EntityCheck.objects.values("entity_id")).first()
    # the risk level: only coverage counts the current one (findings, the one at the draw)
    level = "high" if entity.risk_level != "high" else "low"
    Entity.objects.filter(pk=entity.pk).update(risk_level=level)  # no action: nothing counted
    kept = stored()
    rebuild_facts()
    assert any(line.startswith("coverage") for line in differences(kept, stored()))
    # and what the actions do: take the entity out, change it, count it again
    with coverage.moving([entity.pk]):
        Entity.objects.filter(pk=entity.pk).update(risk_level=entity.risk_level)
    kept = stored()
    rebuild_facts()
    assert not differences(kept, stored())


def test_the_comparison_sees_a_change_no_action_recounted(demo):
    result = Result.objects.filter(visit__in=demo.visits, state="approved").first()
    result.state = "pending"
    result.save(update_fields=["state"])  # no action: nothing refreshed
    kept = stored()
    rebuild_facts()
    assert differences(kept, stored())
    # and refreshing the visit is what an action does
    result.state = "approved"
    result.save(update_fields=["state"])
    refresh_visits([result.visit_id])
    kept = stored()
    rebuild_facts()
    assert not differences(kept, stored())


def test_rebuild_command_reports_what_it_wrote(demo):
    VisitFact.objects.all().delete()
    Fact.objects.all().delete()
    out = StringIO()
    call_command("stats_rebuild", no_progress=True, stdout=out)
    assert "统计汇总已重建" in out.getvalue()
    assert Fact.objects.filter(kind="state").exists()
    assert VisitFact.objects.exists()


def drawn_targets(item) -> int:
    """The item's targets counted the draws' own way (each replaced one swapped for its
    successor), independently of the stored counts."""
    return sum(
        len(active_selections(draw))
        for draw in Draw.objects.filter(item=item, status=Draw.Status.EXECUTED)
    )


def stored_drawn(item) -> int | None:
    fact = Fact.objects.filter(kind="drawn", items=str(item.pk)).first()
    return None if fact is None else fact.n


def test_replacing_a_drawn_target_recounts_the_item(demo, coordinator):
    draw = (
        Draw.objects.filter(item__plan=demo.plan, status=Draw.Status.EXECUTED)
        .order_by("item__number")
        .first()
    )
    item = draw.item
    targets = drawn_targets(item)
    assert stored_drawn(item) == targets > 0
    # a stale total: the replacement must recount the item whole, not add to what is stored
    Fact.objects.filter(kind="drawn", items=str(item.pk)).update(n=0)
    target = active_selections(draw)[0]
    update_entity(entity=target.entity, actor=coordinator, values={"status": "revoked"})
    replace_target(
        draw=draw,
        entity=target.entity,
        reason_code="revoked",
        out_of_scope_since=timezone.localdate(),
        reason="许可证被吊销",
        actor=coordinator,
    )
    # one target swapped for its successor: as many as before, the replaced one not counted
    assert stored_drawn(item) == drawn_targets(item) == targets
    assert target.entity_id not in {s.entity_id for s in active_selections(draw)}
    assert_current("a drawn target replaced")


def test_a_refresh_reads_and_writes_only_what_changed(demo):
    visits = [v.pk for v in demo.visits]
    with CaptureQueriesContext(connection) as unchanged:
        refresh_visits(visits)
    # the ledger and the coverage rows, each read in one statement; nothing to write
    assert [q["sql"].split()[0] for q in unchanged.captured_queries] == ["SELECT", "SELECT"]

    result = Result.objects.filter(visit__in=visits, state="approved").first()
    result.state = "pending"
    result.save(update_fields=["state"])
    with CaptureQueriesContext(connection) as changed:
        refresh_visits(visits)
    verbs = [q["sql"].split()[0] for q in changed.captured_queries]
    # the visit's changed ledger rows replaced, the totals moved in one upsert, totals that
    # fell to zero (the upsert returns them) removed; then the entity's coverage row removed or
    # moved to an earlier approved inspection of that year (an upsert), the entity taken out of
    # the coverage counts before and counted again after (an upsert each)
    assert verbs[:4] == ["SELECT", "DELETE", "INSERT", "INSERT"]
    rest = verbs[5:] if verbs[4] == "DELETE" else verbs[4:]
    assert rest[0] == "SELECT"
    assert rest[1:] in (["INSERT", "DELETE", "INSERT"], ["INSERT", "INSERT", "INSERT"])
    assert not Fact.objects.filter(n=0, total=0).exists()
    assert_current("a result set back to pending, then refreshed")


def test_a_batch_recounts_once_at_its_end(demo):
    results = list(Result.objects.filter(visit__in=demo.visits, state="approved")[:3])
    with CaptureQueriesContext(connection) as noted, batched_refresh():
        for result in results:
            result.state = "pending"
            result.save(update_fields=["state"])
            refresh_visits([result.visit_id])
        inside = len(noted.captured_queries)
        assert not any("stats_" in q["sql"] for q in noted.captured_queries)
    recount = [q["sql"] for q in noted.captured_queries[inside:]]
    # the three visits' ledger rows read in one statement, not three
    assert sum(1 for sql in recount if sql.startswith("SELECT") and "stats_visitfact" in sql) == 1
    assert_current("three results changed in one batch")


def test_a_failed_batch_recounts_nothing(demo):
    result = Result.objects.filter(visit__in=demo.visits, state="approved").first()
    before = stored()
    with pytest.raises(RuntimeError), batched_refresh():
        result.state = "pending"
        result.save(update_fields=["state"])  # kept here: no transaction rolls it back
        refresh_visits([result.visit_id])
        raise RuntimeError("the action failed")
    # not recounted: the stored counts still say approved (an action's transaction would
    # roll its own changes back with the error)
    assert stored() == before
    refresh_visits([result.visit_id])
    assert stored() != before
