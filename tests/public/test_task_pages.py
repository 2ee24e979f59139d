"""A task's results page by page: the "next" links carry the last row's key (keyset paging),
a page asked for by its number alone starts from its stored key (TaskPage), and both walk the
same pages, before and after withdrawals and corrections."""

import html
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bench.bulkdata
from bench.bulkdata import build_published_results
from spotcheck.public import actions
from spotcheck.public.cache import clear_public_pages
from spotcheck.public.models import (
    Publication,
    PublishedItem,
    PublishedResult,
    TaskPage,
    rebuild_task_pages,
    renumber_task_pages,
    task_page_start,
    task_rows,
)
from spotcheck.public.selectors import published_draws, published_items
from spotcheck.public.views import TaskKeyset
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


OFFSET = re.compile(r"\bOFFSET\s+(\d+)", re.IGNORECASE)


def test_a_page_by_number_starts_near_a_stored_key_skipping_less_than_a_page(client, busiest_task):
    item, count = busiest_task
    url = reverse("public:task_results", args=[item])
    # every second row counted from the oldest, the oldest row's key among them when even
    assert TaskPage.objects.filter(plan_item=item).count() == count // 2
    by_link = walk_by_link(client, url)
    assert len(by_link) >= 4
    for number in (2, 3, len(by_link), len(by_link) + 1, len(by_link) + 3):
        with CaptureQueriesContext(connection) as queries:
            ids, _ = records(client, f"{url}?page={number}")
        assert ids == (by_link[number - 1] if number <= len(by_link) else [])
        offsets = [int(m) for q in queries.captured_queries for m in OFFSET.findall(q["sql"])]
        assert all(offset < TaskPage.SIZE for offset in offsets), offsets


def test_a_page_by_number_reads_its_stored_key_in_the_statement_of_its_rows(client, busiest_task):
    # the task's key span is kept per portal version: a page asked for by its number is then
    # the portal's state and one statement (its stored key and its rows)
    item, _ = busiest_task
    url = reverse("public:task_results", args=[item])
    records(client, f"{url}?page=2")  # the heading and the key span kept
    for number in (3, 4, 7):
        with CaptureQueriesContext(connection) as queries:
            records(client, f"{url}?page={number}")
        assert len(queries) == 2, [q["sql"][:60] for q in queries.captured_queries]
        assert "public_taskpage" in queries.captured_queries[-1]["sql"]


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
    assert stored_keys(item.pk) == keys_from_the_oldest(item.pk)

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
    # kept by the publication, not made again
    assert stored_keys(item.pk) == keys_from_the_oldest(item.pk)

    # the newest corrected, dated before every other record: its correction comes last
    corrected = PublishedResult.objects.get(pk=rows[0]).result
    corrected = results_actions.amend_result(
        result=corrected,
        reason="检查日期录错",
        content=visit_content(corrected.visit, inspected_on=date(2022, 10, 9)),
        actor=unit_leader,
    )
    corrected = results_actions.approve_result(result=corrected, actor=unit_leader)
    actions.publish_results(results=[corrected], actor=unit_leader, today=date(2022, 10, 10))
    oldest = PublishedResult.objects.get(result=corrected, superseded_at__isnull=True)
    assert stored_keys(item.pk) == keys_from_the_oldest(item.pk)
    pages = task_pages(client, item)
    assert pages == [[str(newer.pk)]] + [[str(pk)] for pk in rows[1:-1]] + [[str(oldest.pk)]]


def stored_keys(item_id):
    keys = TaskPage.objects.filter(plan_item=item_id).order_by("number")
    return list(keys.values_list("number", "after_on", "after_id"))


def keys_from_the_oldest(item_id):
    """What TaskPage holds for a task, computed here from its rows: the key of every
    SIZE-th row counted from the oldest."""
    oldest_first = list(task_rows(item_id).values_list("published_on", "published_id"))[::-1]
    size = TaskPage.SIZE
    return [(n, *oldest_first[n * size - 1]) for n in range(1, len(oldest_first) // size + 1)]


def publish_rows(template, item_id, day, count, superseding=()):
    """A publication of `count` records into the task `item_id` dated `day`, superseding the
    task rows `superseding`, written as publication writes them (PublishedItem's copies of the
    date and of "current"); then the task's keys kept as publish_results keeps them."""
    publication = Publication.objects.create(
        agency_id=template.agency_id, published_at=timezone.now(), published_on=day, actor="t"
    )
    changed = []
    for row in superseding:
        PublishedResult.objects.filter(pk=row.published_id).update(superseded_at=timezone.now())
        PublishedItem.objects.filter(pk=row.pk).update(current=False)
        changed.append((item_id, row.published_on, row.published_id))
    for _ in range(count):
        record = PublishedResult.objects.create(
            publication=publication,
            result_id=template.result_id,
            result_version=template.result_version,
            agency_id=template.agency_id,
            plan_id=template.plan_id,
            entity_key=template.entity_key,
            entity_name=template.entity_name,
            published_on=day,
            snapshot=template.snapshot,
            snapshot_sha256=template.snapshot_sha256,
        )
        PublishedItem.objects.create(
            published=record, plan_item_id=item_id, category="x", follow_up="x", published_on=day
        )
        changed.append((item_id, day, record.pk))
    renumber_task_pages(changed)


def pages_from_the_keys(item_id):
    """The task's pages (record ids) as a page asked for by its number reads them: from the
    stored key task_page_start gives, skipping the rows it says."""
    size = TaskPage.SIZE
    rows = task_rows(item_id).values_list("published_id", flat=True)
    pages = [list(rows[:size])]
    for number in range(2, len(rows) // size + 3):
        start = task_page_start(item_id, number)
        if start is None:
            page = list(rows[(number - 1) * size : number * size])
        else:
            key, skip = start
            assert 0 <= skip < size
            page = list(TaskKeyset(item_id).narrow(rows, key)[skip : skip + size])
        pages.append(page)
    return pages


STEP = st.tuples(
    st.sampled_from(["publish", "correct", "withdraw"]),
    st.integers(-1, 2),  # the day, around the published records' (earlier: in the middle)
    st.randoms(use_true_random=False),
    st.integers(1, 3),  # records
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(STEP, max_size=8), size=st.integers(1, 3))
def test_kept_keys_equal_the_keys_made_again_after_any_changes(
    published,
    steps,
    size,
):
    item = Counter(i.plan_item_id for i in PublishedItem.objects.all()).most_common(1)[0][0]
    tasks = set(PublishedItem.objects.values_list("plan_item", flat=True))
    template = published[0]
    first_day = min(r.published_on for r in published)
    with pytest.MonkeyPatch.context() as patch, transaction.atomic():
        patch.setattr(TaskPage, "SIZE", size)
        rebuild_task_pages(tasks)
        for kind, day, rng, count in steps:
            day = first_day + timedelta(days=day)
            current = list(PublishedItem.objects.filter(plan_item=item, current=True))
            if kind == "publish":
                publish_rows(template, item, day, count)
            elif kind == "correct":
                corrected = rng.sample(current, min(count, len(current)))
                publish_rows(template, item, day, len(corrected), superseding=corrected)
            elif current:
                withdrawn = rng.choice(current).published_id
                PublishedResult.objects.filter(pk=withdrawn).update(withdrawn_at=timezone.now())
            for task in tasks:
                assert stored_keys(task) == keys_from_the_oldest(task)
            # every page by number, and the two past the end (empty but for the last rows)
            rows = list(task_rows(item).values_list("published_id", flat=True))
            numbers = range(1, len(rows) // size + 3)
            pages = [rows[(n - 1) * size : n * size] for n in numbers]
            assert pages_from_the_keys(item) == pages
        transaction.set_rollback(True)


# The page as its template rendered it before the heading was made once for all of a task's
# pages (spotcheck.public.views._task_heading): the same bytes. (Its title names the page
# after the first since the titles were told apart, tests/public/test_markup.py.)
WHOLE_TEMPLATE = (
    """{% extends "base.html" %}
{% block title %}{{ item.name }}{% if page.number > 1 %} · 第{{ page.number }}页{% endif %} · 抽查结果公示{% endblock %}
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
            "caption": f"{item.name}已公示的检查结果",
        }
        whole = engines["django"].from_string(WHOLE_TEMPLATE)
        assert response.content.decode() == whole.render(context, response.wsgi_request)
