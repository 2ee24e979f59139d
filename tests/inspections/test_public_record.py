"""The public matching record does not disclose recusals: every published form (the record's
JSON, the API, draw.json's teams section, the page) names only team members; supervisors get the
lists in an audited verification kit that opens the published commitments."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from spotcheck.audit.models import AuditEntry
from spotcheck.inspections.actions import build_visits, match_teams_for_round
from spotcheck.inspections.exports import draw_document_with_teams
from spotcheck.inspections.models import TeamMember, Visit
from spotcheck.lib import drawdoc, matching
from spotcheck.lib.matching_public import open_document
from spotcheck.registry.models import Inspector, Recusal

# Round one's draws are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_round")]


@pytest.fixture
def recused(published_plan, executed_draws, coordinator):
    """An officer of 网安大队 recused from one drawn entity; then the round is matched."""
    build_visits(plan=published_plan, round=1, actor=coordinator)
    visit = Visit.objects.filter(responsible_unit__name="网安大队").order_by("ticket").first()
    officer = (
        Inspector.objects.filter(unit__name="网安大队", is_active=True)
        .filter(certificate_valid_until__gte=visit.planned_end)
        .order_by("pk")
        .first()
    )
    Recusal.objects.create(
        inspector=officer,
        entity=visit.entity,
        reason=Recusal.Reason.KIN,
        valid_from=visit.planned_start,
    )
    match = match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    return {"match": match, "visit": visit, "officer": officer}


def named(value, ids) -> set[str]:
    text = json.dumps(value, ensure_ascii=False)
    return {i for i in ids if f'"{i}"' in text}


def test_no_published_form_names_anyone_but_the_members(client, recused, executed_draws):
    match, visit, officer = recused["match"], recused["visit"], recused["officer"]
    everyone = set(Inspector.objects.values_list("certificate_number", flat=True))
    members = set(
        TeamMember.objects.filter(matching=match).values_list(
            "inspector__certificate_number", flat=True
        )
    )
    # The stored (full) record is what revealed it: the recused officer is missing from this
    # visit's list while other visits of the pool list them.
    entries = {v["visit_id"]: v for v in match.document["visits"]}
    assert officer.certificate_number not in entries[visit.visit_key]["eligible"]["网安大队"]
    assert any(
        officer.certificate_number in v["eligible"].get("网安大队", []) for v in entries.values()
    )

    record = json.loads(client.get(reverse("public:matching_json", args=[match.pk])).content)
    api = client.get(f"/api/v1/matchings/{match.pk}").json()["document"]
    draw = next(d.draw for d in executed_draws.values() if d.draw.item.number == 8)
    teams = draw_document_with_teams(draw)[drawdoc.TEAMS_KEY]
    served = json.loads(client.get(reverse("public:draw_json", args=[draw.pk])).content)
    for published in (record, api, teams, served[drawdoc.TEAMS_KEY]):
        assert published["format"] == "spotcheck.matching/2"
        assert named(published, everyone) == members
    if officer.certificate_number not in members:
        page = client.get(match.get_absolute_url()).content.decode()
        assert officer.certificate_number not in page
    # The counts are still there (the page promises counts only).
    entry = next(v for v in record["visits"] if v["visit_id"] == visit.visit_key)
    assert entry["excluded"]["recused"] >= 1


def test_the_kit_is_for_supervisors_only_and_audited(
    client, recused, supervisor, coordinator, administrator
):
    match = recused["match"]
    url = reverse("inspections:matching_kit", args=[match.pk])
    assert client.get(url).status_code == 302  # to the login page
    for user in (coordinator, administrator):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(supervisor)
    page = client.get(match.get_absolute_url()).content.decode()
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    kit = json.loads(response.content)
    public = match.public_document()
    opened = open_document(public, kit)
    assert opened == match.document
    assert matching.recompute_document(opened) == opened
    entry = AuditEntry.objects.filter(action="inspections.verification_kit").get()
    assert entry.actor == supervisor.get_username()
