"""The draws API: public reads, coordinator steps with session auth, CSRF and roles."""

from __future__ import annotations

import pytest
from django.test import Client

from spotcheck.accounts.models import Role
from spotcheck.audit.models import AuditEntry
from spotcheck.draws import actions
from spotcheck.draws.models import Draw
from spotcheck.lib import drawdoc

from .conftest import DRAW_DAY, WITNESSES

pytestmark = pytest.mark.django_db

SEED = {"witnesses": [{"name": n, "digits": d} for n, d in WITNESSES], "beacon": "block 845210"}


def test_a_draw_through_the_api(client, coordinator, hotel_item, hotels):
    client.force_login(coordinator)
    response = client.post(
        f"/api/v1/items/{hotel_item.pk}/draws",
        {"round": 1, "on": DRAW_DAY.isoformat(), "risk_policy": {"高": "100"}},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    prepared = response.json()
    assert prepared["status"] == "prepared" and prepared["seed"] is None
    assert [s["size"] for s in prepared["strata"]] == [3, 2, 1, 5]
    assert prepared["options"]["risk_policy"] == {"high": "100"}
    draw_id = prepared["id"]

    again = client.post(
        f"/api/v1/items/{hotel_item.pk}/draws", {"round": 1}, content_type="application/json"
    )
    assert again.status_code == 409 and "该事项第1轮已有抽取" in again.json()["detail"]
    early = client.post(f"/api/v1/draws/{draw_id}/execute")
    assert early.status_code == 409 and "尚未在抽取仪式上录入种子" in early.json()["detail"]

    seeded = client.post(f"/api/v1/draws/{draw_id}/seed", SEED, content_type="application/json")
    assert (
        seeded.status_code == 200 and seeded.json()["seed"] == "314159265358979323846|block 845210"
    )
    executed = client.post(f"/api/v1/draws/{draw_id}/execute").json()
    assert executed["status"] == "executed" and len(executed["selection"]) == 11
    # each step through its audited action (tests/api/test_writes.py), as the coordinator
    audited = AuditEntry.objects.filter(
        object_type="draws.Draw", object_id=str(draw_id), actor=coordinator.username
    )
    assert list(audited.values_list("action", flat=True)) == [
        "draw.prepare",
        "draw.seed",
        "draw.execute",
    ]

    client.logout()
    listing = client.get("/api/v1/draws").json()
    assert [d["id"] for d in listing] == [draw_id]
    public = client.get(f"/api/v1/draws/{draw_id}").json()
    assert public["population_hash"] == prepared["population_hash"]
    assert public["selection"] == executed["selection"]
    document = client.get(f"/api/v1/draws/{draw_id}/draw.json", follow=True).json()
    assert all(r.ok for r in drawdoc.verify_draw_document(document))
    assert [e["id"] for e in document["selection"]] == [s["public_id"] for s in public["selection"]]


def test_prepared_draws_show_their_commitment_in_the_api(client, coordinator, hotel_item, hotels):
    draw = actions.prepare_draw(item=hotel_item, actor=coordinator, on=DRAW_DAY)
    public = client.get(f"/api/v1/draws/{draw.pk}").json()
    assert public["population_hash"] == draw.population_hash and public["selection"] == []
    assert public["population_url"].endswith("population.txt")
    assert client.get(f"/api/v1/draws/{draw.pk}/draw.json", follow=True).status_code == 404


def test_anonymous_and_unauthorised_posts_are_refused(client, users_by_role, hotel_item, hotels):
    url = f"/api/v1/items/{hotel_item.pk}/draws"
    assert client.post(url, {}, content_type="application/json").status_code == 401
    for role in (Role.UNIT_LEADER, Role.INSPECTOR, Role.SUPERVISOR):
        client.force_login(users_by_role[role])
        response = client.post(url, {}, content_type="application/json")
        assert response.status_code == 403, role
    draw = actions.prepare_draw(item=hotel_item, actor=users_by_role[Role.COORDINATOR], on=DRAW_DAY)
    response = client.post(f"/api/v1/draws/{draw.pk}/seed", SEED, content_type="application/json")
    assert response.status_code == 403
    assert Draw.objects.get().status == Draw.Status.PREPARED


def test_posts_need_the_csrf_token(coordinator, hotel_item, hotels):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    url = f"/api/v1/items/{hotel_item.pk}/draws"
    response = client.post(url, {"on": DRAW_DAY.isoformat()}, content_type="application/json")
    assert response.status_code == 403 and not Draw.objects.exists()
    client.get("/draws/")  # any page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        url, {"on": DRAW_DAY.isoformat()}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201


def test_openapi_lists_the_draw_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/draws",
        "/api/v1/draws/{draw_id}/draw.json",
        "/api/v1/items/{item_id}/draws",
    } <= set(paths)
