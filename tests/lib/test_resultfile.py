from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.lib.resultfile import (
    VisitContext,
    check_sheet,
    read_results,
    results_columns_markdown,
)
from spotcheck.lib.results import Finding, MeasureKind
from spotcheck.lib.tabular import TabularError, write_csv, write_xlsx

HEADER = [
    "检查编号*",
    "事项编号",
    "要点序号",
    "检查情况",
    "问题描述",
    "不适用理由",
    "检查结果",
    "检查日期",
    "核查方式",
    "在场检查人员",
    "被检查对象在场人员",
    "结束情形",
    "处置措施",
    "措施日期",
    "整改期限",
    "办结日期",
    "办结情况",
]


def row(**cells: str) -> list[str]:
    keys = {
        "visit": 0,
        "item": 1,
        "n": 2,
        "finding": 3,
        "problem": 4,
        "reason": 5,
        "category": 6,
        "day": 7,
        "way": 8,
        "present": 9,
        "rep": 10,
        "ending": 11,
        "measure": 12,
        "measure_on": 13,
        "deadline": 14,
        "closed_on": 15,
        "closing": 16,
    }
    out = [""] * len(HEADER)
    for key, value in cells.items():
        out[keys[key]] = value
    return out


GOOD = [
    row(
        visit="V1",
        item="11",
        n="1",
        finding="符合",
        day="2022-06-10",
        way="实地核查",
        present="37030001、37030002",
        rep="王五",
    ),
    row(visit="V1", item="11", n="2", finding="不适用", reason="无此业务", day="2022/6/10"),
    row(visit="V1", item="11", n="3", finding="合格"),
    row(visit="V1", item="12", n="1", finding="发现问题", problem="未留存日志"),
    row(
        visit="V1",
        item="12",
        measure="责令改正",
        measure_on="2022-06-10",
        deadline="2022-06-25",
    ),
    row(
        visit="V2",
        day="2022-06-11",
        way="实地核查",
        present="37030001,37030003",
        category="无法联系",
    ),
]

CONTEXTS = {
    "V1": VisitContext(
        team=("37030001", "37030002"),
        checkpoints={"11": ["备案", "制度", "日志"], "12": ["工作方案"]},
        item_titles={"11": "对履行网络安全义务的监督检查"},
    ),
    "V2": VisitContext(team=("37030001", "37030003"), checkpoints={"3": ["保安员管理"]}),
}


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    buffer = io.BytesIO()
    write_csv(buffer, header, rows)
    return buffer.getvalue()


def test_a_good_sheet_reads_and_checks_clean() -> None:
    sheet = read_results(csv_bytes(GOOD), "results.csv")
    assert sheet.errors == [] and sheet.rows == 6
    assert check_sheet(sheet, CONTEXTS, today=date(2022, 7, 1)) == []
    v1 = sheet.visits["V1"].record(CONTEXTS["V1"].team)
    assert v1.inspected_on == date(2022, 6, 10) and v1.way == "on_site"
    assert v1.present == ("37030001", "37030002") and v1.representative == "王五"
    item11, item12 = v1.items
    assert [f.finding for f in item11.findings] == [
        Finding.CHECKED,
        Finding.NOT_APPLICABLE,
        Finding.CHECKED,
    ]
    assert item12.measures[0].kind is MeasureKind.CORRECTION
    assert item12.measures[0].deadline == date(2022, 6, 25)
    v2 = sheet.visits["V2"].record(CONTEXTS["V2"].team)
    assert v2.ending == "unreachable" and v2.items == ()


def test_xlsx_export_round_trip_undoes_formula_neutralising() -> None:
    rows = [list(r) for r in GOOD]
    rows[3][4] = "=HYPERLINK(未留存日志)"
    buffer = io.BytesIO()
    write_xlsx(buffer, HEADER, rows)
    sheet = read_results(buffer.getvalue(), "results.xlsx")
    assert sheet.errors == []
    finding = sheet.visits["V1"].items["12"].findings[1]
    assert finding.problem == "=HYPERLINK(未留存日志)"


def errors_of(rows: list[list[str]]) -> list[str]:
    return [str(e) for e in read_results(csv_bytes(rows), "r.csv").errors]


def test_row_errors_name_row_and_column() -> None:
    bad = [
        *GOOD,
        row(visit="V1", item="11", n="3", finding="符合"),  # row 8
        row(visit="V1", item="12", n="2", finding="大概"),  # row 9
        row(visit="V1", item="12", n="3", finding="发现问题"),  # row 10
        row(visit="V1", item="12", n="4", finding="符合", reason="多余"),  # row 11
        row(visit="V1", day="2022-06-12"),  # row 12
        row(visit="V1", item="12", deadline="2022-07-01"),  # row 13
        row(visit="V1", item="12", measure="罚款", measure_on="2022-06-10"),  # row 14
        row(visit="V1", item="12", measure="违法处罚", measure_on="2022-06-10"),  # row 15
        row(visit="V1", item="12", category="好"),  # row 16
        row(visit="", item="12"),  # row 17
        row(visit="V1", n="1", finding="符合"),  # row 18
        row(visit="V1", item="十一", n="1"),  # row 19
        row(visit="V1", item="12", n="0", finding="符合"),  # row 20
        row(visit="V1", way="电话核查"),  # row 21
        row(visit="V1", item="12", measure="责令改正", measure_on="2022-13-01"),  # row 22
        row(visit="V1", item="12", category="未发现问题"),  # row 23
        row(visit="V1", item="12", category="发现问题待后续处理"),  # row 24
        row(visit="V1", ending="迁出"),  # row 25
        row(visit="V1", ending="未发现问题"),  # row 26
    ]
    errors = errors_of(bad)
    expected = [
        "第8行“要点序号”：事项11第3项检查要点已在第4行填写",
        "第9行“检查情况”：无法识别的检查情况“大概”",
        "第10行“问题描述”：检查情况为“发现问题”，须填写问题描述",
        "第11行“不适用理由”：检查情况不是“不适用”，不应填写不适用理由",
        "第12行“检查日期”：与第2行填写的检查日期不一致",
        "第13行“处置措施”：填写了整改期限，须填写处置措施",
        "第14行“处置措施”：无法识别的处置措施“罚款”",
        "第15行“处置措施”：违法处罚：须填写案件编号",
        "第16行“检查结果”：无法识别的检查结果“好”",
        "第17行“检查编号”：未填写",
        "第18行“事项编号”：填写了检查情况、检查结果或处置措施，须填写事项编号",
        "第19行“事项编号”：“十一”不是事项编号",
        "第20行“要点序号”：“0”不是要点序号",
        "第21行“核查方式”：无法识别的核查方式“电话核查”",
        "第22行“措施日期”：日期“2022-13-01”不存在",
        "第24行“检查结果”：“发现问题待后续处理”与第23行的“未发现问题”不一致",
        "第26行“结束情形”：“未发现问题”不是结束情形",
    ]
    for message in expected:
        assert any(e.startswith(message) for e in errors), (message, errors)
    assert not any(e.startswith("第25行") for e in errors)  # an ending is fine when read


def test_header_problems_stop_the_file() -> None:
    with pytest.raises(TabularError, match="缺少必填列“检查编号”"):
        read_results(csv_bytes([["x"]], header=["事项编号"]), "r.csv")
    with pytest.raises(TabularError, match="不支持的文件类型"):
        read_results(b"", "r.pdf")
    sheet = read_results(csv_bytes([], header=["检查编号", "乱写的列"]), "r.csv")
    assert sheet.warnings == ["无法识别的列“乱写的列”，该列将被忽略"]
    assert [str(e) for e in sheet.errors] == ["第2行“检查编号”：文件中没有数据行"]
    with pytest.raises(TabularError, match="超过2行"):
        read_results(csv_bytes(GOOD), "r.csv", max_rows=2)


def test_check_sheet_points_at_the_rows_at_fault() -> None:
    rows = [list(r) for r in GOOD]
    rows[0][9] = "37030001、37039999"  # a stranger present
    del rows[2]  # item 11 checkpoint 3 missing
    rows.append(row(visit="V9", item="1", n="1", finding="符合"))
    sheet = read_results(csv_bytes(rows), "r.csv")
    assert sheet.errors == []
    found = [str(e) for e in check_sheet(sheet, CONTEXTS)]
    assert "第2行“在场检查人员”：在场检查人员：37039999不是本次检查组成员" in found
    assert "第2行“在场检查人员”：在场检查人员：本组成员在场1人，至少须2人" in found
    assert (
        "第2行“事项编号”：事项11“对履行网络安全义务的监督检查”第3项检查要点“日志”：未填写检查情况"
        in found
    )
    assert "第7行“检查编号”：没有检查编号为“V9”的检查" in found


def test_docs_match_the_code() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "results-columns.md"
    assert results_columns_markdown() in docs.read_text(encoding="utf-8")


safe_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Zs")),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() == s and s not in {"无", "暂无", "/", "-", "—", "——"})


@given(
    st.lists(
        st.tuples(st.sampled_from(list(Finding)), safe_text),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["csv", "xlsx"]),
)
@settings(max_examples=40, deadline=None)
def test_written_findings_read_back(points: list[tuple[Finding, str]], kind: str) -> None:
    labels = {
        Finding.CHECKED: "符合",
        Finding.NOT_APPLICABLE: "不适用",
        Finding.PROBLEM: "发现问题",
    }
    rows = [
        row(
            visit="V1",
            item="11",
            n=str(number),
            finding=labels[finding],
            problem=text if finding is Finding.PROBLEM else "",
            reason=text if finding is Finding.NOT_APPLICABLE else "",
        )
        for number, (finding, text) in enumerate(points, start=1)
    ]
    buffer = io.BytesIO()
    (write_csv if kind == "csv" else write_xlsx)(buffer, HEADER, rows)
    sheet = read_results(buffer.getvalue(), f"r.{kind}")
    assert sheet.errors == []
    read = sheet.visits["V1"].items["11"].findings
    assert [(f.finding, f.problem or f.reason) for f in read.values()] == [
        (finding, "" if finding is Finding.CHECKED else text) for finding, text in points
    ]
