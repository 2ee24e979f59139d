"""The public statistics page: the same counting over published records only, aggregates
only, small counts suppressed, and in agreement with the staff dashboard."""

from __future__ import annotations

from collections import Counter

import pytest
from django.urls import reverse

from spotcheck.inspections.models import TeamMember
from spotcheck.lib.results import CATEGORIES, CategoryKind
from spotcheck.public.cache import clear_public_pages
from spotcheck.public.models import PublishedItem
from spotcheck.stats.selectors import dashboard_tables, public_tables
from tests.stats.conftest import TODAY

pytestmark = pytest.mark.django_db

KIND = {c.code: c.kind for c in CATEGORIES}
LABEL = {c.code: c.label for c in CATEGORIES}


def by_key(tables):
    return {t.key: t for t in tables}


def column(table, name):
    index = table.columns.index(name)
    return {row[0]: row[index] for row in table.rows}


def test_public_counts_agree_with_the_rows_and_the_dashboard(demo):
    public = by_key(public_tables(threshold=1))
    live = [
        i
        for i in PublishedItem.objects.select_related("published", "plan_item")
        if i.published.withdrawn_at is None and i.published.superseded_at is None
    ]
    assert live
    assert column(public["public_categories"], "事项检查数") == dict(
        Counter(LABEL[i.category] for i in live)
    )
    per_item = Counter(f"事项{i.plan_item.number} {i.plan_item.name}" for i in live)
    assert column(public["public_items"], "公示的事项检查") == dict(per_item)
    problems = Counter(
        f"事项{i.plan_item.number} {i.plan_item.name}"
        for i in live
        if KIND[i.category] is CategoryKind.PROBLEM
    )
    got = column(public["public_items"], "发现问题")
    assert {k: v for k, v in got.items() if v} == dict(problems)
    # the dashboard counts the same published item checks
    dashboard = by_key(dashboard_tables(agency=demo.plan.agency, today=TODAY))
    published = {k: v for k, v in column(dashboard["progress_items"], "已公示").items() if v}
    assert published == dict(per_item)
    drawn = column(dashboard["progress_items"], "已抽取")
    for label, n in column(public["public_items"], "抽中检查对象").items():
        assert drawn[label] == n
    months = column(public["public_months"], "检查对象数")
    assert sum(months.values()) == len({i.published_id for i in live})


def test_small_counts_are_suppressed_and_rates_with_them(demo):
    for threshold in (2, 3, 5):
        for table in public_tables(threshold=threshold):
            for row in table.rows:
                for value in row[1:]:
                    assert not (isinstance(value, int) and 0 < value < threshold), (table.key, row)
        risk = by_key(public_tables(threshold=threshold))["public_risk"]
        exact = {row[0]: row for row in by_key(public_tables(threshold=1))["public_risk"].rows}
        for row in risk.rows:
            n, k = exact[row[0]][1], exact[row[0]][2]
            if 0 < k < threshold or 0 < n - k < threshold:
                assert row[3:] == [None, None, None]


def test_the_public_page_shows_aggregates_only(demo, client, settings):
    settings.SPOTCHECK_PUBLIC_MIN_COUNT = 1
    clear_public_pages()
    page = client.get(reverse("public:statistics"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="chart-public_items"' in html and "<script>" not in html
    for visit in demo.visits:
        assert visit.entity_name not in html
        assert visit.entity_key not in html
    for seat in TeamMember.objects.select_related("inspector")[:20]:
        assert seat.inspector.name not in html
    year = client.get(reverse("public:statistics"), {"year": demo.plan.year})
    assert year.status_code == 200 and f"（{demo.plan.year}年）" in year.content.decode()
    none = public_tables(threshold=1, year=demo.plan.year + 5)
    assert all(t.rows == [] for t in none)
