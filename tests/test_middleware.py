"""Bad input refused at the edge: control characters (400 on pages, 422 on the API); ids
beyond 64 bits stay an ordinary 404 (Django treats an out-of-range integer lookup as no match)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from spotcheck.accounts.models import Unit
from spotcheck.plans.models import Plan

pytestmark = pytest.mark.django_db

API_FILTERS = [
    ("/api/v1/registry/entities", "q"),
    ("/api/v1/registry/entities", "town"),
    ("/api/v1/registry/entities", "agency"),
    ("/api/v1/registry/entities", "target_type"),
    ("/api/v1/registry/inspectors", "unit"),
    ("/api/v1/registry/inspectors", "q"),
    ("/api/v1/plans", "anything"),
]


@pytest.mark.parametrize(("url", "name"), API_FILTERS)
def test_every_api_filter_refuses_nul_with_422(client, supervisor, url, name):
    client.force_login(supervisor)
    response = client.get(url, {name: "治安\x00大队"})
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["query", name] and "U+0000" in detail["msg"]


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1f", "\x7f", "\x9b", "\t", "\n"])
def test_pages_refuse_control_characters_in_the_query_string(client, supervisor, character):
    client.force_login(supervisor)
    response = client.get(reverse("registry:entities"), {"q": f"宾馆{character}"})
    assert response.status_code == 400
    assert "“q”第3个字符是控制字符" in response.content.decode()


def test_the_refusal_is_a_page_of_the_site_with_a_way_back(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("registry:entities"), {"q": "宾馆\x00"})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert '<html lang="zh-Hans">' in page and 'href="#main"' in page
    assert "无法处理的请求（400）" in page and "回到首页" in page


def test_a_search_pasted_with_tabs_is_offered_back_with_spaces(client):
    """Cells copied from a spreadsheet bring tabs: the public search names the field as its
    visitors know it and fills the form with the text, the controls made spaces."""
    response = client.get(reverse("public:search"), {"q": "沂源\t宾馆\t"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "查询内容第3个字符是控制字符U+0009，请删除后重试" in page
    assert 'name="q" value="沂源 宾馆"' in page


def test_a_control_character_in_a_parameter_name_is_refused(client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("registry:entities") + "?a%00b=1").status_code == 400


def test_a_path_token_with_nul_is_refused(client, coordinator):
    client.force_login(coordinator)
    response = client.get("/registry/import/ab%00cd/")
    assert response.status_code == 400


def test_plan_upload_form_with_nul_in_the_agency_writes_nothing(
    client, coordinator, seed_plan_bytes
):
    client.force_login(coordinator)
    upload = SimpleUploadedFile("plan.txt", seed_plan_bytes)
    response = client.post(
        reverse("plans:upload"), {"file": upload, "agency": "沂源县\x00公安局", "year": 2022}
    )
    assert response.status_code == 400 and "“agency”第4个字符是控制字符" in response.text
    assert not Plan.objects.exists()


def test_plan_file_with_nul_makes_no_look_alike_unit(client, coordinator, seed_plan_bytes):
    client.force_login(coordinator)
    data = seed_plan_bytes.replace("治安大队".encode(), "治安\x00大队".encode(), 1)
    response = client.post(reverse("plans:upload"), {"file": SimpleUploadedFile("p.txt", data)})
    assert response.status_code == 200
    assert "控制字符U+0000" in response.text
    # (Checked in Python: PostgreSQL cannot even compare text with NUL.)
    assert not Plan.objects.exists() and all("\x00" not in u.name for u in Unit.objects.all())


def test_multi_line_form_fields_keep_line_breaks(client, coordinator):
    client.force_login(coordinator)
    # Line breaks and tabs are legitimate in a form field (a reason, a note): not refused here.
    response = client.post(reverse("plans:upload"), {"agency": "甲\r\n乙\t丙"})
    assert response.status_code == 200


def test_api_json_bodies_are_checked(client, coordinator):
    client.force_login(coordinator)
    body = {"witnesses": [{"name": "张三", "digits": "1"}], "beacon": "abc\x00"}
    response = client.post("/api/v1/draws/1/seed", json.dumps(body), "application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "beacon"]


@pytest.mark.parametrize(
    "url",
    [
        "/plans/99999999999999999999/",
        "/plans/9223372036854775808/",
        "/registry/entities/99999999999999999999999/",
        "/api/v1/draws/99999999999999999999",
        "/api/v1/plans/9223372036854775808/items",
        "/api/v1/matchings/99999999999999999999",
        "/api/v1/registry/entities/99999999999999999999",
    ],
)
def test_ids_beyond_64_bits_are_404(client, supervisor, url):
    client.force_login(supervisor)
    assert client.get(url).status_code == 404


def test_the_largest_id_is_an_ordinary_404(client, supervisor):
    client.force_login(supervisor)
    assert client.get("/plans/9223372036854775807/").status_code == 404
