"""Visits and teams on the demo county and the 2022 plan: every rule checked on the output."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import models
from django.utils import timezone

from spotcheck.audit.models import AuditEntry
from spotcheck.draws import actions as draws
from spotcheck.inspections import actions, sources
from spotcheck.inspections.actions import (
    InspectionError,
    accept_joint_visit,
    build_visits,
    match_teams_for_round,
    replace_team_member,
)
from spotcheck.inspections.models import (
    ExpectedLoad,
    ItemSetting,
    JointProposal,
    MatchingTally,
    TeamMatching,
    TeamMember,
    Visit,
)
from spotcheck.lib import matching
from spotcheck.plans.models import PlanItem
from spotcheck.registry.actions import update_entity
from spotcheck.registry.models import Inspector, Recusal
from spotcheck.results.selectors import last_inspections_by_item
from tests.results.factories import approved_inspection

# Round one's draws are built once for the module (tests/conftest.py); a test that needs a
# draw left unexecuted is in test_matching_waits.py.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_round")]


def current(visit: Visit) -> list[TeamMember]:
    return list(visit.current_members())


@pytest.fixture
def built(published_plan, executed_draws, coordinator):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    return published_plan


@pytest.fixture
def traps(built, directory):
    """Seed rule traps on drawn entities: a recusal, an expired certificate, an inactive
    officer and a previous inspection, each aimed at an officer who could otherwise serve."""
    visit = Visit.objects.get(visit_key__endswith="/8+9+10+11", ticket=_lowest("网安大队"))
    officers = list(Inspector.objects.filter(unit__name="网安大队", is_active=True).order_by("pk"))
    officers = [o for o in officers if o.certificate_valid_until >= visit.planned_end]
    recused, expired, previous = officers[0], officers[1], officers[2]
    Recusal.objects.create(
        inspector=recused,
        entity=visit.entity,
        reason=Recusal.Reason.KIN,
        valid_from=date(2021, 1, 1),
    )
    expired.certificate_valid_until = visit.planned_end - timedelta(days=1)
    expired.save()
    item = visit.visit_items.get(item__number=9).item
    approved_inspection(
        entity=visit.entity,
        item=item,
        inspected_on=date(2021, 6, 1),
        inspectors=[previous],
    )
    return {"visit": visit, "recused": recused, "expired": expired, "previous": previous}


def _lowest(unit: str) -> str:
    return min(
        v.ticket for v in Visit.objects.filter(responsible_unit__name=unit, visit_key__contains="+")
    )


def test_items_8_to_11_on_one_entity_are_one_visit(built, executed_draws):
    drawn = {t.entity.public_id for t in executed_draws[8].targets}
    visits = Visit.objects.filter(responsible_unit__name="网安大队")
    assert {v.entity_key for v in visits} == drawn
    for visit in visits:
        assert sorted(vi.item.number for vi in visit.visit_items.all()) == [8, 9, 10, 11]
        assert visit.visit_key.endswith("/8+9+10+11")
        assert (visit.planned_start, visit.planned_end) == (date(2022, 1, 1), date(2022, 12, 31))


def test_every_drawn_target_is_in_exactly_one_visit(built, executed_draws):
    drawn = Counter(
        (t.entity.public_id, number) for number, d in executed_draws.items() for t in d.targets
    )
    planned = Counter(
        (v.entity_key, vi.item.number)
        for v in Visit.objects.filter(plan=built)
        for vi in v.visit_items.all()
    )
    assert planned == drawn


def test_matching_satisfies_every_rule(built, traps, coordinator):
    match = match_teams_for_round(plan=built, round=1, actor=coordinator)
    visits = list(Visit.objects.filter(plan=built, round=1))
    seats: Counter[str] = Counter()
    loads: Counter[int] = Counter()
    pool_of: dict[int, str] = {}
    for visit in visits:
        team = current(visit)
        assert visit.status == Visit.Status.MATCHED
        # At least two (the item's setting), one leader from the responsible unit.
        assert len(team) >= max(2, visit.team_size)
        leaders = [m for m in team if m.role == TeamMember.Role.LEADER]
        assert len(leaders) == 1 and leaders[0].inspector.unit == visit.responsible_unit
        assert len({m.inspector_id for m in team}) == len(team)
        for member in team:
            officer = member.inspector
            # Active, certificate valid through the visit's last day.
            assert officer.is_active
            assert officer.certificate_valid_until >= visit.planned_end
            # From the responsible unit, or from a cooperating department.
            if member.pool == visit.responsible_unit.name:
                assert officer.unit == visit.responsible_unit
            else:
                assert officer.agency in visit.cooperating_agencies.all()
            # No recusal overlapping the visit.
            assert not any(
                r.valid_from <= visit.planned_end
                and (r.valid_until is None or r.valid_until >= visit.planned_start)
                for r in Recusal.objects.filter(inspector=officer, entity=visit.entity)
            )
            # Not the inspector of the last inspection of the same entity and item.
            last = last_inspections_by_item(
                [visit.entity_id], [vi.item.name for vi in visit.visit_items.all()]
            )
            for found in last.values():
                assert officer.certificate_number not in found.certificates
                assert officer.pk not in found.inspector_ids
            seats[member.pool] += 1
            loads[officer.pk] += 1
            pool_of[officer.pk] = member.pool
        # Joint visits include a member of each cooperating department.
        for pool in visit.cooperating_pools:
            assert any(m.pool == pool for m in team)
    # Load cap: ceil(seats / eligible) per pool, as published.
    for pool, numbers in match.document["pools"].items():
        assert numbers["seats"] == seats[pool]
        assert numbers["cap"] == math.ceil(numbers["seats"] / numbers["eligible"])
    for officer_id, load in loads.items():
        assert load <= match.document["pools"][pool_of[officer_id]]["cap"]
    # The traps were respected and are published as counts only.
    trap_visit = traps["visit"]
    members = {m.inspector_id for m in current(trap_visit)}
    assert not members & {traps["recused"].pk, traps["expired"].pk, traps["previous"].pk}
    entry = next(v for v in match.document["visits"] if v["visit_id"] == trap_visit.visit_key)
    assert entry["excluded"]["recused"] >= 1
    assert entry["excluded"]["certificate_expired"] >= 1
    assert entry["excluded"]["previous_inspector"] == 1
    listed = {i for ids in entry["eligible"].values() for i in ids}
    for officer in (traps["recused"], traps["expired"], traps["previous"]):
        assert officer.certificate_number not in listed
    text = str(match.document)
    visit_days = {day for v in match.document["visits"] for day in v["days"]}
    for officer in Inspector.objects.all():
        assert officer.name not in text
        day = officer.certificate_valid_until.isoformat()
        assert day in visit_days or day not in text
    assert AuditEntry.objects.filter(action="inspections.match_teams").count() == 1


def test_joint_item_1_teams_include_a_housing_officer(built, housing, coordinator):
    match_teams_for_round(plan=built, round=1, actor=coordinator)
    visits = Visit.objects.filter(visit_items__item__number=1)
    assert visits.exists()
    for visit in visits:
        team = current(visit)
        assert any(m.inspector.agency == housing for m in team)
        assert any(m.inspector.unit.name == "治安大队" and m.role == "leader" for m in team)


def test_same_seed_gives_the_same_teams(built, coordinator, published_plan):
    first = match_teams_for_round(plan=built, round=1, actor=coordinator)
    teams = {
        v.visit_key: sorted((m.seat, m.inspector_id, m.role) for m in current(v))
        for v in Visit.objects.filter(plan=built)
    }
    document = first.document
    # Undo (test only: teams are locked for everyone else) and match again.
    TeamMember.objects.all()._raw_delete(TeamMember.objects.db)
    ExpectedLoad.objects.all()._raw_delete(ExpectedLoad.objects.db)
    MatchingTally.objects.all()._raw_delete(MatchingTally.objects.db)
    TeamMatching.objects.all()._raw_delete(TeamMatching.objects.db)
    models.QuerySet(Visit).update(status=Visit.Status.PLANNED)
    again = match_teams_for_round(plan=built, round=1, actor=coordinator)
    assert again.document == document
    assert teams == {
        v.visit_key: sorted((m.seat, m.inspector_id, m.role) for m in current(v))
        for v in Visit.objects.filter(plan=built)
    }
    # The published document alone gives the same teams.
    recomputed = matching.teams_from_document(document)
    for visit in Visit.objects.filter(plan=built):
        by_seat = sorted((m.seat, m.inspector.certificate_number) for m in current(visit))
        assert tuple(i for _, i in by_seat) == recomputed[visit.visit_key]


def test_round_seed_is_composed_from_the_draw_seeds(built, executed_draws, coordinator):
    match = match_teams_for_round(plan=built, round=1, actor=coordinator)
    # One ceremony for the round: the round seed is that seed, unchanged.
    assert match.seed == executed_draws[1].seed == executed_draws[8].seed
    assert match.document["seed"] == match.seed
    numbers = [d["item"] for d in match.seed_source["draws"]]
    assert numbers == ["1", "2", "3", "4", "8", "9", "10", "11"]
    assert all(d["draw_id"] and d["seed"] == match.seed for d in match.seed_source["draws"])


def test_round_seed_of_several_ceremonies_joins_the_distinct_seeds():
    def draw(number: int, seed: str) -> sources.RoundDraw:
        return sources.RoundDraw(
            item=PlanItem(number=number, position=number), seed=seed, targets=()
        )

    draws_ = [draw(10, "222"), draw(2, "111|beacon"), draw(9, "222"), draw(1, "111|beacon")]
    assert actions.round_seed(draws_) == "111|beacon\n222"
    assert actions.round_seed([draw(3, "5" * 20)]) == "5" * 20


def test_impossible_setting_names_the_unit_and_the_rule_and_saves_nothing(built, coordinator):
    officers = list(Inspector.objects.filter(unit__name="禁毒大队").order_by("pk"))
    for officer in officers[1:]:
        officer.is_active = False
        officer.save()
    before = AuditEntry.objects.count()
    with pytest.raises(InspectionError) as caught:
        match_teams_for_round(plan=built, round=1, actor=coordinator)
    message = str(caught.value)
    assert "禁毒大队" in message and "每组至少需要2名" in message
    assert "too_few_eligible" in message and "未保存" in message
    assert not TeamMatching.objects.exists() and not TeamMember.objects.exists()
    assert not Visit.objects.filter(status=Visit.Status.MATCHED).exists()
    assert AuditEntry.objects.count() == before


def test_qualification_requirement_reserves_a_holder(built, executed_draws, coordinator):
    ItemSetting.objects.create(
        item=built.items.get(number=2), team_size=2, qualifications=["易制毒化学品管理"]
    )
    build_visits(plan=built, round=1, actor=coordinator)
    match_teams_for_round(plan=built, round=1, actor=coordinator)
    for visit in Visit.objects.filter(visit_items__item__number=2):
        team = current(visit)
        assert any("易制毒化学品管理" in m.inspector.qualifications for m in team)
        assert any(m.qualification == "易制毒化学品管理" for m in team)


def test_unknown_qualification_is_reported(built, coordinator):
    ItemSetting.objects.create(item=built.items.get(number=3), qualifications=["无人持有的资格"])
    build_visits(plan=built, round=1, actor=coordinator)
    with pytest.raises(InspectionError, match="无人持有的资格.*qualification"):
        match_teams_for_round(plan=built, round=1, actor=coordinator)


def test_teams_are_locked(built, coordinator):
    match_teams_for_round(plan=built, round=1, actor=coordinator)
    member = TeamMember.objects.first()
    member.inspector = Inspector.objects.exclude(pk=member.inspector_id).first()
    with pytest.raises(ValueError):
        member.save()
    with pytest.raises(ValueError):
        member.delete()
    with pytest.raises(ValueError):
        TeamMember.objects.all().delete()
    with pytest.raises(ValueError):
        TeamMember.objects.update(role="member")
    # Visits and matchings refuse bulk updates too (published data behind the audit trail).
    with pytest.raises(ValueError, match="不允许批量更新"):
        Visit.objects.filter(plan=built).update(entity_name="别的对象")
    with pytest.raises(ValueError, match="不允许批量更新"):
        TeamMatching.objects.update(seed="0")
    with pytest.raises(ValueError, match="不能删除"):
        TeamMatching.objects.all().delete()
    with pytest.raises(ValueError, match="不能删除"):
        TeamMatching.objects.first().delete()
    with pytest.raises(InspectionError, match="已锁定"):
        build_visits(plan=built, round=1, actor=coordinator)
    with pytest.raises(InspectionError, match="已经匹配"):
        match_teams_for_round(plan=built, round=1, actor=coordinator)


def test_joint_proposal_is_merged_only_when_accepted(built, coordinator):
    proposal = JointProposal.objects.get(plan=built)
    assert len(proposal.visit_keys) == 2
    assert Visit.objects.filter(visit_key__in=proposal.visit_keys).count() == 2
    visit = accept_joint_visit(proposal=proposal, actor=coordinator)
    assert sorted(visit.merged_from) == sorted(proposal.visit_keys)
    assert not Visit.objects.filter(visit_key__in=proposal.visit_keys).exists()
    assert visit.cooperating_pools and visit.responsible_unit.name in proposal.units
    assert sorted(vi.item.number for vi in visit.visit_items.all()) == [2, 4]
    # Rebuilding keeps the acceptance; matching gives the merged visit one team from both units.
    build_visits(plan=built, round=1, actor=coordinator)
    visit = Visit.objects.get(visit_key=visit.visit_key)
    match_teams_for_round(plan=built, round=1, actor=coordinator)
    pools = {m.pool for m in current(visit)}
    assert pools == set(proposal.units)
    with pytest.raises(InspectionError):
        accept_joint_visit(proposal=proposal, actor=coordinator)


def test_replacement_takes_the_next_by_ticket_with_reason(built, coordinator):
    match = match_teams_for_round(plan=built, round=1, actor=coordinator)
    visit = Visit.objects.filter(responsible_unit__name="网安大队").first()
    leaver = next(m for m in current(visit) if m.role == "leader")
    entry = next(v for v in match.document["visits"] if v["visit_id"] == visit.visit_key)
    seat = entry["seats"][leaver.seat]
    candidates = entry["eligible"][seat["pool"]]
    team_ids = {m.inspector.certificate_number for m in current(visit)}
    loads = Counter(m["inspector_id"] for v in match.document["visits"] for m in v["team"])
    loads[leaver.inspector.certificate_number] -= 1
    cap = match.document["pools"][seat["pool"]]["cap"]
    ordered = sorted(
        (matching.team_ticket(match.seed, visit.visit_key, i), i)
        for i in candidates
        if i not in team_ids
    )
    under = [i for _, i in ordered if loads[i] < cap]
    expected = (under or [i for _, i in ordered])[0]

    new = replace_team_member(member=leaver, reason="因病", actor=coordinator)
    leaver.refresh_from_db()
    assert new.inspector.certificate_number == expected
    assert leaver.replaced_reason == "因病" and leaver.replacement == new
    assert leaver.replaced_at is not None
    team = current(visit)
    assert len(team) == visit.team_size and new in team
    assert sum(m.role == "leader" for m in team) == 1
    match.refresh_from_db()
    [record] = match.document["replacements"]
    assert record["reason"] == "因病" and record["added"] == expected
    assert matching.teams_from_document(match.document)[visit.visit_key] == tuple(
        m.inspector.certificate_number for m in sorted(team, key=lambda m: m.seat)
    )
    with pytest.raises(InspectionError, match="原因"):
        replace_team_member(member=new, reason=" ", actor=coordinator)
    with pytest.raises(InspectionError, match="替换原因最多200个字符，现有201个"):
        replace_team_member(member=new, reason="长" * 201, actor=coordinator)
    with pytest.raises(InspectionError, match="已被替换"):
        replace_team_member(member=leaver, reason="出差", actor=coordinator)


def test_replacement_skips_a_pick_that_is_no_longer_eligible(built, coordinator):
    match = match_teams_for_round(plan=built, round=1, actor=coordinator)
    visit = Visit.objects.filter(responsible_unit__name="禁毒大队").first()
    leaver = current(visit)[0]
    # Find who the rule would pick, then make them ineligible before the replacement.
    from spotcheck.inspections.actions import result_from_document

    trial = matching.replace_member(
        result_from_document(match), visit.visit_key, leaver.inspector.certificate_number, "x"
    )
    first_pick = Inspector.objects.get(certificate_number=trial.replacements[-1].added)
    Recusal.objects.create(
        inspector=first_pick,
        entity=visit.entity,
        reason="declared_interest",
        valid_from=date(2022, 1, 1),
    )
    new = replace_team_member(member=leaver, reason="回避", actor=coordinator)
    assert new.inspector != first_pick
    match.refresh_from_db()
    assert [r["reason"] for r in match.document["replacements"]][0] == "回避"
    assert len(match.document["replacements"]) == 2
    assert "回避" in match.document["replacements"][1]["reason"]


def test_a_target_replaced_in_the_draw_needs_visits_rebuilt(built, executed_draws, coordinator):
    draw = executed_draws[3].draw
    gone = executed_draws[3].targets[0].entity
    update_entity(entity=gone, actor=coordinator, values={"status": "deregistered"})
    replacement = draws.replace_target(
        draw=draw,
        entity=gone,
        reason_code="deregistered",
        out_of_scope_since=timezone.localdate(),
        reason="已注销",
        actor=coordinator,
    )
    with pytest.raises(InspectionError, match="重新生成"):
        match_teams_for_round(plan=built, round=1, actor=coordinator)
    build_visits(plan=built, round=1, actor=coordinator)
    assert not Visit.objects.filter(entity=gone, visit_items__item__number=3).exists()
    visit = Visit.objects.get(entity=replacement.replacement.entity, visit_items__item__number=3)
    assert visit.visit_items.get().selection == replacement.replacement
    match_teams_for_round(plan=built, round=1, actor=coordinator)
