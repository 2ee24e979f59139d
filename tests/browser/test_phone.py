"""Key pages on a 390 px phone, as a user holds it: the page never scrolls sideways
(document.scrollingElement.scrollWidth within innerWidth), and on the result recording form
every field a finger must hit is at least 44 px tall and has a name a screen reader can say."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE
from tests.browser.test_pages import open_context, shoot
from tests.results.conftest import scene  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

SIDEWAYS = "[document.scrollingElement.scrollWidth, innerWidth]"

# Controls of the page's forms shorter than a fingertip, or with no accessible name (no label,
# aria-label or title); hidden inputs and those inside a collapsed menu are not shown.
UNTAPPABLE = """() => {
  const out = [];
  for (const el of document.querySelectorAll('main input, main select, main textarea, main button')) {
    if (el.type === 'hidden' || el.offsetParent === null) continue;
    const box = el.getBoundingClientRect();
    const small = el.type === 'checkbox' || el.type === 'radio' ? box.height < 20 : box.height < 44;
    const named = el.labels?.length || el.getAttribute('aria-label') || el.title
      || (el.tagName === 'BUTTON' && el.textContent.trim());
    if (small || !named) out.push(`${el.tagName} ${el.name || el.textContent.trim()} ${Math.round(box.height)}px${named ? '' : ' no label'}`);
  }
  return out;
}"""


def sideways(page, live_server, paths) -> list[str]:
    problems = []
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        shoot(page, f"phone{path.replace('/', '_')}")
        width, inner = page.evaluate(SIDEWAYS)
        if width > inner:
            problems.append(f"{path}: scrollWidth {width} > innerWidth {inner}")
    return problems


def test_key_pages_never_scroll_sideways_on_a_phone(
    browser,
    live_server,
    scene,  # noqa: F811
) -> None:
    plan = scene.visit.plan
    item = scene.items[11].item
    public = [
        "/",
        "/public/draws/",
        "/public/results/",
        "/public/results/search/?q=沂源",
        f"/public/results/tasks/{item.pk}/",
        "/public/statistics/",
        "/public/verify/",
        "/public/data/",
    ]
    context = open_context(browser, live_server, PHONE)
    assert sideways(context.new_page(), live_server, public) == []
    context.close()

    context = open_context(browser, live_server, PHONE, scene.member_a)
    page = context.new_page()
    staff = [
        "/",
        f"/plans/{plan.pk}/",
        f"/plans/{plan.pk}/items/{item.pk}/",
        "/inspections/",
        "/inspections/calendar/",
        f"/inspections/visits/{scene.visit.pk}/",
        f"/results/visits/{scene.visit.pk}/",
    ]
    assert sideways(page, live_server, staff) == []
    # the recording form (the page last opened): big enough to tap, every field named
    assert page.locator("select[name^=f-]").count() == 18  # 13 + 5 checkpoints
    assert page.evaluate(UNTAPPABLE) == []
    context.close()
