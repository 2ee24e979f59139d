import pytest

from spotcheck.registry.models import Entity, Inspector

pytestmark = pytest.mark.django_db


def test_api_requires_a_staff_login(client, demo_directory):
    assert client.get("/api/v1/registry/entities").status_code == 401
    assert client.get("/api/v1/registry/inspectors").status_code == 401


def test_entities_paginated_and_filtered(client, inspector_user, demo_directory):
    client.force_login(inspector_user)
    page = client.get("/api/v1/registry/entities", {"page": 2}).json()
    assert page["count"] == 120 and len(page["items"]) == 50
    hotels = client.get(
        "/api/v1/registry/entities", {"target_type": "宾馆旅店", "status": "active"}
    ).json()
    expected = Entity.objects.filter(target_types__name="宾馆旅店", status="active").count()
    assert hotels["count"] == expected
    assert all("宾馆旅店" in item["target_types"] and item["drawable"] for item in hotels["items"])
    entity = Entity.objects.filter(recusals__isnull=False).first()
    detail = client.get(f"/api/v1/registry/entities/{entity.pk}").json()
    assert detail["public_id"] == entity.public_id and detail["recusals"]


def test_inspectors_with_eligibility(client, supervisor, demo_directory):
    client.force_login(supervisor)
    data = client.get("/api/v1/registry/inspectors", {"drawable": "false"}).json()
    reasons = {item["ineligibility_reason"] for item in data["items"]}
    assert data["count"] >= 3 and "" not in reasons
    officer = Inspector.objects.filter(agency=supervisor.agency).first()
    detail = client.get(f"/api/v1/registry/inspectors/{officer.pk}").json()
    assert detail["certificate_number"] == officer.certificate_number


def test_schema_lists_the_registry_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/registry/entities" in paths and "/api/v1/registry/inspectors" in paths
