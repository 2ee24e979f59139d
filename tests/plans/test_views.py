import pytest
from django.urls import reverse

from spotcheck.accounts.models import Role
from spotcheck.plans.models import Plan

pytestmark = pytest.mark.django_db


def test_public_sees_published_plans_only(client, seed_plan):
    # a visitor is sent to the portal's pages (tests/plans/test_visitors.py), or for a draft,
    # which has none, to sign in
    draft = client.get(reverse("plans:detail", args=[seed_plan.pk]), follow=True)
    assert draft.redirect_chain[-1][0].startswith(reverse("login"))
    assert seed_plan.title not in draft.content.decode()
    assert seed_plan.title not in client.get(reverse("plans:list"), follow=True).content.decode()
    seed_plan.status = Plan.Status.PUBLISHED
    seed_plan.save()
    page = client.get(reverse("plans:detail", args=[seed_plan.pk]), follow=True)
    assert page.status_code == 200
    assert "对计算机信息系统安全保护的监督检查" in page.content.decode()


@pytest.mark.parametrize("role", list(Role))
def test_staff_roles_see_drafts(client, users_by_role, seed_plan, role):
    client.force_login(users_by_role[role])
    assert client.get(reverse("plans:detail", args=[seed_plan.pk])).status_code == 200


@pytest.mark.parametrize(
    "role,allowed",
    [
        (Role.COORDINATOR, True),
        (Role.ADMINISTRATOR, True),
        (Role.UNIT_LEADER, False),
        (Role.INSPECTOR, False),
        (Role.SUPERVISOR, False),
    ],
)
def test_only_coordinators_upload_and_publish(client, users_by_role, seed_plan, role, allowed):
    client.force_login(users_by_role[role])
    assert client.get(reverse("plans:upload")).status_code == (200 if allowed else 403)
    response = client.post(reverse("plans:publish", args=[seed_plan.pk]))
    seed_plan.refresh_from_db()
    assert seed_plan.is_published is allowed
    assert response.status_code == (302 if allowed else 403)


def test_anonymous_upload_redirects_to_login(client):
    response = client.get(reverse("plans:upload"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_upload_imports_and_shows_the_plan(
    client, coordinator, seed_plan_bytes, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(coordinator)
    upload = SimpleUploadedFile("2022.txt", seed_plan_bytes, content_type="text/plain")
    response = client.post(reverse("plans:upload"), {"file": upload})
    assert response.status_code == 302 and not Plan.objects.exists()  # a preview first
    response = client.post(response["Location"] + "confirm/", follow=True)
    assert response.status_code == 200
    plan = Plan.objects.get()
    assert plan.items.count() == 12
    body = response.content.decode()
    assert "部门联合 · 治安大队" in body and "公安内部 · 网安大队" in body


def test_upload_error_is_shown_and_nothing_written(client, coordinator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(coordinator)
    upload = SimpleUploadedFile(
        "bad.xlsx", b"not a zip at all", content_type="application/octet-stream"
    )
    response = client.post(reverse("plans:upload"), {"file": upload})
    assert response.status_code == 200
    assert "xlsx" in response.content.decode().lower() or "Excel" in response.content.decode()
    assert not Plan.objects.exists()


def test_item_page_shows_checkpoints_and_original_text(client, coordinator, seed_plan):
    client.force_login(coordinator)
    item = seed_plan.items.get(number=11)
    body = client.get(item.get_absolute_url()).content.decode()
    assert body.count('type="checkbox"') == 13
    assert "全年抽查比例不低于5%，每年抽查1次" in body


@pytest.mark.parametrize("fmt", ["json", "tsv", "xlsx"])
def test_export_downloads(client, coordinator, seed_plan, fmt):
    client.force_login(coordinator)
    response = client.get(reverse("plans:export", args=[seed_plan.pk, fmt]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')


def test_api_lists_only_published_plans_to_the_public(client, seed_plan, coordinator):
    assert client.get("/api/v1/plans").json() == []
    client.force_login(coordinator)
    (plan,) = client.get("/api/v1/plans").json()
    assert plan["items"] == 12
    items = client.get(f"/api/v1/plans/{plan['id']}/items").json()
    assert items[0]["cooperating_departments"] == ["住房城乡建设等相关部门"]
    client.logout()
    assert client.get(f"/api/v1/plans/{plan['id']}/items").status_code == 404


def test_openapi_schema_is_served(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/plans" in schema["paths"]
