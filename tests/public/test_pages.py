"""The portal's pages: search by name, code and pinyin initials, the entity page, a task's
results paged, statistics without small counts, the lists, and the page cache."""

from __future__ import annotations

from collections import Counter

import pytest
from django.urls import reverse

from spotcheck.inspections.actions import build_visits, match_teams_for_round
from spotcheck.inspections.models import Visit
from spotcheck.public import actions, views
from spotcheck.public.cache import clear_public_pages
from spotcheck.public.models import PublishedItem, PublishedResult
from tests.public.helpers import approve_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(unit, published_plan, executed_draws, coordinator, unit_leader):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    visits = Visit.objects.filter(
        plan=published_plan, responsible_unit=unit, members__isnull=False
    ).distinct()[:4]
    results = [approve_visit(v, unit_leader, problem=(i == 0)) for i, v in enumerate(visits)]
    actions.publish_results(results=results, actor=unit_leader)
    return list(PublishedResult.objects.order_by("pk"))


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


def test_entity_and_task_pages(client, published, settings, monkeypatch):
    record = published[0]
    page = get(client, "public:entity", record.entity_key)
    assert record.entity_name in page and reverse("public:result", args=[record.pk]) in page
    assert client.get(reverse("public:entity", args=["NOSUCH"])).status_code == 404
    counts = Counter(i.plan_item for i in PublishedItem.objects.all())
    item, n = counts.most_common(1)[0]
    assert n >= 2
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    first = get(client, "public:task_results", item.pk)
    assert "下一页" in first
    index = get(client, "public:results")
    assert reverse("public:task_results", args=[item.pk]) in index


def test_statistics_hide_small_counts(client, published, settings):
    settings.SPOTCHECK_PUBLIC_MIN_COUNT = 1000
    page = get(client, "public:statistics")
    assert "<td>少于1000</td>" in page
    settings.SPOTCHECK_PUBLIC_MIN_COUNT = 1
    assert "少于1000" in get(client, "public:statistics")  # cached until something changes
    clear_public_pages()
    assert "<td>少于1</td>" not in get(client, "public:statistics")


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
