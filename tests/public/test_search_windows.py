"""A search that finds a long list of masked names reads the latest publications first (a date
window, widened when it holds too few records): its pages are exactly the pages of the whole
list, newest first, however the records spread over the dates; a list of plain names is read
whole."""

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

import bench.bulkdata
from bench.bulkdata import INDUSTRIES, PLACES, SOLE_TRADES, build_published_results
from spotcheck.prepared import PreparedQuery
from spotcheck.public import views
from spotcheck.public.cache import clear_public_pages
from spotcheck.public.models import PublishedResult, TaskPage
from spotcheck.public.selectors import search_published_results

ROW = re.compile(r'<td><a href="/public/results/(\d+)/">')


@pytest.fixture
def spread(db, monkeypatch):
    """300 results over 40 publication days (a few each day), a page of 4 records, every
    list with a masked name windowed from a one-day window on."""
    monkeypatch.setattr(bench.bulkdata, "PUBLICATION_DAYS", 40)
    monkeypatch.setattr(TaskPage, "SIZE", 4)
    monkeypatch.setattr(views, "WINDOW_NAMES", 1)
    monkeypatch.setattr(views, "FIRST_WINDOW_DAYS", 1)
    monkeypatch.setattr(views, "WHOLE_LIST_ROWS", 0)  # widen the windows however few records
    return build_published_results(300, results_per_entity=3, batch=100)


def page_ids(client, text, number):
    clear_public_pages()
    query = urlencode({"q": text, "page": number})
    response = client.get(f"{reverse('public:search')}?{query}")
    assert response.status_code == 200
    return [int(pk) for pk in ROW.findall(response.content.decode())]


def expected_pages(text):
    found = search_published_results(text)
    assert found is not None
    ids = list(found.order_by("-published_on", "-pk").values_list("pk", flat=True))
    size = TaskPage.SIZE
    return [ids[n : n + size] for n in range(0, len(ids), size)] or [[]]


@pytest.fixture
def window_runs(monkeypatch):
    """How many times a search's date window was read, and how many of those were short."""
    runs = {"all": 0, "short": 0}
    for query in views.SEARCH_WINDOWS.values():
        original = query.run

        def counted(*, static, original=original, **values):
            rows = original(static=static, **values)
            runs["all"] += 1
            runs["short"] += len(rows) < static[1] - static[0]
            return rows

        monkeypatch.setattr(query, "run", counted)
    return runs


TEXTS = [*SOLE_TRADES, *INDUSTRIES[:8], *PLACES[:3], "有限公司", "*"]


def test_each_page_of_a_windowed_search_is_the_page_of_the_whole_list(client, spread, window_runs):
    checked = 0
    for text in TEXTS:
        pages = expected_pages(text)
        for number, expected in enumerate([*pages, []], start=1):
            assert page_ids(client, text, number) == expected, (text, number)
            checked += len(expected)
    assert checked > 300  # the texts found records, most of them on several pages
    # the windows were read, some held a whole page and some had to be widened
    assert window_runs["all"] > window_runs["short"] > 0


def test_a_list_of_names_published_long_ago_is_read_whole(client, spread, window_runs):
    """Records older than every window: the windows come back short and the whole list
    answers, the same records."""
    name = next(name for name in spread.names if "*" in name)
    newest = PublishedResult.objects.order_by("-published_on").values_list(
        "published_on", flat=True
    )[0]
    old = PublishedResult.objects.filter(entity_name=name)
    assert old.exists()
    assert old.filter(published_on__gte=newest).count() == 0
    expected = expected_pages(name)
    assert page_ids(client, name, 1) == expected[0]
    assert window_runs["short"] >= 1


def test_a_short_list_of_names_is_read_whole_without_a_window(client, spread, monkeypatch):
    monkeypatch.setattr(views, "WINDOW_NAMES", 10_000)
    calls = []
    monkeypatch.setattr(PreparedQuery, "run", _recording(PreparedQuery.run, calls))
    assert page_ids(client, SOLE_TRADES[0], 1) == expected_pages(SOLE_TRADES[0])[0]
    assert not any(query in views.SEARCH_WINDOWS.values() for query in calls)


def _recording(run, calls):
    def recorded(self, **kwargs):
        calls.append(self)
        return run(self, **kwargs)

    return recorded


def test_a_list_of_plain_names_is_read_whole(client, spread, window_runs):
    text = INDUSTRIES[0]
    found = search_published_results(text)
    assert found is not None and found.exclude(entity_name__contains="*").count() > 1
    assert not found.filter(entity_name__contains="*").exists()
    assert page_ids(client, text, 1) == expected_pages(text)[0]
    assert window_runs["all"] == 0
