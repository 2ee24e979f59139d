"""A task's results page by page: the "next" links carry the last row's key (keyset paging),
and walk the same pages as the page numbers do."""

import html
import re

import pytest
from django.db.models import Count
from django.urls import reverse

import bench.bulkdata
from bench.bulkdata import build_published_results
from spotcheck.public import views
from spotcheck.public.models import PublishedItem

NEXT = re.compile(r'<a href="([^"]*)" rel="next">')


@pytest.fixture
def busiest_task(db, monkeypatch):
    # three publication days for 90 results: many records share a date, so the key's id matters
    monkeypatch.setattr(bench.bulkdata, "PUBLICATION_DAYS", 3)
    build_published_results(90, results_per_entity=3, batch=40)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    item, count = (
        PublishedItem.objects.values("plan_item")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("plan_item", "n")
        .first()
    )
    return item, count


def records(client, url):
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    ids = re.findall(r'<td><a href="/public/results/(\d+)/">', text)
    link = NEXT.search(text)
    return ids, html.unescape(link.group(1)) if link else None


def test_next_links_walk_the_pages_of_the_page_numbers(client, busiest_task):
    item, count = busiest_task
    url = reverse("public:task_results", args=[item])
    by_number = []
    number = 1
    while True:
        ids, link = records(client, f"{url}?page={number}")
        by_number.append(ids)
        if link is None:
            break
        number += 1
    by_link = []
    link = "?page=1"
    while link is not None:
        ids, next_link = records(client, url + link)
        by_link.append(ids)
        if next_link is not None:
            assert "after=" in next_link
        link = next_link
    assert by_link == by_number
    assert len(by_number) == -(-count // 2) > 3
    newest_first = PublishedItem.objects.filter(plan_item=item).order_by(
        "-published_on", "-published_id"
    )
    assert sum(by_link, []) == [str(i.published_id) for i in newest_first]


def test_a_key_that_is_not_one_is_ignored(client, busiest_task):
    item, _ = busiest_task
    url = reverse("public:task_results", args=[item])
    second, _ = records(client, f"{url}?page=2")
    for bad in ("x", "2023-01-01", "2023-13-01.5", "2023-01-01.-5", "2023-01-01." + "9" * 30):
        assert records(client, f"{url}?page=2&after={bad}")[0] == second
