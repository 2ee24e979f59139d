"""The portal's page cache.

Public pages are the same for every anonymous visitor, so they are cached whole (the "public"
cache: a file cache shared by the server's workers, memory in tests). A page's key carries

- the portal's version and its token (spotcheck.public.models.PortalVersion), moved in the
  transaction of
  every action that changes what the portal shows (`note_public_change`: a plan or a revision
  published, a draw prepared, seeded, executed, replaced or cancelled, a team matched or a
  member replaced, results published, republished or withdrawn, an agency's or a target type's
  public fields, the statistics rebuilt) and by nothing else: an inspector's autosave, a
  notice or a review moves the audit head, not this, so a crowd of visitors keeps being served
  from the cache and never reaches the draw, matching or result tables. The token, random and
  set anew with the version, keeps a restore from a backup from bringing back the pages cached
  after the backup: the next change raises the restored version to a number those pages carry,
  but with another token;
- the release (`release_key`): a page cached by an earlier release, or before the static files
  were collected again, links files and shows code that may be gone, and is never served after
  a restart (`make serve` also empties the cache: spotcheck clear-public-cache); nor is one
  rendered under other settings of how pages show what they show (`RENDERING_SETTINGS`: the
  time zone moments are shown in, the language and its formats, the small-count threshold).

The version, its token and the audit head are read by one fixed statement a request
(`portal_state`).
Pages that print the head are kept with a slot for it, filled with that head each time they
are served (spotcheck.audit.shown): a cached page shows the same head as a fresh one. Signed-in
users are not served from the cache (their pages carry their name and the staff links).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache, wraps
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import connection
from django.http import HttpRequest, HttpResponse

import spotcheck
from spotcheck.audit.models import GENESIS_HASH, AuditHead, Head
from spotcheck.audit.shown import fill_head, head_printed_later
from spotcheck.prepared import fetch_rows
from spotcheck.public.models import PortalVersion, version_key

CACHE_ALIAS = "public"
KEPT_HEADERS = ("Content-Type", "Content-Disposition")
T = TypeVar("T")


def clear_public_pages() -> None:
    caches[CACHE_ALIAS].clear()
    for memo in _MEMOS:
        memo.cache_clear()


@dataclass(frozen=True)
class PortalState:
    version: int  # PortalVersion's
    token: str  # PortalVersion's, set anew with the version (models.new_token)
    head: Head  # the audit chain's

    @property
    def key(self) -> str:
        """The version as pages are keyed by it (spotcheck.public.models.version_key)."""
        return version_key(self.version, self.token)


def read_portal_state() -> PortalState:
    """The portal's version, its token and the audit head, by one fixed SQL statement (every
    public page reads it: the ORM's compiling of it would cost more than the read)."""
    # prepared on PostgreSQL (spotcheck.prepared): parsed and planned once a connection
    row = PortalVersion.ROW
    [(version, token, seq, last_hash)] = fetch_rows(_state_sql(connection.vendor), [row, row, 1, 1])
    head = Head(0, GENESIS_HASH) if seq is None else Head(int(seq), last_hash)
    return PortalState(int(version or 0), token or "", head)


@cache
def _state_sql(vendor: str) -> str:
    quote = connection.ops.quote_name

    def one(model: Any, field: str) -> str:
        meta = model._meta
        column = quote(meta.get_field(field).column)
        return f"(SELECT {column} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s)"

    fields = [
        one(PortalVersion, "version"),
        one(PortalVersion, "token"),
        one(AuditHead, "last_seq"),
        one(AuditHead, "last_hash"),
    ]
    return "SELECT " + ", ".join(fields)


def portal_state(request: HttpRequest) -> PortalState:
    """`read_portal_state`, once a request (the page key, `memo_by_version` and the head
    printed share it)."""
    state = getattr(request, "_spotcheck_portal_state", None)
    if state is None:
        state = read_portal_state()
        request._spotcheck_portal_state = state  # type: ignore[attr-defined]
    return state


def portal_key(request: HttpRequest) -> str:
    """The portal's version and token (`PortalState.key`), as pages and memos are keyed."""
    return portal_state(request).key


_MEMOS: list[Any] = []


def memo_by_version(function: Callable[..., T]) -> Callable[..., T]:
    """Keep what `function(key, *args)` returns in this process, for the pages that share a
    part (a task's heading on each of its pages): keyed by the portal's version and token
    (`portal_key`), as the pages are, so it never outlives what it was made from (nor survives a
    restore); the least recently used dropped past 256."""
    memo = lru_cache(maxsize=256)(function)
    _MEMOS.append(memo)
    return memo


# The settings a public page's bytes depend on (beside its data, the code and the static files):
# moments are shown in TIME_ZONE's local time; LANGUAGE_CODE picks the formats of dates and
# numbers (the format settings apply where the language's own do not); links are made under
# STATIC_URL, MEDIA_URL and FORCE_SCRIPT_NAME by the URLconf ROOT_URLCONF names; statistics show
# counts below SPOTCHECK_PUBLIC_MIN_COUNT as "少于N"; the open-data page lists a stale year's files
# as built or being built by SPOTCHECK_OPEN_DATA_INLINE_RESULTS. The rest (the domain's defaults
# of teams, seeds, windows and deadlines, limits, keys, paths) decide what actions store, which
# moves the portal's version when published, or nothing a public page shows.
RENDERING_SETTINGS = (
    "TIME_ZONE",
    "USE_TZ",
    "LANGUAGE_CODE",
    "USE_I18N",
    "FORMAT_MODULE_PATH",
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "TIME_FORMAT",
    "YEAR_MONTH_FORMAT",
    "MONTH_DAY_FORMAT",
    "FIRST_DAY_OF_WEEK",
    "DECIMAL_SEPARATOR",
    "THOUSAND_SEPARATOR",
    "USE_THOUSAND_SEPARATOR",
    "NUMBER_GROUPING",
    "STATIC_URL",
    "MEDIA_URL",
    "FORCE_SCRIPT_NAME",
    "ROOT_URLCONF",
    "SPOTCHECK_PUBLIC_MIN_COUNT",
    "SPOTCHECK_OPEN_DATA_INLINE_RESULTS",
)


def rendering_settings() -> str:
    """`RENDERING_SETTINGS` with their values, as one text for the release key."""
    return "\0".join(f"{name}={getattr(settings, name, None)!r}" for name in RENDERING_SETTINGS)


@lru_cache(maxsize=1)
def release_key() -> str:
    """This release, computed once a process: the package's version, the static files' manifest
    (the hashed names a page links; none without STATIC_ROOT, where pages link the plain
    names), the settings pages are rendered under (`RENDERING_SETTINGS`) and each file of the
    package (path, size, modification time: its code, templates and static sources). The
    server's workers run the same files under the same settings, so they share the pages."""
    digest = hashlib.sha256()
    try:
        digest.update(metadata.version("spotcheck").encode())
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        digest.update(b"-")
    read_manifest = getattr(staticfiles_storage, "read_manifest", None)
    manifest = (read_manifest() if read_manifest else None) or ""
    digest.update(f"\0{rendering_settings()}\0{manifest}\0".encode())
    root = Path(spotcheck.__file__).resolve().parent
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _rendering_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in RENDERING_SETTINGS:
        release_key.cache_clear()


# Fires only where settings change at run time: in tests (a server computes its key at start).
setting_changed.connect(_rendering_setting_changed, dispatch_uid="spotcheck.public.cache")


def page_key(request: HttpRequest) -> str:
    """The page's key: the release, the portal's version and token (`portal_key`) and the
    address asked for, with its scheme and host (a page may print its own absolute addresses,
    the kit's README does: a site reached under two names never serves one's page under the
    other)."""
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(address.encode("utf-8")).hexdigest()
    return f"page:{release_key()}:{portal_key(request)}:{digest}"


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous GETs of `view` from the public cache; store its 200 answers (with the
    audit head's slot, filled whenever served)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        cache = caches[CACHE_ALIAS]
        key = page_key(request)
        head = portal_state(request).head
        stored = cache.get(key)
        if stored is not None:
            content, headers, prints_head = stored
            response = HttpResponse(fill_head(content, head) if prints_head else content)
            for name, value in headers.items():
                response[name] = value
            response["X-Spotcheck-Cache"] = "hit"
            return response
        with head_printed_later(request) as slot:
            response = view(request, *args, **kwargs)
        if response.streaming:
            return response
        content = response.content
        if slot.used:
            response.content = fill_head(content, head)
        if response.status_code == 200 and not response.cookies:
            headers = {name: response[name] for name in KEPT_HEADERS if name in response}
            cache.set(key, (content, headers, slot.used))
        return response

    return wrapped
