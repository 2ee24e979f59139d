"""One rule for page numbers that come from a URL.

Pages clamp the page number to 1..MAX_PAGE (a bookmarked "?page=999999999999999999999" shows
the last allowed page's emptiness, not a 500: SQLite says "datatype mismatch" and PostgreSQL
"bigint out of range" for offsets beyond 64 bits). The API refuses an out-of-range page with
422, like any other invalid parameter.
"""

from typing import Any

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 10_000


class Page:
    """One page of a list without counting the whole table: one extra row tells whether a next
    page exists; the total is counted only when `count` (indexed filters, small tables)."""

    def __init__(self, rows: Any, request: Any, *, count: bool, size: int = 50) -> None:
        self.number = page_number(request.GET.get("page"))
        start = (self.number - 1) * size
        fetched = list(rows[start : start + size + 1])
        self.has_next = len(fetched) > size
        self.object_list = fetched[:size]
        self.has_previous = self.number > 1
        self.count = rows.count() if count else None
        query = request.GET.copy()
        query.pop("page", None)
        self.query = query.urlencode()


def page_number(raw: Any) -> int:
    """The page asked for, clamped to 1..MAX_PAGE; anything that is not a number is page 1."""
    text = str(raw or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    return min(max(int(text[:12]), 1), MAX_PAGE)


class BoundedPageNumberPagination(PageNumberPagination):
    """ninja's page-number pagination with the page number capped at MAX_PAGE (else 422)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)  # larger sizes are cut to max_page_size
