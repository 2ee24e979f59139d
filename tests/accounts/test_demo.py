import pytest
from django.core.management import call_command

from spotcheck.accounts.models import Role, User
from spotcheck.plans.models import Plan

pytestmark = pytest.mark.django_db


def test_setup_demo_is_idempotent_and_prints_the_login(capsys):
    call_command("setup_demo")
    out = capsys.readouterr().out
    assert "coordinator" in out and "spotcheck-demo" in out
    call_command("setup_demo")
    assert Plan.objects.get().items.count() == 12
    assert Plan.objects.get().is_published
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)


def test_demo_login_works(client):
    call_command("setup_demo")
    response = client.post(
        "/accounts/login/", {"username": "coordinator", "password": "spotcheck-demo"}
    )
    assert response.status_code == 302
    assert "导入计划文件" in client.get("/plans/").content.decode()


def test_repeated_failed_logins_lock_the_account(client):
    call_command("setup_demo")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "coordinator", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"username": "coordinator", "password": "spotcheck-demo"}
    )
    assert response.status_code == 429
