"""The search's name keys: spaces, letter case and fullwidth forms do not matter, by the index
and by the database, and the migrations that (re)key names published before them."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from spotcheck.public import actions, selectors
from spotcheck.public.models import PublicName, PublicNameKey, PublishedResult
from spotcheck.public.selectors import search_published_results
from tests.public.helpers import approve_visit

# Round one's draws, visits and teams are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_teams")]


def found_keys(text):
    return sorted(search_published_results(text).values_list("entity_key", flat=True))


@pytest.fixture
def latin_named(teamed_visits, unit_leader) -> PublishedResult:
    visit = teamed_visits[0]
    visit.entity_name = "沂源县ABC科技有限公司"
    visit.save(update_fields=["entity_name"])
    actions.publish_results(results=[approve_visit(visit, unit_leader)], actor=unit_leader)
    return PublishedResult.objects.get(result__visit=visit)


@pytest.mark.parametrize("limit", [selectors.SEARCH_NAMES_LIMIT, 0])
def test_a_query_with_spaces_or_in_another_case_finds_the_name(latin_named, monkeypatch, limit):
    """Spaces, letter case and fullwidth forms do not matter: the query and the stored keys are
    normalised by one function (lib.pinyin.name_key). With limit 0 every text is "common" and
    compared by the database (on PublishedResult.name_key) instead of by the index."""
    monkeypatch.setattr(selectors, "SEARCH_NAMES_LIMIT", limit)
    key = [latin_named.entity_key]
    typed = [
        "abc科技",
        "ABC科技",
        "沂源县 ABC 科技",
        "沂源 县abc",
        " abc科技有限 公司 ",
        "ａｂｃ科技",
    ]
    for text in typed:
        assert found_keys(text) == key, text
    assert found_keys("abd科技") == []


@pytest.mark.parametrize("limit", [selectors.SEARCH_NAMES_LIMIT, 0])
def test_a_fullwidth_name_is_found_by_plain_letters_by_the_index_and_by_the_database(
    teamed_visits, unit_leader, monkeypatch, limit
):
    visit = teamed_visits[0]
    visit.entity_name = (
        "沂源县ＡＢＣ科技有限公司"  # fullwidth letters, as some registers write them
    )
    visit.save(update_fields=["entity_name"])
    actions.publish_results(results=[approve_visit(visit, unit_leader)], actor=unit_leader)
    record = PublishedResult.objects.get(result__visit=visit)
    monkeypatch.setattr(selectors, "SEARCH_NAMES_LIMIT", limit)
    for text in ("abc", "ABC科技", "ａｂｃ", "沂源县 abc"):
        assert found_keys(text) == [record.entity_key], text
    # records published before the column existed get their key from the migration
    PublishedResult.objects.filter(pk=record.pk).update(name_key="")
    assert found_keys("abc科技") == ([] if limit == 0 else [record.entity_key])
    migration = importlib.import_module("spotcheck.public.migrations.0009_publishedresult_name_key")
    migration.fill_name_keys(django_apps, None)
    assert found_keys("abc科技") == [record.entity_key]


def test_the_migration_rekeys_names_whose_normalised_form_changed(teamed_visits, unit_leader):
    visit = teamed_visits[0]
    visit.entity_name = (
        "沂源县ＡＢＣ科技有限公司"  # fullwidth letters, as some registers write them
    )
    visit.save(update_fields=["entity_name"])
    actions.publish_results(results=[approve_visit(visit, unit_leader)], actor=unit_leader)
    record = PublishedResult.objects.get(result__visit=visit)
    assert found_keys("abc科技") == [record.entity_key]
    name = PublicName.objects.get(name=record.entity_name)
    lowered = "".join(name.name.lower().split())
    old_keys = {lowered[start : start + 8] for start in range(len(lowered))}
    PublicNameKey.objects.filter(name=name).delete()  # as they were cut before name_key
    PublicNameKey.objects.bulk_create(PublicNameKey(key=k, name=name) for k in old_keys)
    assert found_keys("abc科技") == []
    migration = importlib.import_module("spotcheck.public.migrations.0007_name_keys_normalised")
    migration.rekey_changed_names(django_apps, None)
    assert found_keys("abc科技") == [record.entity_key]
