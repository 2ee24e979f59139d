"""Browser tests: Playwright for Python driving the system's Chromium against pytest-django's
live server. Skipped, with the reason, where either is missing (a fresh machine with only
Python still passes `make test`)."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

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


# --- screenshots of a failed test's pages ---------------------------------------------------

SCREENSHOTS = "test-screenshots"  # under settings.VAR_DIR


def screenshot_paths(test_name: str, count: int, folder: Path) -> list[Path]:
    """Where a failed test's `count` open pages are saved: <test-name>.png, then
    <test-name>-2.png …; characters a file name should not hold (a parametrised test's
    "[390-/public/]") become "_"."""
    stem = re.sub(r"[^\w.-]+", "_", test_name).strip("_") or "test"
    return [folder / (f"{stem}.png" if n == 1 else f"{stem}-{n}.png") for n in range(1, count + 1)]


def save_failure_screenshots(test_name: str, browser: sync_api.Browser) -> list[Path]:
    """A full-page screenshot of each page the test left open (a test closes its context at
    its end, so a failed one leaves them open), then those contexts closed so that the next
    failure in the module shoots only its own pages. Returns the files written."""
    pages = [page for context in browser.contexts for page in context.pages]
    folder = Path(settings.VAR_DIR) / SCREENSHOTS
    if pages:
        folder.mkdir(parents=True, exist_ok=True)
    written = []
    for page, path in zip(pages, screenshot_paths(test_name, len(pages), folder), strict=True):
        try:
            page.screenshot(path=str(path), full_page=True)
        except sync_api.Error:  # a crashed or closing page: the failure report still stands
            continue
        written.append(path)
    for context in list(browser.contexts):
        with contextlib.suppress(sync_api.Error):  # already gone with a crashed browser
            context.close()
    return written


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    browser = getattr(item, "funcargs", {}).get("browser")
    if report.failed and report.when == "call" and browser is not None:
        written = save_failure_screenshots(item.name, browser)
        if written:
            report.sections.append(("screenshots", "\n".join(str(path) for path in written)))
    return report
