"""The audit chain's head as public pages print it (`{% audit_head %}`), also on pages kept
whole in a cache.

A cached public page (spotcheck.public.cache) lives while what it shows is unchanged, but the
head moves with every staff action (a draft saved, a notice issued). The head a page prints
is the chain's head when the page is served, never when it was rendered: a visitor keeps it to
check later (`spotcheck audit verify --head`) that no entry up to it was deleted or rewritten,
and an older head would leave the latest entries out of that check. A page rendered for the
cache therefore carries HEAD_SLOT where the head goes (`head_printed_later`), and the cache fills
the slot each time it serves the page (`fill_head`), with the head it read with its key.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from spotcheck.audit.models import Head, current_head

# An HTML comment: a page's own text is escaped, so only the tag writes one
HEAD_SLOT = "<!--spotcheck:audit-head-->"
_SLOT_ATTRIBUTE = "_spotcheck_audit_head_slot"


class HeadSlot:
    """Marks a request whose page prints the slot instead of the head; `used` once it did."""

    used = False


@contextmanager
def head_printed_later(request: Any) -> Iterator[HeadSlot]:
    """Within: `request`'s page is rendered with HEAD_SLOT in place of the head (the caller
    fills it); after, an error page rendered for it prints the head again."""
    slot = HeadSlot()
    setattr(request, _SLOT_ATTRIBUTE, slot)
    try:
        yield slot
    finally:
        delattr(request, _SLOT_ATTRIBUTE)


@lru_cache(maxsize=8)
def head_html(head: Head) -> SafeString:
    return render_to_string("audit/_head.html", {"head": head})


def head_for(request: Any) -> SafeString:
    """What `{% audit_head %}` prints on `request`'s page: the current head, or the slot."""
    slot = getattr(request, _SLOT_ATTRIBUTE, None)
    if slot is None:
        return head_html(current_head())
    slot.used = True
    return mark_safe(HEAD_SLOT)  # noqa: S308 - a fixed comment


def fill_head(content: bytes, head: Head) -> bytes:
    return content.replace(HEAD_SLOT.encode(), head_html(head).encode("utf-8"))
