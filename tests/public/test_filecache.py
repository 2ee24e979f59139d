"""The portal's file cache lists its directory (to cull) on one write in CULL_EVERY only."""

from __future__ import annotations

import pytest

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
