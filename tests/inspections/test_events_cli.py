"""Event-driven items (no draw) and the command line."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from spotcheck.inspections.actions import InspectionError, match_event_team, register_event
from spotcheck.inspections.models import Event, TeamMatching, TeamMember, Visit
from spotcheck.registry.models import Entity, Recusal

# The agency, plan and demo county directory are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_directory")]

WITNESSES = [("王五", "271828182845"), ("赵六", "904523536028")]


@pytest.fixture
def organiser(directory) -> Entity:
    return Entity.objects.filter(target_types__name="大型群众性活动承办单位").order_by("pk")[0]


def test_event_gets_a_visit_and_a_team_matched_at_random(published_plan, organiser, coordinator):
    item = published_plan.items.get(number=5)
    event = register_event(
        item=item,
        organiser=organiser.name,
        place="沂源县体育中心",
        date=date(2022, 7, 16),
        scale="约3000人",
        actor=coordinator,
    )
    visit = event.visit
    assert visit.entity == organiser and visit.responsible_unit.name == "治安大队"
    assert (visit.planned_start, visit.planned_end) == (date(2022, 7, 16), date(2022, 7, 16))
    recused = Recusal.objects.create(
        inspector=TeamMember._meta.get_field("inspector").related_model.objects.filter(
            unit__name="治安大队", is_active=True
        )[0],
        entity=organiser,
        reason=Recusal.Reason.KIN,
        valid_from=date(2020, 1, 1),
    )
    match = match_event_team(event=event, witnesses=WITNESSES, beacon=None, actor=coordinator)
    assert match.document["visits"][0]["entity_id"] == organiser.public_id  # recusals apply
    assert visit.visit_key == f"2022/event-{event.pk}/5"
    team = list(visit.current_members())
    assert len(team) == 2 and {m.role for m in team} == {"leader", "member"}
    assert recused.inspector not in {m.inspector for m in team}
    assert match.seed == "271828182845904523536028"
    assert match.seed_source["witnesses"][0] == {"name": "王五", "digits": "271828182845"}
    visit.refresh_from_db()
    assert visit.status == Visit.Status.MATCHED
    with pytest.raises(InspectionError, match="已锁定"):
        match_event_team(event=event, witnesses=WITNESSES, beacon=None, actor=coordinator)
    # The same organiser's next event is a visit of its own.
    second = register_event(
        item=item,
        organiser=organiser.name,
        place="沂源县体育中心",
        date=date(2022, 9, 10),
        scale="约2000人",
        actor=coordinator,
    )
    assert second.visit.visit_key != visit.visit_key


def test_event_seed_follows_the_ceremony_rules(published_plan, directory, coordinator):
    event = register_event(
        item=published_plan.items.get(number=6),
        organiser="某焰火晚会组委会",
        place="螳螂河畔",
        date=date(2022, 10, 1),
        scale="焰火燃放30分钟",
        actor=coordinator,
    )
    assert event.organiser_entity is None and event.visit.entity is None
    with pytest.raises(InspectionError, match="至少需要2名见证人"):
        match_event_team(event=event, witnesses=WITNESSES[:1], beacon=None, actor=coordinator)
    with pytest.raises(InspectionError, match="种子至少需要20位数字"):
        match_event_team(
            event=event, witnesses=[("甲", "123"), ("乙", "456")], beacon=None, actor=coordinator
        )
    with pytest.raises(InspectionError, match="姓名"):
        match_event_team(
            event=event, witnesses=[("", "1" * 20), ("乙", "2")], beacon=None, actor=coordinator
        )
    assert not TeamMatching.objects.exists()
    match = match_event_team(event=event, witnesses=WITNESSES, beacon="beacon-1", actor=coordinator)
    assert match.seed.endswith("|beacon-1")
    assert match.document["visits"][0]["entity_id"] == f"event-{event.pk}"


@pytest.fixture
def fireworks(published_plan, directory, coordinator) -> Event:
    return register_event(
        item=published_plan.items.get(number=6),
        organiser="某焰火晚会组委会",
        place="螳螂河畔",
        date=date(2022, 10, 1),
        scale="焰火燃放30分钟",
        actor=coordinator,
    )


@pytest.mark.parametrize("second", ["王五", " 王五 ", "王\u3000五", "王五\u200b"])
def test_event_seed_refuses_one_witness_named_twice(fireworks, coordinator, second):
    # The draw ceremony always refused this; the event path accepted it (issue 9).
    with pytest.raises(InspectionError, match="第2名见证人.*与第1名见证人姓名相同"):
        match_event_team(
            event=fireworks,
            witnesses=[("王五", "271828182845"), (second, "904523536028")],
            beacon=None,
            actor=coordinator,
        )
    assert not TeamMatching.objects.exists()


def test_event_seed_is_recorded_normalised_like_a_draw_seed(fireworks, coordinator):
    with pytest.raises(InspectionError, match="第2名见证人的骰子数字第3个字符是控制字符U\\+0009"):
        match_event_team(
            event=fireworks,
            witnesses=[("王五", "2718281828"), ("赵六", "90\t4523536028")],
            beacon=None,
            actor=coordinator,
        )
    with pytest.raises(InspectionError, match="最多200个字符"):
        match_event_team(event=fireworks, witnesses=WITNESSES, beacon="f" * 201, actor=coordinator)
    match = match_event_team(
        event=fireworks,
        witnesses=[("\u3000王五 ", "2718 2818 2845"), ("赵六", "904523536028")],
        beacon=" beacon-1\u3000",
        actor=coordinator,
    )
    assert match.seed == "271828182845904523536028|beacon-1"
    assert match.seed_source["witnesses"][0] == {"name": "王五", "digits": "271828182845"}
    assert match.seed_source["beacon"] == "beacon-1"


def test_event_command_refuses_one_witness_named_twice(fireworks):
    with pytest.raises(CommandError, match="姓名相同"):
        call_command(
            "match_event_team",
            str(fireworks.pk),
            "--witness",
            "王五:271828182845",
            "--witness",
            "王五:904523536028",
        )
    assert not TeamMatching.objects.exists()


def test_only_event_driven_items_take_events(published_plan, directory, coordinator):
    with pytest.raises(InspectionError, match="摇号"):
        register_event(
            item=published_plan.items.get(number=3),
            organiser="x",
            place="y",
            date=date(2022, 6, 1),
            scale="z",
            actor=coordinator,
        )
    with pytest.raises(InspectionError, match="年度"):
        register_event(
            item=published_plan.items.get(number=5),
            organiser="x",
            place="y",
            date=date(2023, 6, 1),
            scale="z",
            actor=coordinator,
        )
    assert not Event.objects.exists()


def test_command_line_round_trip(published_plan, executed_draws, coordinator, capsys, tmp_path):
    call_command("build_visits", "沂源县公安局:2022", "--round", "1")
    assert "联合检查建议" in capsys.readouterr().out
    call_command("match_teams", str(published_plan.pk))
    assert "网安大队" in capsys.readouterr().out
    visit = Visit.objects.filter(responsible_unit__name="网安大队").first()
    member = visit.current_members().first()
    call_command(
        "replace_member",
        visit.visit_key,
        member.inspector.certificate_number,
        "--reason",
        "出差",
    )
    assert "递补" in capsys.readouterr().out
    match = TeamMatching.objects.get()
    out = tmp_path / "teams.json"
    call_command("export_teams", str(match.pk), "-o", str(out))
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["replacements"][0]["reason"] == "出差"
    with pytest.raises(CommandError, match="已经匹配"):
        call_command("match_teams", str(published_plan.pk))
    with pytest.raises(CommandError, match="现任组员"):
        call_command("replace_member", visit.visit_key, "nobody", "--reason", "x")


def test_event_commands(published_plan, organiser, capsys):
    call_command(
        "register_event",
        str(published_plan.pk),
        "5",
        "--organiser",
        organiser.name,
        "--place",
        "体育中心",
        "--date",
        "2022-08-08",
        "--scale",
        "2000人",
    )
    assert "已登记活动" in capsys.readouterr().out
    event = Event.objects.get()
    call_command(
        "match_event_team",
        str(event.pk),
        "--witness",
        "王五:271828182845",
        "--witness",
        "赵六:904523536028",
    )
    assert "组长" in capsys.readouterr().out
    with pytest.raises(CommandError, match="姓名:数字"):
        call_command("match_event_team", str(event.pk), "--witness", "王五")
