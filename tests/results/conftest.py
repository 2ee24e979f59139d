"""A matched visit of the 2022 plan covering items 11 (13 checkpoints) and 12 (5), built
directly (the draw and the matching are the inspections tests' business): a team of two
inspectors with user accounts in the leader's unit, a second visit with another team, and a
leader of another unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from spotcheck.accounts.models import Role, Unit, User
from spotcheck.inspections.models import TeamMatching, TeamMember, Visit, VisitItem
from spotcheck.registry.models import Entity, Inspector
from spotcheck.results.actions import FindingInput, ItemInput, ResultInput


@dataclass
class Scene:
    visit: Visit
    other_visit: Visit
    member_a: User
    member_b: User
    other_member: User
    other_leader: User
    seats: list[TeamMember]
    items: dict[int, VisitItem]
    entity: Entity


def _user(username: str, role: str, agency, unit) -> User:
    return User.objects.create_user(
        username=username, password="x-password-123", role=role, agency=agency, unit=unit
    )


def _visit(plan, key: str, unit: Unit, entity: Entity, numbers: tuple[int, ...]) -> Visit:
    visit = Visit.objects.create(
        plan=plan,
        round=1,
        visit_key=key,
        entity=entity,
        entity_key=entity.public_id,
        entity_name=entity.name,
        responsible_unit=unit,
        window_start_month=9,
        window_end_month=10,
        planned_start=date(2022, 9, 1),
        planned_end=date(2022, 10, 31),
        ticket=f"0.{key}",
        team_size=2,
        status=Visit.Status.MATCHED,
    )
    for number in numbers:
        VisitItem.objects.create(visit=visit, item=plan.items.get(number=number))
    return visit


def _seat(match, visit, inspector, role, seat) -> TeamMember:
    return TeamMember.objects.create(
        matching=match,
        visit=visit,
        inspector=inspector,
        role=role,
        seat=seat,
        pool="治安大队",
        ticket=f"0.{visit.pk}{seat}",
        eligibility="test",
    )


@pytest.fixture
def scene(agency, unit, unit_leader, published_plan) -> Scene:
    entity = Entity.objects.create(agency=agency, public_id="E0001", name="沂源县平安旅馆")
    other_entity = Entity.objects.create(agency=agency, public_id="E0002", name="沂源县顺达旅馆")
    visit = _visit(published_plan, "V1", unit, entity, (11, 12))
    other_visit = _visit(published_plan, "V2", unit, other_entity, (11,))
    match = TeamMatching.objects.create(plan=published_plan, round=1, seed="1" * 20)
    users = [_user(f"member{i}", Role.INSPECTOR, agency, unit) for i in range(3)]
    inspectors = [
        Inspector.objects.create(
            agency=agency,
            unit=unit,
            name=name,
            certificate_number=f"C{i:04d}",
            certificate_valid_until=date(2030, 1, 1),
            user=user,
        )
        for i, (name, user) in enumerate(zip(("王一", "李二", "赵三"), users, strict=True))
    ]
    seats = [
        _seat(match, visit, inspectors[0], TeamMember.Role.LEADER, 1),
        _seat(match, visit, inspectors[1], TeamMember.Role.MEMBER, 2),
    ]
    _seat(match, other_visit, inspectors[2], TeamMember.Role.LEADER, 1)
    other_unit = Unit.objects.create(agency=agency, name="巡特警大队")
    return Scene(
        visit=visit,
        other_visit=other_visit,
        member_a=users[0],
        member_b=users[1],
        other_member=users[2],
        other_leader=_user("leader2", Role.UNIT_LEADER, agency, other_unit),
        seats=seats,
        items={vi.item.number: vi for vi in visit.visit_items.select_related("item")},
        entity=entity,
    )


def complete_content(scene: Scene, *, problem_at: int | None = None, **changes) -> ResultInput:
    """Every checkpoint of items 11 and 12 filled in; a problem at item 11's `problem_at`."""
    items = []
    for number, visit_item in sorted(scene.items.items()):
        count = len(visit_item.item.checkpoints) or 1
        findings = tuple(
            FindingInput(number=n, finding="problem", problem="登记不全")
            if number == 11 and n == problem_at
            else FindingInput(number=n, finding="checked")
            for n in range(1, count + 1)
        )
        items.append(ItemInput(visit_item_id=visit_item.pk, findings=findings))
    values = {
        "way": "on_site",
        "inspected_on": date(2022, 9, 30),
        "present": tuple(seat.pk for seat in scene.seats),
        "representative": "张经理",
        "items": tuple(items),
    }
    values.update(changes)
    return ResultInput(**values)
