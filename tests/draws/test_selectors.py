"""Agency scoping of draws: another agency's coordinator reaches none of our draws or items,
by page, API or action (each of these passed on main before the selectors)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from spotcheck.accounts.models import Role
from spotcheck.draws import actions
from spotcheck.draws.models import Draw
from spotcheck.draws.selectors import draws_for_user

from .conftest import DRAW_DAY, WITNESSES

pytestmark = pytest.mark.django_db


@pytest.fixture
def stranger(other_users_by_role):
    return other_users_by_role[Role.COORDINATOR]


def test_other_agencys_coordinator_cannot_prepare_a_draw_on_our_plan(
    client, stranger, hotel_item, hotels
):
    client.force_login(stranger)
    url = reverse("draws:item", args=[hotel_item.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"round": 1, "on": DRAW_DAY.isoformat()}).status_code == 404
    api = client.post(f"/api/v1/items/{hotel_item.pk}/draws", {}, content_type="application/json")
    assert api.status_code == 404
    assert not Draw.objects.exists()


def test_our_coordinator_still_prepares_it(client, coordinator, hotel_item, hotels):
    client.force_login(coordinator)
    url = reverse("draws:item", args=[hotel_item.pk])
    response = client.post(url, {"round": 1, "on": DRAW_DAY.isoformat()})
    assert response.status_code == 302 and Draw.objects.count() == 1


def test_other_agencys_coordinator_cannot_seed_execute_or_cancel(
    client, stranger, coordinator, hotel_item, hotels
):
    draw = actions.prepare_draw(item=hotel_item, actor=coordinator, on=DRAW_DAY)
    client.force_login(stranger)
    for name in ("detail", "ceremony", "replace"):
        assert client.get(reverse(f"draws:{name}", args=[draw.pk])).status_code == 404, name
    for name in ("seed", "execute", "cancel"):
        assert client.post(reverse(f"draws:{name}", args=[draw.pk]), {}).status_code == 404
    seed = {"witnesses": [{"name": n, "digits": d} for n, d in WITNESSES]}
    api = client.post(f"/api/v1/draws/{draw.pk}/seed", seed, content_type="application/json")
    assert api.status_code == 404
    assert client.get(reverse("draws:list")).content.decode().count(f'href="/draws/{draw.pk}/') == 0
    draw.refresh_from_db()
    assert draw.status == Draw.Status.PREPARED
    assert not draws_for_user(stranger).exists() and draws_for_user(coordinator).count() == 1


def test_actions_refuse_another_agencys_user(stranger, coordinator, hotel_item, hotels):
    with pytest.raises(PermissionDenied):
        actions.prepare_draw(item=hotel_item, actor=stranger, on=DRAW_DAY)
    draw = actions.prepare_draw(item=hotel_item, actor=coordinator, on=DRAW_DAY)
    with pytest.raises(PermissionDenied):
        actions.seed_draw(draw=draw, witnesses=WITNESSES, actor=stranger)
    with pytest.raises(PermissionDenied):
        actions.cancel_draw(draw=draw, reason="试图作废", actor=stranger)
    actions.seed_draw(draw=draw, witnesses=WITNESSES, actor=coordinator)
    with pytest.raises(PermissionDenied):
        actions.execute_draw(draw=draw, actor=stranger)
    draw.refresh_from_db()
    assert draw.status == Draw.Status.SEEDED
    # The console acts for the whole server.
    assert actions.execute_draw(draw=draw, actor="cli").status == Draw.Status.EXECUTED
