"""Agency scoping of visits and teams: the initiating agency manages its round; a cooperating
department's users see the joint visits they take part in and nothing else; another agency
sees none of it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from spotcheck.accounts.models import Role, Unit, User
from spotcheck.inspections.actions import (
    build_visits,
    replace_team_member,
)
from spotcheck.inspections.models import TeamMember, Visit
from spotcheck.inspections.selectors import visits_for_user
from spotcheck.registry.models import Entity
from tests.conftest import round_one_matched

# Round one's draws, visits and teams are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_teams")]


@pytest.fixture
def matched(request, published_plan, executed_draws, coordinator):
    return round_one_matched(request, published_plan, coordinator)


def test_other_agency_reaches_no_visit_or_round(
    client, matched, published_plan, other_users_by_role
):
    visit = Visit.objects.first()
    member = TeamMember.objects.filter(visit=visit).first()
    for role in (Role.COORDINATOR, Role.SUPERVISOR):
        user = other_users_by_role[role]
        client.force_login(user)
        assert not visits_for_user(user).exists()
        assert client.get(visit.get_absolute_url()).status_code == 404
        assert visit.entity_name not in client.get(reverse("inspections:list")).content.decode()
        assert visit.entity_name not in client.get(reverse("inspections:print")).content.decode()
    client.force_login(other_users_by_role[Role.COORDINATOR])
    url = reverse("inspections:replace", args=[member.pk])
    assert client.post(url, {"reason": "因病"}).status_code == 404
    assert TeamMember.objects.get(pk=member.pk).is_current
    with pytest.raises(PermissionDenied):
        replace_team_member(
            member=member, reason="因病", actor=other_users_by_role[Role.COORDINATOR]
        )
    with pytest.raises(PermissionDenied):
        build_visits(plan=published_plan, round=1, actor=other_users_by_role[Role.COORDINATOR])


@pytest.fixture
def housing_users(housing, matched):
    """The cooperating department's coordinator, and one of its officers with an account."""
    coordinator = User.objects.create_user(
        "housing-coord", password="x-password-1", role=Role.COORDINATOR, agency=housing
    )
    seat = TeamMember.objects.filter(inspector__agency=housing, replaced_at__isnull=True).first()
    officer = User.objects.create_user(
        "housing-officer",
        password="x-password-1",
        role=Role.INSPECTOR,
        agency=housing,
        unit=seat.inspector.unit,
    )
    seat.inspector.user = officer
    seat.inspector.save(update_fields=["user"])
    return {"coordinator": coordinator, "officer": officer, "seat": seat}


def test_cooperating_department_sees_only_its_joint_visits(client, housing, housing_users):
    joint = Visit.objects.filter(cooperating_agencies=housing)
    assert joint.exists() and Visit.objects.exclude(cooperating_agencies=housing).exists()
    coordinator = housing_users["coordinator"]
    assert set(visits_for_user(coordinator)) == set(joint)
    client.force_login(coordinator)
    assert client.get(joint.first().get_absolute_url()).status_code == 200
    other = Visit.objects.exclude(cooperating_agencies=housing).first()
    assert client.get(other.get_absolute_url()).status_code == 404
    plan = joint.first().plan
    # It cannot manage the initiating agency's round, nor read its entity directory.
    assert client.get(reverse("inspections:round", args=[plan.pk, 1])).status_code == 404
    schedule = client.post(
        reverse("inspections:schedule", args=[joint.first().pk]),
        {"start": "2022-06-06", "end": "2022-06-08"},
    )
    assert schedule.status_code == 403
    entity = Entity.objects.filter(agency=plan.agency).first()
    assert client.get(reverse("registry:entity", args=[entity.pk])).status_code == 404
    # Its officer sees the visit they sit in, and only that (their unit is not responsible
    # for any visit).
    officer = housing_users["officer"]
    seated = housing_users["seat"].visit
    assert not Unit.objects.get(pk=officer.unit_id).visits.exists()
    seats = Visit.objects.filter(
        members__inspector=housing_users["seat"].inspector, members__replaced_at__isnull=True
    )
    assert set(visits_for_user(officer)) == set(seats) and seated in seats
    assert set(seats) <= set(joint)
    client.force_login(officer)
    assert client.get(seated.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404


def test_unit_leader_and_inspector_see_their_units_visits(unit_leader, inspector_user, matched):
    own = set(Visit.objects.filter(responsible_unit=unit_leader.unit))
    assert own
    assert own <= set(visits_for_user(unit_leader))
    assert set(visits_for_user(inspector_user)) == own  # no account linked to a seat
    seated_elsewhere = set(
        Visit.objects.filter(
            members__inspector__unit=unit_leader.unit, members__replaced_at__isnull=True
        ).exclude(responsible_unit=unit_leader.unit)
    )
    assert set(visits_for_user(unit_leader)) == own | seated_elsewhere
