"""Every main page, as the public and as each role, fits a 390 px phone and a 1280 px desktop
with no horizontal scrolling and no console errors (Content-Security-Policy violations show
there); the menu opens on a phone; /api/v1/docs renders the operations."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from spotcheck.inspections.actions import build_visits, match_teams_for_round, schedule_visits
from spotcheck.inspections.models import Visit
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(os.environ.get("SPOTCHECK_SHOTS_DIR", "/tmp/phone-shots"))  # if SPOTCHECK_SHOTS=1


def open_context(browser, live_server, viewport, user=None):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context


def console_errors(page) -> list[str]:
    """The page's console errors and uncaught exceptions, as they happen."""
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def shoot(page, name: str) -> None:
    if os.environ.get("SPOTCHECK_SHOTS"):
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def check_pages(browser, live_server, paths, user=None, expect=200):
    """Open each path and measure it at desktop width, then at phone width (the same page,
    resized: the media queries apply as on a phone); return the problems (empty when all fit)."""
    problems = []
    context = open_context(browser, live_server, DESKTOP, user)
    page = context.new_page()
    errors = console_errors(page)
    for path in paths:
        errors.clear()
        page.set_viewport_size(DESKTOP)
        response = page.goto(live_server.url + path)
        status = response.status if response else None
        if status != expect:
            problems.append(f"{path}: HTTP {status}")
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            where = f"{path} at {viewport['width']} px"
            role = user.role if user is not None else "public"
            shoot(page, f"test-{role}{path.replace('/', '_')}-{viewport['width']}")
            widths = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
            if widths[0] > widths[1]:
                problems.append(f"{where}: scrollWidth {widths[0]} > {widths[1]}")
        # the document's own error status is logged as a console error: not a page fault
        if expect != 200:
            errors[:] = [e for e in errors if f"status of {expect}" not in e]
        if errors:
            problems.append(f"{path}: console {errors}")
    context.close()
    return problems


def test_public_pages_fit_phone_and_desktop(browser, live_server, published_plan):
    item = published_plan.items.order_by("number").first()
    paths = [
        "/",
        "/public/plans/",
        "/public/items/",
        published_plan.get_public_url(),
        item.get_public_url(),
        "/public/draws/",
        "/public/verify/",
        "/public/matchings/",
        "/accounts/login/",
    ]
    assert check_pages(browser, live_server, paths) == []
    assert check_pages(browser, live_server, ["/no-such-page/"], expect=404) == []


def test_each_roles_pages_fit_through_a_matched_round(
    browser,
    live_server,
    coordinator,
    unit_leader,  # before the directory, which would create their unit otherwise
    inspector_user,
    supervisor,
    published_plan,
    executed_draws,
):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match = match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    draw = executed_draws[1].draw
    visit = Visit.objects.order_by("pk").first()
    entity = visit.entity
    coordinator_paths = [
        "/draws/",
        f"/draws/{draw.pk}/",
        f"/draws/{draw.pk}/ceremony/",
        "/inspections/",
        f"/inspections/plans/{published_plan.pk}/rounds/1/",
        f"/inspections/visits/{visit.pk}/",
        f"/results/visits/{visit.pk}/",
        f"/public/matchings/{match.pk}/",
        "/inspections/print/",
        "/inspections/calendar/",
        "/registry/entities/",
        f"/registry/entities/{entity.pk}/",
        "/registry/inspectors/",
    ]
    assert check_pages(browser, live_server, coordinator_paths, coordinator) == []
    for user in (unit_leader, inspector_user, supervisor):
        assert check_pages(browser, live_server, ["/inspections/"], user) == [], user.role
    # the leader's calendar with a scheduled visit: a month grid, a list of days on a phone
    own = Visit.objects.filter(responsible_unit=unit_leader.unit).order_by("pk").first()
    schedule_visits(visits=[own], start=own.planned_start, end=own.planned_start, actor=unit_leader)
    calendar = f"/inspections/calendar/?month={own.planned_start:%Y-%m}"
    assert check_pages(browser, live_server, [calendar], unit_leader) == []


def test_menu_collapses_on_a_phone_and_opens_with_its_button(browser, live_server, coordinator):
    context = open_context(browser, live_server, PHONE, coordinator)
    page = context.new_page()
    page.goto(live_server.url + "/plans/")
    link = page.locator(".topbar nav a", has_text="检查任务")
    assert not link.is_visible()
    page.click(".menu-toggle")
    assert link.is_visible()
    assert page.get_attribute(".menu-toggle", "aria-expanded") == "true"
    box = link.bounding_box()
    assert box is not None and box["height"] < 60  # one line, not one character per line
    link.click()
    page.wait_for_url("**/inspections/")
    context.close()
    context = open_context(browser, live_server, DESKTOP, coordinator)
    page = context.new_page()
    page.goto(live_server.url + "/plans/")
    assert page.locator(".topbar nav a", has_text="检查任务").is_visible()
    assert not page.locator(".menu-toggle").is_visible()
    context.close()


def test_list_tables_become_labelled_cards_on_a_phone(browser, live_server, published_plan):
    context = open_context(browser, live_server, PHONE)
    page = context.new_page()
    page.goto(live_server.url + published_plan.get_public_url())
    cell = page.locator("table.list tbody tr td").first
    label = cell.get_attribute("data-label")
    assert label  # set by phone.js from the column heading
    assert page.locator("table.list thead").first.bounding_box()["height"] <= 1
    context.close()


def test_api_docs_render_operations_under_the_csp(browser, live_server, db):
    context = open_context(browser, live_server, PHONE)
    page = context.new_page()
    errors = console_errors(page)
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=10_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/plans" in p for p in paths) and len(paths) > 5
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert errors == []
    context.close()
