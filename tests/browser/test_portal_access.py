"""The public portal for a visitor with only a keyboard, on a phone and on paper: Tab first
reaches a skip link to the main content, every stop shows a focus ring, the search is found,
filled and sent without a mouse; the pages fit 390 px; printed, they show the content without
the site's chrome, the search form, paging or buttons, and no table wider than the paper.
The markup itself (labels, scopes, headings) is checked without a browser:
tests/public/test_markup.py."""

from __future__ import annotations

import pypdfium2
import pytest
from django.templatetags.static import static
from django.urls import reverse

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_pages import console_errors, shoot

pytestmark = pytest.mark.django_db(transaction=True)

# The focused element: what it is, whether it is inside <main>, and whether it shows a ring a
# sighted keyboard user can follow (Chromium's own is a 1 px outline: too faint on the red).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName, id: el.id, href: el.getAttribute('href'),
    text: (el.textContent || '').trim().slice(0, 30),
    ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    inMain: !!el.closest('main'),
    onScreen: box.width > 0 && box.height > 0 && box.top >= 0 && box.left >= 0
      && box.bottom <= innerHeight && box.right <= innerWidth,
  };
}"""

# Printed: what of the chrome is still laid out, and anything wider than the paper.
PRINT_LEFTOVERS = """() => {
  const laidOut = el => el.getClientRects().length > 0;
  const out = [];
  for (const sel of ['.topbar', '.skip-link', 'nav', 'form.search', 'button', '.pager', 'footer']) {
    for (const el of document.querySelectorAll(sel)) if (laidOut(el)) out.push(`${sel} shown`);
  }
  const width = document.documentElement.clientWidth;
  document.querySelectorAll('table').forEach((t, i) => {
    const right = t.getBoundingClientRect().right;
    if (right > width + 1) out.push(`table ${i} (${t.className}) reaches ${Math.round(right)} of ${width} px`);
  });
  // a table, not the phone's cards: paper is narrower than 760 px too
  document.querySelectorAll('table.list thead').forEach((head, i) => {
    if (head.getBoundingClientRect().height <= 1) out.push(`table ${i} printed without its heading row`);
  });
  if (document.documentElement.scrollWidth > width) out.push(`page ${document.documentElement.scrollWidth} px wide`);
  if (!laidOut(document.querySelector('main h1'))) out.push('no h1');
  return out;
}"""

PAPER = {"width": 703, "height": 1000}  # A4 less the print margins (186 mm) at 96 dpi


def test_keyboard_skips_to_the_content_and_searches(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    errors = console_errors(page)
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUSED)
    assert skip["href"] == "#main" and skip["text"] == "跳到正文", skip
    assert skip["ring"] and skip["onScreen"], skip  # hidden until focused, then shown
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first["inMain"], first  # the menu skipped

    stops = []
    for _ in range(40):
        stop = page.evaluate(FOCUSED)
        stops.append(stop)
        if stop["id"] == "q":
            break
        page.keyboard.press("Tab")
    assert stops[-1]["id"] == "q", [s["text"] for s in stops]
    assert [s for s in stops if not s["ring"]] == []
    shoot(page, "access-search-focused-1280")
    page.keyboard.type("没有这个检查对象")
    page.keyboard.press("Tab")
    button = page.evaluate(FOCUSED)
    assert button["tag"] == "BUTTON" and button["text"] == "查询" and button["ring"], button
    page.keyboard.press("Enter")
    page.wait_for_url("**" + reverse("public:search") + "?q=*")
    assert page.get_by_text("没有找到符合条件的公示结果").is_visible()
    assert page.get_by_label("查询检查结果").input_value() == "没有这个检查对象"
    assert errors == []
    context.close()


def test_phone_and_paper(browser, live_server, published_plan, executed_draws, tmp_path):
    draw = next(iter(executed_draws.values())).draw
    search = reverse("public:search")
    # each page and the download addresses its printout must show
    paths = {
        "/": [],
        # the widest table (78-digit tickets) and the verification section's downloads
        reverse("public:bulletin", args=[draw.pk]): [reverse("public:draw_json", args=[draw.pk])],
        published_plan.get_public_url(): [
            reverse("public:plan_export", args=[published_plan.pk, "xlsx"])
        ],
        f"{search}?q=没有这个检查对象&page=2": [],  # the search form and the pager
    }
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    problems = []
    for path, addresses in paths.items():
        page.set_viewport_size(PHONE)
        page.emulate_media(media="screen")
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        width, inner = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
        if width > inner:
            problems.append(f"{path} at 390 px: {width} px wide")
        assert page.locator(".skip-link").bounding_box()["y"] < 0  # off screen until focused

        page.set_viewport_size(PAPER)
        page.emulate_media(media="print")
        shoot(page, f"access-print{path.split('?')[0].replace('/', '_')}")
        problems += [f"{path} printed: {p}" for p in page.evaluate(PRINT_LEFTOVERS)]

        pdf = tmp_path / "page.pdf"
        page.pdf(path=str(pdf), format="A4")
        document = pypdfium2.PdfDocument(str(pdf))
        text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
        document.close()
        flat = text.replace(" ", "").replace("\r\n", "")
        title = page.locator("main h1").inner_text()
        assert title.replace(" ", "") in flat, path
        problems += [f"{path} PDF lacks {a}" for a in addresses if a not in flat]
        problems += [
            f"{path} PDF has {word!r}"
            for word in ("跳到正文", "上一页", "每一次抽取均可由任何人复核")  # link, pager, footer
            if word in text
        ]
    assert problems == []
    context.close()


def test_paper_shows_folded_versions(browser, live_server):
    """A corrected result lists its earlier versions folded (<details>); printed, they show."""
    context = browser.new_context(viewport=PAPER, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/")  # the site's origin: its stylesheet, under its CSP
    page.set_content(
        f'<link rel="stylesheet" href="{live_server.url}{static("spotcheck/spotcheck.css")}">'
        '<main id="main"><details><summary>第1版</summary><p id="old">更正前的内容</p></details>'
    )
    old = page.locator("#old")
    assert not old.is_visible()
    page.emulate_media(media="print")
    assert old.is_visible()
    context.close()
