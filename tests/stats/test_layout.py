"""The facts layout version (spotcheck.stats.layout): a deployment whose stored counts are older
than the code's is told to run `spotcheck stats-rebuild` (system check) and its statistics pages
show no numbers until it does; a fresh install counts as current without a rebuild."""

from __future__ import annotations

from django.apps import apps
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse

from spotcheck.registry.models import Entity
from spotcheck.stats.facts import rebuild_facts
from spotcheck.stats.layout import (
    FACTS_LAYOUT_VERSION,
    facts_are_stale,
    stale_facts_check,
    stamp_when_empty,
    stored_version,
)
from spotcheck.stats.models import FactsLayout

UPDATING = "统计数据正在更新"


def an_entity(agency) -> Entity:
    return Entity.objects.create(agency=agency, public_id="91370323MA3C000001", name="甲旅馆")


def stamp(version: int) -> None:
    FactsLayout.objects.all().delete()
    FactsLayout.objects.create(version=version)


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_fresh_install_is_current_without_a_rebuild(db):
    # the migration's step on empty tables, as `migrate` runs it on a fresh install (the row
    # it wrote when the test database was made does not survive a transactional test's flush
    # earlier on the same worker)
    stamp_when_empty(FACTS_LAYOUT_VERSION)(apps, None)
    assert stored_version() == FACTS_LAYOUT_VERSION
    assert not facts_are_stale()
    assert stale_facts_check() == []


def test_a_stale_layout_with_data_warns_with_the_command(agency):
    an_entity(agency)
    stamp(FACTS_LAYOUT_VERSION - 1)
    assert facts_are_stale()
    warnings = [m for m in run_checks() if m.id == "stats.W001"]
    assert len(warnings) == 1
    assert "spotcheck stats-rebuild" in warnings[0].hint
    assert str(FACTS_LAYOUT_VERSION - 1) in warnings[0].msg


def test_a_stale_layout_without_data_is_current(db):
    stamp(FACTS_LAYOUT_VERSION - 1)
    assert not facts_are_stale()
    assert stale_facts_check() == []


def test_a_database_without_the_row_counts_as_current(agency):
    # only a database emptied whole (flushed) lacks the row: every upgrade writes it
    an_entity(agency)
    FactsLayout.objects.all().delete()
    assert not facts_are_stale()


def test_the_pages_say_updating_instead_of_numbers_while_stale(agency, coordinator):
    an_entity(agency)
    stamp(0)
    client = staff_client(coordinator)
    dashboard = client.get(reverse("stats:dashboard"))
    assert dashboard.status_code == 200
    text = dashboard.content.decode()
    assert UPDATING in text and "spotcheck stats-rebuild" in text
    assert 'id="progress"' not in text
    csv = client.get(reverse("stats:csv", args=["progress_items"]))
    assert csv.status_code == 503 and UPDATING in csv.content.decode()
    public = Client().get(reverse("public:statistics"))
    assert public.status_code == 503
    assert public["Retry-After"]
    assert UPDATING in public.content.decode()
    # not cached: after the rebuild the same address shows the statistics
    rebuild_facts()
    assert stored_version() == FACTS_LAYOUT_VERSION
    assert not facts_are_stale()
    assert stale_facts_check() == []
    again = Client().get(reverse("public:statistics"))
    assert again.status_code == 200 and UPDATING not in again.content.decode()
    assert "抽查结果统计" in again.content.decode()
    dashboard = client.get(reverse("stats:dashboard")).content.decode()
    assert UPDATING not in dashboard and 'id="progress"' in dashboard


def test_the_migration_step_stamps_only_an_empty_database(agency):
    forward = stamp_when_empty(FACTS_LAYOUT_VERSION)
    stamp(1)
    forward(apps, None)
    assert stored_version() == FACTS_LAYOUT_VERSION  # empty: current
    an_entity(agency)
    stamp(1)
    forward(apps, None)
    assert stored_version() == 1  # data: the older stamp stays, a rebuild is asked for
    FactsLayout.objects.all().delete()
    forward(apps, None)
    assert stored_version() == 0  # data and no stamp (before versioning): stale
    assert facts_are_stale()


def test_a_rebuild_clears_the_cached_public_pages(agency, django_capture_on_commit_callbacks):
    an_entity(agency)
    first = Client().get(reverse("public:statistics"))
    assert first.status_code == 200
    assert Client().get(reverse("public:statistics"))["X-Spotcheck-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        rebuild_facts()
    assert "X-Spotcheck-Cache" not in Client().get(reverse("public:statistics"))
