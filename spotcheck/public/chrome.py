"""What every public page computes alike, computed once per process and kept.

The page chrome (templatetags/chrome.py's `{% same_for_visitors %}`) and the URLs of the result
table (rows.py) depend only on settings, the static manifest and the URLconf: fixed in a running
site, so they are kept, keyed on the request's URLconf and the script prefix (both may differ
between requests) and on the settings' generation: tests change settings (STATIC_URL,
ROOT_URLCONF, STORAGES...) with override_settings, and every change starts a new generation.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

_generations = itertools.count()
_generation = next(_generations)


def _start_generation(**kwargs: Any) -> None:
    global _generation
    _generation = next(_generations)


# Fires only where settings change at run time: in tests.
setting_changed.connect(_start_generation, dispatch_uid="spotcheck.public.chrome")


def generation() -> int:
    """The settings' generation: kept values of an older one are stale."""
    return _generation


def url_key() -> tuple[Any, ...]:
    """What a URL reversed without a current app depends on, beside the settings."""
    return (get_urlconf(), get_script_prefix())


_url_makers: dict[tuple[Any, ...], Callable[[object], str]] = {}
_url_makers_generation = _generation


def url_maker(name: str) -> Callable[[object], str]:
    """URLs of the view `name` (one argument) as `reverse` makes and quotes them, from one
    `reverse` a process (and URLconf, script prefix and settings' generation)."""
    global _url_makers_generation
    if _url_makers_generation != _generation:
        _url_makers.clear()
        _url_makers_generation = _generation
    key = (name, *url_key())
    try:
        return _url_makers[key]
    except KeyError:
        pass
    marker = "0123456789"  # accepted by the int and str path converters alike
    head, tail = reverse(name, args=[marker]).split(marker)
    safe = RFC3986_SUBDELIMS + "/~:@"

    def make(value: object) -> str:
        return f"{head}{quote(str(value), safe=safe)}{tail}"

    _url_makers[key] = make
    return make
