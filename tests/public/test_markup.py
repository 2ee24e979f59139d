"""Every public page's HTML, read with the standard library's parser, as a screen reader and a
keyboard meet it: lang="zh-Hans"; a skip link to the main content before any other control;
one h1 and no heading level skipped; every data table with a caption (a screen reader's
table list reads it), no row wider than its first and every table heading with a scope; every
form control labelled and every label pointing at a control; no id twice; every image with alt
text; several navigation landmarks each named. The browser checks (focus ring, print, phone width, dates kept whole,
the charts' legend by keyboard) are in tests/browser/test_portal_access.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from spotcheck.public.actions import withdraw_published
from spotcheck.public.models import PublishedResult
from spotcheck.public.selectors import published_matchings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_published")]

FOCUSABLE = {"a", "button", "input", "select", "textarea"}
CONTROLS = {"input", "select", "textarea"}
SCOPES = {"col", "row", "colgroup", "rowgroup"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    line: int
    text: str = ""
    row_widths: list[int] = field(default_factory=list)  # a table's rows, in cells (colspan)


@dataclass
class Markup(HTMLParser):
    """The parts of a page the checks look at, in document order."""

    lang: str | None = None
    focusable: list[Element] = field(default_factory=list)
    headings: list[Element] = field(default_factory=list)
    table_headings: list[Element] = field(default_factory=list)
    controls: list[Element] = field(default_factory=list)
    label_for: set[str] = field(default_factory=set)
    images: list[Element] = field(default_factory=list)
    navs: list[Element] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    duplicate_ids: list[Element] = field(default_factory=list)
    tables: list[Element] = field(default_factory=list)  # attrs["_caption"]: the caption's text
    open_labels: int = 0
    open_heading: Element | None = None
    open_caption: Element | None = None
    open_tables: list[Element] = field(default_factory=list)
    last_start: str = ""

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        element = Element(tag, values, self.getpos()[0])
        if "id" in values:
            if values["id"] in self.ids:
                self.duplicate_ids.append(element)
            self.ids[values["id"]] = tag
        if tag == "table" and values.get("role") not in ("presentation", "none"):
            self.tables.append(element)
        if tag == "table":
            self.open_tables.append(element)
        if tag == "tr" and self.open_tables:
            self.open_tables[-1].row_widths.append(0)
        if tag in ("td", "th") and self.open_tables and self.open_tables[-1].row_widths:
            self.open_tables[-1].row_widths[-1] += int(values.get("colspan") or 1)
        if tag == "caption" and self.last_start == "table" and self.tables:
            # only a table's first child is its caption
            self.open_caption = self.tables[-1]
            self.open_caption.attrs["_caption"] = ""
        self.last_start = tag
        if tag == "html":
            self.lang = values.get("lang")
        if tag == "label":
            self.open_labels += 1
            if "for" in values:
                self.label_for.add(values["for"])
        can_focus = (tag in FOCUSABLE and (tag != "a" or "href" in values)) or "tabindex" in values
        if can_focus and values.get("type") != "hidden" and values.get("tabindex") != "-1":
            self.focusable.append(element)
        if tag in CONTROLS and values.get("type") not in ("hidden", "submit", "button"):
            element.attrs["_in_label"] = "yes" if self.open_labels else ""
            self.controls.append(element)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(element)
            self.open_heading = element
        if tag == "th":
            self.table_headings.append(element)
        if tag == "img":
            self.images.append(element)
        if tag == "nav":
            self.navs.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.open_tables:
            self.open_tables.pop()
        if tag == "caption":
            self.open_caption = None
        if tag == "label":
            self.open_labels -= 1
        if self.open_heading is not None and tag == self.open_heading.tag:
            self.open_heading = None

    def handle_data(self, data: str) -> None:
        if self.open_heading is not None:
            self.open_heading.text += data.strip()
        if self.open_caption is not None:
            self.open_caption.attrs["_caption"] += data.strip()


def problems(html: str) -> list[str]:
    """What a keyboard or screen-reader user would miss on the page (empty when nothing)."""
    page = Markup()
    page.feed(html)
    found = []
    if page.lang != "zh-Hans":
        found.append(f'<html lang="{page.lang}">')
    first = page.focusable[0] if page.focusable else None
    if first is None or first.attrs.get("href") != "#main" or page.ids.get("main") != "main":
        found.append(f"the first control is not a skip link to <main id=main>: {first}")
    levels = [int(h.tag[1]) for h in page.headings]
    if levels[:1] != [1] or levels.count(1) != 1:
        found.append(f"headings {levels}: one h1, first")
    for before, heading in zip(page.headings, page.headings[1:], strict=False):
        if int(heading.tag[1]) > int(before.tag[1]) + 1:
            found.append(f"{before.tag} then {heading.tag} {heading.text!r} (line {heading.line})")
    for table in page.tables:
        if not table.attrs.get("_caption"):
            found.append(
                f"<table class={table.attrs.get('class')}> at line {table.line} has no caption"
            )
        if table.row_widths and max(table.row_widths) > table.row_widths[0]:
            found.append(
                f"<table> at line {table.line}: a row of {max(table.row_widths)} cells, "
                f"the first of {table.row_widths[0]}"
            )
    for th in page.table_headings:
        if th.attrs.get("scope") not in SCOPES:
            found.append(f"<th> without scope at line {th.line}")
    for control in page.controls:
        named = (
            control.attrs.get("id") in page.label_for
            or control.attrs.get("_in_label")
            or control.attrs.get("aria-label")
            or control.attrs.get("aria-labelledby")
        )
        if not named:
            found.append(f"<{control.tag} name={control.attrs.get('name')}> has no label")
    controls = {c.attrs["id"] for c in page.controls if "id" in c.attrs}
    found += [f'<label for="{f}"> names no form control' for f in page.label_for - controls]
    found += [f'id="{e.attrs["id"]}" again at line {e.line}' for e in page.duplicate_ids]
    for image in page.images:
        if "alt" not in image.attrs:
            found.append(f"<img src={image.attrs.get('src')}> has no alt")
    if len(page.navs) > 1:
        found += [
            f"unnamed <nav> at line {n.line}" for n in page.navs if "aria-label" not in n.attrs
        ]
    return found


@pytest.fixture
def published(shared_copy, shared_published) -> list[PublishedResult]:
    return shared_copy(shared_published)


def public_paths(published: list[PublishedResult], unit_leader) -> list[str]:
    record, withdrawn = published[0], published[1]
    withdraw_published(published=withdrawn, reason="录入有误", actor=unit_leader)
    plan = record.plan
    item = plan.items.order_by("number").first()
    draw = item.draws.order_by("pk").first()
    return [
        reverse("home"),
        reverse("public:items"),
        reverse("public:plans"),
        reverse("public:plan", args=[plan.pk]),
        reverse("public:plan_item", args=[plan.pk, item.pk]),
        reverse("public:bulletins"),
        reverse("public:bulletin", args=[draw.pk]),
        reverse("public:matchings"),
        reverse("public:matching", args=[published_matchings().order_by("pk")[0].pk]),
        reverse("public:results"),
        reverse("public:task_results", args=[item.pk]),
        reverse("public:search"),
        reverse("public:search") + f"?q={record.entity_name[-4:]}",
        reverse("public:search") + "?q=不存在的检查对象",
        reverse("public:search") + "?q=不存在的检查对象&page=2",
        reverse("public:result", args=[record.pk]),
        reverse("public:result", args=[withdrawn.pk]),
        reverse("public:entity", args=[record.entity_key]),
        reverse("public:batch", args=[record.publication_id]),
        reverse("public:statistics"),
        reverse("public:verify"),
        reverse("public:data"),
        reverse("public:data_schema"),
    ]


TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def test_every_public_page_is_labelled_and_ordered(client, published, unit_leader):
    found = {}
    titles: dict[str, list[str]] = {}
    for path in public_paths(published, unit_leader):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        if wrong := problems(html):
            found[path] = wrong
        titles.setdefault(TITLE.search(html).group(1), []).append(path)
    assert found == {}, "\n".join(f"{p}: {w}" for p, w in found.items())
    # a title tells the page apart (history, tabs, a screen reader's first words)
    assert {title: paths for title, paths in titles.items() if len(paths) > 1} == {}


def test_error_pages_are_labelled_and_ordered_too(client):
    response = client.get("/public/results/999999999/")
    assert response.status_code == 404
    assert problems(response.content.decode()) == []
    response = client.get(reverse("public:search"), {"q": "沂源\t宾馆"})  # a refused search
    assert response.status_code == 400
    assert problems(response.content.decode()) == []


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<a href="/">x</a><main id="main"><h1>t</h1></main>', "skip link"),
        ('<a href="#main">跳</a><main id="main"><h1>t</h1><h3>x</h3></main>', "h1 then h3"),
        ('<a href="#main">跳</a><main id="main"><h2>a</h2><h1>t</h1></main>', "one h1, first"),
        ('<a href="#main">跳</a><main id="main"><h1>t</h1><table><th>a</th></table>', "scope"),
        ('<a href="#main">跳</a><main id="main"><h1>t</h1><input name="q">', "no label"),
        ('<a href="#main">跳</a><main id="main"><h1>t</h1><table><tr><td>1', "no caption"),
        (
            '<a href="#main">跳</a><main id="main"><h1>t</h1><table><tr><td><caption>晚',
            "no caption",
        ),
        ('<a href="#main">跳</a><main id="main"><h1>t</h1><table><caption> </caption>', "caption"),
        ('<a href="#main">跳</a><main id="main"><h1>t</h1><label for="x">名</label>', "names no"),
        (
            '<a href="#main">跳</a><main id="main"><h1>t</h1><table><caption>表</caption>'
            '<tr><th scope="col">a</th></tr><tr><td>1</td><td>2</td></tr></table>',
            "a row of 2 cells, the first of 1",
        ),
        ('<a href="#main">跳</a><main id="main"><h1 id="t">t</h1><p id="t">', 'id="t" again'),
        ('<a href="#main">跳</a><main id="main"><h1>t</h1><img src="x.png">', "no alt"),
        (
            '<a href="#main">跳</a><nav></nav><nav aria-label="b"></nav><main id="main"><h1>t',
            "<nav>",
        ),
    ],
)
def test_the_checks_catch_what_they_look_for(html, expected):
    wrong = problems(f'<html lang="zh-Hans">{html}')
    assert any(expected in line for line in wrong), wrong


def test_a_labelled_page_passes_the_checks():
    html = (
        '<html lang="zh-Hans"><a href="#main">跳到正文</a><nav aria-label="网站"></nav>'
        '<main id="main"><h1>标题</h1><h2>二</h2><h3>三</h3><h2>二</h2>'
        '<label for="q">查询</label><input id="q" name="q"><label>年 <select name="y"></select>'
        '</label><input type="hidden" name="t"><img src="a.png" alt="">'
        '<table><caption>表</caption><tr><th scope="col">列</th></tr><tr><th scope="row">行</th>'
        '</tr></table><table role="presentation"><tr><td>排版</td></tr></table></main>'
    )
    assert problems(html) == []
