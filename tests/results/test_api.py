"""Results in the JSON API: staff read by scope, team members write drafts and submit, the unit
leader reviews; another agency's result is 404, a non-member cannot write; in the schema."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from spotcheck.accounts.models import Role
from spotcheck.audit.models import AuditEntry
from spotcheck.results.models import Result

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(visit, step: str = "") -> str:
    return f"/api/v1/visits/{visit.pk}/result" + (f"/{step}" if step else "")


def post(client: Client, path: str, payload: dict | None = None):
    return client.post(path, json.dumps(payload or {}), content_type="application/json")


def draft(scene, revision: int = 0, problem: bool = False, **changes) -> dict:
    items = []
    for number, visit_item in sorted(scene.items.items()):
        count = len(visit_item.item.checkpoints) or 1
        items.append(
            {
                "visit_item_id": visit_item.pk,
                "findings": [
                    {"number": n, "finding": "problem", "problem": "未留存日志"}
                    if problem and (number, n) == (11, 2)
                    else {"number": n, "finding": "checked"}
                    for n in range(1, count + 1)
                ],
            }
        )
    payload = {
        "revision": revision,
        "way": "on_site",
        "inspected_on": "2022-09-30",
        "present": [seat.pk for seat in scene.seats],
        "representative": "张经理",
        "items": items,
    }
    payload.update(changes)
    return payload


def test_member_reads_the_empty_form_records_and_submits(scene):
    member = client_for(scene.member_a)
    response = member.get(url(scene.visit))
    assert response.status_code == 200
    data = response.json()
    assert data["state"] == "not_entered" and data["revision"] == 0
    assert [len(item["findings"]) for item in data["items"]] == [13, 5]
    assert data["allowed_actions"] == ["save_draft", "submit"]
    assert {m["certificate_number"] for m in data["team"]} == {"C0000", "C0001"}

    response = post(member, url(scene.visit, "draft"), draft(scene, problem=True))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["revision"] == 1 and data["due_on"] == "2022-11-02"
    item11 = next(i for i in data["items"] if i["item_number"] == 11)
    assert item11["findings"][1]["problem"] == "未留存日志"
    assert item11["category"] == "pending_follow_up"

    # a second writer with the old revision gets a conflict, never an overwrite
    stale = post(client_for(scene.member_b), url(scene.visit, "draft"), draft(scene, 0))
    assert stale.status_code == 409 and "另一名检查人员已修改该结果" in stale.json()["detail"]

    # a problem without a follow-up measure cannot be submitted
    response = post(member, url(scene.visit, "submit"))
    assert response.status_code == 422 and "至少填写一项后续处置措施" in response.json()["detail"]
    assert post(member, url(scene.visit, "draft"), draft(scene, 1)).status_code == 200
    response = post(member, url(scene.visit, "submit"))
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "pending"
    again = post(member, url(scene.visit, "draft"), draft(scene, 3))
    assert again.status_code == 409


def test_bad_content_is_422_with_every_problem(scene):
    payload = draft(scene, way="by_phone", present=[999999])
    response = post(client_for(scene.member_a), url(scene.visit, "draft"), payload)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "核查方式" in detail and "999999不是本次检查组的现任成员" in detail
    assert not Result.objects.exists()


def test_leader_returns_once_then_approves(scene, unit_leader):
    member, leader = client_for(scene.member_a), client_for(unit_leader)
    post(member, url(scene.visit, "draft"), draft(scene))
    post(member, url(scene.visit, "submit"))
    assert post(member, url(scene.visit, "approve")).status_code == 403  # an inspector
    refused = post(leader, url(scene.visit, "return"), {"opinion": ""})
    assert refused.status_code == 409
    returned = post(leader, url(scene.visit, "return"), {"opinion": "第2项问题描述不具体"})
    assert returned.json()["state"] == "returned"
    assert returned.json()["last_opinion"] == "第2项问题描述不具体"
    revision = member.get(url(scene.visit)).json()["revision"]
    post(member, url(scene.visit, "draft"), draft(scene, revision))
    post(member, url(scene.visit, "submit"))
    approved = post(leader, url(scene.visit, "approve"))
    assert approved.status_code == 200
    data = approved.json()
    assert data["state"] == "approved" and [v["number"] for v in data["versions"]] == [1]
    assert "amend" in data["allowed_actions"] and "save_draft" not in data["allowed_actions"]
    assert post(leader, url(scene.visit, "approve")).status_code == 409
    locked = post(member, url(scene.visit, "draft"), draft(scene, data["revision"]))
    assert locked.status_code == 409 and "已锁定" in locked.json()["detail"]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"result.save_draft", "result.submit", "result.return", "result.approve"} <= actions


def test_who_cannot_write(scene, supervisor):
    # a member of another team in the same unit: sees the visit, cannot write (seat check)
    other = post(client_for(scene.other_member), url(scene.visit, "draft"), draft(scene))
    assert other.status_code == 403 and "仅本检查组成员" in other.json()["detail"]
    # the leader of another unit does not reach the visit at all
    leader2 = client_for(scene.other_leader)
    assert leader2.get(url(scene.visit)).status_code == 404
    assert post(leader2, url(scene.visit, "draft"), draft(scene)).status_code == 404
    # the supervisor reads, never writes
    watcher = client_for(supervisor)
    assert watcher.get(url(scene.visit)).status_code == 200
    assert post(watcher, url(scene.visit, "draft"), draft(scene)).status_code == 403
    assert not Result.objects.exists()
    assert Client().get(url(scene.visit)).status_code == 401


def test_another_agencys_result_is_404_and_never_listed(scene, other_users_by_role):
    post(client_for(scene.member_a), url(scene.visit, "draft"), draft(scene))
    for role in (Role.COORDINATOR, Role.UNIT_LEADER, Role.SUPERVISOR):
        stranger = client_for(other_users_by_role[role])
        assert stranger.get(url(scene.visit)).status_code == 404
        listed = stranger.get("/api/v1/results").json()
        assert listed["count"] == 0
    unit_leader = client_for(other_users_by_role[Role.UNIT_LEADER])
    assert post(unit_leader, url(scene.visit, "approve")).status_code == 404


def test_list_by_scope_and_filters(scene, coordinator, published_plan):
    post(client_for(scene.member_a), url(scene.visit, "draft"), draft(scene))
    client = client_for(coordinator)
    data = client.get("/api/v1/results", {"plan": published_plan.pk, "round": 1}).json()
    assert data["count"] == 1 and data["items"][0]["visit_key"] == "V1"
    assert data["items"][0]["state_label"] == "未录入"
    assert client.get("/api/v1/results", {"state": "pending"}).json()["count"] == 0


def test_operations_are_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/results" in paths
    for step in ("draft", "submit", "approve", "return"):
        operation = paths[f"/api/v1/visits/{{visit_id}}/result/{step}"]["post"]
        assert {"401", "403", "404", "409", "422"} <= set(operation["responses"])
    assert "ResultOut" in schema["components"]["schemas"]
