"""Browser tests: Playwright for Python driving the system's Chromium against pytest-django's
live server. Skipped, with the reason, where either is missing (a fresh machine with only
Python still passes `make test`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("SPOTCHECK_CHROMIUM", "/usr/bin/chromium"))

if not CHROMIUM.exists():
    pytest.skip(
        f"browser tests need Chromium at {CHROMIUM} (set SPOTCHECK_CHROMIUM to another path)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need playwright (pip install -e '.[dev]')"
)

# The inspections tests' round: the demo county in the registry and the plan's draws.
from tests.inspections.conftest import (  # noqa: E402, F401
    county,
    directory,
    executed_draws,
    housing,
)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    """One Chromium per module. Playwright's sync API keeps an event loop running in the
    test's thread while it is started; Django then refuses plain synchronous ORM calls from
    that thread (SynchronousOnlyOperation), so they are allowed for exactly that time."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox"]
            )
            yield browser
            browser.close()
    finally:
        if before is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before
