"""The API's document endpoints (draw.json, teams.json) send the public to the portal's one
address of each document, served from its page cache: following the redirect costs the
database one statement (the cache key's), never a draw or matching table."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from spotcheck.public.cache import clear_public_pages
from tests.conftest import round_one_matched

# Round one's draws and teams are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_teams")]


@pytest.fixture
def matching(request, published_plan, coordinator):
    return round_one_matched(request, published_plan, coordinator)


def followed_from_the_cache(client, api: str, portal: str, status: int) -> bytes:
    clear_public_pages()
    fresh = client.get(portal)  # the portal's page, now cached
    assert fresh.status_code == 200 and fresh.get("X-Spotcheck-Cache") != "hit"
    with CaptureQueriesContext(connection) as redirecting:
        redirect = client.get(api)
    assert (redirect.status_code, redirect["Location"]) == (status, portal)
    assert len(redirecting) == 0  # answered without reading anything
    with CaptureQueriesContext(connection) as serving:
        served = client.get(redirect["Location"])
    assert served.status_code == 200 and served["X-Spotcheck-Cache"] == "hit"
    assert len(serving) <= 1, [q["sql"] for q in serving]  # the cache key's statement
    assert served.content == fresh.content
    assert served["Content-Disposition"] == fresh["Content-Disposition"]
    return served.content


def test_the_api_draw_json_is_the_portals_from_its_cache(client, executed_draws, matching):
    draw = next(iter(executed_draws.values())).draw
    portal = reverse("public:draw_json", args=[draw.pk])
    content = followed_from_the_cache(client, f"/api/v1/draws/{draw.pk}/draw.json", portal, 301)
    assert b'"teams"' in content  # matched: the round's teams are in it


def test_the_api_teams_json_is_the_portals_from_its_cache(client, matching):
    portal = reverse("public:matching_json", args=[matching.pk])
    followed_from_the_cache(client, f"/api/v1/matchings/{matching.pk}/teams.json", portal, 302)


def test_a_draw_without_a_document_is_refused_at_the_portals_address(client):
    response = client.get("/api/v1/draws/99999999/draw.json", follow=True)
    assert response.redirect_chain == [("/public/draws/99999999/draw.json", 301)]
    assert response.status_code == 404


def test_staff_who_see_drafts_get_teams_json_answered_here(client, matching, coordinator):
    """Staff are answered by the API itself (their agency's unpublished matchings included):
    the same document as the portal's."""
    client.force_login(coordinator)
    api = client.get(f"/api/v1/matchings/{matching.pk}/teams.json")
    portal = client.get(reverse("public:matching_json", args=[matching.pk]))
    assert api.status_code == portal.status_code == 200
    assert api.content == portal.content


def test_the_schema_documents_the_redirects(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    draw = paths["/api/v1/draws/{draw_id}/draw.json"]["get"]["responses"]
    teams = paths["/api/v1/matchings/{matching_id}/teams.json"]["get"]["responses"]
    assert "Location" in draw["301"]["headers"] and "200" not in draw
    assert "Location" in teams["302"]["headers"] and "application/json" in teams["200"]["content"]
