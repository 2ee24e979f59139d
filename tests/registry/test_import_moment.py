"""Directory imports dated at a given moment (`now=`): the demo's directory is imported at the
start of 2022, not on the day setup-demo runs, so a 2022 draw's pool finds it."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from spotcheck.audit.models import AuditEntry, verify_chain
from spotcheck.lib import demo
from spotcheck.registry.actions import import_entities, load_demo_directory
from spotcheck.registry.models import (
    Entity,
    EntityHistory,
    ImportBatch,
    Inspector,
    Recusal,
    TargetType,
    entities_in_pool_at,
)
from tests.registry.helpers import AGENCY, ENTITY_HEADER, column, csv_bytes

pytestmark = pytest.mark.django_db


def local_moment(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))


def county_rows(entities: int, as_of: date) -> list[list[str]]:
    """A county's rows as of `as_of` (a directory of 2022 has no risk assessed in 2024)."""
    county = demo.generate_county(11, entities, as_of=as_of)
    return [["" if cell is None else str(cell) for cell in row] for row in demo.entity_rows(county)]


def test_an_entity_import_stamps_its_moment_on_what_it_writes():
    imported_at, changed_at = local_moment(2022, 1, 10, 9), local_moment(2022, 4, 6, 15)
    rows = county_rows(20, date(2022, 1, 10))
    report = import_entities(
        source=csv_bytes(ENTITY_HEADER, rows),
        filename="entities.csv",
        agency_name=AGENCY,
        actor="tester",
        now=imported_at,
    )
    assert report.written and report.created == 20
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert batch.created_at == imported_at
    assert set(Entity.objects.values_list("created_at", flat=True)) == {imported_at}
    assert set(Entity.objects.values_list("updated_at", flat=True)) == {imported_at}
    assert AuditEntry.objects.get(action="registry.import_entities").created_at == imported_at
    # The directory of 2022: a draw in May finds the entities, one in 2021 does not.
    hotels = TargetType.objects.get(name="宾馆旅店")
    agency = Entity.objects.first().agency
    may = entities_in_pool_at(agency=agency, target_type=hotels, moment=local_moment(2022, 5, 1))
    assert len(may) == Entity.objects.filter(target_types=hotels, status="active").count() > 0
    assert not entities_in_pool_at(
        agency=agency, target_type=hotels, moment=local_moment(2021, 12, 31)
    )

    rows[0][column("地址")] = "沂源县历山街道新华路1号"
    import_entities(
        source=csv_bytes(ENTITY_HEADER, rows),
        filename="entities.csv",
        agency_name=AGENCY,
        actor="tester",
        now=changed_at,
    )
    (change,) = EntityHistory.objects.all()
    assert change.changed_at == changed_at and change.batch.created_at == changed_at
    assert change.entity.updated_at == changed_at and change.entity.created_at == imported_at
    # As the directory stood in March, before the change.
    assert change.entity.state_on(date(2022, 3, 1))["address"] == change.changes["address"][0]
    assert verify_chain().ok


def test_the_demo_directory_is_imported_and_dated_as_of_the_given_moment(tmp_path):
    imported_at = local_moment(2022, 1, 10, 9)
    result = load_demo_directory(seed=3, entities=40, directory=tmp_path, now=imported_at)
    assert result.inspectors.created and result.recusals.created
    assert set(ImportBatch.objects.values_list("created_at", flat=True)) == {imported_at}
    for model in (Entity, Inspector, Recusal):
        assert set(model.objects.values_list("created_at", flat=True)) == {imported_at}, model
    assert set(Inspector.objects.values_list("updated_at", flat=True)) == {imported_at}
    imports = AuditEntry.objects.filter(action__startswith="registry.import_")
    assert imports.count() == 3
    assert set(imports.values_list("created_at", flat=True)) == {imported_at}
    # The county is as of that day (not today): its recusals began by then, its officers'
    # certificates were valid then, but for the few that ran out.
    assert max(Recusal.objects.values_list("valid_from", flat=True)) <= date(2022, 1, 10)
    expired = Inspector.objects.filter(certificate_valid_until__lt=date(2022, 1, 10))
    assert expired.count() == 3


def test_without_a_moment_an_import_is_dated_now():
    before = timezone.now()
    report = import_entities(
        source=csv_bytes(ENTITY_HEADER, county_rows(5, timezone.localdate())),
        filename="entities.csv",
        agency_name=AGENCY,
        actor="tester",
    )
    after = timezone.now()
    assert before <= ImportBatch.objects.get(pk=report.batch_id).created_at <= after
    assert all(before <= e.created_at <= after for e in Entity.objects.all())
    entry = AuditEntry.objects.get(action="registry.import_entities")
    assert before <= entry.created_at <= after
