"""The public portal in a real browser: the home page, a draw bulletin, the results search
(typed and submitted with the keyboard) and an entity's page, at 390 px and 1280 px, with no
horizontal scrolling and no console errors; a draw.json downloaded from its bulletin verifies."""

from __future__ import annotations

import subprocess
import sys

import pytest

from spotcheck.inspections.actions import build_visits, match_teams_for_round
from spotcheck.inspections.models import Visit
from spotcheck.public.actions import publish_results
from spotcheck.public.models import PublishedResult
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_pages import check_pages, console_errors, shoot
from tests.public.helpers import approve_visit

pytestmark = pytest.mark.django_db(transaction=True)


def test_portal_pages_and_search(
    browser, live_server, unit, published_plan, executed_draws, coordinator, unit_leader
):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    visits = Visit.objects.filter(
        plan=published_plan, responsible_unit=unit, members__isnull=False
    ).distinct()[:2]
    results = [approve_visit(v, unit_leader, problem=(i == 0)) for i, v in enumerate(visits)]
    publish_results(results=results, actor=unit_leader)
    record = PublishedResult.objects.order_by("pk").first()
    draw = next(iter(executed_draws.values())).draw
    paths = [
        "/",
        f"/public/draws/{draw.pk}/",
        f"/public/results/search/?q={record.name_initials[:3]}",
        f"/public/entities/{record.entity_key}/",
        f"/public/results/{record.pk}/",
    ]
    assert check_pages(browser, live_server, paths) == []

    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    errors = console_errors(page)
    page.goto(live_server.url + "/")
    page.get_by_label("查询检查结果").fill(record.entity_name[-4:])
    page.keyboard.press("Enter")
    page.wait_for_url("**/public/results/search/**")
    link = page.get_by_role("link", name=record.entity_name).first
    assert link.is_visible()
    shoot(page, "portal-search-390")
    link.click()
    page.wait_for_url(f"**/public/results/{record.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == record.entity_name
    page.set_viewport_size(DESKTOP)
    shoot(page, "portal-result-1280")
    assert errors == []
    context.close()


def test_a_visitor_downloads_a_draw_and_verifies_it(
    browser, live_server, published_plan, executed_draws, tmp_path
):
    """From the bulletin page, as a visitor would: download draw.json and verify_draw.py with
    the browser, then run the verifier on them."""
    draw = next(iter(executed_draws.values())).draw
    context = browser.new_context(viewport=PHONE, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{live_server.url}/public/draws/{draw.pk}/")
    saved = {}
    for name in (f"draw-{draw.pk}.json", "verify_draw.py"):
        with page.expect_download() as download:
            page.get_by_role("link", name=name, exact=True).click()
        saved[name] = tmp_path / download.value.suggested_filename
        download.value.save_as(saved[name])
    assert errors == []
    context.close()
    checked = subprocess.run(
        [sys.executable, str(saved["verify_draw.py"]), str(saved[f"draw-{draw.pk}.json"])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "VERIFIED" in checked.stdout
