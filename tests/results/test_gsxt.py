"""The national-system export (国家企业信用信息公示系统): published (not withdrawn) results only,
one row per checked item, as xlsx and csv, from the command line and as a coordinator's download;
withdrawn records named for withdrawal there."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
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
    assert len(write_gsxt(stream, "csv", published_plan).items) == 2
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
    assert len(write_gsxt(stream, "csv", published_plan).items) == 0
    assert _csv_rows(stream.getvalue()) == [list(gsxt.HEADER)]


def test_approved_results_count_once_published_and_no_longer_once_withdrawn(
    approved_only, published_plan, unit_leader
):
    assert (
        len(write_gsxt(io.BytesIO(), "csv", published_plan).items) == 0
    )  # approved, not published
    publish_results(results=[approved_only], actor=unit_leader, today=date(2022, 10, 14))
    assert len(write_gsxt(io.BytesIO(), "csv", published_plan).items) == 2
    record = PublishedResult.objects.get(result=approved_only)
    withdraw_published(published=record, reason="录入对象有误", actor=unit_leader)
    assert len(write_gsxt(io.BytesIO(), "csv", published_plan).items) == 0


def test_a_withdrawn_record_is_named_for_withdrawal_in_the_national_system(
    approved, published_plan, unit_leader, client, coordinator, tmp_path
):
    """A record uploaded before its withdrawal stays in the national system: the export says so
    (CLI warnings, the coordinator's overview) instead of leaving it out silently."""
    record = PublishedResult.objects.get(result=approved)
    withdraw_published(published=record, reason="录入对象有误，联系13812345678", actor=unit_leader)
    export = write_gsxt(io.BytesIO(), "csv", published_plan)
    assert export.items == [] and export.missing_code == [] and export.withheld == []
    [withdrawn] = export.withdrawn
    assert withdrawn.record_id == record.pk and withdrawn.entity_name == "沂源县平安旅馆"
    assert withdrawn.credit_code == "91370323MA3C000001"
    assert withdrawn.item_numbers == ("2022-11-1", "2022-12-1")
    advice = "已撤回，未导出；如已上传，请在国家企业信用信息公示系统撤回"
    assert write_gsxt(io.BytesIO(), "csv", published_plan, round=2).withdrawn == []

    err = io.StringIO()
    target = tmp_path / "gsxt.csv"
    call_command(
        "export_gsxt", str(published_plan.pk), "--format", "csv", "-o", str(target), stderr=err
    )
    text = err.getvalue()
    assert f"1条公示记录{advice}" in text
    assert "沂源县平安旅馆（91370323MA3C000001，抽查任务编号 2022-11-1、2022-12-1" in text
    assert f"公示记录 {record.pk}" in text and "录入对象有误" in text
    assert "13812345678" not in text  # the reason as published: phone numbers masked
    assert "还没有已公示" not in text

    client.force_login(coordinator)
    url = reverse("results:gsxt_overview", args=[published_plan.pk])
    page = client.get(url + "?round=1").content.decode()
    assert f"{advice}（1条公示记录）" in page and "共0行" in page
    assert "2022-11-1、2022-12-1" in page and "沂源县平安旅馆" in page
    assert "还没有已公示的检查结果" not in page
    assert advice not in client.get(url + "?round=2").content.decode()


def test_a_withdrawn_record_stays_named_once_its_correction_is_republished(
    approved, published_plan, scene, unit_leader
):
    # withdrawn, corrected and published again: the corrected record is exported, and the
    # withdrawn one is still named (what was uploaded from it must be withdrawn there)
    record = PublishedResult.objects.get(result=approved)
    withdraw_published(published=record, reason="检查日期录错", actor=unit_leader)
    corrected = actions.amend_result(
        result=approved,
        reason="更正检查日期",
        content=complete_content(scene, problem_at=2, inspected_on=date(2022, 10, 1)),
        actor=scene.member_a,
    )
    corrected = actions.approve_result(result=corrected, actor=unit_leader)
    publish_results(results=[corrected], actor=unit_leader, today=date(2022, 10, 20))
    record.refresh_from_db()
    assert record.superseded_at is not None
    export = write_gsxt(io.BytesIO(), "csv", published_plan)
    assert [w.record_id for w in export.withdrawn] == [record.pk]
    assert {row.inspected_on for row in export.items} == {date(2022, 10, 1)}


def test_a_result_under_amendment_exports_what_is_published(approved, published_plan, scene):
    before = len(write_gsxt(stream := io.BytesIO(), "csv", published_plan).items)
    actions.amend_result(
        result=approved,
        reason="更正检查日期",
        content=complete_content(scene, problem_at=2, inspected_on=date(2022, 10, 1)),
        actor=scene.member_a,
    )
    after = io.BytesIO()
    assert len(write_gsxt(after, "csv", published_plan).items) == before
    assert after.getvalue() == stream.getvalue()  # the published record, not the amendment


def test_the_round_filter_keeps_only_that_round(approved, published_plan):
    assert len(write_gsxt(io.BytesIO(), "csv", published_plan, round=1).items) == 2
    assert len(write_gsxt(io.BytesIO(), "csv", published_plan, round=2).items) == 0


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


@pytest.fixture
def published_without_code(approved_only, scene, unit_leader):
    """The approved result, published while its entity had no 统一社会信用代码/注册号."""
    scene.entity.credit_code = ""
    scene.entity.save()
    publish_results(results=[approved_only], actor=unit_leader, today=date(2022, 10, 14))
    return PublishedResult.objects.get(result=approved_only)


def test_rows_without_a_code_are_listed_not_exported(published_without_code, published_plan):
    stream = io.BytesIO()
    export = write_gsxt(stream, "csv", published_plan)
    assert export.items == [] and _csv_rows(stream.getvalue()) == [list(gsxt.HEADER)]
    assert {(i.entity_name, i.item_number) for i in export.missing_code} == {
        ("沂源县平安旅馆", 11),
        ("沂源县平安旅馆", 12),
    }
    first, *rows = export.warnings()
    assert "未导出2行" in first and "统一社会信用代码/注册号" in first
    assert [("2022-11-1" in r, "2022-12-1" in r) for r in rows] == [(True, False), (False, True)]
    assert all("沂源县平安旅馆" in r for r in rows)


def test_command_and_overview_name_the_rows_without_a_code(
    published_without_code, published_plan, client, coordinator, tmp_path
):
    err = io.StringIO()
    target = tmp_path / "gsxt.csv"
    call_command(
        "export_gsxt", str(published_plan.pk), "--format", "csv", "-o", str(target), stderr=err
    )
    assert "已导出0行" in err.getvalue() and "未导出2行" in err.getvalue()
    assert "沂源县平安旅馆（抽查任务编号 2022-11-1" in err.getvalue()
    assert "还没有已公示" not in err.getvalue()  # there are; they lack a code

    client.force_login(coordinator)
    url = reverse("results:gsxt_overview", args=[published_plan.pk])
    page = client.get(url + "?round=1").content.decode()
    assert "共0行" in page and "缺少统一社会信用代码/注册号（2行）" in page
    assert "2022-11-1" in page and "2022-12-1" in page and "沂源县平安旅馆" in page
    assert f"{reverse('results:gsxt', args=[published_plan.pk])}?format=csv&amp;round=1" in page
    assert client.get(url + "?round=0").status_code == 404


def test_a_record_changed_after_publication_is_refused_and_named(
    approved, published_plan, client, coordinator
):
    record = PublishedResult.objects.get(result=approved)
    snapshot = record.snapshot
    [item_11] = [i for i in snapshot["items"] if str(i["number"]) == "11"]
    assert item_11["category"] != "no_problem"
    item_11["category"] = "no_problem"  # the problem found at item 11 hidden
    PublishedResult.objects.filter(pk=record.pk).update(snapshot=snapshot)
    export = write_gsxt(io.BytesIO(), "csv", published_plan)
    assert export.items == [] and export.missing_code == []
    [withheld] = export.withheld
    assert withheld.record_id == record.pk and withheld.entity_name == "沂源县平安旅馆"
    assert any("SHA-256" in p for p in withheld.problems)
    assert f"公示记录 {record.pk}）" in export.warnings()[1]

    err = io.StringIO()
    call_command("export_gsxt", str(published_plan.pk), "--format", "csv", "-o", "-", stderr=err)
    assert "未导出1条公示记录" in err.getvalue() and "SHA-256" in err.getvalue()
    client.force_login(coordinator)
    page = client.get(reverse("results:gsxt_overview", args=[published_plan.pk])).content.decode()
    assert "公示内容与存储的审核结果不一致（1条公示记录）" in page and "SHA-256" in page


def test_the_category_is_the_published_snapshots(approved, published_plan):
    """The PublishedItem column is an index copy; the file carries what was published and
    hashed, even where the copy was changed."""
    record = PublishedResult.objects.get(result=approved)
    record.items.update(category="no_problem")
    rows = {row[2]: row[7] for row in write_gsxt(io.BytesIO(), "csv", published_plan).rows}
    by_number = {str(i["number"]): i["category_label"] for i in record.snapshot["items"]}
    assert rows == {"2022-11-1": by_number["11"], "2022-12-1": by_number["12"]}
    assert rows["2022-11-1"] != "未发现问题"


def test_the_overview_counts_the_rows_and_links_the_downloads(
    approved, published_plan, client, coordinator
):
    client.force_login(coordinator)
    page = client.get(reverse("results:gsxt_overview", args=[published_plan.pk])).content.decode()
    assert "全部轮次" in page and "共2行" in page and "未导出" not in page
    assert f"{reverse('results:gsxt', args=[published_plan.pk])}?format=xlsx" in page


def test_a_sole_trader_is_exported_under_its_registered_name(scene, unit_leader, published_plan):
    """The portal masks the operator of a 个体工商户; the national system publishes the name as
    registered under its code, so the file carries that name (README: the national-system
    export). A record whose public name is no masked form of the drawn name is withheld."""
    scene.entity.credit_code = "92370323MA3C000002"
    scene.entity.name = scene.visit.entity_name = "沂源县张大山旅馆"
    scene.entity.legal_representative = "张大山"
    scene.entity.save()
    scene.visit.save()
    result = actions.save_draft(
        visit=scene.visit, content=complete_content(scene), revision=0, actor=scene.member_a
    )
    result = actions.submit_result(result=result, actor=scene.member_a)
    result = actions.approve_result(result=result, actor=unit_leader)
    publish_results(results=[result], actor=unit_leader, today=date(2022, 10, 14))
    record = PublishedResult.objects.get(result=result)
    assert record.entity_name == "沂源县张**旅馆"
    export = write_gsxt(io.BytesIO(), "csv", published_plan)
    assert {i.entity_name for i in export.items} == {"沂源县张大山旅馆"}
    assert {i.credit_code for i in export.items} == {"92370323MA3C000002"}

    # the drawn name changed behind the actions: the public name masks it no longer
    changed = type(scene.visit).objects.filter(pk=scene.visit.pk)
    models.QuerySet.update(changed, entity_name="沂源县李小山旅馆")  # past the model's guard
    export = write_gsxt(io.BytesIO(), "csv", published_plan)
    assert export.items == [] and [w.record_id for w in export.withheld] == [record.pk]
    assert "遮蔽形式" in export.withheld[0].problems[0]
