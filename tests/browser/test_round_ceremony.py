"""The round ceremony in a real browser, as the coordinator: preview every item (nothing frozen),
freeze all, one dice ceremony, execute all, the reveal with its speed control; at a desktop and
at a 390 px phone with no horizontal scrolling and no console errors (CSP violations show there).

Screenshots of each step go to SPOTCHECK_SHOTS_DIR (default /tmp/phone-shots) with
SPOTCHECK_SHOTS=1."""

from __future__ import annotations

import os

import pytest

from spotcheck.draws.models import Draw
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_pages import SHOTS, console_errors, open_context, shoot

pytestmark = pytest.mark.django_db(transaction=True)

RATIO_ITEMS = 8


def fits(page, step: str, problems: list[str]) -> None:
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        shoot(page, f"round-{step}-{viewport['width']}")
        if os.environ.get("SPOTCHECK_SHOTS") and viewport is PHONE:  # readable slices of a phone
            height = page.evaluate("document.documentElement.scrollHeight")
            for n, top in enumerate(range(0, height, 1200)):
                clip = {"x": 0, "y": top, "width": 390, "height": min(1200, height - top)}
                page.screenshot(
                    path=str(SHOTS / f"round-{step}-390-{n}.png"), full_page=True, clip=clip
                )
        width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        if width > inner:
            problems.append(f"{step} at {viewport['width']} px: scrollWidth {width} > {inner}")
    page.set_viewport_size(DESKTOP)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_round_ceremony_as_the_coordinator(
    browser, live_server, coordinator, published_plan, directory, viewport
):
    context = open_context(browser, live_server, viewport, coordinator)
    page = context.new_page()
    errors = console_errors(page)
    problems: list[str] = []
    page.goto(f"{live_server.url}/draws/plans/{published_plan.pk}/rounds/1/")

    # ① Preview with a base date inside the plan's year: every item, nothing frozen.
    page.fill("#preview input[name=on]", "2022-03-01")
    page.click("text=按以上设置预览")
    assert page.locator("table.round-items tbody tr").count() == RATIO_ITEMS
    assert page.locator("text=预览（未冻结）").count() == RATIO_ITEMS
    assert page.locator("[data-date-warning]").count() == 0
    assert Draw.objects.count() == 0
    fits(page, "preview", problems)

    # Freeze and publish all the populations at once.
    page.click("text=冻结并公布全部8个事项的名录")
    page.wait_for_selector("#dice")
    assert Draw.objects.filter(status=Draw.Status.PREPARED).count() == RATIO_ITEMS
    assert page.locator("table.round-hashes code.hash").count() == RATIO_ITEMS
    fits(page, "frozen", problems)

    # ② One dice ceremony for the round.
    page.fill("input[name=witness_1]", "王五")
    page.fill("input[name=digits_1]", "27182818284")
    page.fill("input[name=witness_2]", "赵六")
    page.fill("input[name=digits_2]", "5904523536")
    page.click("text=为本轮8个抽取录入同一种子")
    page.wait_for_selector("#execute")
    assert {d.seed for d in Draw.objects.all()} == {"271828182845904523536"}
    fits(page, "seeded", problems)

    # ③ Execute every draw at once; the reveal starts and its speed can be changed.
    page.click("text=执行全部抽取")
    page.wait_for_selector("[data-reveal-controls]:not([hidden])")
    assert Draw.objects.filter(status=Draw.Status.EXECUTED).count() == RATIO_ITEMS
    rows = page.locator("table[data-reveal] tbody tr")
    total = rows.count()
    assert total > 10
    page.select_option("[data-reveal-speed]", "300")
    page.locator("tr.revealed").nth(3).wait_for()  # (no wait_for_function: the CSP forbids eval)
    page.click("[data-reveal-pause]")
    shown = page.locator("tr.revealed").count()
    page.wait_for_timeout(900)  # paused: nothing more is revealed
    assert page.locator("tr.revealed").count() == shown < total
    page.click("[data-reveal-all]")
    assert page.locator("tr.pending").count() == 0
    fits(page, "revealed", problems)

    assert problems == []
    assert errors == []
    context.close()
