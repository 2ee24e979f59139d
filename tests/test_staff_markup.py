"""The staff pages' main tables are captioned, as the public pages' tables are (those, with
the rest of what a screen reader needs, in tests/public/test_markup.py): a screen reader's
list of tables names each one. A layout table says role="presentation" and needs none. No id
is used twice on a page (a label's "for" would name only the first)."""

from __future__ import annotations

import pytest
from django.test import Client

from spotcheck.inspections.actions import build_visits, match_teams_for_round
from tests.inspections.conftest import (  # noqa: F401 - fixtures
    county,
    directory,
    executed_draws,
    housing,
)
from tests.public.test_markup import Markup

pytestmark = pytest.mark.django_db


def problems(html: str) -> list[str]:
    page = Markup()
    page.feed(html)
    return [
        f"<table class={t.attrs.get('class')}> at line {t.line} has no caption"
        for t in page.tables
        if not t.attrs.get("_caption")
    ] + [f'id="{e.attrs["id"]}" again at line {e.line}' for e in page.duplicate_ids]


def test_staff_pages_caption_their_tables_and_use_each_id_once(
    coordinator,
    unit_leader,
    supervisor,
    published_plan,
    executed_draws,  # noqa: F811
):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    draw = executed_draws[1].draw
    paths = {
        coordinator: [
            "/plans/",
            f"/plans/{published_plan.pk}/",
            "/draws/",
            f"/draws/items/{draw.item_id}/",
            f"/draws/{draw.pk}/",
            "/inspections/",
            f"/inspections/plans/{published_plan.pk}/rounds/1/",
            "/inspections/calendar/",
            "/registry/entities/",
            "/registry/inspectors/",
            "/stats/",
        ],
        unit_leader: ["/inspections/", "/results/due/", "/publication/"],
        supervisor: ["/audit/"],
    }
    found = {}
    tables = 0
    for user, user_paths in paths.items():
        client = Client()
        client.force_login(user)
        for path in user_paths:
            response = client.get(path)
            assert response.status_code == 200, path
            html = response.content.decode()
            tables += html.count("<table")
            if wrong := problems(html):
                found[f"{user.username} {path}"] = wrong
    assert found == {}
    assert tables > 20  # the pages hold the tables they are checked for
