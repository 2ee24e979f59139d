"""The portal's page cache.

Public pages are the same for every anonymous visitor, so they are cached whole (the "public"
cache: a file cache shared by the server's workers, memory in tests). The key carries the audit
chain's head sequence: every published change (a plan, a draw step, a matching, a result's
publication or withdrawal) is an audited action and moves the head, so a cached page never
outlives what it shows, and the pages that print the head stay exact. A hit costs one read of
the one-row head table; a crowd of visitors never reaches the draw, matching or result tables.
Publication and withdrawal also clear the cache outright. Signed-in users are not served from
the cache (their pages carry their name and the staff links).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse

from spotcheck.audit.models import Head, current_head

CACHE_ALIAS = "public"
KEPT_HEADERS = ("Content-Type", "Content-Disposition")
T = TypeVar("T")


def clear_public_pages() -> None:
    caches[CACHE_ALIAS].clear()
    for memo in _MEMOS:
        memo.cache_clear()


def published_head(request: HttpRequest) -> Head:
    """The audit chain's head, read once a request (the page key and `memo_by_head` share it)."""
    head = getattr(request, "_spotcheck_head", None)
    if head is None:
        head = current_head()
        request._spotcheck_head = head  # type: ignore[attr-defined]
    return head


_MEMOS: list[Any] = []


def memo_by_head(function: Callable[..., T]) -> Callable[..., T]:
    """Keep what `function(head, *args)` returns in this process, for the pages that share a
    part (a task's heading on each of its pages): keyed by the audit head, as the pages are, so
    it never outlives what it was made from; the least recently used dropped past 256."""
    memo = lru_cache(maxsize=256)(function)
    _MEMOS.append(memo)
    return memo


def page_key(request: HttpRequest) -> str:
    digest = hashlib.sha256(request.get_full_path().encode("utf-8")).hexdigest()
    return f"page:{published_head(request).seq}:{digest}"


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous GETs of `view` from the public cache; store its 200 answers."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        cache = caches[CACHE_ALIAS]
        key = page_key(request)
        stored = cache.get(key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            response["X-Spotcheck-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            headers = {name: response[name] for name in KEPT_HEADERS if name in response}
            cache.set(key, (response.content, headers))
        return response

    return wrapped
