"""The statistics dashboard in a real browser, at 1280 px and 390 px: every chart drawn by the
vendored ECharts from its json_script block (so nothing breaks the strict CSP: a violation is
a console error), each table beside its chart, no horizontal scrolling of the page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_pages import console_errors, open_context
from tests.stats.conftest import build_demo

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(os.environ.get("SPOTCHECK_SHOTS_DIR", "/tmp/phone-shots"))


@pytest.fixture
def demo(unit, published_plan, executed_draws, coordinator):
    # Built per test: the live server's tests are transactional, so the statistics tests' round
    # shared in a module transaction (tests/stats/conftest.py) cannot serve them.
    return build_demo(unit, published_plan, coordinator)


def test_dashboard_charts_at_desktop_and_phone_width(browser, live_server, demo, coordinator):
    context = open_context(browser, live_server, DESKTOP, coordinator)
    page = context.new_page()
    errors = console_errors(page)
    page.goto(live_server.url + "/stats/")
    figures = page.locator(".stats-chart")
    expected = figures.count()
    assert expected >= 10
    page.wait_for_function(
        f"document.querySelectorAll('.stats-chart[data-drawn=true]').length == {expected}"
    )
    assert page.locator(".stats-chart canvas").count() == expected
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(400)  # the charts' resize is debounced
        widths = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert widths[0] <= widths[1], f"page scrolls sideways at {viewport['width']} px"
        # a wide table scrolls inside its own box
        box = page.locator("#table-coverage_types .stats-table").bounding_box()
        assert box is not None and box["x"] + box["width"] <= viewport["width"]
        canvas = page.locator("#table-progress_items canvas").first.bounding_box()
        assert canvas is not None and canvas["width"] > 200 and canvas["height"] > 150
        if os.environ.get("SPOTCHECK_SHOTS"):
            SHOTS.mkdir(exist_ok=True)
            page.screenshot(
                path=str(SHOTS / f"stats-dashboard-{viewport['width']}.png"), full_page=True
            )
    assert errors == []
    context.close()


def test_public_statistics_charts(browser, live_server, demo, settings):
    settings.SPOTCHECK_PUBLIC_MIN_COUNT = 1
    context = open_context(browser, live_server, PHONE)
    page = context.new_page()
    errors = console_errors(page)
    page.goto(live_server.url + "/public/statistics/")
    expected = page.locator(".stats-chart").count()
    assert expected >= 4
    page.wait_for_function(
        f"document.querySelectorAll('.stats-chart[data-drawn=true]').length == {expected}"
    )
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(400)
        widths = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert widths[0] <= widths[1], f"page scrolls sideways at {viewport['width']} px"
        if os.environ.get("SPOTCHECK_SHOTS"):
            SHOTS.mkdir(exist_ok=True)
            page.screenshot(
                path=str(SHOTS / f"stats-public-{viewport['width']}.png"), full_page=True
            )
    assert errors == []
    context.close()
