"""The fairness section's stored totals (stats.FairnessLoad, FairnessTally, the target_replaced
facts) follow every action that changes what they sum: after each step the totals the actions
kept equal those `rebuild_fairness_totals` / `rebuild_facts` compute from scratch and a sum of
the matchings' own rows done here in Python. An action that forgot to move them leaves them
behind and the comparison names the rows that differ."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from django.utils import timezone

from spotcheck.draws.actions import active_selections, replace_target
from spotcheck.draws.models import Draw, DrawReplacement
from spotcheck.inspections.actions import (
    create_recheck_visit,
    match_event_team,
    register_event,
    replace_team_member,
)
from spotcheck.inspections.models import (
    ExpectedLoad,
    MatchingTally,
    TeamMatching,
    TeamMember,
    window_days,
)
from spotcheck.registry.actions import update_entity
from spotcheck.stats.facts import rebuild_facts
from spotcheck.stats.fairness import fairness_tables
from spotcheck.stats.fairness_totals import rebuild_fairness_totals
from spotcheck.stats.models import Fact, FairnessLoad, FairnessTally
from spotcheck.stats.tables import Scope
from tests.stats.conftest import INSPECTED

pytestmark = pytest.mark.django_db


def kept() -> dict[str, dict]:
    return {
        "loads": {
            (r.plan_id, r.unit_id, r.item, r.inspector_id): (
                r.matchings,
                r.eligible,
                pytest.approx(r.expected),
                r.seats,
            )
            for r in FairnessLoad.objects.all()
        },
        "tallies": {
            (r.plan_id, r.unit_id, r.item, r.kind, r.reason): (r.matchings, r.count)
            for r in FairnessTally.objects.all()
        },
        "targets": dict(
            ((f.plan_id, f.items, f.key), f.n) for f in Fact.objects.filter(kind="target_replaced")
        ),
    }


def summed_here() -> dict[str, dict]:
    """The same totals from the matchings' and the draws' own rows, summed in Python."""
    counted = TeamMatching.objects.exclude(round=None, event=None)
    loads: dict = defaultdict(lambda: [0, 0, 0.0, 0])
    for row in ExpectedLoad.objects.filter(matching__in=counted).select_related("matching"):
        total = loads[(row.matching.plan_id, row.unit_id, row.item_id or 0, row.inspector_id)]
        total[0] += 1
        total[1] += row.eligible
        total[2] += row.expected
        total[3] += row.seats
    tallies: dict = defaultdict(lambda: [0, 0])
    for row in MatchingTally.objects.filter(matching__in=counted).select_related("matching"):
        total = tallies[(row.matching.plan_id, row.unit_id, row.item_id or 0, row.kind, row.reason)]
        total[0] += 1
        total[1] += row.count
    targets: dict = defaultdict(int)
    for replacement in DrawReplacement.objects.select_related("draw__item"):
        item = replacement.draw.item
        targets[(item.plan_id, str(item.pk), replacement.reason_code)] += 1
    return {
        "loads": {k: (m, e, pytest.approx(x), s) for k, (m, e, x, s) in loads.items()},
        "tallies": {k: tuple(v) for k, v in tallies.items()},
        "targets": dict(targets),
    }


def differences(kept: dict, want: dict) -> list[str]:
    lines = []
    for table in ("loads", "tallies", "targets"):
        for key in sorted(kept[table].keys() | want[table].keys(), key=str):
            if kept[table].get(key) != want[table].get(key):
                lines.append(
                    f"{table} {key}: kept {kept[table].get(key)}, want {want[table].get(key)}"
                )
    return lines


def assert_current(step: str) -> None:
    stored = kept()
    problems = differences(stored, summed_here())
    assert not problems, f"after {step}, against the rows: " + "; ".join(problems[:10])
    rebuild_facts()
    problems = differences(stored, kept())
    assert not problems, f"after {step}, against the rebuild: " + "; ".join(problems[:10])


def test_fairness_totals_follow_matchings_replacements_and_events(demo, coordinator):
    # the demo round: matched, one member replaced
    assert FairnessLoad.objects.filter(plan=demo.plan, item=0).exists()
    assert FairnessTally.objects.filter(plan=demo.plan, kind="replaced").exists()
    assert_current("the demo round")

    member = TeamMember.objects.filter(matching__plan=demo.plan, replaced_at=None).first()
    leaving = member.inspector_id
    seats = FairnessLoad.objects.get(
        plan=demo.plan, unit=member.visit.responsible_unit_id, item=0, inspector=leaving
    ).seats
    replace_team_member(member=member, reason="培训", actor=coordinator)
    after = FairnessLoad.objects.filter(
        plan=demo.plan, unit=member.visit.responsible_unit_id, item=0, inspector=leaving
    ).first()
    assert (after.seats if after else 0) == seats - 1
    assert FairnessTally.objects.filter(plan=demo.plan, kind="replaced", reason="培训").exists()
    assert_current("a member replaced")

    item = demo.plan.items.filter(event_driven=True).order_by("number").first()
    first_day = window_days(item.plan.year, item.window_start_month or 1, 12)[0]
    event = register_event(
        item=item,
        organiser="县文化馆",
        place="体育中心",
        date=first_day,
        scale="约3000人",
        actor=coordinator,
    )
    witnesses = [("王五", "271828182845"), ("赵六", "904523536028")]
    match_event_team(event=event, witnesses=witnesses, beacon=None, actor=coordinator)
    assert FairnessLoad.objects.filter(plan=demo.plan, item=item.pk).exists()
    assert_current("an event's team matched")


def test_a_recheck_matching_is_not_counted(demo, coordinator):
    before = kept()
    original = next(v for v in demo.visits if v.current_members().exists())
    visit = create_recheck_visit(
        original=original,
        items=[original.visit_items.first().item],
        after=INSPECTED + timedelta(days=10),
        actor=coordinator,
    )
    assert TeamMatching.objects.filter(round=None, event=None, members__visit=visit).exists()
    assert differences(kept(), before) == []
    assert_current("a re-check matched")


def test_replacing_a_target_counts_it_under_its_item(demo, coordinator):
    draw = Draw.objects.filter(item__plan=demo.plan, status=Draw.Status.EXECUTED).first()
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
    assert Fact.objects.get(kind="target_replaced", items=str(draw.item_id), key="revoked").n >= 1
    assert_current("a target replaced")
    replacements = dict(
        (row[0], row[1])
        for table in fairness_tables(Scope(agency=demo.plan.agency, item=draw.item))
        if table.key == "replacements"
        for row in table.rows
    )
    assert (
        replacements["检查对象：已吊销"]
        == DrawReplacement.objects.filter(draw__item=draw.item, reason_code="revoked").count()
    )


def test_rebuilding_a_plan_recomputes_its_totals(demo):
    FairnessLoad.objects.update(seats=0)  # stale
    written = rebuild_fairness_totals([demo.plan.pk])
    assert written["fairness loads"] == FairnessLoad.objects.count() > 0
    assert differences(kept(), summed_here()) == []
