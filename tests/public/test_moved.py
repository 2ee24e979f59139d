"""The public portal is the one home of what is published: published-only selectors, one
draw.json (with the teams once matched), old addresses answer 301."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from spotcheck.draws.models import Draw
from spotcheck.inspections.actions import build_visits, match_teams_for_round
from spotcheck.inspections.models import TeamMatching
from spotcheck.plans.models import Plan
from spotcheck.public import selectors

# Round one's draws are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_round")]


@pytest.fixture
def matched(published_plan, executed_draws, coordinator) -> TeamMatching:
    build_visits(plan=published_plan, round=1, actor=coordinator)
    return match_teams_for_round(plan=published_plan, round=1, actor=coordinator)


def test_selectors_show_only_what_belongs_to_a_published_plan(
    published_plan, executed_draws, other_plan
):
    assert other_plan.status == Plan.Status.DRAFT
    assert set(selectors.published_plans()) == {published_plan}
    assert {i.plan_id for i in selectors.published_items()} == {published_plan.pk}
    assert selectors.published_draws().count() == Draw.objects.count() > 0
    # The same draws stop being public if their plan is not published (the one rule).
    Plan.objects.filter(pk=published_plan.pk).update(status=Plan.Status.DRAFT)
    assert not selectors.published_plans().exists()
    assert not selectors.published_items().exists()
    assert not selectors.published_draws().exists()


def test_one_draw_json_gains_the_teams_once_matched(
    client, published_plan, executed_draws, coordinator
):
    draw = next(iter(executed_draws.values())).draw
    url = reverse("public:draw_json", args=[draw.pk])
    before = json.loads(client.get(url).content)
    assert "teams" not in before
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match = match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    response = client.get(url)
    assert response.status_code == 200
    after = json.loads(response.content)
    assert after["teams"] == match.public_document()
    assert {k: v for k, v in after.items() if k != "teams"} == before
    assert not selectors.published_matchings().exclude(pk=match.pk).exists()


def test_old_addresses_answer_301_to_the_new_ones(client, matched, executed_draws):
    draw = next(iter(executed_draws.values())).draw
    moves = {
        "/inspections/matchings/": reverse("public:matchings"),
        f"/inspections/matchings/{matched.pk}/": reverse("public:matching", args=[matched.pk]),
        f"/inspections/matchings/{matched.pk}/teams.json": reverse(
            "public:matching_json", args=[matched.pk]
        ),
        f"/inspections/draws/{draw.pk}/draw.json?x=1": reverse("public:draw_json", args=[draw.pk])
        + "?x=1",
    }
    for old, new in moves.items():
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == new
        assert client.get(new).status_code == 200, new


def test_unpublished_plans_matching_is_not_public(client, matched, coordinator):
    Plan.objects.filter(pk=matched.plan_id).update(status=Plan.Status.DRAFT)
    assert client.get(reverse("public:matching", args=[matched.pk])).status_code == 404
    client.force_login(coordinator)  # staff too: the public pages are the same for everyone
    assert client.get(reverse("public:matching", args=[matched.pk])).status_code == 404
    assert str(matched) not in client.get(reverse("public:matchings")).content.decode()


def test_the_portals_prefix_answers_301_to_its_home(client):
    response = client.get("/public/")
    assert response.status_code == 301 and response["Location"] == reverse("home")
    assert client.get(response["Location"]).status_code == 200
