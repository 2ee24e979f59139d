"""The national-system export (国家企业信用信息公示系统): published (not withdrawn) results only,
one row per checked item, as xlsx and csv, from the command line and as a coordinator's download."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from spotcheck.lib import gsxt
from spotcheck.public.actions import publish_results, withdraw_published
from spotcheck.public.models import PublishedResult
from spotcheck.results import actions
from spotcheck.results.gsxt import write_gsxt
from tests.results.conftest import complete_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved_only(scene, unit_leader):
    scene.entity.credit_code = "91370323MA3C000001"
    scene.entity.save()
    result = actions.save_draft(
        visit=scene.visit,
        content=complete_content(scene, problem_at=2),
        revision=0,
        actor=scene.member_a,
    )
    actions.add_measure(
        item_result=result.items.get(visit_item=scene.items[11]),
        kind="correction",
        opened_on=date(2022, 9, 30),
        deadline=date(2022, 10, 20),
        actor=scene.member_a,
    )
    result = actions.submit_result(result=result, actor=scene.member_a)
    return actions.approve_result(result=result, actor=unit_leader)


@pytest.fixture
def approved(approved_only, unit_leader):
    """The approved result, published on the portal."""
    publish_results(results=[approved_only], actor=unit_leader, today=date(2022, 10, 14))
    approved_only.refresh_from_db()
    return approved_only


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese text correctly
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_an_approved_result_gives_one_row_per_item(approved, published_plan, scene):
    stream = io.BytesIO()
    assert write_gsxt(stream, "csv", published_plan) == 2
    header, *rows = _csv_rows(stream.getvalue())
    assert tuple(header) == gsxt.HEADER
    by_task = {row[2]: row for row in rows}
    assert set(by_task) == {"2022-11-1", "2022-12-1"}
    row = by_task["2022-11-1"]
    assert row[0] == "91370323MA3C000001"
    assert row[1] == "沂源县平安旅馆"
    assert row[3].startswith("2022年度") and published_plan.items.get(number=11).name in row[3]
    assert row[4] == published_plan.agency.name
    assert row[6] == "2022-09-30"
    assert row[7] == approved.items.get(visit_item__item__number=11).get_category_display()
    assert row[7] != by_task["2022-12-1"][7]  # the problem at item 11 shows there only


def test_results_not_yet_approved_are_left_out(scene, published_plan):
    result = actions.save_draft(
        visit=scene.visit, content=complete_content(scene), revision=0, actor=scene.member_a
    )
    actions.submit_result(result=result, actor=scene.member_a)
    stream = io.BytesIO()
    assert write_gsxt(stream, "csv", published_plan) == 0
    assert _csv_rows(stream.getvalue()) == [list(gsxt.HEADER)]


def test_approved_results_count_once_published_and_no_longer_once_withdrawn(
    approved_only, published_plan, unit_leader
):
    assert write_gsxt(io.BytesIO(), "csv", published_plan) == 0  # approved, not published
    publish_results(results=[approved_only], actor=unit_leader, today=date(2022, 10, 14))
    assert write_gsxt(io.BytesIO(), "csv", published_plan) == 2
    record = PublishedResult.objects.get(result=approved_only)
    withdraw_published(published=record, reason="录入对象有误", actor=unit_leader)
    assert write_gsxt(io.BytesIO(), "csv", published_plan) == 0


def test_a_result_under_amendment_exports_what_is_published(approved, published_plan, scene):
    before = write_gsxt(stream := io.BytesIO(), "csv", published_plan)
    actions.amend_result(
        result=approved,
        reason="更正检查日期",
        content=complete_content(scene, problem_at=2, inspected_on=date(2022, 10, 1)),
        actor=scene.member_a,
    )
    after = io.BytesIO()
    assert write_gsxt(after, "csv", published_plan) == before
    assert after.getvalue() == stream.getvalue()  # the published record, not the amendment


def test_the_round_filter_keeps_only_that_round(approved, published_plan):
    assert write_gsxt(io.BytesIO(), "csv", published_plan, round=1) == 2
    assert write_gsxt(io.BytesIO(), "csv", published_plan, round=2) == 0


def test_command_writes_xlsx(approved, published_plan, tmp_path):
    target = tmp_path / "gsxt.xlsx"
    call_command("export_gsxt", str(published_plan.pk), "--format", "xlsx", "-o", str(target))
    sheet = openpyxl.load_workbook(io.BytesIO(target.read_bytes())).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert tuple(values[0]) == gsxt.HEADER
    assert len(values) == 3
    assert {v[0] for v in values[1:]} == {"91370323MA3C000001"}


def test_command_refuses_an_unknown_plan_and_a_bad_round(published_plan):
    with pytest.raises(CommandError, match="找不到计划"):
        call_command("export_gsxt", "9999", "-o", "-", "--format", "csv")
    with pytest.raises(CommandError, match="轮次"):
        call_command("export_gsxt", str(published_plan.pk), "--round", "0", "--format", "csv")
    with pytest.raises(CommandError, match="xlsx"):
        call_command("export_gsxt", str(published_plan.pk), "-o", "-")


def test_command_prints_csv_to_stdout(approved, published_plan, capsysbinary):
    call_command("export_gsxt", str(published_plan.pk), "--format", "csv", "-o", "-")
    assert len(_csv_rows(capsysbinary.readouterr().out)) == 3


def test_coordinator_downloads_and_other_roles_may_not(
    approved, published_plan, client, coordinator, unit_leader
):
    url = reverse("results:gsxt", args=[published_plan.pk])
    client.force_login(coordinator)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 3

    response = client.get(url + "?format=csv&round=1")
    assert len(_csv_rows(response.content)) == 3
    assert client.get(url + "?format=pdf").status_code == 404
    assert client.get(url + "?round=x").status_code == 404

    client.force_login(unit_leader)
    assert client.get(url).status_code == 403
