"""What every public page computes alike, computed once per process and kept.

The page chrome (templatetags/chrome.py's `{% same_for_visitors %}`) and the URLs of the result
table (rows.py) depend only on settings, the static manifest and the URLconf: fixed in a running
site, so they are kept, keyed on the request's URLconf and the script prefix (both may differ
between requests) and on the settings' generation: tests change settings (STATIC_URL,
ROOT_URLCONF, STORAGES...) with override_settings, and every change starts a new generation.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
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


# what `reverse` leaves unquoted in a path argument: quote()'s own safe characters and these
URL_SAFE = RFC3986_SUBDELIMS + "/~:@"
_UNQUOTED = re.compile(r"[A-Za-z0-9_.\-~" + re.escape(URL_SAFE) + "]*")

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

    def make(value: object) -> str:
        text = str(value)
        # most values (ids, credit codes) have nothing to quote: quote() costs ~2 µs, a match
        # a tenth of that, and a result table makes two URLs a row
        if not _UNQUOTED.fullmatch(text):
            text = quote(text, safe=URL_SAFE)
        return f"{head}{text}{tail}"

    _url_makers[key] = make
    return make


KEPT_MARKERS = re.compile(r"{% (end)?same_for_visitors %}")


def templates_unkept() -> dict[str, str]:
    """The project's templates that keep fragments, with their markers taken out: the same
    pages, the chrome rendered on every page as before it was kept (to compare against)."""
    unkept = {}
    for folder in (Path(settings.BASE_DIR) / "spotcheck").glob("**/templates"):
        for path in folder.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            if KEPT_MARKERS.search(text):
                unkept[path.relative_to(folder).as_posix()] = KEPT_MARKERS.sub("", text)
    return unkept


def unkept_templates_setting() -> list[dict[str, Any]]:
    """settings.TEMPLATES finding `templates_unkept()` first (cached, as the site's are), for
    override_settings in the tests and bench/public_cpu.py."""
    engine = settings.TEMPLATES[0]
    loaders = [
        ("django.template.loaders.locmem.Loader", templates_unkept()),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    options = {**engine["OPTIONS"], "loaders": [("django.template.loaders.cached.Loader", loaders)]}
    return [{**engine, "APP_DIRS": False, "OPTIONS": options}]
