from django.test import Client
from django.urls import reverse

from spotcheck.results.models import Result


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(scene, *, revision=0, **extra):
    data = {
        "revision": str(revision),
        "inspected_on": "2022-09-30",
        "way": "on_site",
        "present": [str(seat.pk) for seat in scene.seats],
        "representative": "张经理",
    }
    for visit_item in scene.items.values():
        count = len(visit_item.item.checkpoints) or 1
        for n in range(1, count + 1):
            data[f"f-{visit_item.pk}-{n}"] = "checked"
    data.update(extra)
    return data


def test_member_records_submits_and_leader_approves_on_the_page(scene, unit_leader):
    member = _client(scene.member_a)
    page = member.get(reverse("results:visit", args=[scene.visit.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "保存草稿" in text and "未录入" in text
    item11 = scene.items[11].item
    assert item11.checkpoints[12][:10] in text  # item 11's 13th checkpoint is a row

    response = member.post(reverse("results:save", args=[scene.visit.pk]), _form(scene))
    assert response.status_code == 302
    result = Result.objects.get(visit=scene.visit)
    assert result.state == "not_entered" and result.revision == 1

    response = member.post(
        reverse("results:save", args=[scene.visit.pk]), _form(scene, revision=1, submit="1")
    )
    result.refresh_from_db()
    assert result.state == "pending"
    page = _client(unit_leader).get(reverse("results:visit", args=[scene.visit.pk]))
    assert "审核通过" in page.content.decode()
    _client(unit_leader).post(
        reverse("results:review", args=[scene.visit.pk]), {"decision": "approve"}
    )
    result.refresh_from_db()
    assert result.state == "approved"
    page = member.get(reverse("results:visit", args=[scene.visit.pk])).content.decode()
    assert "已审核" in page and "<button>保存草稿</button>" not in page and "第1版" in page


def test_stale_form_shows_the_conflict_and_keeps_the_other_save(scene):
    url = reverse("results:save", args=[scene.visit.pk])
    _client(scene.member_a).post(url, _form(scene, representative="甲"))
    response = _client(scene.member_b).post(url, _form(scene, representative="乙"), follow=True)
    assert "另一名检查人员已修改该结果" in response.content.decode()
    assert Result.objects.get().representative == "甲"


def test_refused_writer_sees_why_and_nothing_is_saved(scene):
    response = _client(scene.other_member).post(
        reverse("results:save", args=[scene.visit.pk]), _form(scene), follow=True
    )
    assert "仅本检查组成员或责任单位负责人可以录入检查结果" in response.content.decode()
    assert not Result.objects.exists()


def test_return_needs_an_opinion_and_shows_it_to_the_team(scene, unit_leader):
    member = _client(scene.member_a)
    member.post(reverse("results:save", args=[scene.visit.pk]), _form(scene, submit="1"))
    leader = _client(unit_leader)
    url = reverse("results:review", args=[scene.visit.pk])
    response = leader.post(url, {"decision": "return", "opinion": ""}, follow=True)
    assert "退回意见" in response.content.decode()
    assert Result.objects.get().state == "pending"
    leader.post(url, {"decision": "return", "opinion": "请核对第3项"})
    page = member.get(reverse("results:visit", args=[scene.visit.pk])).content.decode()
    assert "请核对第3项" in page and "<button>保存草稿</button>" in page


def test_other_agency_gets_404(scene, other_users_by_role):
    for user in other_users_by_role.values():
        client = _client(user)
        assert client.get(reverse("results:visit", args=[scene.visit.pk])).status_code == 404
