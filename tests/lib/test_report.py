"""The annual summary workbook: sheets, values, number formats and native charts."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from xml.etree import ElementTree

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotcheck.lib.report import (
    COUNT_FORMAT,
    DECIMAL_FORMAT,
    FIRST_DATA_ROW,
    HEADER_ROW,
    MAX_SHEET_TITLE,
    PERCENT_FORMAT,
    PERCENT_POINTS_FORMAT,
    SUMMARY_SHEET,
    ReportError,
    chart_columns,
    column_format,
    display_width,
    sheet_titles,
    write_report,
)


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    chart: str


PROGRESS = Table(
    "progress",
    "各事项抽查进度",
    ["事项", "计划", "已抽取", "已检查"],
    [["消防安全检查", 120, 118, 100], ["治安管理检查", 80, 80, 75]],
    "bar",
)
CATEGORIES = Table(
    "categories",
    "检查结果分类",
    ["风险等级", "未发现问题", "发现问题"],
    [["低", 300, 20], ["中", 200, 40], ["高", 50, 30]],
    "stacked_bar",
)
MONTHLY = Table(
    "monthly", "逐月检查数", ["月份", "检查数"], [[m, m * 10] for m in range(1, 13)], "line"
)
SHARE = Table("share", "结果构成", ["结果", "数量"], [["未发现问题", 550], ["发现问题", 90]], "pie")
RATES = Table(
    "rates",
    "各风险等级问题率",
    ["风险等级", "检查数", "问题率", "95%置信下限"],
    [["低", 320, 0.0625, 0.04], ["高", 90, 0.3333, 0.25]],
    "bar",
)
EMPTY = Table("fairness", "检查人员工作量", ["检查人员", "次数"], [], "bar")
PLAIN = Table("notes", "附注", ["项目", "值"], [["说明", "无"]], "none")
ALL = [PROGRESS, CATEGORIES, MONTHLY, SHARE, RATES, EMPTY, PLAIN]
METADATA = [("机构", "沂源县公安局"), ("年度", 2022), ("生成日期", date(2023, 1, 5))]


def build(tables=ALL, **kwargs) -> bytes:
    stream = io.BytesIO()
    write_report(
        stream, title="2022年度双随机抽查工作总结", metadata=METADATA, tables=tables, **kwargs
    )
    return stream.getvalue()


RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet"
RID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def charts_of(data: bytes) -> dict[str, str]:
    """Each sheet's name -> the xml of its chart, following the package's relationships."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:

        def targets(part: str, kind: str) -> dict[str, str]:
            folder, name = part.rsplit("/", 1)
            rels = f"{folder}/_rels/{name}.rels"
            if rels not in package.namelist():
                return {}
            tree = ElementTree.fromstring(package.read(rels))
            return {
                r.get("Id"): r.get("Target").lstrip("/")
                for r in tree.iter(RELS)
                if r.get("Type").endswith("/" + kind)
            }

        sheets = targets("xl/workbook.xml", "worksheet")
        found = {}
        for sheet in ElementTree.fromstring(package.read("xl/workbook.xml")).iter(SHEET):
            for drawing in targets(sheets[sheet.get(RID)], "drawing").values():
                for chart in targets(drawing, "chart").values():
                    found[sheet.get("name")] = package.read(chart).decode()
        return found


def test_summary_sheet_comes_first_with_metadata_and_contents():
    workbook = openpyxl.load_workbook(io.BytesIO(build(note="数据截至生成时。")))
    assert workbook.sheetnames == [SUMMARY_SHEET] + [t.title for t in ALL]
    summary = workbook[SUMMARY_SHEET]
    assert summary["A1"].value == "2022年度双随机抽查工作总结"
    cells = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row[0]}
    assert cells["机构"] == "沂源县公安局"
    assert cells["年度"] == 2022
    assert cells["生成日期"].date() == date(2023, 1, 5)
    assert "数据截至生成时。" in cells
    contents = [row for row in summary.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert [(r[1], r[2]) for r in contents] == [(t.title, len(t.rows)) for t in ALL]
    assert [r[3] or "" for r in contents] == [
        "柱状图",
        "堆积柱状图",
        "折线图",
        "饼图",
        "柱状图",
        "",
        "",
    ]
    links = [c.hyperlink.location or c.hyperlink.target for c in summary["B"] if c.hyperlink]
    assert links[0].endswith("各事项抽查进度'!A1")
    assert len(links) == len(ALL)


def test_every_table_sheet_holds_its_header_and_rows():
    workbook = openpyxl.load_workbook(io.BytesIO(build()))
    for table in ALL:
        sheet = workbook[table.title]
        assert sheet["A1"].value == table.title
        header = [c.value for c in sheet[HEADER_ROW]][: len(table.columns)]
        assert header == table.columns
        rows = [
            list(r)[: len(table.columns)]
            for r in sheet.iter_rows(min_row=FIRST_DATA_ROW, values_only=True)
        ]
        assert rows == table.rows
        assert sheet.freeze_panes == f"B{FIRST_DATA_ROW}"
    assert workbook[EMPTY.title]["A2"].value == "无数据"
    assert workbook[PROGRESS.title]["A2"].value == "共2行"


def test_number_formats_and_column_widths():
    workbook = openpyxl.load_workbook(io.BytesIO(build()))
    sheet = workbook[RATES.title]
    assert sheet.cell(FIRST_DATA_ROW, 2).number_format == COUNT_FORMAT
    assert sheet.cell(FIRST_DATA_ROW, 3).number_format == PERCENT_FORMAT
    assert sheet.cell(FIRST_DATA_ROW, 4).number_format == PERCENT_FORMAT  # a bound of a rate
    # wide enough for the Chinese header (two columns a character), not the default 13
    assert sheet.column_dimensions["D"].width >= display_width("95%置信下限")
    progress = workbook[PROGRESS.title]
    assert progress.column_dimensions["A"].width >= display_width("消防安全检查")


@pytest.mark.parametrize(
    ("header", "values", "expected"),
    [
        ("检查数", [1, 2, 3], COUNT_FORMAT),
        ("问题率", [0.1, 0.5, None], PERCENT_FORMAT),
        ("问题率（%）", [12.5, 50.0], PERCENT_POINTS_FORMAT),
        ("问题率", [12.5, 50.0], DECIMAL_FORMAT),  # not a fraction: not a percentage either
        ("平均办结天数", [3.25, 1.0], DECIMAL_FORMAT),
        ("基尼系数", [0.12], DECIMAL_FORMAT),
        ("事项", ["甲", "乙"], None),
        ("日期", [date(2022, 1, 1)], "yyyy-mm-dd"),
        ("空", [None, None], None),
    ],
)
def test_column_format(header, values, expected):
    assert column_format(header, values) == expected


def test_native_charts_reference_the_cells():
    charts = charts_of(build())
    assert set(charts) == {
        PROGRESS.title,
        CATEGORIES.title,
        MONTHLY.title,
        SHARE.title,
        RATES.title,
    }
    progress = charts[PROGRESS.title]
    assert "<barChart>" in progress and '<barDir val="col"/>' in progress
    assert '<grouping val="clustered"/>' in progress
    for column in "BCD":
        assert "'各事项抽查进度'!$" + f"{column}$4:${column}$5" in progress
    assert "<strRef><f>'各事项抽查进度'!$A$4:$A$5</f></strRef>" in progress  # text categories
    assert '<delete val="0"/>' in progress and '<delete val="1"/>' not in progress
    stacked = charts[CATEGORIES.title]
    assert '<grouping val="stacked"/>' in stacked and '<overlap val="100"/>' in stacked
    line = charts[MONTHLY.title]
    assert "<lineChart>" in line and "<barChart>" not in line
    assert '<smooth val="0"/>' in line and '<smooth val="1"/>' not in line
    assert "<numRef><f>'逐月检查数'!$A$4:$A$15</f></numRef>" in line  # months are numbers
    pie = charts[SHARE.title]
    assert "<pieChart>" in pie and '<showPercent val="1"/>' in pie
    # counts as columns on the left axis, rates as a line on a second axis
    rates = charts[RATES.title]
    assert "<barChart>" in rates and "<lineChart>" in rates
    assert rates.count("<valAx>") == 2
    bar_part = rates.split("<lineChart>")[0]
    assert "$B$4:$B$5" in bar_part and "$C$4:$C$5" not in bar_part
    assert "$C$4:$C$5" in rates.split("<lineChart>")[1]


def test_chart_columns_keep_counts_and_rates_apart():
    assert chart_columns(RATES) == ([2], [3, 4])
    assert chart_columns(PROGRESS) == ([2, 3, 4], [])
    mixed_text = Table("t", "t", ["单位", "负责人", "次数"], [["甲", "张三", 4]], "bar")
    assert chart_columns(mixed_text) == ([3], [])
    # expected counts are counts: same axis as the actual ones
    loads = Table(
        "t", "t", ["执法人员", "实际次数", "期望次数", "差值"], [["甲", 4, 3.5, 0.5]], "bar"
    )
    assert chart_columns(loads) == ([2, 3, 4], [])
    measures = Table(
        "t", "t", ["措施", "办理中", "已办结", "平均办结天数"], [["甲", 1, 2, 3.5]], "bar"
    )
    assert chart_columns(measures) == ([2, 3], [4])
    spread = Table(
        "t", "t", ["单位", "人数", "最多/平均", "基尼系数"], [["甲", 4, 1.5, 0.2]], "bar"
    )
    assert chart_columns(spread) == ([2], [3, 4])
    only_rates = Table("t", "t", ["等级", "问题率（%）"], [["低", 12.5]], "bar")
    assert chart_columns(only_rates) == ([2], [])


def test_a_total_is_not_stacked_on_its_parts():
    kinds = Table(
        "k",
        "结果",
        ["事项", "未发现问题", "发现问题", "合计"],
        [["甲", 3, 1, 4], ["乙", 2, 2, 4]],
        "stacked_bar",
    )
    assert chart_columns(kinds) == ([2, 3], [])
    workbook = openpyxl.load_workbook(io.BytesIO(build([kinds])))
    assert [c.value for c in workbook["结果"][HEADER_ROW]][
        :4
    ] == kinds.columns  # still in the table
    chart = charts_of(build([kinds]))["结果"]
    assert "$D$4" not in chart
    only_total = Table("k", "总数", ["事项", "合计"], [["甲", 4]], "bar")
    assert chart_columns(only_total) == ([2], [])


def test_long_labels_make_horizontal_bars():
    long = Table(
        "l",
        "按事项",
        ["抽查事项", "计划", "已检查"],
        [
            ["事项1 对宾馆、旅店取得许可证及治安安全情况的检查", 3, 2],
            ["事项2 对保安服务公司的检查", 1, 1],
        ],
        "bar",
    )
    chart = charts_of(build([long]))["按事项"]
    assert '<barDir val="bar"/>' in chart and '<orientation val="maxMin"/>' in chart
    assert '<barDir val="col"/>' in charts_of(build([PROGRESS]))[PROGRESS.title]


def test_text_is_not_a_formula():
    table = Table("t", "附注", ["项目", "值"], [['=HYPERLINK("http://x")', "+1"]], "none")
    sheet = openpyxl.load_workbook(io.BytesIO(build([table])))["附注"]
    assert sheet.cell(FIRST_DATA_ROW, 1).data_type == "s"
    assert sheet.cell(FIRST_DATA_ROW, 1).value == '\'=HYPERLINK("http://x")'


def test_bad_tables_are_refused_before_anything_is_written():
    stream = io.BytesIO()
    short_row = Table("t", "各事项抽查进度", ["事项", "计划"], [["甲", 1], ["乙"]], "bar")
    with pytest.raises(ReportError, match="表“各事项抽查进度”第2行：有1个值，表头有2列"):
        write_report(stream, title="t", metadata=[], tables=[PROGRESS, short_row])
    with pytest.raises(ReportError, match="图表类型“donut”无效"):
        write_report(stream, title="t", metadata=[], tables=[Table("t", "x", ["a"], [], "donut")])
    with pytest.raises(ReportError, match="第1行“值”：不支持的值类型 dict"):
        write_report(
            stream,
            title="t",
            metadata=[],
            tables=[Table("t", "x", ["a", "值"], [["a", {}]], "none")],
        )
    assert stream.getvalue() == b""


def testsheet_titles_are_cleaned_shortened_and_unique():
    long = "各单位各事项各月份抽查进度及公示情况统计表（含联合检查）"
    titles = sheet_titles([long, long, "概要", "a/b:c", ""])
    assert titles[0] == long[:MAX_SHEET_TITLE]
    assert titles[1].endswith("(2)") and len(titles[1]) <= MAX_SHEET_TITLE
    assert titles[2] == "概要(2)"
    assert titles[3] == "a_b_c"
    assert titles[4] == "表5"


@given(st.lists(st.text(max_size=40), max_size=12))
def testsheet_titles_are_always_valid(names):
    titles = sheet_titles(names)
    assert len(titles) == len(names)
    folded = [t.casefold() for t in titles] + [SUMMARY_SHEET.casefold()]
    assert len(set(folded)) == len(folded)
    for title in titles:
        assert 0 < len(title) <= MAX_SHEET_TITLE
        assert not re.search(r"[\[\]:*?/\\]", title)
        assert not title.startswith("'") and not title.endswith("'")


def test_workbook_with_odd_titles_opens():
    tables = [Table(f"k{i}", "重复的表", ["类别", "数"], [["甲", i]], "bar") for i in range(3)]
    data = build(tables)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [SUMMARY_SHEET, "重复的表", "重复的表(2)", "重复的表(3)"]
    assert len(charts_of(data)) == 3


def test_the_chart_draws_the_columns_named_for_it():
    stream = io.BytesIO()
    write_report(
        stream,
        title="t",
        metadata=[],
        tables=[RATES, PROGRESS],
        series={"rates": ["问题率", "95%置信下限"]},
    )
    charts = charts_of(stream.getvalue())
    rates = charts[RATES.title]
    assert "$C$4:$C$5" in rates and "$D$4:$D$5" in rates and "$B$4:$B$5" not in rates
    assert "<lineChart>" not in rates  # rates alone: one axis, the table's own chart kind
    assert "比率" in rates and "数量" not in rates
    assert "$B$4:$B$5" in charts[PROGRESS.title]  # not named: its numeric columns
    with pytest.raises(ReportError, match="图表的列“通过率”不在表中"):
        write_report(
            io.BytesIO(), title="t", metadata=[], tables=[RATES], series={"rates": ["通过率"]}
        )
