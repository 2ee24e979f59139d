"""One rule for page numbers that come from a URL.

Pages clamp the page number to 1..MAX_PAGE (a bookmarked "?page=999999999999999999999" shows
the last allowed page's emptiness, not a 500: SQLite says "datatype mismatch" and PostgreSQL
"bigint out of range" for offsets beyond 64 bits). The API refuses an out-of-range page with
422, like any other invalid parameter.
"""

from typing import Any, Protocol

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 10_000


class Keyset(Protocol):
    """Keyset paging of one ordering: the "next page" link carries the last row's key
    (`after=`), and the next page is read from there with one index range, where an OFFSET
    reads and skips every row before it (deep pages of a large list)."""

    def parse(self, text: str) -> Any:
        """The key in an `after=` parameter, or None when it is not one (then ignored)."""

    def narrow(self, rows: Any, key: Any) -> Any:
        """`rows` after `key`, in the same order."""

    def key(self, row: Any) -> str:
        """The `after=` text of a row."""

    def page_start(self, number: int) -> tuple[Any, int] | None:
        """For a page asked for by its number alone: a stored key before that page's first
        row and how many rows after it precede that row (fewer than a page), or None: counted
        from the first row."""


class Page:
    """One page of a list without counting the whole table: one extra row tells whether a next
    page exists; the total is counted only when `count` (indexed filters, small tables).
    With a `keyset`, a page reached by the "next" link starts after the previous page's last
    row instead of at an offset; a page number alone (a bookmark) starts near the keyset's
    stored key before that page where it has one, else by offset."""

    def __init__(
        self, rows: Any, request: Any, *, count: bool, size: int = 50, keyset: Keyset | None = None
    ) -> None:
        self.number = page_number(request.GET.get("page"))
        after = keyset.parse(str(request.GET.get("after", ""))) if keyset else None
        if keyset is not None and after is not None:
            fetched = list(keyset.narrow(rows, after)[: size + 1])
        else:
            known = keyset.page_start(self.number) if keyset and self.number > 1 else None
            # from the nearest stored key: an OFFSET of less than a page however deep the page
            if known is not None:
                rows_from, start = keyset.narrow(rows, known[0]), known[1]
            else:
                rows_from, start = rows, (self.number - 1) * size
            fetched = list(rows_from[start : start + size + 1])
        self.has_next = len(fetched) > size
        self.object_list = fetched[:size]
        self.has_previous = self.number > 1
        self.count = rows.count() if count else None
        self.next_after = keyset.key(fetched[size - 1]) if keyset and self.has_next else ""
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("after", None)
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
