import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from spotcheck.accounts.models import Role
from spotcheck.registry.models import Entity, EntityHistory, ImportBatch, Inspector, Recusal
from tests.registry.helpers import (
    ENTITY_HEADER,
    break_check_character,
    column,
    county_rows,
    csv_bytes,
)

pytestmark = pytest.mark.django_db
READERS = list(Role)
MANAGERS = [Role.COORDINATOR, Role.ADMINISTRATOR]


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def pages(entity, inspector):
    return [
        reverse("registry:entities"),
        reverse("registry:entity", args=[entity.pk]),
        reverse("registry:inspectors"),
        reverse("registry:inspector", args=[inspector.pk]),
        reverse("registry:entity_export", args=["csv"]),
    ]


def test_the_public_sees_no_directory_page(client, demo_directory):
    entity, inspector = Entity.objects.first(), Inspector.objects.first()
    for url in [*pages(entity, inspector), reverse("registry:import")]:
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], url
    assert client.get("/api/v1/registry/entities").status_code == 401
    assert entity.name not in client.get("/").content.decode()


@pytest.mark.parametrize("role", READERS)
def test_every_staff_role_reads(client, users_by_role, demo_directory, role):
    client.force_login(users_by_role[role])
    # The demo directory also lists the housing bureau's officers: another agency's, hidden.
    police = users_by_role[role].agency
    entity, inspector = Entity.objects.first(), Inspector.objects.filter(agency=police).first()
    for url in pages(entity, inspector):
        assert client.get(url).status_code == 200, url
    allowed = role in MANAGERS
    assert client.get(reverse("registry:import")).status_code == (200 if allowed else 403)
    edit = client.get(reverse("registry:entity_edit", args=[entity.pk]))
    assert edit.status_code == (200 if allowed else 403)
    api = client.get("/api/v1/registry/entities")
    assert api.status_code == 200 and api.json()["count"] == 120


def test_filters_and_pinyin_search(client, coordinator, demo_directory):
    client.force_login(coordinator)
    url = reverse("registry:entities")
    hotels = client.get(url, {"target_type": Entity.objects.first().target_types.first().pk})
    assert hotels.status_code == 200
    town = Entity.objects.first().town
    body = client.get(url, {"town": town, "status": "active"}).content.decode()
    expected = Entity.objects.filter(town=town, status="active").count()
    assert f"共{expected}条" in body
    body = client.get(url, {"risk_level": "high"}).content.decode()
    assert f"共{Entity.objects.filter(risk_level='high').count()}条" in body
    hotel = Entity.objects.filter(name__endswith="宾馆").first()
    partial = client.get(url, {"q": hotel.pinyin_initials[-4:]}, HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert hotel.name in text and "<html" not in text  # htmx gets the results only


def test_entity_page_shows_history_and_recusals(client, coordinator, demo_directory):
    recusal = Recusal.objects.select_related("entity", "inspector").first()
    client.force_login(coordinator)
    response = client.post(
        reverse("registry:entity_edit", args=[recusal.entity.pk]),
        {
            "name": recusal.entity.name,
            "target_types": [t.pk for t in recusal.entity.target_types.all()],
            "status": "suspended",
            "risk_level": "medium",
            "risk_reason": "日常检查发现隐患",
            "tags": "重点监管、夜间",
            "note": "停业整顿",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("registry:entity", args=[recusal.entity.pk])).content.decode()
    assert "经营状态：active → suspended" in page or "经营状态：" in page
    assert recusal.inspector.name in page and "生效中" in page or recusal.inspector.name in page
    history = EntityHistory.objects.get(entity=recusal.entity)
    assert history.changes["status"] == ["active", "suspended"]
    assert history.changes["tags"][1] == ["重点监管", "夜间"]


def test_inspector_page_shows_why_not_drawable(client, supervisor, demo_directory):
    client.force_login(supervisor)
    retired = Inspector.objects.filter(is_active=False).first()
    page = client.get(reverse("registry:inspector", args=[retired.pk])).content.decode()
    assert f"不在岗（{retired.inactive_reason}）" in page
    listing = client.get(reverse("registry:inspectors"), {"drawable": "inactive"}).content.decode()
    assert retired.name in listing and "共3条" in listing


def upload(client, data, **fields):
    return client.post(
        reverse("registry:import"),
        {"file": SimpleUploadedFile("名录.csv", data, content_type="text/csv"), **fields},
    )


def test_web_import_preview_then_confirm(client, coordinator, agency, var_dir):
    client.force_login(coordinator)
    rows = county_rows(15)
    response = upload(
        client, csv_bytes(ENTITY_HEADER, rows, "gbk"), kind="entities", agency=agency.pk
    )
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert "导入预览" in preview and "确认导入" in preview
    assert Entity.objects.count() == 0
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    done = client.post(reverse("registry:import_confirm", args=[token]), follow=True)
    assert "新增15" in done.content.decode()
    assert Entity.objects.count() == 15
    assert ImportBatch.objects.get().actor == coordinator.username
    again = client.post(reverse("registry:import_confirm", args=[token]), follow=True)
    assert "已经导入过" in again.content.decode() and Entity.objects.count() == 15


def test_web_import_with_a_bad_row_offers_rejects_and_skip(client, coordinator, agency, var_dir):
    client.force_login(coordinator)
    rows = county_rows(10)
    bad = next(i for i, row in enumerate(rows) if len(row[column("统一社会信用代码")]) == 18)
    rows[bad][column("统一社会信用代码")] = break_check_character(
        rows[bad][column("统一社会信用代码")]
    )
    response = upload(client, csv_bytes(ENTITY_HEADER, rows), kind="entities", agency=agency.pk)
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    preview = client.get(response["Location"]).content.decode()
    assert f"<td>{bad + 2}</td><td>统一社会信用代码</td>" in preview
    rejects = client.get(reverse("registry:import_rejects", args=[token]))
    assert rejects.status_code == 200
    assert "第18位校验码" in b"".join(rejects.streaming_content).decode("utf-8-sig")
    refused = client.post(reverse("registry:import_confirm", args=[token]), follow=True)
    assert "未写入任何内容" in refused.content.decode() and Entity.objects.count() == 0
    client.post(reverse("registry:import_confirm", args=[token]), {"skip_invalid": "on"})
    assert Entity.objects.count() == 9


def test_uploads_belong_to_their_uploader(client, coordinator, administrator, agency, var_dir):
    from spotcheck.accounts.models import User

    other = User.objects.create_user(
        "coord2", password="x-password-1", role=Role.COORDINATOR, agency=agency
    )
    stranger = User.objects.create_user("coord3", password="x-password-1", role=Role.COORDINATOR)
    client.force_login(coordinator)
    response = upload(
        client, csv_bytes(ENTITY_HEADER, county_rows(3)), kind="entities", agency=agency.pk
    )
    location = response["Location"]
    client.force_login(other)
    assert client.get(location).status_code == 403
    client.force_login(stranger)  # no agency, or another agency's: not found
    assert client.get(location).status_code == 404
    client.force_login(administrator)
    assert client.get(location).status_code == 200
    assert client.get(reverse("registry:import_preview", args=["x" * 32])).status_code == 404
    assert client.get("/registry/import/..%2F..%2Fetc/").status_code == 404
    assert client.get(reverse("registry:import_preview", args=["..." * 10])).status_code == 404


def test_upload_form_errors(client, coordinator, var_dir):
    client.force_login(coordinator)
    response = upload(client, csv_bytes(ENTITY_HEADER, county_rows(2)), kind="entities")
    assert "请选择名录所属机构" in response.content.decode()
    bad_header = "姓名,电话\n张三,123\n".encode()
    response = upload(client, bad_header, kind="inspectors")
    assert "缺少必填列“执法证号”" in response.content.decode()


def test_recusal_add_and_end_from_the_web(client, coordinator, demo_directory):
    client.force_login(coordinator)
    entity = Entity.objects.first()
    officer = Inspector.objects.filter(agency=coordinator.agency).first()
    response = client.post(
        reverse("registry:recusal_add", args=[entity.pk]),
        {"inspector": officer.pk, "reason": "kin", "valid_from": "2024-03-01", "note": "表兄"},
    )
    assert response.status_code == 302
    recusal = Recusal.objects.get(entity=entity, inspector=officer, note="表兄")
    client.post(reverse("registry:recusal_end", args=[recusal.pk]))
    recusal.refresh_from_db()
    assert recusal.valid_until is not None


def test_export_downloads(client, unit_leader, demo_directory):
    client.force_login(unit_leader)
    response = client.get(reverse("registry:entity_export", args=["xlsx"]), {"risk_level": "low"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    csv_response = client.get(reverse("registry:inspector_export", args=["csv"]))
    assert b"".join(csv_response.streaming_content).decode("utf-8-sig").startswith("姓名,")
