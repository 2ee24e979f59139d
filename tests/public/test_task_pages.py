"""A task's results page by page: the "next" links carry the last row's key (keyset paging),
a page asked for by its number alone starts from its stored key (TaskPage), and both walk the
same pages, before and after withdrawals and corrections."""

import html
import re
from collections import Counter
from datetime import date

import pytest
from django.db import connection
from django.db.models import Count
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import bench.bulkdata
from bench.bulkdata import build_published_results
from spotcheck.public import actions
from spotcheck.public.cache import clear_public_pages
from spotcheck.public.models import (
    PublishedItem,
    PublishedResult,
    TaskPage,
    rebuild_task_pages,
    task_rows,
)
from spotcheck.public.selectors import published_draws, published_items
from spotcheck.results import actions as results_actions
from tests.public.helpers import visit_content
from tests.public.test_rows import TEMPLATE_TABLE

NEXT = re.compile(r'<a href="([^"]*)" rel="next">')


@pytest.fixture
def busiest_task(db, monkeypatch):
    # three publication days for 90 results: many records share a date, so the key's id matters
    monkeypatch.setattr(bench.bulkdata, "PUBLICATION_DAYS", 3)
    monkeypatch.setattr(TaskPage, "SIZE", 2)
    build_published_results(90, results_per_entity=3, batch=40)
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


def walk_by_number(client, url):
    pages = []
    number = 1
    while True:
        ids, link = records(client, f"{url}?page={number}")
        pages.append(ids)
        if link is None:
            return pages
        number += 1


def walk_by_link(client, url):
    pages = []
    link = "?page=1"
    while link is not None:
        ids, link = records(client, url + link)
        pages.append(ids)
    return pages


def test_a_page_by_number_starts_at_its_stored_key_without_an_offset(client, busiest_task):
    item, count = busiest_task
    url = reverse("public:task_results", args=[item])
    # after every second row, the last one included (the next page is then empty)
    assert TaskPage.objects.filter(plan_item=item).count() == count // 2
    by_link = walk_by_link(client, url)
    assert len(by_link) >= 4
    for number in (2, 3, len(by_link)):
        with CaptureQueriesContext(connection) as queries:
            ids, _ = records(client, f"{url}?page={number}")
        assert ids == by_link[number - 1]
        assert not [q for q in queries.captured_queries if "OFFSET" in q["sql"].upper()]
    # past the last page: empty, read from the last stored start (at most one page's rows)
    assert records(client, f"{url}?page={len(by_link) + 3}") == ([], None)


def test_without_stored_starts_a_page_number_is_counted_from_the_first_row(client, busiest_task):
    item, _ = busiest_task
    url = reverse("public:task_results", args=[item])
    by_link = walk_by_link(client, url)
    TaskPage.objects.all().delete()  # data loaded around publication, before it was numbered
    clear_public_pages()
    assert walk_by_number(client, url) == by_link


def task_pages(client, item):
    """A task's pages walked both ways (by number and by the "下一页" links), which must agree
    and list the task's rows in order."""
    clear_public_pages()
    url = reverse("public:task_results", args=[item.pk])
    by_number = walk_by_number(client, url)
    assert walk_by_link(client, url) == by_number
    assert sum(by_number, []) == [str(r.published_id) for r in task_rows(item.pk)]
    return by_number


def test_page_numbers_follow_withdrawals_and_corrections(
    client,
    published,
    unit_leader,
    monkeypatch,
):
    monkeypatch.setattr(TaskPage, "SIZE", 1)
    item = Counter(i.plan_item for i in PublishedItem.objects.all()).most_common(1)[0][0]
    rows = [r.published_id for r in task_rows(item.pk)]
    assert len(rows) >= 2
    rebuild_task_pages([item.pk])  # at this size
    assert task_pages(client, item) == [[str(pk)] for pk in rows]

    newest = PublishedResult.objects.get(pk=rows[0])
    actions.withdraw_published(published=newest, reason="登记错误", actor=unit_leader)
    assert task_pages(client, item) == [[str(pk)] for pk in rows]  # it stays, marked

    # the oldest corrected: its correction comes first, every other record a page later
    corrected = PublishedResult.objects.get(pk=rows[-1]).result
    corrected = results_actions.amend_result(
        result=corrected,
        reason="检查日期录错",
        content=visit_content(corrected.visit, inspected_on=date(2022, 10, 8)),
        actor=unit_leader,
    )
    corrected = results_actions.approve_result(result=corrected, actor=unit_leader)
    actions.publish_results(results=[corrected], actor=unit_leader, today=date(2030, 1, 2))
    newer = PublishedResult.objects.get(result=corrected, superseded_at__isnull=True)
    pages = task_pages(client, item)
    assert pages == [[str(newer.pk)]] + [[str(pk)] for pk in rows[:-1]]


# The page as its template rendered it before the heading was made once for all of a task's
# pages (spotcheck.public.views._task_heading): the same bytes.
WHOLE_TEMPLATE = (
    """{% extends "base.html" %}
{% block title %}{{ item.name }} · 抽查结果公示{% endblock %}
{% block content %}
<p class="crumbs"><a href="{% url 'public:results' %}">抽查结果公示</a></p>
<h1>{{ item.plan.year }}年 {{ item.heading }}</h1>
<p class="muted">{{ item.plan.title }} · {{ item.plan.agency }}{% for d in draws %} · <a href="{% url 'public:bulletin' d.pk %}">第{{ d.round_number }}轮抽取公告</a>{% endfor %}</p>
"""
    + TEMPLATE_TABLE  # public/_result_table.html, included
    + """
{% include "public/_pager.html" %}
{% endblock %}
"""
)


def test_a_task_page_is_the_page_its_whole_template_makes(
    client,
    published,
    monkeypatch,
):
    monkeypatch.setattr(TaskPage, "SIZE", 1)
    item = Counter(i.plan_item for i in PublishedItem.objects.all()).most_common(1)[0][0]
    rebuild_task_pages([item.pk])
    draws = published_draws().filter(item=item).order_by("round_number")
    assert draws.exists()
    url = reverse("public:task_results", args=[item.pk])
    _, second = records(client, url)
    for query in ("", "?page=2", second, "?page=99"):
        clear_public_pages()  # the view's own answer
        response = client.get(url + query)
        context = {
            "item": published_items().get(pk=item.pk),
            "draws": draws.values("pk", "round_number"),
            "rows": response.context["rows"],
            "page": response.context["page"],
        }
        whole = engines["django"].from_string(WHOLE_TEMPLATE)
        assert response.content.decode() == whole.render(context, response.wsgi_request)
