"""The public portal for a visitor with only a keyboard, on a phone and on paper: Tab first
reaches a skip link to the main content, every stop shows a focus ring, the search is found,
filled and sent without a mouse; the pages fit 390 px and no date in them breaks across two
lines; printed, they show the content without the site's chrome, the search form, paging or
buttons, and no table wider than the paper. The statistics charts' legends are buttons the
keyboard reaches.
The markup itself (labels, scopes, headings) is checked without a browser:
tests/public/test_markup.py."""

from __future__ import annotations

import re
from datetime import datetime

import pypdfium2
import pytest
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from spotcheck.public.announcements import Announcement
from spotcheck.stats.charts import chart_entries
from spotcheck.stats.tables import Table
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

# Dates in the content laid out across two lines ("2022-12-" then "09"), and how many were seen.
BROKEN_DATES = r"""() => {
  const date = /\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?|\d{4}年(\d{1,2}月(\d{1,2}日)?)?/g;
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  const broken = [];
  let seen = 0, node, found;
  while ((node = walker.nextNode())) {
    while ((found = date.exec(node.data))) {
      seen += 1;
      const range = document.createRange();
      range.setStart(node, found.index);
      range.setEnd(node, found.index + found[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(`${found[0]} in “${node.parentElement.textContent.trim().slice(0, 40)}”`);
    }
  }
  return {seen, broken};
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
        dates = page.evaluate(BROKEN_DATES)
        assert dates["seen"] > 0 or path.startswith(search), path  # the empty search has none
        problems += [f"{path} at 390 px: date broken: {d}" for d in dates["broken"]]
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


# Each chart's legend: what Tab reaches, what a key's state is, and whether ECharts agrees.
LEGEND = """() => [...document.querySelectorAll('.chart-legend')].map(legend => ({
  group: legend.getAttribute('aria-label'),
  keys: [...legend.querySelectorAll('button')].map(b => {
    const box = b.getBoundingClientRect();
    return {name: b.textContent, pressed: b.getAttribute('aria-pressed'),
            shown: box.width > 0 && box.left >= 0 && box.right <= innerWidth};
  }),
  selected: echarts.getInstanceByDom(legend.nextElementSibling).getOption().legend[0].selected,
}))"""


def test_chart_legends_are_buttons_a_keyboard_reaches(browser, live_server):
    """The statistics charts' legends (ECharts draws its own on the canvas, paged by arrows a
    keyboard cannot reach on a phone) are buttons above each chart: every key shown at 390 px
    without paging, reached by Tab with a focus ring, named by its series, and pressing one
    hides its series (aria-pressed says so); on paper the legend stays as the chart's key."""
    findings = Table(
        "public_items",
        "按抽查事项（事项检查数）",
        ["抽查事项", "未发现问题", "发现问题", "未能检查（结束情形）"],
        [["事项1 对宾馆、旅店取得许可证及治安安全情况的检查", 7, 5, 6], ["事项2", 5, 0, 0]],
        "stacked_bar",
    )
    shares = Table("categories", "检查结果分类", ["检查结果", "数"], [["甲", 3], ["乙", 4]], "pie")
    body = "".join(
        render_to_string("stats/_table.html", {"entry": entry, "heading": "h2"})
        for entry in chart_entries([findings, shares])
    )
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    errors = console_errors(page)
    page.goto(live_server.url + "/")  # the site's origin: its scripts, under its CSP
    page.set_content(
        f'<html lang="zh-Hans"><head><link rel="stylesheet" href="{live_server.url}'
        f'{static("spotcheck/spotcheck.css")}">'
        + render_to_string("stats/_head.html").replace('="/static/', f'="{live_server.url}/static/')
        + f'</head><body><main id="main"><h1>统计</h1><a href="#x">起点</a>{body}</main></body>'
    )
    page.wait_for_function("document.querySelectorAll('.stats-chart[data-drawn=true]').length == 2")
    legends = page.evaluate(LEGEND)
    assert [[k["name"] for k in legend["keys"]] for legend in legends] == [
        ["未发现问题", "发现问题", "未能检查（结束情形）"],
        ["甲", "乙"],
    ]
    assert all(k["shown"] and k["pressed"] == "true" for g in legends for k in g["keys"])
    assert legends[0]["group"] == "按抽查事项（事项检查数）：图例（按下隐藏或显示）"

    page.get_by_role("link", name="起点").focus()
    stops = []
    for _ in range(8):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUSED))
    buttons = [s for s in stops if s and s["tag"] == "BUTTON"]
    assert [s["text"] for s in buttons] == [
        "未发现问题",
        "发现问题",
        "未能检查（结束情形）",
        "甲",
        "乙",
    ]
    assert all(s["ring"] and s["onScreen"] for s in buttons), buttons

    page.get_by_role("button", name="发现问题", exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="乙", exact=True).focus()
    page.keyboard.press("Enter")
    legends = page.evaluate(LEGEND)
    assert [k["pressed"] for k in legends[0]["keys"]] == ["true", "false", "true"]
    assert legends[0]["selected"]["发现问题"] is False
    assert legends[0]["selected"]["未发现问题"] is True
    assert [k["pressed"] for k in legends[1]["keys"]] == ["true", "false"]
    assert legends[1]["selected"]["乙"] is False
    page.keyboard.press("Enter")
    assert page.evaluate(LEGEND)[1]["keys"][1]["pressed"] == "true"
    shoot(page, "access-chart-legend-390")

    page.set_viewport_size(PAPER)
    page.emulate_media(media="print")
    assert page.get_by_role("button", name="未能检查（结束情形）").is_visible()  # the key on paper
    assert errors == []
    context.close()


def test_dates_in_announcement_titles_stay_on_one_line(browser, live_server):
    """A long announcement title wraps on a 390 px phone, never inside its date: titles of
    every length put the date at every place along the line. Without the date kept whole (the
    same markup, the filter's spans taken out) some of them break it: the check bites."""
    when = timezone.make_aware(datetime(2022, 12, 9, 10))
    titles = [f"沂源县公安局{'某' * n}公示{n}户检查结果（2022-12-09）" for n in range(24)]
    announcements = [
        Announcement("results", f"publication:{n}", when, title, "/", "")
        for n, title in enumerate(titles)
    ]
    kept = render_to_string("public/_announcements.html", {"announcements": announcements})
    assert kept.count('<span class="nowrap">2022-12-09</span>') == len(titles)
    plain = re.sub(r'<span class="nowrap">(.*?)</span>', r"\1", kept)
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/")  # the site's origin: its stylesheet, under its CSP
    broken = {}
    for name, html in (("plain", plain), ("kept", kept)):
        page.set_content(
            f'<html lang="zh-Hans"><link rel="stylesheet" href="{live_server.url}'
            f'{static("spotcheck/spotcheck.css")}"><main id="main">{html}</main>'
        )
        dates = page.evaluate(BROKEN_DATES)
        assert dates["seen"] == 2 * len(titles)  # the title's date and the <time>
        broken[name] = dates["broken"]
    shoot(page, "access-announcements-390")
    assert broken["plain"] != []
    assert broken["kept"] == []
    context.close()
