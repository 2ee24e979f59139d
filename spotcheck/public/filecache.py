"""The file cache behind the portal's page cache (settings.CACHES["public"]).

Django's FileBasedCache culls on every write, and its cull lists the whole cache directory:
with thousands of cached pages (every search, every page of every task) listing the directory
costs more than rendering the page. This one culls on one write in CULL_EVERY, on average, so
the cache may hold a few entries over MAX_ENTRIES between two culls.
"""

from __future__ import annotations

import random

from django.core.cache.backends.filebased import FileBasedCache

CULL_EVERY = 100


class PageFileCache(FileBasedCache):
    def _cull(self) -> None:
        if random.randrange(CULL_EVERY) == 0:  # noqa: S311 - spreading work, not security
            super()._cull()
