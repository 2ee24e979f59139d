"""The demo's first round, played to the end (issue 9, "Done when"): the demo county's 2022 plan
drawn at one ceremony, its visits built and their teams matched (the inspections tests'
fixtures); then every visit is notified and recorded, one of each ending without checkpoints,
one result returned once, all approved, and one amended with both versions kept."""

from __future__ import annotations

import pytest
from django.utils import timezone

from spotcheck.accounts.models import Role, User
from spotcheck.audit.models import AuditEntry, verify_chain
from spotcheck.inspections.actions import (
    build_visits,
    issue_notice,
    match_teams_for_round,
    record_delivery,
)
from spotcheck.inspections.models import Notice, Visit
from spotcheck.results import actions
from spotcheck.results.actions import FindingInput, ItemInput, ResultInput
from spotcheck.results.models import Result, ResultVersion
from tests.inspections.conftest import county, directory, executed_draws, housing  # noqa: F401

pytestmark = pytest.mark.django_db

ENDINGS = ("unreachable", "closed", "deregistered", "obstructed", "no_relevant_activity")


@pytest.fixture
def round_one(unit, published_plan, executed_draws, coordinator):  # noqa: F811
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    return list(
        Visit.objects.filter(plan=published_plan, round=1)
        .select_related("responsible_unit")
        .order_by("pk")
    )


def content(visit: Visit, *, ending: str = "", note: str = "") -> ResultInput:
    today = timezone.localdate()
    present = tuple(m.pk for m in visit.current_members()[:2])
    items = ()
    if not ending:
        items = tuple(
            ItemInput(
                visit_item_id=vi.pk,
                findings=tuple(
                    FindingInput(number=n, finding="checked", note=note if n == 1 else "")
                    for n in range(1, len(actions.checkpoint_texts(vi)) + 1)
                ),
            )
            for vi in visit.visit_items.select_related("item")
        )
    return ResultInput(
        way="on_site",
        inspected_on=today,
        present=present,
        representative="" if ending else "负责人",
        ending=ending,
        items=items,
    )


def test_the_demo_first_round_to_the_end(round_one, coordinator):
    visits = round_one
    assert len(visits) >= 8
    leaders = {
        unit.pk: User.objects.create_user(
            username=f"leader-{unit.pk}",
            password="x-password-123",
            role=Role.UNIT_LEADER,
            agency=unit.agency,
            unit=unit,
        )
        for unit in {v.responsible_unit for v in visits}
    }
    for index, visit in enumerate(visits):
        leader = leaders[visit.responsible_unit_id]
        notice = issue_notice(visit=visit, actor=leader)
        unannounced = index == len(visits) - 1
        record_delivery(
            notice=notice,
            method="unannounced" if unannounced else "in_person",
            delivered_at=None if unannounced else timezone.now(),
            actor=leader,
        )
        ending = ENDINGS[index] if index < len(ENDINGS) else ""
        result = actions.save_draft(
            visit=visit, content=content(visit, ending=ending), revision=0, actor=leader
        )
        actions.submit_result(result=result, actor=leader)
        if index == len(ENDINGS):  # returned once, corrected, submitted again
            actions.return_result(result=result, opinion="请补充第1项备注", actor=leader)
            result.refresh_from_db()
            result = actions.save_draft(
                visit=visit,
                content=content(visit, note="已核对"),
                revision=result.revision,
                actor=leader,
            )
            actions.submit_result(result=result, actor=leader)
        actions.approve_result(result=result, actor=leader)

    amended_visit = visits[len(ENDINGS) + 1]
    leader = leaders[amended_visit.responsible_unit_id]
    result = Result.objects.get(visit=amended_visit)
    actions.amend_result(
        result=result,
        reason="第1项漏记备注",
        content=content(amended_visit, note="补记：现场核对原件"),
        actor=leader,
    )
    actions.approve_result(result=result, actor=leader)

    assert Notice.objects.filter(visit__in=visits).count() == len(visits)
    assert set(Result.objects.values_list("state", flat=True)) == {"approved"}
    assert Result.objects.count() == len(visits)
    endings = set(Result.objects.exclude(ending="").values_list("ending", flat=True))
    assert endings == set(ENDINGS)
    for code in ENDINGS:
        ended = Result.objects.get(ending=code)
        assert set(ended.items.values_list("category", flat=True)) == {code}
    assert AuditEntry.objects.filter(action="result.return").count() == 1
    versions = list(ResultVersion.objects.filter(result__visit=amended_visit).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].reason == "第1项漏记备注"
    first_notes = [item["findings"][0]["note"] for item in versions[0].snapshot["items"]]
    second_notes = [item["findings"][0]["note"] for item in versions[1].snapshot["items"]]
    assert set(first_notes) == {""} and set(second_notes) == {"补记：现场核对原件"}
    clean = Result.objects.filter(ending="").exclude(visit=amended_visit)
    assert set(clean.values_list("items__category", flat=True)) == {"no_problem"}
    assert verify_chain().ok
