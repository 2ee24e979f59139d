"""责令改正 creates a re-check (复查) visit of the same entity and item, with a team matched by
the round's rules (the original team counts as the last inspectors); the approved re-check
closes the measure as corrected."""

from datetime import date

import pytest

from spotcheck.audit.models import AuditEntry
from spotcheck.inspections.actions import match_recheck_team, recheck_seed
from spotcheck.inspections.actions.common import InspectionError
from spotcheck.inspections.integrity import matching_problems
from spotcheck.inspections.models import Visit
from spotcheck.registry.models import Inspector, Recusal
from spotcheck.results import actions
from spotcheck.results.actions import FindingInput, ItemInput, ResultInput
from spotcheck.results.models import ItemResult
from tests.results.conftest import complete_content

DEADLINE = date(2022, 10, 20)


def _officer(scene, name, number, **extra):
    values = {
        "agency": scene.entity.agency,
        "unit": scene.visit.responsible_unit,
        "name": name,
        "certificate_number": number,
        "certificate_valid_until": date(2030, 1, 1),
    }
    values.update(extra)
    return Inspector.objects.create(**values)


@pytest.fixture
def officers(scene):
    """Enough officers in the unit for a re-check team: two eligible, one recused from the
    entity, one whose certificate ends inside the re-check window, one inactive."""
    eligible = [_officer(scene, "孙四", "C0100"), _officer(scene, "周五", "C0101")]
    recused = _officer(scene, "吴六", "C0102")
    Recusal.objects.create(
        inspector=recused, entity=scene.entity, reason="kin", valid_from=date(2022, 1, 1)
    )
    expired = _officer(scene, "郑七", "C0103", certificate_valid_until=date(2022, 10, 25))
    inactive = _officer(scene, "冯八", "C0104", is_active=False)
    return {"eligible": eligible, "excluded": [recused, expired, inactive]}


def _correction(scene, actor=None):
    result = actions.save_draft(
        visit=scene.visit,
        content=complete_content(scene, problem_at=1),
        revision=0,
        actor=scene.member_a,
    )
    item11 = result.items.get(visit_item=scene.items[11])
    measure = actions.add_measure(
        item_result=item11,
        kind="correction",
        opened_on=date(2022, 9, 30),
        deadline=DEADLINE,
        actor=actor or scene.member_a,
    )
    return result, measure


def test_correction_creates_a_matched_recheck_by_the_rules(scene, officers, settings):
    settings.SPOTCHECK_RECHECK_WINDOW_DAYS = 10
    _, measure = _correction(scene)
    visit = measure.recheck_visit
    assert visit is not None and visit.recheck_of == scene.visit
    assert visit.visit_key == "V1/复查1" and visit.entity == scene.entity
    assert [vi.item.number for vi in visit.visit_items.all()] == [11]
    assert (visit.planned_start, visit.planned_end) == (date(2022, 10, 21), date(2022, 10, 30))
    assert visit.status == Visit.Status.MATCHED
    team = {m.inspector for m in visit.current_members()}
    # The original team (the last inspectors), the recused, the expired and the inactive
    # never serve; two of the eligible officers do.
    allowed = set(officers["eligible"]) | {scene.other_visit.current_members().get().inspector}
    assert len(team) == 2 and team <= allowed
    match = visit.members.first().matching
    assert match.seed == recheck_seed("1" * 20, "V1/复查1")
    assert match.seed_source["original_visit"] == "V1"
    # Its record checks against the stored rows (the re-check visit is found without a round).
    assert matching_problems(match, use_cache=False) == []
    entry = AuditEntry.objects.get(action="inspections.create_recheck_visit")
    assert entry.details["matched"] is True
    assert AuditEntry.objects.filter(action="inspections.match_recheck_team").count() == 1


def test_without_enough_eligible_officers_the_recheck_waits(scene):
    _, measure = _correction(scene)
    visit = measure.recheck_visit
    assert visit.status == Visit.Status.PLANNED and not visit.members.exists()
    entry = AuditEntry.objects.get(action="inspections.create_recheck_visit")
    assert entry.details["matched"] is False and entry.details["unmatched_reason"]
    # Matched later, once officers are there; never twice.
    _officer(scene, "孙四", "C0100")
    _officer(scene, "周五", "C0101")
    match_recheck_team(visit=visit, actor="console")
    numbers = {m.inspector.certificate_number for m in visit.current_members()}
    assert len(numbers) == 2 and not numbers & {"C0000", "C0001"}
    with pytest.raises(InspectionError, match="已经匹配"):
        match_recheck_team(visit=visit, actor="console")


def test_other_measures_create_no_recheck(scene, officers):
    result, _ = _correction(scene)
    item11 = result.items.get(visit_item=scene.items[11])
    penalty = actions.add_measure(
        item_result=item11,
        kind="penalty",
        opened_on=date(2022, 9, 30),
        case_number="沂公（治）行罚决字〔2022〕1号",
        actor=scene.member_a,
    )
    assert penalty.recheck_visit is None
    assert Visit.objects.filter(recheck_of=scene.visit).count() == 1


def _record_recheck(visit, *, problem: bool):
    seats = list(visit.current_members())
    officer_users = []
    for seat in seats:
        from spotcheck.accounts.models import Role, User

        user = User.objects.create_user(
            username=f"u{seat.inspector.certificate_number}",
            password="x-password-123",
            role=Role.INSPECTOR,
            agency=visit.plan.agency,
            unit=visit.responsible_unit,
        )
        seat.inspector.user = user
        seat.inspector.save()
        officer_users.append(user)
    vi = visit.visit_items.get()
    count = len(vi.item.checkpoints) or 1
    findings = tuple(
        FindingInput(
            number=n,
            finding="problem" if problem and n == 1 else "checked",
            problem="仍未整改" if problem and n == 1 else "",
        )
        for n in range(1, count + 1)
    )
    content = ResultInput(
        way="on_site",
        inspected_on=date(2022, 10, 25),
        present=tuple(s.pk for s in seats),
        representative="张经理",
        items=(ItemInput(visit_item_id=vi.pk, findings=findings),),
    )
    result = actions.save_draft(visit=visit, content=content, revision=0, actor=officer_users[0])
    if problem:
        actions.add_measure(
            item_result=result.items.get(),
            kind="penalty",
            opened_on=date(2022, 10, 25),
            case_number="沂公（治）行罚决字〔2022〕2号",
            actor=officer_users[0],
        )
    return actions.submit_result(result=result, actor=officer_users[0])


def test_approved_clean_recheck_closes_the_correction(scene, officers, unit_leader):
    original, measure = _correction(scene)
    actions.submit_result(result=original, actor=scene.member_a)
    actions.approve_result(result=original, actor=unit_leader)
    recheck = _record_recheck(measure.recheck_visit, problem=False)
    actions.approve_result(result=recheck, actor=unit_leader)
    measure.refresh_from_db()
    assert measure.closed_on == date(2022, 10, 25)
    assert "复查（V1/复查1" in measure.closing_text
    original.refresh_from_db()
    # The original was approved: closing is an amendment, reviewed again, category follows.
    assert (original.state, original.version) == ("pending", 2)
    assert "复查结果已审核" in original.amend_reason
    assert ItemResult.objects.get(pk=measure.item_result_id).category == "corrected"


def test_recheck_with_problems_leaves_the_correction_open(scene, officers, unit_leader):
    original, measure = _correction(scene)
    recheck = _record_recheck(measure.recheck_visit, problem=True)
    actions.approve_result(result=recheck, actor=unit_leader)
    measure.refresh_from_db()
    assert measure.closed_on is None
    # Closed by hand instead.
    actions.close_measure(
        measure=measure,
        closed_on=date(2022, 11, 5),
        closing_text="二次复查已整改",
        actor=scene.member_a,
    )
    assert ItemResult.objects.get(pk=measure.item_result_id).category == "corrected"


def test_recheck_is_shown_on_the_result_pages(client, scene, officers):
    _, measure = _correction(scene)
    client.force_login(scene.member_a)
    from django.urls import reverse

    page = client.get(reverse("results:visit", args=[scene.visit.pk])).content.decode()
    assert "V1/复查1" in page
    leader = scene.visit.responsible_unit
    assert leader is not None
    recheck = measure.recheck_visit
    client.force_login(scene.member_a)
    page = client.get(reverse("results:visit", args=[recheck.pk])).content.decode()
    assert "复查" in page and "V1" in page
