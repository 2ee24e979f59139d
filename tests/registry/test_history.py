"""The directory as evidence: was this entity in the pool on the day of the draw?"""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from spotcheck.registry.actions import import_entities, update_entity
from spotcheck.registry.models import (
    Entity,
    EntityHistory,
    EntityStatus,
    TargetType,
    end_of_day,
    entities_in_pool_at,
)
from tests.registry.helpers import AGENCY, AS_OF, ENTITY_HEADER, column, county_rows, csv_bytes

pytestmark = pytest.mark.django_db

DAY1, DAY5, DAY9 = date(2024, 4, 1), date(2024, 4, 5), date(2024, 4, 9)


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def import_rows(rows, actor="clerk"):
    return import_entities(
        source=csv_bytes(ENTITY_HEADER, rows),
        filename="entities.csv",
        agency_name=AGENCY,
        actor=actor,
        today=AS_OF,
    )


def backdate(report, day):
    """Pretend the import ran on `day`."""
    Entity.objects.filter(created_batch_id=report.batch_id).update(created_at=at(day))
    EntityHistory.objects.filter(batch_id=report.batch_id).update(changed_at=at(day))


@pytest.fixture
def hotel_rows():
    rows = [row for row in county_rows(60) if row[column("检查对象类型")] == "宾馆旅店"][:5]
    for row in rows:
        row[column("经营状态")] = "在营"
    return rows


def test_state_on_answers_before_between_and_after_changes(hotel_rows):
    backdate(import_rows(hotel_rows), DAY1)
    hotel = Entity.objects.get(name=hotel_rows[0][0])
    old_address = hotel.address
    hotel_rows[0][column("经营状态")] = "注销"
    hotel_rows[0][column("地址")] = "沂源县历山街道新址8号"
    backdate(import_rows(hotel_rows), DAY5)

    assert hotel.state_on(DAY1 - timedelta(days=1)) is None
    on_day3 = hotel.state_on(date(2024, 4, 3))
    assert on_day3["status"] == EntityStatus.ACTIVE
    assert on_day3["address"] == old_address
    assert hotel.state_on(DAY5)["address"] == "沂源县历山街道新址8号"
    assert hotel.state_on(DAY5)["status"] == EntityStatus.DEREGISTERED
    assert hotel.was_drawable_on(date(2024, 4, 3), "宾馆旅店")
    assert not hotel.was_drawable_on(date(2024, 4, 3), "保安服务公司")
    assert not hotel.was_drawable_on(DAY9)
    assert not hotel.was_drawable_on(DAY1 - timedelta(days=1))


def test_manual_edits_and_type_changes_are_undone_in_order(hotel_rows):
    backdate(import_rows(hotel_rows), DAY1)
    hotel = Entity.objects.get(name=hotel_rows[1][0])
    security = TargetType.resolve("保安服务公司")
    update_entity(entity=hotel, actor="coord", values={"status": EntityStatus.SUSPENDED})
    EntityHistory.objects.filter(entity=hotel).update(changed_at=at(DAY5))
    update_entity(
        entity=hotel,
        actor="coord",
        values={"status": EntityStatus.ACTIVE, "target_types": [security]},
    )
    EntityHistory.objects.filter(entity=hotel, changed_at__gt=at(DAY5)).update(changed_at=at(DAY9))
    assert hotel.state_on(date(2024, 4, 2))["target_types"] == ["宾馆旅店"]
    assert hotel.state_on(date(2024, 4, 6))["status"] == EntityStatus.SUSPENDED
    latest = hotel.state_on(DAY9)
    assert latest["status"] == EntityStatus.ACTIVE and latest["target_types"] == ["保安服务公司"]
    assert latest == Entity.objects.get(pk=hotel.pk).snapshot()


def test_pool_at_a_moment_rebuilds_only_changed_entities(hotel_rows):
    backdate(import_rows(hotel_rows), DAY1)
    hotels = TargetType.resolve("宾馆旅店")
    agency = Entity.objects.first().agency
    everyone = sorted(Entity.objects.values_list("public_id", flat=True))
    hotel_rows[2][column("经营状态")] = "吊销"
    backdate(import_rows(hotel_rows), DAY5)
    revoked = Entity.objects.get(name=hotel_rows[2][0]).public_id

    before = entities_in_pool_at(agency=agency, target_type=hotels, moment=end_of_day(DAY1))
    after = entities_in_pool_at(agency=agency, target_type=hotels, moment=end_of_day(DAY9))
    assert before == everyone
    assert after == [p for p in everyone if p != revoked]
    assert entities_in_pool_at(agency=agency, target_type=hotels, moment=at(DAY1, 9)) == []


def test_manual_edit_writes_history_and_one_audit_entry(hotel_rows):
    from spotcheck.audit.models import AuditEntry

    import_rows(hotel_rows)
    hotel = Entity.objects.get(name=hotel_rows[3][0])
    changes = update_entity(
        entity=hotel, actor="coord", values={"risk_level": "high", "risk_reason": "举报核实"}
    )
    assert set(changes) == {"risk_level", "risk_set_on", "risk_reason"}
    entry = EntityHistory.objects.get(entity=hotel)
    assert entry.actor == "coord" and entry.action == "edit" and entry.batch is None
    assert AuditEntry.objects.filter(action="registry.entity.update").count() == 1
    assert update_entity(entity=hotel, actor="coord", values={"risk_level": "high"}) == {}
