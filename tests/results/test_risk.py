"""Results feed risk: an approved result with problems proposes a higher risk level for the
entity (a clean one a lower level when the setting says so); the coordinator accepts or
rejects it on /results/risk/; an accepted change enters the entity's history with the result
as its source."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from spotcheck.audit.models import AuditEntry
from spotcheck.registry.models import Entity, EntityHistory
from spotcheck.results import actions
from spotcheck.results.models import RiskProposal
from tests.results.conftest import complete_content


def _approved(scene, unit_leader, *, problem: bool):
    result = actions.save_draft(
        visit=scene.visit,
        content=complete_content(scene, problem_at=1 if problem else None),
        revision=0,
        actor=scene.member_a,
    )
    if problem:
        actions.add_measure(
            item_result=result.items.get(visit_item=scene.items[11]),
            kind="penalty",
            opened_on=date(2022, 9, 30),
            case_number="沂公（治）行罚决字〔2022〕5号",
            actor=scene.member_a,
        )
    actions.submit_result(result=result, actor=scene.member_a)
    return actions.approve_result(result=result, actor=unit_leader)


def _set_level(entity, level):
    Entity.objects.filter(pk=entity.pk).update(risk_level=level)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_problems_propose_one_level_higher_and_acceptance_enters_history(
    scene, unit_leader, coordinator
):
    _set_level(scene.entity, "medium_low")
    result = _approved(scene, unit_leader, problem=True)
    proposal = RiskProposal.objects.get()
    assert (proposal.current_level, proposal.proposed_level) == ("medium_low", "medium")
    assert proposal.result == result and proposal.state == "open"
    assert "发现问题待后续处理" in proposal.reason
    assert AuditEntry.objects.filter(action="result.propose_risk").count() == 1

    page = _client(coordinator).get(reverse("results:risk")).content.decode()
    assert scene.entity.name in page and "中低风险" in page and "中风险" in page
    response = _client(coordinator).post(
        reverse("results:risk_decide"),
        {"proposal": proposal.pk, "decision": "accept", "note": "同意"},
        follow=True,
    )
    assert "已采纳" in response.content.decode()
    entity = Entity.objects.get(pk=scene.entity.pk)
    assert entity.risk_level == "medium" and entity.risk_reason == proposal.reason
    history = EntityHistory.objects.get(entity=entity, action="risk")
    assert history.changes["risk_level"] == ["medium_low", "medium"]
    assert "V1" in history.source and f"结果编号{result.pk}" in history.source
    assert history.actor == "coord"
    proposal.refresh_from_db()
    assert proposal.state == "accepted" and proposal.decided_by == coordinator
    assert AuditEntry.objects.filter(action="result.risk_accept").count() == 1
    assert AuditEntry.objects.filter(action="registry.entity.set_risk").count() == 1
    # One moment: the decision, the entity's change, its history and both audit entries.
    accepted = AuditEntry.objects.get(action="result.risk_accept").created_at
    assert accepted == proposal.decided_at == entity.updated_at == history.changed_at
    assert AuditEntry.objects.get(action="registry.entity.set_risk").created_at == accepted
    # The entity page shows the change and its source.
    page = _client(coordinator).get(reverse("registry:entity", args=[entity.pk])).content.decode()
    assert history.source in page
    # Decided once.
    with pytest.raises(ValueError, match="已于"):
        actions.decide_risk_proposal(proposal=proposal, accept=False, actor=coordinator)


def test_rejection_leaves_the_entity_unchanged(scene, unit_leader, coordinator):
    _set_level(scene.entity, "low")
    _approved(scene, unit_leader, problem=True)
    proposal = RiskProposal.objects.get()
    _client(coordinator).post(
        reverse("results:risk_decide"),
        {"proposal": proposal.pk, "decision": "reject", "note": "问题已当场整改"},
    )
    proposal.refresh_from_db()
    assert proposal.state == "rejected" and proposal.decision_note == "问题已当场整改"
    assert Entity.objects.get(pk=scene.entity.pk).risk_level == "low"
    assert not EntityHistory.objects.filter(action="risk").exists()
    assert AuditEntry.objects.filter(action="result.risk_reject").count() == 1


def test_unrated_with_problems_proposes_medium(scene, unit_leader):
    _set_level(scene.entity, "")
    _approved(scene, unit_leader, problem=True)
    assert RiskProposal.objects.get().proposed_level == "medium"


def test_a_clean_result_proposes_lower_only_when_the_setting_says(scene, unit_leader, settings):
    _set_level(scene.entity, "medium")
    _approved(scene, unit_leader, problem=False)
    assert not RiskProposal.objects.exists()


def test_a_clean_result_proposes_lower_with_the_setting(scene, unit_leader, settings):
    settings.SPOTCHECK_RISK_LOWER_WHEN_CLEAN = True
    _set_level(scene.entity, "medium")
    _approved(scene, unit_leader, problem=False)
    proposal = RiskProposal.objects.get()
    assert (proposal.current_level, proposal.proposed_level) == ("medium", "medium_low")


def test_a_stale_proposal_cannot_be_accepted(scene, unit_leader, coordinator):
    _set_level(scene.entity, "low")
    _approved(scene, unit_leader, problem=True)
    _set_level(scene.entity, "high")
    proposal = RiskProposal.objects.get()
    with pytest.raises(ValueError, match="已过时"):
        actions.decide_risk_proposal(proposal=proposal, accept=True, actor=coordinator)
    assert Entity.objects.get(pk=scene.entity.pk).risk_level == "high"


def test_who_may_decide(scene, unit_leader, supervisor, coordinator, other_users_by_role):
    _set_level(scene.entity, "low")
    _approved(scene, unit_leader, problem=True)
    proposal = RiskProposal.objects.get()
    for user in (unit_leader, supervisor, scene.member_a):
        assert _client(user).get(reverse("results:risk")).status_code == 403
        response = _client(user).post(
            reverse("results:risk_decide"), {"proposal": proposal.pk, "decision": "accept"}
        )
        assert response.status_code == 403
        with pytest.raises(PermissionDenied):
            actions.decide_risk_proposal(proposal=proposal, accept=True, actor=user)
    # Another agency's coordinator neither sees nor decides it.
    other = other_users_by_role["coordinator"]
    page = _client(other).get(reverse("results:risk")).content.decode()
    assert scene.entity.name not in page
    response = _client(other).post(
        reverse("results:risk_decide"),
        {"proposal": proposal.pk, "decision": "accept"},
        follow=True,
    )
    assert "没有找到该风险等级调整建议" in response.content.decode()
    with pytest.raises(PermissionDenied):
        actions.decide_risk_proposal(proposal=proposal, accept=True, actor=other)
    proposal.refresh_from_db()
    assert proposal.state == "open"
    assert Entity.objects.get(pk=scene.entity.pk).risk_level == "low"
