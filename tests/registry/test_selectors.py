"""Agency scoping of the directories: another agency's staff neither read, export, edit nor
import into our directory (each passed on main before the selectors)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from spotcheck.accounts.models import Role
from spotcheck.registry.actions import add_recusal, import_entities, update_entity
from spotcheck.registry.imports import DirectoryImportError
from spotcheck.registry.models import Entity, Inspector, Recusal
from spotcheck.registry.selectors import entities_for_user, inspectors_for_user

from .helpers import ENTITY_HEADER, county_rows, csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def ours(coordinator, demo_directory):
    police = coordinator.agency
    return {
        "entity": Entity.objects.filter(agency=police).first(),
        "inspector": Inspector.objects.filter(agency=police).first(),
        "recusal": Recusal.objects.filter(entity__agency=police).first(),
    }


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SUPERVISOR, Role.INSPECTOR])
def test_other_agency_cannot_read_or_export_our_directory(client, other_users_by_role, ours, role):
    client.force_login(other_users_by_role[role])
    entity, inspector = ours["entity"], ours["inspector"]
    for url in (
        reverse("registry:entity", args=[entity.pk]),
        reverse("registry:inspector", args=[inspector.pk]),
        f"/api/v1/registry/entities/{entity.pk}",
        f"/api/v1/registry/inspectors/{inspector.pk}",
    ):
        assert client.get(url).status_code == 404, url
    export = client.get(reverse("registry:entity_export", args=["csv"]))
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert export.status_code == 200 and entity.public_id not in body
    assert len(body.strip().splitlines()) == 1  # the header only: their directory is empty
    listing = client.get(reverse("registry:entities")).content.decode()
    assert entity.name not in listing
    assert entity.town and entity.town not in listing  # not even as a filter choice
    api = client.get("/api/v1/registry/entities", {"agency": entity.agency.name}).json()
    assert api["count"] == 0
    officers_page = client.get(reverse("registry:inspectors")).content.decode()
    assert inspector.name not in officers_page
    assert inspector.agency.name not in officers_page  # not even as a filter choice
    officers = client.get(reverse("registry:inspector_export", args=["csv"]))
    body = b"".join(officers.streaming_content).decode("utf-8-sig")
    assert inspector.certificate_number not in body


def test_other_agencys_coordinator_cannot_edit_or_recuse(client, other_users_by_role, ours):
    client.force_login(other_users_by_role[Role.COORDINATOR])
    entity, inspector, recusal = ours["entity"], ours["inspector"], ours["recusal"]
    ends = recusal.valid_until
    edit = client.post(reverse("registry:entity_edit", args=[entity.pk]), {"name": "改名"})
    assert edit.status_code == 404
    assert client.get(reverse("registry:inspector_edit", args=[inspector.pk])).status_code == 404
    assert client.get(reverse("registry:recusal_add", args=[entity.pk])).status_code == 404
    assert client.post(reverse("registry:recusal_end", args=[recusal.pk])).status_code == 404
    recusal.refresh_from_db()
    entity.refresh_from_db()
    assert recusal.valid_until == ends and entity.name != "改名"


def test_our_directory_is_ours(coordinator, unit_leader, ours):
    assert entities_for_user(coordinator).filter(pk=ours["entity"].pk).exists()
    assert (
        entities_for_user(unit_leader).count()
        == Entity.objects.filter(agency=coordinator.agency).count()
    )
    assert inspectors_for_user(unit_leader).filter(pk=ours["inspector"].pk).exists()


def test_actions_refuse_another_agencys_user(other_users_by_role, ours):
    stranger = other_users_by_role[Role.COORDINATOR]
    with pytest.raises(PermissionDenied):
        update_entity(entity=ours["entity"], actor=stranger, values={"name": "改名"})
    with pytest.raises(PermissionDenied):
        add_recusal(
            inspector=ours["inspector"], entity=ours["entity"], reason="kin", actor=stranger
        )
    assert Entity.objects.filter(name="改名").count() == 0


def test_coordinator_imports_only_their_own_agencys_directory(tmp_path, other_users_by_role):
    path = tmp_path / "名录.csv"
    path.write_bytes(csv_bytes(ENTITY_HEADER, county_rows(3)))
    with pytest.raises(DirectoryImportError, match="只能导入本机构"):
        import_entities(
            source=path,
            filename=path.name,
            agency_name="沂源县公安局",
            actor=other_users_by_role[Role.COORDINATOR],
        )
    assert not Entity.objects.exists()


def test_recusal_import_refuses_another_agencys_entities(
    coordinator, other_users_by_role, demo_directory
):
    from spotcheck.registry.actions import import_recusals

    Recusal.objects.all().delete()
    path = demo_directory.directory / "recusals.csv"
    with pytest.raises(PermissionDenied):
        import_recusals(
            source=path, filename=path.name, actor=other_users_by_role[Role.COORDINATOR]
        )
    assert not Recusal.objects.exists()
    report = import_recusals(source=path, filename=path.name, actor=coordinator)
    assert report.written and Recusal.objects.count() == report.created


def test_inspector_import_cannot_change_another_agencys_officers(coordinator, other_users_by_role):
    from spotcheck.registry.actions import import_inspectors

    from .helpers import AS_OF, INSPECTOR_HEADER

    row = ["张伟", "123456", "鲁公执3703230001", "2027-12-31", "沂源县公安局", "治安大队"]
    row += ["民警", "特种行业管理", "在职"]
    import_inspectors(
        source=csv_bytes(INSPECTOR_HEADER, [row]), filename="a.csv", actor=coordinator, today=AS_OF
    )
    retired = [*row[:-1], "退休"]
    with pytest.raises(PermissionDenied):
        import_inspectors(
            source=csv_bytes(INSPECTOR_HEADER, [retired]),
            filename="b.csv",
            actor=other_users_by_role[Role.COORDINATOR],
            today=AS_OF,
        )
    assert Inspector.objects.get().is_active
    import_inspectors(
        source=csv_bytes(INSPECTOR_HEADER, [retired]),
        filename="c.csv",
        actor=coordinator,
        today=AS_OF,
    )
    assert not Inspector.objects.get().is_active
