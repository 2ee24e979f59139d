"""The portal's pages: search by name, code and pinyin initials, the entity page, a task's
results paged, statistics without small counts, the lists, and the page cache. How names are
normalised for the search: test_name_search.py."""

from __future__ import annotations

import importlib
from collections import Counter
from datetime import date

import pytest
from django.apps import apps as django_apps
from django.template.loader import render_to_string
from django.urls import reverse

from spotcheck.draws.models import Draw
from spotcheck.lib.pinyin import substring_keys
from spotcheck.lib.publication import snapshot_matches
from spotcheck.public import actions, selectors
from spotcheck.public.cache import clear_public_pages
from spotcheck.public.models import (
    WITHHELD_TEXT,
    PublicName,
    PublicNameKey,
    PublishedItem,
    PublishedResult,
    TaskPage,
    rebuild_task_pages,
)
from spotcheck.public.selectors import search_published_results
from spotcheck.results import actions as results_actions
from tests.public.helpers import visit_content

# Round one's draws, visits and teams (tests/conftest.py) and four published results are built
# once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_published")]


@pytest.fixture
def published(shared_copy, shared_published) -> list[PublishedResult]:
    return shared_copy(shared_published)


def get(client, name, *args, **params):
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_search_by_name_code_and_initials(client, published):
    record = published[0]
    assert record.entity_name in get(client, "public:search", q=record.entity_name[-4:])
    if record.credit_code:
        assert record.entity_name in get(client, "public:search", q=record.credit_code[:10])
    assert record.name_initials
    assert record.entity_name in get(client, "public:search", q=record.name_initials[:4])
    assert "没有找到" in get(client, "public:search", q="不存在的名称")
    assert "拼音首字母" in get(client, "public:search")


def found_keys(text):
    return sorted(search_published_results(text).values_list("entity_key", flat=True))


def expected_keys(records, predicate):
    return sorted(r.entity_key for r in records if predicate(r))


def test_initials_and_name_parts_match_anywhere(client, published):
    record = max(published, key=lambda r: len(r.name_initials))
    initials = record.name_initials
    assert len(initials) >= 5
    middle = initials[2:5]  # not the start of the name
    page = get(client, "public:search", q=middle.upper())
    assert record.entity_name in page
    assert found_keys(middle) == expected_keys(published, lambda r: middle in r.name_initials)
    part = record.entity_name[2:6]
    assert found_keys(part) == expected_keys(published, lambda r: part in r.entity_name)
    assert found_keys(initials + "x") == []
    assert found_keys(record.entity_name + "分店") == []


def test_the_name_index_and_the_full_scan_agree(published, monkeypatch):
    """A text in more names than SEARCH_NAMES_LIMIT is searched by reading records newest first;
    both ways find the same records."""
    names = [r.entity_name for r in published]
    texts = [names[0][1:4], names[1][-3:], published[0].name_initials[1:3], "公司", "q"]
    by_index = {t: found_keys(t) for t in texts}
    monkeypatch.setattr(selectors, "SEARCH_NAMES_LIMIT", 0)
    assert {t: found_keys(t) for t in texts} == by_index
    assert all(by_index[t] for t in texts[:3])


def test_name_keys_compare_by_code_point_whatever_the_database_locale(published):
    """The search's key ranges ("沂源" ≤ key < "沂溑") are exact only in code-point order. A
    PostgreSQL database made with a Chinese locale sorts by pinyin, where such a range misses
    names; the keys' column is therefore "C" there (SQLite compares by code point anyway)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT collation_name FROM information_schema.columns"
                " WHERE table_name = %s AND column_name = 'key'",
                [PublicNameKey._meta.db_table],
            )
            assert cursor.fetchone()[0] == "C"
            # what the column's collation prevents: under pinyin order the range is empty
            cursor.execute(
                """SELECT '沂源县宾馆' >= '沂源' COLLATE "zh-x-icu" AND '沂源县宾馆' < %s"""
                """ COLLATE "zh-x-icu" """,
                ["沂" + chr(ord("源") + 1)],
            )
            assert cursor.fetchone()[0] is False
    record = published[0]
    assert found_keys(record.entity_name[:2]) == expected_keys(
        published, lambda r: record.entity_name[:2] in r.entity_name
    )


def test_publication_indexes_each_published_name_once(published):
    names = {r.entity_name for r in published}
    assert set(PublicName.objects.values_list("name", flat=True)) == names
    record = published[0]
    keys = set(
        PublicNameKey.objects.filter(name__name=record.entity_name).values_list("key", flat=True)
    )
    assert keys == substring_keys(record.entity_name, record.name_initials, length=8)
    PublicName.index(record.entity_name, record.name_initials)  # already there: nothing added
    assert PublicNameKey.objects.filter(name__name=record.entity_name).count() == len(keys)


def test_the_migration_indexes_names_published_before_it(published):
    migration = importlib.import_module("spotcheck.public.migrations.0003_public_names")
    PublicName.objects.all().delete()
    assert found_keys(published[0].entity_name[1:4]) == []
    migration.index_published_names(django_apps, None)
    assert set(PublicName.objects.values_list("name", flat=True)) == {
        r.entity_name for r in published
    }
    part = published[0].entity_name[1:4]
    assert found_keys(part) == expected_keys(published, lambda r: part in r.entity_name)


def test_a_task_page_lists_current_records_newest_first(
    client, published, unit_leader, monkeypatch
):
    item = Counter(i.plan_item for i in PublishedItem.objects.all()).most_common(1)[0][0]
    record = PublishedResult.objects.filter(items__plan_item=item).order_by("pk").first()
    result = record.result
    result = results_actions.amend_result(
        result=result,
        reason="检查日期录错",
        content=visit_content(result.visit, inspected_on=date(2022, 10, 8)),
        actor=unit_leader,
    )
    result = results_actions.approve_result(result=result, actor=unit_leader)  # amended: pending
    actions.publish_results(results=[result], actor=unit_leader, today=date(2030, 1, 2))
    record.refresh_from_db()
    newer = PublishedResult.objects.get(result=result, superseded_at__isnull=True)
    assert record.superseded_at is not None
    assert list(record.items.values_list("current", flat=True)) == [False] * record.items.count()
    page = get(client, "public:task_results", item.pk)
    assert reverse("public:result", args=[newer.pk]) in page
    assert reverse("public:result", args=[record.pk]) not in page
    assert "2022-10-08" in page and "2030-01-02" in page
    listed = PublishedItem.objects.filter(plan_item=item, current=True).count()
    monkeypatch.setattr(TaskPage, "SIZE", 1)
    rebuild_task_pages([item.pk])  # the page starts at that size
    clear_public_pages()
    first = get(client, "public:task_results", item.pk)  # newest first: the republished record
    assert reverse("public:result", args=[newer.pk]) in first and "下一页" in first
    last = get(client, "public:task_results", item.pk, page=listed)
    assert "下一页" not in last and "上一页" in last


def test_entity_and_task_pages(client, published, settings, monkeypatch):
    record = published[0]
    page = get(client, "public:entity", record.entity_key)
    assert record.entity_name in page and reverse("public:result", args=[record.pk]) in page
    assert client.get(reverse("public:entity", args=["NOSUCH"])).status_code == 404
    counts = Counter(i.plan_item for i in PublishedItem.objects.all())
    item, n = counts.most_common(1)[0]
    assert n >= 2
    monkeypatch.setattr(TaskPage, "SIZE", 1)
    first = get(client, "public:task_results", item.pk)
    assert "下一页" in first
    draws = Draw.objects.filter(item=item)
    assert draws and all(reverse("public:bulletin", args=[d.pk]) in first for d in draws)
    index = get(client, "public:results")
    assert reverse("public:task_results", args=[item.pk]) in index


def test_an_entity_page_is_the_page_its_records_as_model_instances_made(
    client, published, coordinator
):
    # the page reads its records as values (a prepared query); the template was written for
    # model instances: the same bytes, a withdrawn record and a tampered one included (nothing
    # of a tampered snapshot shown: its items and follow-ups left out, its result withheld)
    withdrawn, tampered = published[0], published[1]
    actions.withdraw_published(published=withdrawn, reason="录入错误", actor=coordinator)
    changed = {**tampered.snapshot, "agency": "改动过的机关"}
    PublishedResult.objects.filter(pk=tampered.pk).update(snapshot=changed)
    pages = []
    for record in (withdrawn, tampered, published[2]):
        response = client.get(reverse("public:entity", args=[record.entity_key]))
        records = list(
            selectors.published_results()
            .filter(entity_key=record.entity_key)
            .order_by("-inspected_on", "-pk")
        )
        for r in records:
            if not snapshot_matches(r.snapshot, r.snapshot_sha256):
                r.snapshot = {}
        context = {"records": records, "latest": records[0]}
        expected = render_to_string("public/entity.html", context, response.wsgi_request)
        assert response.content.decode() == expected
        pages.append(expected)
    assert "撤回</span>" in pages[0] and WITHHELD_TEXT in pages[1]
    assert tampered.snapshot["items"][0]["follow_up_label"] not in pages[1].split("<tbody>")[1]
    assert WITHHELD_TEXT not in pages[0] + pages[2]


def test_statistics_hide_small_counts(client, published, settings):
    settings.SPOTCHECK_PUBLIC_MIN_COUNT = 1000
    page = get(client, "public:statistics")
    assert "<td>少于1000</td>" in page
    settings.SPOTCHECK_PUBLIC_MIN_COUNT = 1  # a page rendered under another is not served
    page = get(client, "public:statistics")
    assert "少于1000" not in page and "<td>少于1</td>" not in page


def test_lists_and_home(client, published, published_plan):
    assert published_plan.title in get(client, "public:plans")
    items = get(client, "public:items")
    assert published_plan.items.first().name in items
    home = get(client, "home")
    assert published[0].entity_name in home and reverse("public:search") in home


def test_pages_are_cached_until_something_is_published(client, published, coordinator, unit_leader):
    url = reverse("public:results")
    first = client.get(url)
    assert "X-Spotcheck-Cache" not in first
    second = client.get(url)
    assert second["X-Spotcheck-Cache"] == "hit" and second.content == first.content
    actions.withdraw_published(published=published[0], reason="录入错误", actor=coordinator)
    third = client.get(url)
    assert "X-Spotcheck-Cache" not in third and "已撤回的公示" in third.content.decode()
    client.force_login(unit_leader)  # signed-in users are never served from the cache
    assert "X-Spotcheck-Cache" not in client.get(url)
