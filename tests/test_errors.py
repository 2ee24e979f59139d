"""Error pages in Chinese with a way back; the API keeps JSON errors; the docs page loads only
this host's files."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from spotcheck import errors
from spotcheck.urls import urlpatterns as site_urls


def boom(request):
    raise RuntimeError("boom")


def refuse(request):
    return errors.conflict(
        request,
        title="不能这样做",
        problems=["第3行：状态不对"],
        advice="请先做那件事。",
        links=[("/public/draws/", "抽查公告")],
    )


def forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("boom/", boom),
    path("refuse/", refuse),
    path("forbidden/", forbidden),
    *site_urls,
]
handler403 = errors.handler403
handler404 = errors.handler404
handler500 = errors.handler500


@pytest.fixture
def debug_off(settings):
    settings.DEBUG = False


def test_404_is_a_chinese_page_with_a_way_home(client, db, debug_off):
    response = client.get("/public/plans/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "找不到此页面" in page and 'href="/"' in page and "抽查公告" in page
    # a visitor is pointed at the portal's plans, not the staff pages
    assert 'href="/public/plans/">抽查计划</a>或' in page and 'href="/plans/"' not in page
    assert "Not Found" not in page


def test_a_views_own_reason_is_shown_but_djangos_english_default_is_not(rf, db):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    request = rf.get("/x/")
    request.user = AnonymousUser()
    page = errors.handler404(request, Http404("抽取尚未执行")).content.decode()
    assert "抽取尚未执行" in page
    page = errors.handler404(request, Http404("No Draw matches the given query.")).content.decode()
    assert "No Draw matches" not in page


@pytest.mark.urls("tests.test_errors")
def test_403_names_the_role_and_what_to_do(client, inspector_user, debug_off):
    client.force_login(inspector_user)
    response = client.get("/forbidden/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "无权访问（403）" in page and inspector_user.username in page and "系统管理员" in page
    assert 'href="/"' in page


def test_csrf_failure_is_a_chinese_page(db, debug_off):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "表单已过期" in page and "刷新" in page and "CSRF verification failed" not in page


@pytest.mark.urls("tests.test_errors")
def test_409_page_names_the_problem_the_advice_and_links(client, db):
    response = client.get("/refuse/")
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "不能这样做（409）" in page and "第3行：状态不对" in page and "请先做那件事。" in page
    assert 'href="/public/draws/"' in page and 'href="/"' in page


@pytest.mark.urls("tests.test_errors")
def test_500_is_a_chinese_page_without_the_request_context(db, debug_off):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统出错（500）" in page and "没有" in page and 'href="/"' in page


def test_api_errors_stay_json(client, db, debug_off):
    response = client.get("/api/v1/no-such-operation")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not Found"}


def test_api_docs_load_only_vendored_assets_and_no_inline_script(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "/static/spotcheck/api-docs.js" in page and "/api/v1/openapi.json" in page
    assert "cdn" not in page.lower() and "https://" not in page
    # every <script> either has a src or is the JSON settings block (not executed)
    for chunk in page.split("<script")[1:]:
        head = chunk.split(">", 1)[0]
        assert "src=" in head or 'type="application/json"' in head
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
