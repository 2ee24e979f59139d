"""The annual summary workbook (`spotcheck report`): on the demo round its sheets hold exactly
the dashboard's tables, and its numbers agree with counts computed from the rows."""

from __future__ import annotations

import io
import zipfile
from collections import Counter

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from spotcheck.lib.report import FIRST_DATA_ROW, HEADER_ROW, SUMMARY_SHEET, sheet_titles
from spotcheck.lib.results import CATEGORIES
from spotcheck.results.models import ItemResult, Measure, Result
from spotcheck.stats.selectors import dashboard_tables
from spotcheck.stats.summary import summary_title, write_summary
from tests.stats.conftest import TODAY

pytestmark = pytest.mark.django_db

LABEL = {c.code: c.label for c in CATEGORIES}


def sheet_rows(sheet, width: int) -> list[list]:
    rows = []
    for row in sheet.iter_rows(min_row=FIRST_DATA_ROW, max_col=width, values_only=True):
        if all(value is None for value in row):
            break  # the chart may sit below the table
        rows.append(list(row))
    return rows


def as_written(value):
    """A value as the workbook stores it (text protected against formulas stays readable)."""
    return value[1:] if isinstance(value, str) and value.startswith("'") else value


def test_the_workbook_holds_the_dashboard_and_agrees_with_the_rows(demo):
    stream = io.BytesIO()
    written = write_summary(stream, plan=demo.plan, today=TODAY)
    dashboard = dashboard_tables(
        agency=demo.plan.agency, year=demo.plan.year, plan=demo.plan, today=TODAY
    )
    assert [t.key for t in written] == [t.key for t in dashboard]
    workbook = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    titles = sheet_titles([t.title for t in dashboard])
    assert workbook.sheetnames == [SUMMARY_SHEET, *titles]
    assert workbook[SUMMARY_SHEET]["A1"].value == summary_title(demo.plan)

    # Every sheet: the dashboard table's header and rows, value for value.
    by_key = {}
    for table, title in zip(dashboard, titles, strict=True):
        sheet = workbook[title]
        header = [c.value for c in sheet[HEADER_ROW]][: len(table.columns)]
        assert header == table.columns, table.key
        rows = sheet_rows(sheet, len(table.columns))
        expected = [[as_written(v) for v in row] for row in table.rows]
        assert [[as_written(v) for v in row] for row in rows] == expected, table.key
        by_key[table.key] = rows

    # And the numbers against the rows, counted here in Python.
    approved = ItemResult.objects.filter(
        result__visit__plan=demo.plan, result__state__in=("approved", "published")
    ).exclude(category="")
    categories = Counter(LABEL[r.category] for r in approved)
    assert {row[0]: row[1] for row in by_key["findings_categories"]} == dict(categories)
    assert sum(row[1] for row in by_key["findings_categories"]) == approved.count()

    visits = len(demo.visits)
    assert {row[0]: row[1] for row in by_key["joint"]}["检查任务（上门次数）"] == visits

    results = Result.objects.filter(visit__plan=demo.plan)
    published = sum(1 for r in results if r.state == "published")
    recorded = sum(
        1 for r in results if r.state in ("pending", "returned", "approved", "published")
    )
    progress = by_key["progress_items"]
    header = dashboard[0].columns
    # progress counts item checks: a visit of two items counts once for each
    published_items = sum(
        visit.visit_items.count()
        for visit in demo.visits
        if getattr(results.filter(visit=visit).first(), "state", "") == "published"
    )
    assert sum(row[header.index("已公示")] for row in progress) == published_items
    assert published > 0 and recorded > published

    measures = Measure.objects.filter(item_result__result__visit__plan=demo.plan)
    table = by_key["measures"]
    assert sum(row[1] for row in table) == sum(1 for m in measures if m.closed_on is None)
    assert sum(row[2] for row in table) == sum(1 for m in measures if m.closed_on is not None)

    # The charts are native charts of the sheets that have something to draw.
    with zipfile.ZipFile(io.BytesIO(stream.getvalue())) as package:
        charts = [n for n in package.namelist() if n.startswith("xl/charts/chart")]
    drawn = [t for t in dashboard if t.chart != "none" and t.rows]
    assert len(charts) == len(drawn) > 5


def test_the_report_command_writes_the_workbook(demo, tmp_path):
    target = tmp_path / "summary.xlsx"
    out = io.StringIO()
    call_command("report", str(demo.plan.pk), "-o", str(target), "--no-progress", stdout=out)
    assert "张统计表" in out.getvalue()
    workbook = openpyxl.load_workbook(target)
    assert workbook.sheetnames[0] == SUMMARY_SHEET
    assert len(workbook.sheetnames) > 10
    assert not list(tmp_path.glob("*.part"))

    unit = demo.visits[0].responsible_unit
    by_unit = tmp_path / "unit.xlsx"
    call_command(
        "report", str(demo.plan.pk), "-o", str(by_unit), "--unit", unit.name, "--no-progress",
        stdout=io.StringIO(),
    )  # fmt: skip
    cells = {
        r[0]: r[1]
        for r in openpyxl.load_workbook(by_unit)[SUMMARY_SHEET].iter_rows(values_only=True)
        if r[0]
    }
    assert cells["统计范围"] == unit.name


def test_the_report_command_refuses_clearly(demo, tmp_path):
    with pytest.raises(CommandError, match="找不到计划“1999”"):
        call_command("report", "1999", "-o", str(tmp_path / "x.xlsx"), "--no-progress")
    with pytest.raises(CommandError, match="没有单位“不存在的单位”"):
        call_command(
            "report", str(demo.plan.pk), "-o", str(tmp_path / "x.xlsx"), "--unit", "不存在的单位",
            "--no-progress",
        )  # fmt: skip
    with pytest.raises(CommandError, match="须为 .xlsx"):
        call_command("report", str(demo.plan.pk), "-o", str(tmp_path / "x.csv"), "--no-progress")
    with pytest.raises(CommandError, match="目录不存在"):
        call_command(
            "report", str(demo.plan.pk), "-o", str(tmp_path / "no" / "x.xlsx"), "--no-progress"
        )
    assert not list(tmp_path.iterdir())
