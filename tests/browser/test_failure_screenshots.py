"""A failed browser test leaves a full-page screenshot of each page it had open under
var/test-screenshots/<test-name>.png (tests/browser/conftest.py's pytest_runtest_makereport)."""

from __future__ import annotations

import struct
from pathlib import Path
from types import SimpleNamespace

from tests.browser.conftest import (
    PHONE,
    pytest_runtest_makereport,
    save_failure_screenshots,
    screenshot_paths,
)

TALL_PAGE = (
    "<!doctype html><title>t</title><body style='margin:0'><div style='height:2000px'>长页面</div>"
)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])  # IHDR: width, height


def test_files_are_named_after_the_test_one_per_page(tmp_path):
    assert screenshot_paths("test_menu", 1, tmp_path) == [tmp_path / "test_menu.png"]
    assert screenshot_paths("test_fit[390-/public/results/]", 2, tmp_path) == [
        tmp_path / "test_fit_390-_public_results.png",
        tmp_path / "test_fit_390-_public_results-2.png",
    ]


def test_each_open_page_is_saved_whole_and_its_context_closed(browser, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    context = browser.new_context(viewport=PHONE)
    for _ in range(2):
        context.new_page().set_content(TALL_PAGE)
    written = save_failure_screenshots("test_two_pages", browser)
    directory = tmp_path / "test-screenshots"
    assert written == [directory / "test_two_pages.png", directory / "test_two_pages-2.png"]
    for path in written:
        width, height = png_size(path)
        assert width == PHONE["width"] and height >= 2000  # the full page, not the viewport
    assert browser.contexts == []


def run_hook(browser, *, failed: bool, when: str = "call"):
    item = SimpleNamespace(name="test_hooked", funcargs={"browser": browser})
    report = SimpleNamespace(failed=failed, when=when, sections=[])
    hook = pytest_runtest_makereport(item, None)
    next(hook)
    try:
        hook.send(report)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("the hook wrapper yielded twice")


def test_the_hook_shoots_only_a_failed_tests_pages(browser, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    shot = tmp_path / "test-screenshots" / "test_hooked.png"
    context = browser.new_context(viewport=PHONE)
    context.new_page().set_content(TALL_PAGE)
    assert run_hook(browser, failed=False).sections == []
    assert run_hook(browser, failed=True, when="setup").sections == []
    assert not shot.exists() and len(browser.contexts) == 1
    report = run_hook(browser, failed=True)
    assert shot.exists() and png_size(shot)[1] >= 2000
    assert report.sections == [("screenshots", str(shot))]
    assert browser.contexts == []
