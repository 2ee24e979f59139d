"""The results sheet for teams that record on paper: exported per plan and round with Chinese
headers, filled in, imported all or nothing through the same audited actions, errors naming
the row and column; the CLI verbs and the web download."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from spotcheck.accounts.models import Role
from spotcheck.audit.models import AuditEntry
from spotcheck.inspections.models import Visit
from spotcheck.lib.resultfile import RESULT_COLUMNS, read_results
from spotcheck.results import actions
from spotcheck.results.actions import ResultFileError, import_results
from spotcheck.results.exports import RESULT_HEADER, export_results
from spotcheck.results.models import CheckpointFinding, Measure, Result
from tests.results.conftest import complete_content

pytestmark = pytest.mark.django_db
COLUMN = {spec.key: index for index, spec in enumerate(RESULT_COLUMNS)}


def exported(plan, fmt="xlsx") -> bytes:
    buffer = io.BytesIO()
    export_results(buffer, fmt, Visit.objects.filter(plan=plan, round=1))
    return buffer.getvalue()


def rows_of(data: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def to_xlsx(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fill_v1(rows: list[list], scene, *, problem_at: int = 3) -> list[list]:
    """What a team writes on V1's rows: all 符合 but item 11's `problem_at`, with a measure."""
    filled = [rows[0]]
    for row in rows[1:]:
        row = list(row)
        if row[COLUMN["visit"]] == "V1":
            item, number = row[COLUMN["item"]], row[COLUMN["checkpoint"]]
            if item == 11 and number == problem_at:
                row[COLUMN["finding"]] = "发现问题"
                row[COLUMN["problem"]] = "未落实日志留存"
            else:
                row[COLUMN["finding"]] = "符合"
            if item == 11 and number == 1:
                row[COLUMN["inspected_on"]] = "2022-09-30"
                row[COLUMN["way"]] = "实地核查"
                row[COLUMN["present"]] = "C0000、C0001"
                row[COLUMN["representative"]] = "张经理"
        filled.append(row)
    measure = [None] * len(RESULT_COLUMNS)
    measure[COLUMN["visit"]] = "V1"
    measure[COLUMN["item"]] = 11
    measure[COLUMN["measure"]] = "责令改正"
    measure[COLUMN["measure_on"]] = "2022-09-30"
    measure[COLUMN["deadline"]] = "2022-10-20"
    filled.append(measure)
    return filled


def test_export_has_chinese_headers_and_a_row_per_checkpoint(scene, published_plan):
    rows = rows_of(exported(published_plan))
    assert rows[0] == RESULT_HEADER and rows[0][:3] == ["检查编号", "检查对象名称", "事项编号"]
    v1 = [r for r in rows[1:] if r[0] == "V1"]
    v2 = [r for r in rows[1:] if r[0] == "V2"]
    assert len(v1) == 13 + 5 and len(v2) == 13
    item11 = scene.items[11].item
    assert [r[COLUMN["checkpoint"]] for r in v1[:13]] == list(range(1, 14))
    assert v1[12][COLUMN["checkpoint_text"]] == item11.checkpoints[12]
    csv_text = exported(published_plan, "csv").decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("检查编号,检查对象名称,事项编号")


def test_export_shows_what_is_recorded_and_reads_back(scene, published_plan):
    actions.save_draft(
        visit=scene.visit,
        content=complete_content(scene, problem_at=2),
        revision=0,
        actor=scene.member_a,
    )
    sheet = read_results(exported(published_plan), "r.xlsx")
    assert sheet.errors == []
    v1 = sheet.visits["V1"]
    assert v1.inspected_on == date(2022, 9, 30) and v1.values["present"] == ("C0000", "C0001")
    assert v1.items["11"].findings[2].problem == "登记不全"
    assert sheet.visits["V2"].blank


def test_a_filled_in_sheet_is_recorded_and_submitted_through_the_actions(scene, published_plan):
    data = to_xlsx(fill_v1(rows_of(exported(published_plan)), scene))
    report = import_results(sheet=read_results(data, "r.xlsx"), actor="王科员", filename="r.xlsx")
    assert report.recorded == ("V1",) and report.measures == 1 and report.blank == 1
    result = Result.objects.get(visit=scene.visit)
    assert result.state == "pending" and result.inspected_on == date(2022, 9, 30)
    assert sorted(result.present) == sorted(seat.pk for seat in scene.seats)
    assert CheckpointFinding.objects.filter(item_result__result=result).count() == 18
    problem = CheckpointFinding.objects.get(finding="problem")
    assert (problem.number, problem.problem) == (3, "未落实日志留存")
    assert Measure.objects.get().kind == "correction"
    item11 = result.items.get(visit_item=scene.items[11])
    assert item11.category == "pending_follow_up"
    assert not Result.objects.filter(visit=scene.other_visit).exists()
    steps = list(
        AuditEntry.objects.filter(action__startswith="result.")
        .order_by("seq")
        .values_list("action", "actor")
    )
    assert steps == [
        ("result.save_draft", "王科员"),
        ("result.add_measure", "王科员"),
        ("result.submit", "王科员"),
        ("result.import", "王科员"),
    ]
    assert AuditEntry.objects.get(action="result.save_draft").details["on_behalf"] is True


def test_an_ending_is_imported_without_checkpoints(scene, published_plan):
    rows = rows_of(exported(published_plan))
    first = next(i for i, r in enumerate(rows) if r[0] == "V1")
    rows[first][COLUMN["inspected_on"]] = "2022-09-30"
    rows[first][COLUMN["way"]] = "实地核查"
    rows[first][COLUMN["present"]] = "C0000;C0001"
    rows[first][COLUMN["ending"]] = "注销"
    import_results(sheet=read_results(to_xlsx(rows), "r.xlsx"), actor="cli")
    result = Result.objects.get()
    assert result.ending == "deregistered" and result.state == "pending"
    assert set(result.items.values_list("category", flat=True)) == {"deregistered"}


def test_any_error_refuses_the_whole_sheet_naming_row_and_column(scene, published_plan):
    rows = fill_v1(rows_of(exported(published_plan)), scene)
    first = next(i for i, r in enumerate(rows) if r[0] == "V1")
    rows[first][COLUMN["present"]] = "C0000、C9999"  # a stranger
    rows[first + 4][COLUMN["finding"]] = "差不多"  # Excel row first + 5
    sheet = read_results(to_xlsx(rows), "r.xlsx")
    with pytest.raises(ResultFileError) as caught:
        import_results(sheet=sheet, actor="cli")
    assert [str(e) for e in caught.value.errors] == [
        f"第{first + 5}行“检查情况”：无法识别的检查情况“差不多”，可填：符合、不适用、发现问题"
    ]
    rows[first + 4][COLUMN["finding"]] = "符合"
    with pytest.raises(ResultFileError) as caught:
        import_results(sheet=read_results(to_xlsx(rows), "r.xlsx"), actor="cli")
    messages = [str(e) for e in caught.value.errors]
    assert f"第{first + 1}行“在场检查人员”：在场检查人员：C9999不是本次检查组成员" in messages
    assert not Result.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="result.").exists()


def test_a_submitted_result_is_not_overwritten_by_an_import(scene, published_plan):
    result = actions.save_draft(
        visit=scene.visit, content=complete_content(scene), revision=0, actor=scene.member_a
    )
    actions.submit_result(result=result, actor=scene.member_a)
    data = to_xlsx(fill_v1(rows_of(exported(published_plan)), scene))
    with pytest.raises(ResultFileError, match="该检查的结果为“待审核”，不能通过导入修改"):
        import_results(sheet=read_results(data, "r.xlsx"), actor="cli")
    assert Measure.objects.count() == 0


def test_a_returned_result_is_corrected_by_an_import(scene, published_plan, unit_leader):
    result = actions.save_draft(
        visit=scene.visit, content=complete_content(scene), revision=0, actor=scene.member_a
    )
    actions.submit_result(result=result, actor=scene.member_a)
    actions.return_result(result=result, opinion="第3项应为发现问题", actor=unit_leader)
    data = to_xlsx(fill_v1(rows_of(exported(published_plan)), scene))
    import_results(sheet=read_results(data, "r.xlsx"), actor="cli")
    result.refresh_from_db()
    assert result.state == "pending"
    assert result.items.get(visit_item=scene.items[11]).findings.get(number=3).finding == "problem"


def test_cli_export_and_import(scene, published_plan, tmp_path, capsys):
    path = tmp_path / "results.xlsx"
    call_command("export_results", str(published_plan.pk), "--round", "1", "-o", str(path))
    blank = rows_of(path.read_bytes())
    # no problem found, yet a measure: refused at the item's row
    path.write_bytes(to_xlsx(fill_v1(blank, scene, problem_at=99)))
    with pytest.raises(CommandError, match="导入失败：1处错误，未写入任何结果"):
        call_command("import_results", str(path))
    assert "第2行“处置措施”：事项11" in capsys.readouterr().err
    assert not Result.objects.exists()
    path.write_bytes(to_xlsx(fill_v1(blank, scene)))
    call_command("import_results", str(path), "--actor", "录入员")
    assert "已录入并提交审核1个检查任务的结果" in capsys.readouterr().out
    with pytest.raises(CommandError, match="第9轮没有检查任务"):
        call_command("export_results", str(published_plan.pk), "--round", "9", "-o", str(path))


def test_web_download_for_staff_of_the_plan_only(scene, published_plan, other_users_by_role):
    url = reverse("results:export", args=[published_plan.pk])
    client = Client()
    client.force_login(scene.member_a)
    response = client.get(url, {"round": "1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert rows_of(response.content)[0] == RESULT_HEADER
    csv = client.get(url, {"format": "csv"})
    assert csv.status_code == 200 and "V1" in csv.content.decode("utf-8-sig")
    stranger = Client()
    stranger.force_login(other_users_by_role[Role.COORDINATOR])
    assert stranger.get(url).status_code == 404


def test_an_unnumbered_item_round_trips_by_its_key_and_an_unknown_item_names_row_and_column(
    scene, published_plan
):
    item12 = scene.items[12].item
    type(item12).objects.filter(pk=item12.pk).update(number=None)  # a plan item with no number
    key = f"p{item12.position}"
    rows = rows_of(exported(published_plan))
    v1 = [r for r in rows[1:] if r[0] == "V1"]
    assert {r[COLUMN["item"]] for r in v1} == {11, key}  # never a blank item number
    for row in rows[1:]:
        if row[0] == "V1":
            row[COLUMN["finding"]] = "符合"
    first = next(i for i, r in enumerate(rows) if r[0] == "V1")
    rows[first][COLUMN["inspected_on"]] = "2022-09-30"
    rows[first][COLUMN["way"]] = "实地核查"
    rows[first][COLUMN["present"]] = "C0000、C0001"
    rows[first][COLUMN["representative"]] = "张经理"

    unknown = [list(r) for r in rows]
    last = max(i for i, r in enumerate(unknown) if r[0] == "V1" and r[COLUMN["item"]] == key)
    unknown[last][COLUMN["item"]] = "p99"  # an item this visit does not have
    with pytest.raises(ResultFileError) as caught:
        import_results(sheet=read_results(to_xlsx(unknown), "r.xlsx"), actor="cli")
    assert f"第{last + 1}行“事项编号”：事项p99：不是本次检查的事项" in [
        str(e) for e in caught.value.errors
    ]
    assert not Result.objects.exists()

    rows[last][COLUMN["item"]] = key.upper()  # as typed by hand
    report = import_results(sheet=read_results(to_xlsx(rows), "r.xlsx"), actor="cli")
    assert report.recorded == ("V1",)
    result = Result.objects.get(visit=scene.visit)
    findings = CheckpointFinding.objects.filter(item_result__visit_item=scene.items[12])
    assert findings.count() == 5 and result.state == "pending"
