"""The audit trail page: the chain's verification result at the top, filters by object, user
and date, the agency's entries only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from spotcheck.accounts.models import Role
from spotcheck.audit.models import AuditEntry, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(agency, coordinator, other_users_by_role, other_agency):
    with transaction.atomic():
        record(actor=coordinator, action="test.own", obj=agency, details={"n": 1})
        record(actor=coordinator, action="test.mine", details={"n": 2})
        stranger = other_users_by_role[Role.COORDINATOR]
        record(actor=stranger, action="test.theirs", obj=other_agency, details={"n": 3})
        record(actor="cli", action="test.console", obj=other_agency, details={"n": 4})
        record(actor="cli", action="test.console_own", obj=agency, details={"n": 5})


def actions(response) -> set[str]:
    return {e.action for e in response.context["page"]}


def test_supervisor_reads_the_agencys_trail_with_the_chain_verified(client, supervisor, trail):
    client.force_login(supervisor)
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "链式校验通过" in html and html.index("链式校验通过") < html.index("test.own")
    assert actions(response) == {"test.own", "test.mine", "test.console_own"}


def test_filters_by_object_user_and_date(client, supervisor, coordinator, agency, trail):
    client.force_login(supervisor)
    url = reverse("audit:list")
    assert actions(client.get(url, {"obj": agency.name})) == {"test.own", "test.console_own"}
    assert actions(client.get(url, {"user": "cli"})) == {"test.console_own"}
    assert actions(client.get(url, {"user": coordinator.username})) == {"test.own", "test.mine"}
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert actions(client.get(url, {"since": tomorrow})) == set()
    assert len(actions(client.get(url, {"until": timezone.localdate()}))) == 3


def test_a_broken_chain_is_reported_at_the_top(client, supervisor, trail):
    entry = AuditEntry.objects.get(action="test.mine")
    AuditEntry.objects.filter(pk=entry.pk).update(details={"n": 99})
    client.force_login(supervisor)
    html = client.get(reverse("audit:list")).content.decode()
    assert "链式校验未通过" in html and f"第{entry.seq}条" in html


@pytest.mark.parametrize("role", [Role.UNIT_LEADER, Role.INSPECTOR])
def test_other_roles_are_refused(client, users_by_role, role):
    client.force_login(users_by_role[role])
    assert client.get(reverse("audit:list")).status_code == 403
