"""The portal's file cache looks at its directory (to cull) on one write in CULL_EVERY only, and
lists it only when it holds MAX_ENTRIES or more."""

from __future__ import annotations

import pytest
from django.core.cache.backends.filebased import FileBasedCache

from spotcheck.public import filecache
from spotcheck.public.filecache import PageFileCache


@pytest.fixture
def cache(tmp_path):
    return PageFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 3, "CULL_FREQUENCY": 2}})


def test_writes_do_not_list_the_directory_each_time(cache, monkeypatch):
    listings = []
    original = PageFileCache._list_cache_files
    monkeypatch.setattr(
        PageFileCache, "_list_cache_files", lambda self: listings.append(1) or original(self)
    )
    monkeypatch.setattr(filecache.random, "randrange", lambda n: 1)  # never the culling write
    for n in range(10):
        cache.set(f"page{n}", n)
    assert listings == [] and cache.get("page9") == 9


def test_a_culling_write_still_culls(cache, monkeypatch):
    monkeypatch.setattr(filecache.random, "randrange", lambda n: 1)
    for n in range(6):
        cache.set(f"page{n}", n)
    assert len(cache._list_cache_files()) == 6  # over MAX_ENTRIES between culls
    monkeypatch.setattr(filecache.random, "randrange", lambda n: 0)
    cache.set("page6", 6)
    assert len(cache._list_cache_files()) < 6 and cache.get("page6") == 6


def test_a_looking_write_lists_nothing_below_the_limit(cache, monkeypatch):
    listings = []
    original = PageFileCache._list_cache_files
    monkeypatch.setattr(
        PageFileCache, "_list_cache_files", lambda self: listings.append(1) or original(self)
    )
    monkeypatch.setattr(filecache.random, "randrange", lambda n: 0)  # every write looks
    cache.set("page0", 0)
    cache.set("page1", 1)
    cache.set("page2", 2)  # 2 entries when it looks: below MAX_ENTRIES (3)
    assert listings == []
    cache.set("page3", 3)  # 3 entries: culled
    assert listings and len(original(cache)) < 4 and cache.get("page3") == 3


def test_pages_are_read_back_as_django_writes_them(cache, tmp_path):
    page = ("<html>" + "检查结果" * 2000 + "</html>").encode(), {"Content-Type": "text/html"}, True
    cache.set("page", page)
    plain = FileBasedCache(str(tmp_path), {})
    assert plain.get("page") == page  # the same format, another compression level
    plain.set("other", page)
    assert cache.get("other") == page
