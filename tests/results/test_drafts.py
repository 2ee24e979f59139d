"""The autosave endpoint behind static/spotcheck/draft.js: the form's fields in, JSON out; a
stale revision is a 409 naming who saved and when, never an overwrite."""

from datetime import datetime

from django.test import Client
from django.urls import reverse

from spotcheck.audit.models import AuditEntry
from spotcheck.results.models import Result
from tests.results.test_views import _form


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_each_autosave_is_stored_with_the_next_revision(scene):
    url = reverse("results:draft", args=[scene.visit.pk])
    member = _client(scene.member_a)
    first = member.post(url, _form(scene, representative="张"))
    assert first.status_code == 200
    body = first.json()
    assert body["state"] == "saved" and body["revision"] == 1 and body["saved_at_label"]
    second = member.post(url, _form(scene, revision=1, representative="张经理"))
    assert second.json()["revision"] == 2
    result = Result.objects.get()
    assert result.representative == "张经理" and result.revision == 2
    assert AuditEntry.objects.filter(action="result.save_draft").count() == 2


def test_two_members_get_a_409_naming_who_and_when(scene):
    url = reverse("results:draft", args=[scene.visit.pk])
    assert _client(scene.member_a).post(url, _form(scene, representative="甲")).status_code == 200
    response = _client(scene.member_b).post(url, _form(scene, representative="乙"))
    assert response.status_code == 409
    body = response.json()
    assert body["state"] == "conflict" and body["revision"] == 1
    assert body["by"] == "王一（member0）"
    stored = Result.objects.get()
    assert datetime.fromisoformat(body["at"]) == stored.updated_at
    assert "王一（member0）于" in body["message"] and "以免覆盖对方的修改" in body["message"]
    assert stored.representative == "甲"  # nothing overwritten


def test_bad_content_and_strangers_answer_in_json(scene, other_users_by_role):
    url = reverse("results:draft", args=[scene.visit.pk])
    member = _client(scene.member_a)
    response = member.post(url, _form(scene, way="by_magic"))
    assert response.status_code == 400
    assert response.json()["errors"] == ["核查方式：“by_magic”不是可选的核查方式"]
    response = member.post(url, {"way": "on_site"})
    assert response.status_code == 400 and "修订号" in response.json()["errors"][0]
    response = _client(scene.other_member).post(url, _form(scene))
    assert response.status_code == 403
    assert "仅本检查组成员" in response.json()["errors"][0]
    assert _client(other_users_by_role["inspector"]).post(url, _form(scene)).status_code == 404
    assert not Result.objects.exists()


def test_a_submitted_result_refuses_autosaves(scene):
    url = reverse("results:draft", args=[scene.visit.pk])
    member = _client(scene.member_a)
    member.post(reverse("results:save", args=[scene.visit.pk]), _form(scene, submit="1"))
    response = member.post(url, _form(scene, revision=2))
    assert response.status_code == 400 and "不能修改" in response.json()["errors"][0]


def test_the_page_wires_the_autosave_script(scene, supervisor):
    page = _client(scene.member_a).get(reverse("results:visit", args=[scene.visit.pk]))
    text = page.content.decode()
    assert "spotcheck/draft.js" in text
    assert f'data-draft-url="{reverse("results:draft", args=[scene.visit.pk])}"' in text
    assert f'data-draft-key="spotcheck-draft:{scene.visit.pk}:{scene.member_a.pk}"' in text
    assert 'class="draft-state"' in text
    # a reader who may not record gets neither the form nor the script
    page = _client(supervisor).get(reverse("results:visit", args=[scene.visit.pk]))
    assert page.status_code == 200 and "spotcheck/draft.js" not in page.content.decode()
