"""The cells of the portal's result table (public/_result_table.html), made in Python.

A page lists up to 50 records. Read as values (not model instances) and turned into text here,
a page costs a fraction of what model instances, a `{% url %}` and date filters per cell cost
the template engine; the lists of the portal (search, a task's page, the home page, a
publication batch) all use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS

from spotcheck.public.models import result_text


def _url_maker(name: str) -> Callable[[object], str]:
    """URLs of the view `name` (one argument) from one `reverse`, quoted as reverse quotes."""
    marker = "0123456789"  # accepted by the int and str path converters alike
    head, tail = reverse(name, args=[marker]).split(marker)
    safe = RFC3986_SUBDELIMS + "/~:@"
    return lambda value: f"{head}{quote(str(value), safe=safe)}{tail}"


def _day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    return value.isoformat()


# What the result table shows of a record.
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
    "snapshot",
    "snapshot_sha256",
)


def result_rows(records: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """The cells of the result table as text, from records read with `.values(*ROW_FIELDS)`."""
    result_url = _url_maker("public:result")
    entity_url = _url_maker("public:entity")
    return [
        {
            "url": result_url(r["pk"]),
            "name": r["entity_name"],
            "entity_url": entity_url(r["entity_key"]),
            "code": r["credit_code"] or "—",
            "agency": r["agency__name"],
            "inspected_on": _day(r["inspected_on"]),
            "result": result_text(r["snapshot"], r["snapshot_sha256"]),
            "published_on": _day(r["published_on"]),
            "withdrawn_on": _day(r["withdrawn_at"]),
            "superseded_on": _day(r["superseded_at"]),
        }
        for r in records
    ]
