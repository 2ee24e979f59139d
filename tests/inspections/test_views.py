"""Pages: who may see and do what; the leader's month view and print list; my visits first;
the visit page; the public matching record shows counts, never names or certificate dates."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse

from spotcheck.accounts.models import Role
from spotcheck.inspections.actions import build_visits, match_teams_for_round
from spotcheck.inspections.models import JointProposal, TeamMatching, TeamMember, Visit
from spotcheck.registry.models import Inspector

# Round one's draws are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_round")]


@pytest.fixture
def matched(published_plan, executed_draws, coordinator):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    return match_teams_for_round(plan=published_plan, round=1, actor=coordinator)


@pytest.mark.parametrize(
    "role,allowed",
    [
        (Role.COORDINATOR, True),
        (Role.ADMINISTRATOR, True),
        (Role.UNIT_LEADER, False),
        (Role.INSPECTOR, False),
        (Role.SUPERVISOR, False),
    ],
)
def test_only_coordinators_run_the_round(
    client, users_by_role, published_plan, executed_draws, role, allowed
):
    client.force_login(users_by_role[role])
    page = client.get(reverse("inspections:round", args=[published_plan.pk, 1]))
    assert page.status_code == (200 if allowed else 403)
    response = client.post(reverse("inspections:build", args=[published_plan.pk, 1]))
    assert response.status_code == (302 if allowed else 403)
    assert Visit.objects.exists() is allowed
    response = client.post(reverse("inspections:match", args=[published_plan.pk, 1]))
    assert TeamMatching.objects.exists() is allowed


def test_anonymous_users_are_sent_to_login(client, published_plan):
    for url in (
        reverse("inspections:list"),
        reverse("inspections:print"),
        reverse("inspections:round", args=[published_plan.pk, 1]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_coordinator_flow_through_the_pages(client, coordinator, published_plan, executed_draws):
    client.force_login(coordinator)
    round_url = reverse("inspections:round", args=[published_plan.pk, 1])
    client.post(reverse("inspections:build", args=[published_plan.pk, 1]))
    page = client.get(round_url).content.decode()
    assert "联合检查建议" in page and "匹配检查组" in page
    proposal = JointProposal.objects.get()
    client.post(reverse("inspections:accept", args=[proposal.pk]))
    assert JointProposal.objects.get().is_accepted
    response = client.post(reverse("inspections:match", args=[published_plan.pk, 1]), follow=True)
    assert "已为" in response.content.decode()
    member = TeamMember.objects.filter(role="leader").first()
    response = client.post(
        reverse("inspections:replace", args=[member.pk]), {"reason": "因病"}, follow=True
    )
    assert "递补" in response.content.decode()
    member.refresh_from_db()
    assert member.replaced_reason == "因病"
    # Events: register, then the seed ceremony.
    item = published_plan.items.get(number=7)
    client.post(
        reverse("inspections:event_register", args=[published_plan.pk]),
        {
            "item": item.pk,
            "organiser": "某建筑公司",
            "place": "南麻街道",
            "date": "2022-06-01",
            "scale": "夜间施工",
        },
    )
    event = item.events.get()
    response = client.post(
        reverse("inspections:event_match", args=[event.pk]),
        {
            "witness_1": "王五",
            "digits_1": "1234567890",
            "witness_2": "赵六",
            "digits_2": "0987654321",
            "beacon": "",
        },
        follow=True,
    )
    assert "已为活动" in response.content.decode()
    assert event.visit.current_members().count() == 2


def test_impossible_matching_shows_the_rule_on_the_page(
    client, coordinator, published_plan, executed_draws
):
    client.force_login(coordinator)
    client.post(reverse("inspections:build", args=[published_plan.pk, 1]))
    Inspector.objects.filter(unit__name="网安大队").exclude(
        pk=Inspector.objects.filter(unit__name="网安大队").first().pk
    ).update(is_active=False)
    response = client.post(reverse("inspections:match", args=[published_plan.pk, 1]), follow=True)
    body = response.content.decode()
    assert "网安大队" in body and "每组至少需要2名" in body
    assert not TeamMatching.objects.exists()


def test_unit_leader_sees_the_units_visits_by_month_and_prints(client, unit_leader, matched):
    client.force_login(unit_leader)
    body = client.get(reverse("inspections:list")).content.decode()
    zhian = Visit.objects.filter(responsible_unit=unit_leader.unit)
    other = Visit.objects.exclude(responsible_unit=unit_leader.unit).first()
    assert zhian.exists()
    for visit in zhian:
        assert visit.entity_name in body
    assert other.entity_name not in body
    assert "事项1" in body and "5月—11月" in body and "12月" in body
    printed = client.get(reverse("inspections:print")).content.decode()
    leader = zhian.first().current_members().get(role="leader").inspector
    assert leader.name in printed and leader.certificate_number in printed
    assert other.entity_name not in printed
    # A visit of another unit (no member of theirs in it) is not theirs to open: not found.
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(zhian.first().get_absolute_url()).status_code == 200


def test_inspector_sees_own_visits_first(client, inspector_user, matched):
    member = TeamMember.objects.filter(pool="网安大队").first()
    officer = member.inspector
    officer.user = inspector_user
    officer.save()
    client.force_login(inspector_user)
    body = client.get(reverse("inspections:list")).content.decode()
    assert "我的检查任务" in body
    mine = body.index("我的检查任务")
    assert body.index(member.visit.entity_name) > mine
    assert body.index(member.visit.entity_name) < body.index("的检查任务（按月")
    assert client.get(member.visit.get_absolute_url()).status_code == 200


def test_visit_page_shows_items_checkpoints_team_eligibility_and_draw(client, supervisor, matched):
    client.force_login(supervisor)
    visit = Visit.objects.filter(visit_key__endswith="/8+9+10+11").first()
    body = client.get(visit.get_absolute_url()).content.decode()
    for vi in visit.visit_items.all():
        assert vi.item.name in body
    assert "是否办理联网单位备案手续" in body  # a checkpoint of item 11
    for member in visit.current_members():
        assert member.inspector.name in body
    assert "执法证有效期至" in body and "与检查对象无回避关系" in body
    assert "组长" in body and matched.get_absolute_url() in body
    assert "事项1、" in body or "事项1" in body


def test_public_matching_record_has_counts_but_no_names(client, matched, published_plan):
    listed = client.get(reverse("public:matchings")).content.decode()
    assert matched.get_absolute_url() in listed
    body = client.get(matched.get_absolute_url()).content.decode()
    assert "回避关系" in body and "可参与人数" in body
    visit_days = {day for v in matched.document["visits"] for day in v["days"]}
    for officer in Inspector.objects.all():
        assert officer.name not in body
        day = officer.certificate_valid_until.isoformat()
        assert day in visit_days or day not in body
    data = json.loads(client.get(reverse("public:matching_json", args=[matched.pk])).content)
    assert data["format"] == "spotcheck.matching/2" and data["seed"] == matched.seed
    assert all("eligible" not in v and "qualified" not in v for v in data["visits"])
    assert date(2022, 1, 1).isoformat() in json.dumps(data)


def test_visit_page_names_the_draw_it_came_from(client, coordinator, matched, executed_draws):
    client.force_login(coordinator)
    visit = Visit.objects.filter(visit_items__item__number=3).first()
    body = client.get(visit.get_absolute_url()).content.decode()
    draw = executed_draws[3].draw
    assert str(draw) in body
    assert reverse("public:draw_json", args=[draw.pk]) in body
    assert "风险层第" in body


def test_api_publishes_matchings_of_published_plans(client, matched):
    listed = client.get("/api/v1/matchings").json()
    assert [m["id"] for m in listed] == [matched.pk]
    one = client.get(f"/api/v1/matchings/{matched.pk}").json()
    assert one["document"]["seed"] == matched.seed
    for officer in Inspector.objects.all():
        assert officer.name not in json.dumps(one, ensure_ascii=False)


def test_admin_cannot_edit_teams(client, administrator, matched):
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    member = TeamMember.objects.first()
    assert client.get(reverse("admin:inspections_teammember_changelist")).status_code == 200
    response = client.post(reverse("admin:inspections_teammember_delete", args=[member.pk]))
    assert response.status_code == 403
    assert TeamMember.objects.filter(pk=member.pk).exists()


def test_unit_leader_schedules_own_visits_inside_the_window_before_matching(
    client, unit_leader, published_plan, executed_draws, coordinator
):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    client.force_login(unit_leader)
    # The last days of the window: certificates are checked against the same last day, so the
    # round's eligibility (and with it the load cap) does not change.
    own = Visit.objects.filter(responsible_unit=unit_leader.unit, window_end_month=10).first()
    other = Visit.objects.exclude(responsible_unit=unit_leader.unit).first()
    url = reverse("inspections:schedule", args=[own.pk])
    client.post(url, {"start": "2022-10-26", "end": "2022-10-31"})
    own.refresh_from_db()
    assert (own.planned_start, own.planned_end) == (date(2022, 10, 26), date(2022, 10, 31))
    response = client.post(url, {"start": "2022-01-06", "end": "2022-01-08"}, follow=True)
    assert "须在检查时间" in response.content.decode()
    assert (
        client.post(
            reverse("inspections:schedule", args=[other.pk]),
            {"start": "2022-06-06", "end": "2022-06-08"},
        ).status_code
        == 404  # another unit's visit is outside the unit leader's scope
    )
    # Rebuilding keeps the schedule; the month view shows June only.
    build_visits(plan=published_plan, round=1, actor=coordinator)
    rebuilt = Visit.objects.get(visit_key=own.visit_key)
    assert rebuilt.pk == own.pk  # same address after a rebuild
    own = rebuilt
    assert own.planned_start == date(2022, 10, 26)
    match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    entry = next(
        v for v in TeamMatching.objects.get().document["visits"] if v["visit_id"] == own.visit_key
    )
    assert entry["days"] == ["2022-10-26", "2022-10-31"]
    url = reverse("inspections:schedule", args=[own.pk])
    response = client.post(url, {"start": "2022-10-27", "end": "2022-10-31"}, follow=True)
    assert "已锁定" in response.content.decode()


def test_coordinator_sets_team_size_and_qualifications(
    client, coordinator, unit_leader, published_plan, executed_draws
):
    item = published_plan.items.get(number=3)
    client.force_login(unit_leader)
    url = reverse("inspections:item_setting", args=[published_plan.pk])
    data = {"item": item.pk, "team_size": 3, "qualifications": "保安服务管理"}
    assert client.post(url, data).status_code == 403
    client.force_login(coordinator)
    client.post(url, data)
    page = client.get(reverse("inspections:round", args=[published_plan.pk, 1])).content.decode()
    assert "保安服务管理" in page
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    for visit in Visit.objects.filter(visit_items__item=item):
        team = list(visit.current_members())
        assert len(team) == 3
        assert any(m.qualification == "保安服务管理" for m in team)
        assert any("保安服务管理" in m.inspector.qualifications for m in team)


def test_visit_page_flags_a_member_recused_after_matching(client, coordinator, matched):
    from spotcheck.registry.models import Recusal

    visit = Visit.objects.filter(entity__isnull=False).first()
    member = visit.current_members().first()
    Recusal.objects.create(
        inspector=member.inspector, entity=visit.entity, reason="kin", valid_from=date(2022, 1, 1)
    )
    client.force_login(coordinator)
    body = client.get(visit.get_absolute_url()).content.decode()
    assert "现已不符合条件：回避，请替换" in body
