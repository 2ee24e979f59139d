from datetime import date

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from spotcheck.accounts.permissions import OtherAgencyError
from spotcheck.audit.models import AuditEntry
from spotcheck.lib.results import ReviewError
from spotcheck.plans.models import PlanItem
from spotcheck.public.actions import public_snapshot
from spotcheck.results import actions
from spotcheck.results.actions import (
    FindingInput,
    ItemInput,
    ResultConflictError,
    ResultInput,
    ResultInputError,
    ResultPermissionError,
)
from spotcheck.results.models import (
    CheckpointFinding,
    ItemResult,
    Measure,
    Result,
    ResultLockedError,
    ResultVersion,
    find_visit_item,
)
from tests.results.conftest import complete_content


def _submitted(scene, content=None):
    result = actions.save_draft(
        visit=scene.visit,
        content=content or complete_content(scene),
        revision=0,
        actor=scene.member_a,
    )
    return actions.submit_result(result=result, actor=scene.member_a)


def _approved(scene, unit_leader, content=None):
    return actions.approve_result(result=_submitted(scene, content), actor=unit_leader)


# --- who may write ---------------------------------------------------------------------------


def test_team_member_saves_a_draft_and_it_is_audited(scene):
    result = actions.save_draft(
        visit=scene.visit, content=complete_content(scene), revision=0, actor=scene.member_a
    )
    assert result.state == "not_entered"
    assert result.revision == 1
    assert result.items.count() == 2
    assert CheckpointFinding.objects.filter(item_result__result=result).count() == 13 + 5
    entry = AuditEntry.objects.filter(action="result.save_draft").get()
    assert entry.actor == "member0"
    assert entry.details["on_behalf"] is False


def test_unit_leader_records_on_behalf_audited(scene, unit_leader):
    actions.save_draft(
        visit=scene.visit, content=complete_content(scene), revision=0, actor=unit_leader
    )
    entry = AuditEntry.objects.filter(action="result.save_draft").get()
    assert entry.actor == "leader"
    assert entry.details["on_behalf"] is True


@pytest.mark.parametrize("who", ["other_member", "other_leader", "supervisor", "coordinator"])
def test_only_the_team_and_its_unit_leader_may_write(scene, who, supervisor, coordinator):
    actor = {"supervisor": supervisor, "coordinator": coordinator}.get(who) or getattr(scene, who)
    with pytest.raises(ResultPermissionError):
        actions.save_draft(
            visit=scene.visit, content=complete_content(scene), revision=0, actor=actor
        )
    assert not Result.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="result.").exists()


def test_other_agency_is_refused(scene, other_users_by_role):
    for user in other_users_by_role.values():
        with pytest.raises(OtherAgencyError):
            actions.save_draft(
                visit=scene.visit, content=complete_content(scene), revision=0, actor=user
            )
    assert not Result.objects.exists()


def test_a_replaced_member_no_longer_writes(scene):
    seat = scene.seats[1]
    seat.replaced_at = "2022-09-01T00:00:00+08:00"
    seat.replaced_reason = "调离"
    seat.save(update_fields=["replaced_at", "replaced_reason"])
    with pytest.raises(ResultPermissionError):
        actions.save_draft(
            visit=scene.visit, content=ResultInput(), revision=0, actor=scene.member_b
        )


def test_present_members_must_be_of_the_visit_team(scene):
    stranger = scene.other_visit.members.get().pk
    content = complete_content(scene, present=(scene.seats[0].pk, stranger))
    with pytest.raises(ResultInputError, match="不是本次检查组的现任成员"):
        actions.save_draft(visit=scene.visit, content=content, revision=0, actor=scene.member_a)
    assert not Result.objects.exists()


def test_bad_checkpoint_number_names_the_item_and_nothing_is_written(scene):
    item = scene.items[12]
    content = ResultInput(
        items=(ItemInput(visit_item_id=item.pk, findings=(FindingInput(number=6),)),)
    )
    with pytest.raises(ResultInputError) as caught:
        actions.save_draft(visit=scene.visit, content=content, revision=0, actor=scene.member_a)
    assert "事项12" in caught.value.errors[0] and "共5项" in caught.value.errors[0]
    assert not Result.objects.exists()


# --- concurrency -----------------------------------------------------------------------------


def test_stale_revision_is_a_conflict_not_an_overwrite(scene):
    first = actions.save_draft(
        visit=scene.visit,
        content=complete_content(scene, representative="甲"),
        revision=0,
        actor=scene.member_a,
    )
    with pytest.raises(ResultConflictError, match="另一名检查人员已修改该结果"):
        actions.save_draft(
            visit=scene.visit,
            content=complete_content(scene, representative="乙"),
            revision=0,
            actor=scene.member_b,
        )
    first.refresh_from_db()
    assert first.representative == "甲"
    second = actions.save_draft(
        visit=scene.visit,
        content=complete_content(scene, representative="乙"),
        revision=first.revision,
        actor=scene.member_b,
    )
    assert second.representative == "乙" and second.revision == 2


# --- review ----------------------------------------------------------------------------------


def test_submit_refuses_incomplete_content_naming_item_and_checkpoint(scene):
    item = scene.items[11]
    content = complete_content(scene)
    partial = ItemInput(
        visit_item_id=item.pk, findings=(FindingInput(number=1, finding="checked"),)
    )
    content = ResultInput(**{**content.__dict__, "items": (partial, content.items[1])})
    result = actions.save_draft(
        visit=scene.visit, content=content, revision=0, actor=scene.member_a
    )
    with pytest.raises(ResultInputError) as caught:
        actions.submit_result(result=result, actor=scene.member_a)
    assert any("事项11" in e and "第2项检查要点" in e for e in caught.value.errors)
    result.refresh_from_db()
    assert result.state == "not_entered"


def test_fewer_members_present_than_the_minimum_is_refused(scene, settings):
    content = complete_content(scene, present=(scene.seats[0].pk,))
    result = actions.save_draft(
        visit=scene.visit, content=content, revision=0, actor=scene.member_a
    )
    with pytest.raises(ResultInputError, match="至少须2人"):
        actions.submit_result(result=result, actor=scene.member_a)
    settings.SPOTCHECK_MIN_MEMBERS_PRESENT = 1
    assert actions.submit_result(result=result, actor=scene.member_a).state == "pending"


def test_only_the_legal_transitions(scene, unit_leader, supervisor):
    result = actions.save_draft(
        visit=scene.visit, content=complete_content(scene), revision=0, actor=scene.member_a
    )
    with pytest.raises(ReviewError):
        actions.approve_result(result=result, actor=unit_leader)  # not submitted
    result = actions.submit_result(result=result, actor=scene.member_a)
    with pytest.raises(ResultPermissionError):
        actions.approve_result(result=result, actor=scene.member_a)  # members do not review
    with pytest.raises(ResultPermissionError):
        actions.approve_result(result=result, actor=supervisor)
    with pytest.raises(ResultPermissionError):
        actions.approve_result(result=result, actor=scene.other_leader)
    with pytest.raises(ReviewError, match="退回意见"):
        actions.return_result(result=result, opinion=" ", actor=unit_leader)
    with pytest.raises(ReviewError):
        actions.submit_result(result=result, actor=scene.member_a)  # already pending
    with pytest.raises(ValueError, match="待审核"):
        actions.save_draft(
            visit=scene.visit, content=complete_content(scene), revision=2, actor=scene.member_a
        )
    result = actions.return_result(result=result, opinion="请补充现场照片", actor=unit_leader)
    assert result.state == "returned" and result.last_opinion == "请补充现场照片"
    result = actions.save_draft(
        visit=scene.visit,
        content=complete_content(scene, representative="李经理"),
        revision=result.revision,
        actor=scene.member_b,
    )
    result = actions.submit_result(result=result, actor=scene.member_b)
    result = actions.approve_result(result=result, actor=unit_leader)
    assert result.state == "approved"
    with pytest.raises(ReviewError):
        actions.approve_result(result=result, actor=unit_leader)
    steps = list(
        AuditEntry.objects.filter(action__startswith="result.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert steps == [
        "result.save_draft",
        "result.submit",
        "result.return",
        "result.save_draft",
        "result.submit",
        "result.approve",
    ]


def test_approved_result_is_locked_at_model_queryset_and_admin(scene, unit_leader):
    result = _approved(scene, unit_leader)
    result.representative = "改过的人"
    with pytest.raises(ResultLockedError):
        result.save()
    with pytest.raises(ResultLockedError):
        Result.objects.filter(pk=result.pk).update(representative="改过的人")
    with pytest.raises(ResultLockedError):
        Result.objects.filter(pk=result.pk).delete()
    with pytest.raises(ResultLockedError):
        result.delete()
    item = ItemResult.objects.filter(result=result).first()
    item.chosen_category = "not_disclosed"
    with pytest.raises(ResultLockedError):
        item.save()
    finding = CheckpointFinding.objects.filter(item_result__result=result).first()
    finding.note = "改"
    with pytest.raises(ResultLockedError):
        finding.save()
    with pytest.raises(ResultLockedError):
        CheckpointFinding.objects.filter(item_result__result=result).update(note="改")
    with pytest.raises(ResultLockedError):
        ItemResult.objects.all().delete()
    with pytest.raises(ValueError, match="已锁定"):
        actions.save_draft(
            visit=scene.visit,
            content=complete_content(scene),
            revision=result.revision,
            actor=scene.member_a,
        )
    version = result.versions.get()
    version.reason = "改"
    with pytest.raises(ResultLockedError):
        version.save()
    request = RequestFactory().get("/admin/")
    request.user = unit_leader
    for model in (Result, ItemResult, CheckpointFinding, Measure, ResultVersion):
        admin = site._registry[model]
        assert not admin.has_change_permission(request, result)
        assert not admin.has_delete_permission(request, result)
        assert not admin.has_add_permission(request)
    stored = Result.objects.get(pk=result.pk)
    assert stored.representative == "张经理"


def test_amendment_keeps_both_versions(scene, unit_leader):
    result = _approved(scene, unit_leader)
    with pytest.raises(ReviewError, match="理由"):
        actions.amend_result(
            result=result, reason="", content=complete_content(scene), actor=scene.member_a
        )
    amended = actions.amend_result(
        result=result,
        reason="在场人员姓名录错",
        content=complete_content(scene, representative="张明"),
        actor=scene.member_a,
    )
    assert amended.state == "pending" and amended.version == 2
    amended = actions.approve_result(result=amended, actor=unit_leader)
    first, second = ResultVersion.objects.filter(result=result).order_by("number")
    assert first.snapshot["representative"] == "张经理" and first.reason == ""
    assert second.snapshot["representative"] == "张明"
    assert second.reason == "在场人员姓名录错" and second.amended_by == "member0"
    assert len(first.snapshot["items"][0]["findings"]) == 13
    entry = AuditEntry.objects.get(action="result.amend")
    assert entry.details["from_version"] == 1 and entry.details["to_version"] == 2


def test_a_failed_amendment_leaves_the_approved_result_untouched(scene, unit_leader):
    result = _approved(scene, unit_leader)
    with pytest.raises(ResultInputError):
        actions.amend_result(
            result=result,
            reason="更正",
            content=complete_content(scene, representative=""),
            actor=scene.member_a,
        )
    stored = Result.objects.get(pk=result.pk)
    assert stored.state == "approved" and stored.version == 1
    assert stored.representative == "张经理"


# --- deadlines -------------------------------------------------------------------------------


def test_deadline_across_the_2022_national_day_holiday(scene):
    # 10-01..10-07 off, Saturday 10-08 and Sunday 10-09 are make-up working days:
    # the 20th working day after 2022-09-30 is 2022-11-02.
    result = actions.save_draft(
        visit=scene.visit, content=complete_content(scene), revision=0, actor=scene.member_a
    )
    assert result.due_on == date(2022, 11, 2)
    assert result.due_warning == ""


def test_deadline_setting_and_uncovered_year_warns(scene, settings):
    settings.SPOTCHECK_PUBLISH_RESULTS_WORKDAYS = 5
    result = actions.save_draft(
        visit=scene.visit,
        content=ResultInput(inspected_on=date(2027, 3, 1)),
        revision=0,
        actor=scene.member_a,
    )
    assert result.due_on == date(2027, 3, 8)
    assert "2027年" in result.due_warning


# --- measures and categories -----------------------------------------------------------------


def test_category_follows_measures(scene, unit_leader):
    result = actions.save_draft(
        visit=scene.visit,
        content=complete_content(scene, problem_at=3),
        revision=0,
        actor=scene.member_a,
    )
    item11 = result.items.get(visit_item=scene.items[11])
    item12 = result.items.get(visit_item=scene.items[12])
    assert item11.category == "pending_follow_up"
    assert item12.category == "no_problem"
    with pytest.raises(ResultInputError, match="须填写整改期限"):
        actions.add_measure(
            item_result=item11, kind="correction", opened_on=date(2022, 9, 30), actor=scene.member_a
        )
    correction = actions.add_measure(
        item_result=item11,
        kind="correction",
        opened_on=date(2022, 9, 30),
        deadline=date(2022, 10, 20),
        actor=scene.member_a,
    )
    item11.refresh_from_db()
    assert item11.category == "pending_follow_up"
    actions.close_measure(
        measure=correction,
        closed_on=date(2022, 10, 18),
        closing_text="已整改",
        actor=scene.member_b,
    )
    item11.refresh_from_db()
    assert item11.category == "corrected"
    penalty = actions.add_measure(
        item_result=item11,
        kind="penalty",
        opened_on=date(2022, 10, 19),
        case_number="沂公（治）行罚决字〔2022〕101号",
        actor=scene.member_a,
    )
    item11.refresh_from_db()
    assert item11.category == "pending_follow_up"
    actions.close_measure(
        measure=penalty, closed_on=date(2022, 10, 25), closing_text="罚款已缴", actor=unit_leader
    )
    item11.refresh_from_db()
    assert item11.category == "violates_police_rules"
    assert actions.submit_result(result=result, actor=scene.member_a).state == "pending"


def test_closing_a_measure_after_approval_is_an_amendment(scene, unit_leader):
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
        deadline=date(2022, 10, 20),
        actor=scene.member_a,
    )
    actions.submit_result(result=result, actor=scene.member_a)
    result = actions.approve_result(result=result, actor=unit_leader)
    with pytest.raises(ReviewError, match="理由"):
        actions.close_measure(
            measure=measure, closed_on=date(2022, 10, 18), closing_text="已整改", actor=unit_leader
        )
    actions.close_measure(
        measure=measure,
        closed_on=date(2022, 10, 18),
        closing_text="已整改",
        amend_reason="复查已整改",
        actor=scene.member_a,
    )
    result.refresh_from_db()
    assert result.state == "pending" and result.version == 2
    item11.refresh_from_db()
    assert item11.category == "corrected"
    assert result.versions.get().snapshot["items"][0]["category"] == "pending_follow_up"


def test_an_ending_without_checkpoints(scene, unit_leader):
    content = ResultInput(
        way="on_site",
        inspected_on=date(2022, 9, 30),
        present=tuple(s.pk for s in scene.seats),
        ending="unreachable",
    )
    result = actions.save_draft(
        visit=scene.visit, content=content, revision=0, actor=scene.member_a
    )
    result = actions.approve_result(
        result=actions.submit_result(result=result, actor=scene.member_a), actor=unit_leader
    )
    assert set(result.items.values_list("category", flat=True)) == {"unreachable"}
    findings = (FindingInput(number=1, finding="checked"),)
    bad = ResultInput(
        **{
            **content.__dict__,
            "ending": "closed",
            "items": (ItemInput(visit_item_id=scene.items[12].pk, findings=findings),),
        }
    )
    with pytest.raises(ResultInputError, match="不应填写检查要点"):
        actions.amend_result(result=result, reason="对象已停业", content=bad, actor=unit_leader)


def test_an_unnumbered_item_never_takes_a_numbered_items_key(scene, unit_leader):
    """An unnumbered item is keyed "p<position>": at position 11 it no longer collides with item
    11 in the result's snapshot or its published rows; snapshots stored with the bare position
    still find their items, told apart by the item name kept beside the key."""
    numbered, unnumbered = scene.items[11], scene.items[12]
    PlanItem.objects.filter(pk=unnumbered.item_id).update(number=None, position=11)
    unnumbered.item.refresh_from_db()
    assert (actions.item_key(numbered), actions.item_key(unnumbered)) == ("11", "p11")

    result = actions.save_draft(
        visit=scene.visit, content=complete_content(scene), revision=0, actor=scene.member_a
    )
    actions.submit_result(result=result, actor=scene.member_a)
    actions.approve_result(result=result, actor=unit_leader)
    version = result.versions.get()
    assert sorted(i["item"] for i in version.snapshot["items"]) == ["11", "p11"]
    rows = public_snapshot(result, version)["items"]
    assert {r["number"]: r["plan_item"] for r in rows} == {
        "11": numbered.item_id,
        "p11": unnumbered.item_id,
    }

    # a snapshot stored before the "p" keys: both items under "11"
    legacy = ResultVersion(
        result=result,
        number=1,
        snapshot={
            **version.snapshot,
            "items": [{**entry, "item": "11"} for entry in version.snapshot["items"]],
        },
    )
    by_name = {r["name"]: r["plan_item"] for r in public_snapshot(result, legacy)["items"]}
    assert by_name == {
        numbered.item.name: numbered.item_id,
        unnumbered.item.name: unnumbered.item_id,
    }
    keyed = {actions.item_key(vi): vi for vi in (numbered, unnumbered)}
    assert find_visit_item(keyed, "11", name="改过名的事项") == numbered
    assert find_visit_item(keyed, "p11", name="改过名的事项") == unnumbered
    assert find_visit_item(keyed, "12") is None
