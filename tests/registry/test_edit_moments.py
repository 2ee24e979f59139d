"""The directory's stored moments are the actions' (`now=`), not the clock's at save time: an
import stamps its batch's moment as it inserts (no second UPDATE), a hand edit (web, admin,
CLI, another app's action) dates the record's `updated_at`, its history row and its audit entry
alike, and an edit that changes nothing writes nothing."""

from datetime import date, datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from spotcheck.accounts.models import Role, User
from spotcheck.audit.models import AuditEntry, verify_chain
from spotcheck.lib.directory import RECUSAL_COLUMNS
from spotcheck.registry.actions import (
    add_recusal,
    end_recusal,
    import_recusals,
    link_inspector_user,
    load_demo_directory,
    set_entity_risk,
    update_entity,
    update_inspector,
)
from spotcheck.registry.models import (
    Entity,
    EntityHistory,
    Inspector,
    InspectorHistory,
    Recusal,
)
from tests.registry.helpers import csv_bytes

pytestmark = pytest.mark.django_db

RECUSAL_HEADER = [spec.label for spec in RECUSAL_COLUMNS]

IMPORTED_AT = timezone.make_aware(datetime(2022, 1, 10, 9))
EDITED_AT = timezone.make_aware(datetime(2022, 4, 6, 15, 30))


@pytest.fixture
def directory(tmp_path):
    """The demo county imported on 10 January 2022."""
    return load_demo_directory(seed=5, entities=40, directory=tmp_path, now=IMPORTED_AT)


def last_entry(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).latest("seq")


def test_imports_insert_the_batch_moment_without_a_second_update(tmp_path):
    with CaptureQueriesContext(connection) as queries:
        load_demo_directory(seed=5, entities=40, directory=tmp_path, now=IMPORTED_AT)
    updates = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith("UPDATE")
        and ("registry_inspector" in q["sql"] or "registry_recusal" in q["sql"])
    ]
    assert updates == []
    for model in (Entity, Inspector, Recusal):
        assert set(model.objects.values_list("created_at", flat=True)) == {IMPORTED_AT}, model
        assert set(model.objects.values_list("updated_at", flat=True)) == {IMPORTED_AT}, model


def test_a_recusal_import_that_changes_a_relation_dates_the_change(directory):
    recusal = Recusal.objects.select_related("inspector", "entity").order_by("pk").first()
    row = [
        recusal.inspector.name,
        recusal.inspector.certificate_number,
        recusal.entity.name,
        recusal.entity.public_id,
        recusal.get_reason_display(),
        recusal.valid_from.isoformat(),
        "2022-12-31",
        recusal.note,
    ]
    report = import_recusals(
        source=csv_bytes(RECUSAL_HEADER, [row]),
        filename="recusals.csv",
        actor="tester",
        now=EDITED_AT,
    )
    assert report.written and report.updated == 1, report.errors
    recusal.refresh_from_db()
    assert recusal.valid_until == date(2022, 12, 31)
    assert (recusal.created_at, recusal.updated_at) == (IMPORTED_AT, EDITED_AT)
    assert last_entry("registry.import_recusals").created_at == EDITED_AT


def test_an_entity_edit_is_dated_its_moment_everywhere(directory):
    entity = Entity.objects.exclude(risk_level="high").order_by("pk").first()
    changes = update_entity(
        entity=entity, actor="coord", values={"risk_level": "high"}, now=EDITED_AT
    )
    assert changes["risk_level"][1] == "high"
    entity.refresh_from_db()
    assert (entity.created_at, entity.updated_at) == (IMPORTED_AT, EDITED_AT)
    assert entity.risk_set_on == date(2022, 4, 6)  # the edit's day, not the day it is run
    assert EntityHistory.objects.get(entity=entity).changed_at == EDITED_AT
    assert last_entry("registry.entity.update").created_at == EDITED_AT
    assert verify_chain().ok


def test_an_edit_that_changes_nothing_writes_nothing(directory):
    entity = Entity.objects.order_by("pk").first()
    officer = Inspector.objects.order_by("pk").first()
    entries = AuditEntry.objects.count()
    values = {"name": entity.name, "target_types": list(entity.target_types.all())}
    assert update_entity(entity=entity, actor="coord", values=values, now=EDITED_AT) == {}
    assert (
        update_inspector(
            inspector=officer, actor="coord", values={"post": officer.post}, now=EDITED_AT
        )
        == {}
    )
    entity.refresh_from_db()
    officer.refresh_from_db()
    assert entity.updated_at == officer.updated_at == IMPORTED_AT
    assert AuditEntry.objects.count() == entries
    assert not EntityHistory.objects.exists() and not InspectorHistory.objects.exists()


def test_an_inspector_edit_is_dated_its_moment_everywhere(directory):
    officer = Inspector.objects.filter(is_active=True).order_by("pk").first()
    update_inspector(
        inspector=officer,
        actor="coord",
        values={"is_active": False, "inactive_reason": "退休"},
        now=EDITED_AT,
    )
    officer.refresh_from_db()
    assert (officer.created_at, officer.updated_at) == (IMPORTED_AT, EDITED_AT)
    assert InspectorHistory.objects.get(inspector=officer).changed_at == EDITED_AT
    assert last_entry("registry.inspector.update").created_at == EDITED_AT


def test_a_risk_set_from_another_record_is_dated_its_moment(directory):
    entity = Entity.objects.exclude(risk_level="high").order_by("pk").first()
    set_entity_risk(
        entity=entity, level="high", reason="检查发现隐患", source="检查结果", actor="coord",
        now=EDITED_AT,
    )  # fmt: skip
    entity.refresh_from_db()
    assert entity.updated_at == EDITED_AT and entity.risk_set_on == date(2022, 4, 6)
    assert EntityHistory.objects.get(entity=entity).changed_at == EDITED_AT
    assert last_entry("registry.entity.set_risk").created_at == EDITED_AT


def test_a_recusal_added_and_ended_by_hand_is_dated_its_moments(directory):
    entity = Entity.objects.order_by("pk").first()
    officer = Inspector.objects.exclude(recusals__entity=entity).order_by("pk").first()
    recusal = add_recusal(
        inspector=officer, entity=entity, reason="kin", actor="coord", now=EDITED_AT
    )
    recusal.refresh_from_db()
    assert recusal.created_at == recusal.updated_at == EDITED_AT
    assert recusal.valid_from == date(2022, 4, 6)  # the day of the moment, not of the run
    assert last_entry("registry.recusal.add").created_at == EDITED_AT
    ended_at = timezone.make_aware(datetime(2022, 9, 1, 10))
    end_recusal(recusal=recusal, actor="coord", now=ended_at)
    recusal.refresh_from_db()
    assert recusal.valid_until == date(2022, 9, 1)
    assert (recusal.created_at, recusal.updated_at) == (EDITED_AT, ended_at)
    assert last_entry("registry.recusal.end").created_at == ended_at
    assert verify_chain().ok


def test_linking_an_officer_to_an_account_is_an_audited_dated_action(agency, directory):
    officer = Inspector.objects.filter(user__isnull=True).order_by("pk").first()
    user = User.objects.create_user(
        username="officer", password="officer-password-1", role=Role.INSPECTOR, agency=agency
    )
    link_inspector_user(inspector=officer, user=user, actor="setup-demo", now=EDITED_AT)
    officer.refresh_from_db()
    assert officer.user == user and officer.updated_at == EDITED_AT
    entry = last_entry("registry.link_user")
    assert entry.created_at == EDITED_AT and entry.details == {"user": "officer"}
    other = User.objects.create_user(
        username="other", password="other-password-1", role=Role.INSPECTOR, agency=agency
    )
    with pytest.raises(ValueError, match="已关联系统账户"):
        link_inspector_user(inspector=officer, user=other, actor="setup-demo")


def test_web_edits_store_the_moment_their_audit_entry_and_history_carry(
    client, coordinator, directory
):
    client.force_login(coordinator)
    entity = Entity.objects.order_by("pk").first()
    response = client.post(
        reverse("registry:entity_edit", args=[entity.pk]),
        {
            "name": entity.name,
            "target_types": [t.pk for t in entity.target_types.all()],
            "status": "suspended",
            "tags": "",
            "note": "停业整顿",
        },
    )
    assert response.status_code == 302
    entity.refresh_from_db()
    entry = last_entry("registry.entity.update")
    assert entity.updated_at == entry.created_at == entity.history.get().changed_at
    assert entity.updated_at > IMPORTED_AT

    officer = Inspector.objects.filter(agency=coordinator.agency).order_by("pk").first()
    response = client.post(
        reverse("registry:recusal_add", args=[entity.pk]),
        {"inspector": officer.pk, "reason": "kin", "valid_from": "2022-03-01", "note": "表兄"},
    )
    assert response.status_code == 302
    recusal = Recusal.objects.get(entity=entity, inspector=officer, note="表兄")
    assert recusal.created_at == last_entry("registry.recusal.add").created_at
    client.post(reverse("registry:recusal_end", args=[recusal.pk]))
    recusal.refresh_from_db()
    assert recusal.updated_at == last_entry("registry.recusal.end").created_at
    assert recusal.updated_at > recusal.created_at


def test_the_admin_ends_a_recusal_at_the_moment_its_audit_entry_carries(client, agency, directory):
    root = User.objects.create_superuser(
        username="root", password="root-password-123", role=Role.ADMINISTRATOR, agency=agency
    )
    client.force_login(root)
    recusal = Recusal.objects.filter(valid_until__isnull=True).order_by("pk").first()
    response = client.post(
        reverse("admin:registry_recusal_changelist"),
        {"action": "end_today", ACTION_CHECKBOX_NAME: [recusal.pk]},
    )
    assert response.status_code == 302
    recusal.refresh_from_db()
    assert recusal.valid_until == timezone.localdate()
    assert recusal.updated_at == last_entry("registry.recusal.end").created_at > IMPORTED_AT
