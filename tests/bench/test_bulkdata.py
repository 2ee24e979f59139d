"""bench/bulkdata.py writes rows, not through publication: they must be what publication
would have stored, or the benchmarks measure a portal that real data would not give."""

import pytest

from bench.bulkdata import build_published_results
from spotcheck.lib.pinyin import substring_keys
from spotcheck.public.actions import public_snapshot, publication_problems
from spotcheck.public.models import (
    PublicName,
    PublicNameKey,
    PublishedItem,
    PublishedResult,
    public_version,
)
from spotcheck.public.selectors import live_results, search_published_results
from spotcheck.results.models import ResultVersion


@pytest.fixture
def bulk(db):
    # 3 batches, some results covering two items, a sole trader's masked name among them
    return build_published_results(47, results_per_entity=3, batch=20)


def test_the_rows_are_what_publication_stores(bulk):
    records = list(PublishedResult.objects.select_related("result__visit__entity", "plan"))
    assert len(records) == bulk.results == 47
    assert live_results().count() == 47
    # sole traders' names are masked: the visit keeps the name as drawn, the record the mask
    assert any(r.entity_name != r.result.visit.entity_name for r in records)
    for record in records:
        result = record.result
        version = ResultVersion.objects.get(result=result, number=record.result_version)
        assert publication_problems(record) == []  # the portal's integrity check
        assert record.snapshot == public_snapshot(result, version)
        assert record.entity_name == record.snapshot["entity"]["name"]
        items = PublishedItem.objects.filter(published=record).order_by("pk")
        assert [(i.plan_item_id, i.category, i.follow_up) for i in items] == [
            (i["plan_item"], i["category"], i["follow_up"]) for i in record.snapshot["items"]
        ]
        assert all(i.published_on == record.published_on and i.current for i in items)
    assert bulk.published_items == PublishedItem.objects.count() > 47
    # the plan's publication moved the year's version once, the results' publication once more
    assert public_version(records[0].plan.year) == 2


def test_the_name_index_is_what_publication_fills(bulk):
    initials = dict(PublishedResult.objects.values_list("entity_name", "name_initials"))
    assert set(PublicName.objects.values_list("name", flat=True)) == set(initials)
    for public_name in PublicName.objects.all():
        keys = set(PublicNameKey.objects.filter(name=public_name).values_list("key", flat=True))
        expected = substring_keys(
            public_name.name, initials[public_name.name], length=PublicNameKey.LENGTH
        )
        assert keys == expected
    name = bulk.names[5]
    found = search_published_results(name)
    assert found is not None and found.filter(entity_name=name).count() == 3


def test_ids_continue_after_the_load(bulk):
    """The loader gives ids itself; the database's own next id must come after them."""
    last = PublishedResult.objects.order_by("-pk").first()
    assert last is not None
    fresh = PublicName.objects.create(name="批量数据之后的名称")
    assert fresh.pk > PublicName.objects.exclude(pk=fresh.pk).order_by("-pk").first().pk
