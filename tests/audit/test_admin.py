"""The admin cannot bypass the audit trail: every page is read-only except reference data
(audited saves) and admin actions that call the real audited actions; nothing is deleted."""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from spotcheck.accounts.models import Agency, Role, Unit, User
from spotcheck.audit.admin import AuditedAdmin, ReadOnlyAdmin
from spotcheck.audit.models import AuditEntry, verify_chain
from spotcheck.plans.models import Plan
from spotcheck.registry.models import Entity, Inspector, Recusal, TargetType
from spotcheck.results.models import HolidayOverride

pytestmark = pytest.mark.django_db

EDITABLE_REFERENCE_DATA = {User, Agency, Unit, TargetType, HolidayOverride}


@pytest.fixture
def superuser(agency) -> User:
    return User.objects.create_superuser(
        username="root", password="root-password-123", role=Role.ADMINISTRATOR, agency=agency
    )


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def spotcheck_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label
        in {"accounts", "audit", "plans", "registry", "draws", "inspections", "results"}
    ]


def test_every_spotcheck_admin_is_read_only_or_audited(rf, superuser):
    request = rf.get("/admin/")
    request.user = superuser
    admins = spotcheck_admins()
    assert len(admins) >= 15
    for model, model_admin in admins:
        assert not model_admin.has_delete_permission(request), model
        if model in EDITABLE_REFERENCE_DATA:
            assert isinstance(model_admin, AuditedAdmin), model
        else:
            assert isinstance(model_admin, ReadOnlyAdmin), model
            assert not model_admin.has_add_permission(request), model
            assert not model_admin.has_change_permission(request), model
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_delete_permission(request), (model, inline)


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_a_plan_cannot_be_published_by_editing_it(admin_client, seed_plan):
    response = admin_client.post(change_url(seed_plan), {"status": Plan.Status.PUBLISHED})
    assert response.status_code == 403
    seed_plan.refresh_from_db()
    assert seed_plan.status != Plan.Status.PUBLISHED


def test_the_admin_publishes_a_plan_through_the_audited_action(admin_client, superuser, seed_plan):
    response = admin_client.post(
        changelist_url(Plan), {"action": "publish", ACTION_CHECKBOX_NAME: [seed_plan.pk]}
    )
    assert response.status_code == 302
    seed_plan.refresh_from_db()
    assert seed_plan.is_published and seed_plan.published_at is not None
    entry = AuditEntry.objects.filter(action="plan.publish").get()
    assert entry.actor == superuser.username and entry.object_id == str(seed_plan.pk)
    assert verify_chain().ok


def test_entity_risk_and_status_cannot_be_edited_in_the_admin(admin_client, demo_directory):
    entity = Entity.objects.order_by("pk").first()
    page = admin_client.get(change_url(entity))
    assert page.status_code == 200  # viewable
    assert b'name="risk_level"' not in page.content
    before = (entity.risk_level, entity.status)
    response = admin_client.post(change_url(entity), {"risk_level": "high", "status": "closed"})
    assert response.status_code == 403
    entity.refresh_from_db()
    assert (entity.risk_level, entity.status) == before


def test_inspector_activity_cannot_be_edited_in_the_admin(admin_client, demo_directory):
    inspector = Inspector.objects.filter(is_active=True).order_by("pk").first()
    response = admin_client.post(change_url(inspector), {"is_active": ""})
    assert response.status_code == 403
    inspector.refresh_from_db()
    assert inspector.is_active


def test_a_recusal_is_never_deleted_but_ended_through_the_action(
    admin_client, superuser, demo_directory
):
    recusal = Recusal.objects.filter(valid_until__isnull=True).order_by("pk").first()
    assert recusal is not None
    delete_url = reverse("admin:registry_recusal_delete", args=[recusal.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    response = admin_client.post(
        changelist_url(Recusal), {"action": "delete_selected", ACTION_CHECKBOX_NAME: [recusal.pk]}
    )
    assert Recusal.objects.filter(pk=recusal.pk).exists()
    response = admin_client.post(
        changelist_url(Recusal), {"action": "end_today", ACTION_CHECKBOX_NAME: [recusal.pk]}
    )
    assert response.status_code == 302
    recusal.refresh_from_db()
    assert recusal.valid_until == timezone.localdate()
    entry = AuditEntry.objects.filter(action="registry.recusal.end").get()
    assert entry.actor == superuser.username and entry.object_id == str(recusal.pk)


def test_admin_actions_need_a_plan_manager(client, agency, seed_plan):
    staff = User.objects.create_user(
        username="viewer", password="viewer-password-1", role=Role.SUPERVISOR, agency=agency
    )
    staff.is_staff = True
    staff.save()
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_plan"))
    client.force_login(staff)
    response = client.post(
        changelist_url(Plan), {"action": "publish", ACTION_CHECKBOX_NAME: [seed_plan.pk]}
    )
    seed_plan.refresh_from_db()
    assert not seed_plan.is_published
    assert response.status_code in {200, 302}
    assert not AuditEntry.objects.filter(action="plan.publish").exists()


def test_reference_data_edits_are_audited(admin_client, superuser, agency):
    response = admin_client.post(
        change_url(agency),
        {
            "name": agency.name,
            "short_name": "沂源公安",
            "division_code": "370323",
            "notice_number_pattern": agency.notice_number_pattern,
            "units-TOTAL_FORMS": "1",
            "units-INITIAL_FORMS": "0",
            "units-0-name": "户政大队",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = AuditEntry.objects.get(action="admin.agency.change")
    assert change.actor == superuser.username
    assert change.details["changes"]["short_name"][1] == "沂源公安"
    unit = Unit.objects.get(name="户政大队")
    added = AuditEntry.objects.get(action="admin.unit.add")
    assert added.object_id == str(unit.pk)
    assert verify_chain().ok


def test_a_user_added_in_the_admin_is_audited_without_the_password(admin_client, agency):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newcoord",
            "password1": "a-long-secret-Passw0rd",
            "password2": "a-long-secret-Passw0rd",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = AuditEntry.objects.get(action="admin.user.add")
    assert entry.object_repr == "newcoord"
    assert "a-long-secret-Passw0rd" not in str(entry.details)
    assert not admin.site._registry[User].has_delete_permission(None)


def test_every_admin_page_renders_for_an_administrator(admin_client, seed_plan, demo_directory):
    for model, _ in spotcheck_admins():
        listing = admin_client.get(changelist_url(model))
        assert listing.status_code == 200, model
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            assert admin_client.get(change_url(obj)).status_code == 200, model
