"""Follow-up measures on the result page: who may add and close them, and the category that
follows (发现问题待后续处理 while open, 发现问题已责令改正 / 违反… once closed)."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from spotcheck.audit.models import AuditEntry
from spotcheck.results import actions
from spotcheck.results.models import ItemResult, Measure
from tests.results.conftest import complete_content


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def draft(scene):
    """A draft with a problem at item 11's checkpoint 2."""
    return actions.save_draft(
        visit=scene.visit,
        content=complete_content(scene, problem_at=2),
        revision=0,
        actor=scene.member_a,
    )


def _add(client, scene, **extra):
    data = {
        "visit_item": str(scene.items[11].pk),
        "kind": "correction",
        "opened_on": "2022-09-30",
        "deadline": "2022-10-20",
    }
    data.update(extra)
    return client.post(reverse("results:measure_add", args=[scene.visit.pk]), data, follow=True)


def _close(client, scene, measure, **extra):
    data = {"measure": str(measure.pk), "closed_on": "2022-10-18", "closing_text": "已整改"}
    data.update(extra)
    return client.post(reverse("results:measure_close", args=[scene.visit.pk]), data, follow=True)


def _category(scene) -> str:
    return ItemResult.objects.get(visit_item=scene.items[11]).category


def test_team_adds_and_closes_a_correction_and_the_category_follows(scene, draft, unit_leader):
    member = _client(scene.member_a)
    page = member.get(reverse("results:visit", args=[scene.visit.pk])).content.decode()
    assert "后续处置" in page and "添加措施" in page and "尚无后续处置措施" in page
    response = _add(member, scene)
    assert "已添加后续处置措施" in response.content.decode()
    measure = Measure.objects.get()
    assert (measure.kind, measure.deadline) == ("correction", date(2022, 10, 20))
    assert _category(scene) == "pending_follow_up"
    page = response.content.decode()
    assert "办理中" in page and "整改期限 2022-10-20" in page
    # Labels, never the stored codes.
    assert "<strong>责令改正</strong>" in page and "发现问题待后续处理" in page
    assert "检查结果：pending_follow_up" not in page and ">correction<" not in page
    assert str(measure) == "责令改正（办理中）"

    response = _close(_client(scene.member_b), scene, measure)
    assert "后续处置措施已办结" in response.content.decode()
    assert _category(scene) == "corrected"
    assert "已办结 2022-10-18：已整改" in response.content.decode()

    # A penalty reopens the follow-up; closed, the police sanctioned it.
    _add(_client(unit_leader), scene, kind="penalty", case_number="沂公（治）行罚决字〔2022〕7号")
    assert _category(scene) == "pending_follow_up"
    penalty = Measure.objects.get(kind="penalty")
    _close(_client(unit_leader), scene, penalty, closing_text="罚款已缴")
    assert _category(scene) == "violates_police_rules"
    actions_taken = list(
        AuditEntry.objects.filter(action__in=["result.add_measure", "result.close_measure"])
        .order_by("pk")
        .values_list("action", "actor")
    )
    assert actions_taken == [
        ("result.add_measure", "member0"),
        ("result.close_measure", "member1"),
        ("result.add_measure", "leader"),
        ("result.close_measure", "leader"),
    ]


@pytest.mark.parametrize(
    ("kind", "extra", "error"),
    [
        ("correction", {"deadline": ""}, "须填写整改期限"),
        ("penalty", {}, "须填写案件编号"),
        ("criminal", {}, "须填写案件编号"),
        ("transfer", {}, "须填写接收部门"),
        ("notify", {}, "须填写接收部门"),
        ("other", {}, "须说明措施内容"),
        ("nonsense", {}, "不是可选的措施"),
    ],
)
def test_each_kind_asks_for_its_own_field(scene, draft, kind, extra, error):
    response = _add(_client(scene.member_a), scene, kind=kind, **{"deadline": "", **extra})
    assert error in response.content.decode()
    assert not Measure.objects.exists()


def test_each_kind_with_its_field_is_kept(scene, draft):
    member = _client(scene.member_a)
    _add(member, scene, kind="transfer", agency="县市场监督管理局", deadline="")
    _add(member, scene, kind="notify", agency="县消防救援大队", deadline="")
    _add(member, scene, kind="criminal", case_number="沂公刑立字〔2022〕3号", deadline="")
    _add(member, scene, kind="other", text="约谈负责人", deadline="")
    assert sorted(Measure.objects.values_list("kind", flat=True)) == sorted(
        ["transfer", "notify", "criminal", "other"]
    )
    for measure in Measure.objects.all():
        _close(member, scene, measure)
    # Criminal case among them: the police sanctioned it.
    assert _category(scene) == "violates_police_rules"


def test_no_measure_on_an_item_without_a_problem(scene, draft):
    response = _add(_client(scene.member_a), scene, visit_item=str(scene.items[12].pk))
    assert "未发现问题，不应有后续处置措施" in response.content.decode()
    assert not Measure.objects.exists()


def test_closing_needs_a_date_and_text(scene, draft):
    member = _client(scene.member_a)
    _add(member, scene)
    measure = Measure.objects.get()
    assert "办结日期：未填写" in _close(member, scene, measure, closed_on="").content.decode()
    text = _close(member, scene, measure, closing_text=" ").content.decode()
    assert "办结时须填写办结情况" in text
    measure.refresh_from_db()
    assert measure.closed_on is None


def test_who_may_not_write_measures(scene, draft, supervisor, coordinator, other_users_by_role):
    _add(_client(scene.member_a), scene)
    measure = Measure.objects.get()
    add = reverse("results:measure_add", args=[scene.visit.pk])
    close = reverse("results:measure_close", args=[scene.visit.pk])
    # A member of another team (same unit: sees the visit) is refused with the reason.
    member = _client(scene.other_member)
    text = _add(member, scene, kind="other", text="x").content.decode()
    assert "仅本检查组成员或责任单位负责人可以录入检查结果" in text
    assert "仅本检查组成员" in _close(member, scene, measure).content.decode()
    # The leader of another unit does not even see the visit.
    leader = _client(scene.other_leader)
    assert leader.post(add, {"kind": "other", "text": "x"}).status_code == 404
    assert leader.post(close, {"measure": measure.pk}).status_code == 404
    # The actions refuse both (defence in depth).
    for user in (scene.other_member, scene.other_leader):
        with pytest.raises(actions.ResultPermissionError):
            actions.close_measure(
                measure=measure, closed_on=date(2022, 10, 1), closing_text="x", actor=user
            )
    # Supervisor and coordinator hold no right to write measures.
    for user in (supervisor, coordinator):
        assert _client(user).post(add, {"kind": "other"}).status_code == 403
        assert _client(user).post(close, {"measure": measure.pk}).status_code == 403
    # Another agency: the visit is not found.
    assert _client(other_users_by_role["inspector"]).post(add, {}).status_code == 404
    assert Measure.objects.count() == 1
    measure.refresh_from_db()
    assert measure.closed_on is None
    page = _client(supervisor).get(reverse("results:visit", args=[scene.visit.pk]))
    assert "添加措施" not in page.content.decode() and "责令改正" in page.content.decode()


def test_after_approval_a_measure_is_an_amendment_with_a_reason(scene, draft, unit_leader):
    member = _client(scene.member_a)
    _add(member, scene)
    actions.submit_result(result=draft, actor=scene.member_a)
    actions.approve_result(result=draft, actor=unit_leader)
    page = member.get(reverse("results:visit", args=[scene.visit.pk])).content.decode()
    assert "更正理由" in page
    measure = Measure.objects.get()
    text = _close(member, scene, measure).content.decode()
    assert "理由" in text
    measure.refresh_from_db()
    assert measure.closed_on is None
    _close(member, scene, measure, amend_reason="复查已整改")
    draft.refresh_from_db()
    assert (draft.state, draft.version) == ("pending", 2)
    assert _category(scene) == "corrected"
    # Pending review: no more measures until the leader decides.
    text = _add(member, scene, kind="other", text="回访").content.decode()
    assert Measure.objects.count() == 1 and "不能修改" in text
    actions.approve_result(result=draft, actor=unit_leader)
    _add(
        member,
        scene,
        kind="penalty",
        case_number="沂公（治）行罚决字〔2022〕9号",
        amend_reason="补录处罚",
    )
    draft.refresh_from_db()
    assert (draft.state, draft.version) == ("pending", 3)
    assert _category(scene) == "pending_follow_up"
