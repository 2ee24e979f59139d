"""The portal's result table, made in Python (it replaced the template public/_result_table.html).

A page lists up to 50 records. Read as values (not model instances) and turned into escaped
HTML here, a page costs a fraction of what model instances, a `{% url %}`, date filters and a
dozen template variables per row cost the template engine (measured at 1,000,000 results, the
row loop was the largest part of a task page's time); the lists of the portal (search, a
task's page, the home page, a publication batch) all use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from html import escape
from typing import Any

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from spotcheck.public.chrome import url_maker
from spotcheck.public.models import stored_result_text


def _day(value: date | datetime | None) -> str:
    if type(value) is date:  # most values: a date column read
        return value.isoformat()
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    return value.isoformat()


# What the result table shows of a record (`row_values`), beside its snapshot's stored text.
ROW_FIELDS = (
    "pk",
    "entity_name",
    "entity_key",
    "credit_code",
    "agency__name",
    "inspected_on",
    "published_on",
    "withdrawn_at",
    "superseded_at",
    "snapshot_sha256",
)


def row_values(records: QuerySet[Any]) -> QuerySet[Any]:
    """`records` as the result table reads them: `ROW_FIELDS`, and the snapshot as its stored
    JSON text (`snapshot_text`), decoded once by `stored_result_text` where JSONField would
    decode it on reading and the result cell check it again (a third of a row's cost)."""
    return records.values(*ROW_FIELDS, snapshot_text=Cast("snapshot", TextField()))


# The cells of a row, as `result_rows` names them.
CELLS = (
    "url",
    "name",
    "entity_url",
    "code",
    "agency",
    "inspected_on",
    "result",
    "published_on",
    "withdrawn_on",
    "superseded_on",
)


def result_rows(records: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """The cells of the result table as text (`CELLS`), from records read with
    `row_values`, and the row's HTML (`html`) made of them."""
    result_url = url_maker("public:result")
    entity_url = url_maker("public:entity")
    rows = []
    for r in records:
        cells = (
            result_url(r["pk"]),
            r["entity_name"],
            entity_url(r["entity_key"]),
            r["credit_code"] or "—",
            r["agency__name"],
            _day(r["inspected_on"]),
            stored_result_text(r["snapshot_text"], r["snapshot_sha256"]),
            _day(r["published_on"]),
            _day(r["withdrawn_at"]),
            _day(r["superseded_at"]),
        )
        row = dict(zip(CELLS, cells, strict=True))
        row["html"] = _row_html(_escaped(cells))
        rows.append(row)
    return rows


# The table around the rows, as the template public/_result_table.html made it
# (tests/public/test_rows.py holds the two to the same bytes).
_TABLE_HEAD = (
    '<table class="list">\n'
    '  <caption class="visually-hidden">{caption}</caption>\n'
    '  <thead><tr><th scope="col">检查对象</th><th scope="col">统一社会信用代码</th>'
    '<th scope="col">检查实施机关</th><th scope="col">检查日期</th><th scope="col">检查结果</th>'
    '<th scope="col">公示日期</th></tr></thead>\n'
    "  <tbody>"
)
DEFAULT_EMPTY = "暂无公示的检查结果"


def result_table(
    rows: list[dict[str, str]], *, caption: str, empty: str = DEFAULT_EMPTY
) -> SafeString:
    """The whole result table of `rows` (made by `result_rows`), as public/_result_table.html
    made it, without the template engine's include and loop (a tenth of a task page's time).
    `caption` names the table for a screen reader's list of tables (visually hidden: the
    page's heading says it)."""
    body = "".join(row["html"] for row in rows)
    if not rows:
        body = f'<tr><td colspan="6" class="muted">{escape(empty)}</td></tr>'
    head = _TABLE_HEAD.format(caption=escape(caption))
    return mark_safe(f"{head}{body}</tbody>\n</table>\n")  # noqa: S308 - rows escaped


_SEPARATOR = "\x00"  # left as it is by escaping


def _escaped(cells: tuple[str, ...]) -> tuple[str, ...]:
    """Every cell escaped as the template engine escapes it (django.utils.html.escape is
    html.escape, without the cost of its lazy-string wrapper), in one `escape` of them all:
    it is five replaces over its text, and one over the row took a third of the time of ten."""
    escaped = escape(_SEPARATOR.join(cells)).split(_SEPARATOR)
    if len(escaped) != len(cells):  # a value holds the separator
        return tuple(escape(cell) for cell in cells)
    return tuple(escaped)


def row_html(row: dict[str, str]) -> SafeString:
    """One row of the result table from its cells (`CELLS`); every value escaped."""
    return _row_html(_escaped(tuple(row[name] for name in CELLS)))


def _row_html(cells: tuple[str, ...]) -> SafeString:
    (
        url,
        name,
        entity_url,
        code,
        agency,
        inspected_on,
        result,
        published_on,
        withdrawn,
        superseded,
    ) = cells
    row_class = ' class="withdrawn"' if withdrawn else ""
    marks = (f' <span class="badge warn">已于{withdrawn}撤回</span>' if withdrawn else "") + (
        f' <span class="badge">已于{superseded}更正</span>' if superseded else ""
    )
    # SafeString itself: mark_safe (a lazy-aware wrapper) cost more than the row's formatting
    return SafeString(  # every cell is escaped (_escaped)
        f"<tr{row_class}>\n"
        f'    <td><a href="{url}">{name}</a>{marks}</td>\n'
        f'    <td><a href="{entity_url}">{code}</a></td>\n'
        f"    <td>{agency}</td>\n"
        f'    <td class="nowrap">{inspected_on}</td>\n'
        f"    <td>{result}</td>\n"
        f'    <td class="nowrap">{published_on}</td>\n'
        "  </tr>"
    )
