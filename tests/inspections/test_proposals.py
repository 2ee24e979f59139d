"""Joint proposals show the items they would merge and can be accepted or declined; a declined
proposal stays declined when the round's visits are rebuilt."""

from __future__ import annotations

import pytest
from django.urls import reverse

from spotcheck.audit.models import AuditEntry
from spotcheck.inspections.actions import (
    InspectionError,
    accept_joint_visit,
    build_visits,
    decline_joint_visit,
)
from spotcheck.inspections.models import JointProposal, Visit

# Round one's draws are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_round")]


@pytest.fixture
def proposal(published_plan, executed_draws, coordinator):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    return JointProposal.objects.get()


def test_a_proposal_names_its_items(proposal):
    items = proposal.items()
    assert len(items) >= 2
    keys = set(proposal.visit_keys)
    expected = {
        vi.item.pk
        for v in Visit.objects.filter(visit_key__in=keys)
        for vi in v.visit_items.select_related("item")
    }
    assert {i.pk for i in items} == expected


def test_declined_proposal_keeps_visits_apart_and_survives_a_rebuild(
    proposal, published_plan, coordinator
):
    visits_before = Visit.objects.count()
    decline_joint_visit(proposal=proposal, actor=coordinator)
    assert AuditEntry.objects.filter(action="inspections.decline_joint_visit").count() == 1
    build_visits(plan=published_plan, round=1, actor=coordinator)
    again = JointProposal.objects.get()
    assert again.pk == proposal.pk and again.is_declined
    assert Visit.objects.count() == visits_before
    with pytest.raises(InspectionError, match="不予合并"):
        accept_joint_visit(proposal=again, actor=coordinator)
    with pytest.raises(InspectionError, match="不予合并"):
        decline_joint_visit(proposal=again, actor=coordinator)


def test_round_page_shows_item_names_and_both_choices(client, proposal, coordinator):
    client.force_login(coordinator)
    url = reverse("inspections:round", args=[proposal.plan.pk, 1])
    html = client.get(url).content.decode()
    for item in proposal.items():
        assert item.name in html
    assert reverse("inspections:decline", args=[proposal.pk]) in html
    assert reverse("inspections:accept", args=[proposal.pk]) in html
    response = client.post(reverse("inspections:decline", args=[proposal.pk]), follow=True)
    assert "不予合并" in response.content.decode()
    assert JointProposal.objects.get().is_declined
