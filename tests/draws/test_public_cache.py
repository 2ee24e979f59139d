"""Every draw step replaces the portal's cached pages (spotcheck.public.cache): the draw's
commitment, its cancellation, its seed and its selection are public from the moment they are
made. The rest of the page cache: tests/public/test_cache.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from spotcheck.draws import actions

from .conftest import DRAW_DAY, WITNESSES

pytestmark = pytest.mark.django_db


def is_hit(client, url) -> bool:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get("X-Spotcheck-Cache") == "hit"


def replaced(client, url) -> bool:
    """The page was not served from the cache, and is now in it."""
    return not is_hit(client, url) and is_hit(client, url)


def test_each_draw_step_replaces_cached_pages(client, hotel_item, hotels, coordinator):
    bulletins = reverse("public:bulletins")
    assert replaced(client, bulletins)
    draw = actions.prepare_draw(item=hotel_item, actor=coordinator, on=DRAW_DAY)
    assert replaced(client, bulletins)
    actions.cancel_draw(draw=draw, reason="名录有误", actor=coordinator)
    assert replaced(client, bulletins)
    draw = actions.prepare_draw(item=hotel_item, actor=coordinator, on=DRAW_DAY)
    bulletin = reverse("public:bulletin", args=[draw.pk])
    assert replaced(client, bulletin)
    actions.seed_draw(draw=draw, witnesses=WITNESSES, actor=coordinator)
    assert replaced(client, bulletin)
    actions.execute_draw(draw=draw, actor=coordinator)
    page = client.get(bulletin)
    assert page.get("X-Spotcheck-Cache") != "hit" and "抽中的检查对象" in page.content.decode()
