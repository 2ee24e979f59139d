"""Plan import and event registration against the models' limits, and --replace of a plan that
has registered events (issue 14): clear errors, nothing written, no traceback."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from spotcheck.accounts.models import Agency
from spotcheck.inspections.actions import InspectionError, register_event
from spotcheck.inspections.models import Event
from spotcheck.plans.actions import PlanImportError, import_plan, read_plan_upload
from spotcheck.plans.models import Plan, PlanItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_file(tmp_path, seed_plan_bytes):
    path = tmp_path / "plan.txt"
    path.write_bytes(seed_plan_bytes)
    return path


@pytest.fixture
def draft_with_event(seed_plan, coordinator):
    register_event(
        item=seed_plan.items.get(number=5),
        organiser="沂源县体育中心",
        place="沂源县体育中心",
        date=date(2022, 7, 16),
        scale="约3000人",
        actor=coordinator,
    )
    return seed_plan


def test_replacing_a_draft_with_a_registered_event_is_refused(
    draft_with_event, seed_plan_bytes, coordinator
):
    parsed = read_plan_upload(data=seed_plan_bytes, filename="plan.txt")
    with pytest.raises(PlanImportError, match="该计划已登记活动，不能替换"):
        import_plan(parsed=parsed, actor=coordinator, replace=True)
    assert Plan.objects.get() == draft_with_event and Event.objects.count() == 1


def test_cli_replace_with_events_is_a_command_error(draft_with_event, plan_file):
    with pytest.raises(CommandError, match="该计划已登记活动，不能替换"):
        call_command("import_plan", str(plan_file), "--replace")


def test_web_replace_with_events_shows_the_reason(
    client, coordinator, draft_with_event, seed_plan_bytes, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    client.force_login(coordinator)
    upload = SimpleUploadedFile("plan.txt", seed_plan_bytes)
    response = client.post(reverse("plans:upload"), {"file": upload, "replace": "on"})
    assert response.status_code == 302  # the preview; nothing written yet
    confirm = response["Location"] + "confirm/"
    response = client.post(confirm, follow=True)
    assert response.status_code == 200 and "该计划已登记活动，不能替换" in response.text
    assert Plan.objects.get() == draft_with_event


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agency", "甲" * 150], "制定机构：机构名称最多100个字符，现有150个"),
        (["--year", "-5"], "年度须在2000至2100之间，现为-5"),
        (["--year", "99999"], "年度须在2000至2100之间"),
        (["--agency", "沂源县\x00公安局"], r"机构名称第4个字符是控制字符U\+0000"),
    ],
)
def test_cli_arguments_are_checked_against_the_model(plan_file, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_plan", str(plan_file), *args)
    assert not Plan.objects.exists() and not Agency.objects.exists()


def test_an_over_long_cell_names_its_row(seed_plan_bytes, coordinator):
    text = seed_plan_bytes.decode("utf-8").replace("治安大队", "治" * 201, 1)
    parsed = read_plan_upload(data=text.encode("utf-8"), filename="plan.txt")
    with pytest.raises(PlanImportError, match=r"^第\d+行：责任单位最多200个字符，现有201个"):
        import_plan(parsed=parsed, actor=coordinator)
    assert not PlanItem.objects.exists()


@pytest.mark.parametrize(
    ("field", "length", "limit"),
    [("organiser", 300, 200), ("place", 301, 300), ("scale", 201, 200)],
)
def test_event_fields_are_checked_against_the_model(seed_plan, coordinator, field, length, limit):
    values = {"organiser": "体育中心", "place": "体育中心", "scale": "约3000人"}
    values[field] = "长" * length
    with pytest.raises(InspectionError, match=f"最多{limit}个字符，现有{length}个"):
        register_event(
            item=seed_plan.items.get(number=5), date=date(2022, 7, 16), actor=coordinator, **values
        )
    assert not Event.objects.exists()


def test_cli_register_event_with_an_over_long_organiser(seed_plan):
    with pytest.raises(CommandError, match="主办/承办单位最多200个字符"):
        call_command(
            "register_event",
            str(seed_plan.pk),
            "5",
            "--organiser",
            "长" * 300,
            "--place",
            "体育中心",
            "--date",
            "2022-07-16",
            "--scale",
            "约3000人",
        )
