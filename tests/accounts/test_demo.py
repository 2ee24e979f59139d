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


def test_every_demo_login_sees_a_meaningful_year(client):
    from spotcheck.inspections.models import TeamMatching, Visit

    call_command("setup_demo")
    plan = Plan.objects.get()
    assert TeamMatching.objects.filter(plan=plan, round=1, event__isnull=True).exists()
    inspector = User.objects.get(username="inspector")
    leader = User.objects.get(username="leader")
    seats = Visit.objects.filter(
        members__inspector__user=inspector, members__replaced_at__isnull=True
    )
    assert seats.exists()
    assert Visit.objects.filter(responsible_unit=leader.unit).exists()
    assert Visit.objects.filter(scheduled_start__isnull=False).exists()
    client.force_login(inspector)
    assert seats.first().entity_name in client.get("/inspections/").content.decode()
    client.force_login(User.objects.get(username="supervisor"))
    page = client.get("/audit/").content.decode()
    assert "链式校验通过" in page and "inspections.match_teams" in page
    call_command("setup_demo")  # idempotent: the round is not drawn twice
    assert TeamMatching.objects.filter(plan=plan, event__isnull=True).count() == 1
