import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Views cache the town list; every test starts without it."""
    cache.clear()
    yield
    cache.clear()
