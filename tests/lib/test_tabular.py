from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from spotcheck.lib.tabular import (
    ColumnSpec,
    HeaderMap,
    TabularError,
    column_name,
    detect_csv_encoding,
    iter_rows,
    neutralise_formula,
    normalise_header,
    unneutralise_formula,
    write_csv,
    write_xlsx,
)

TEXT = "名称,统一社会信用代码\r\n沂源县悦来宾馆,914403001922038216\r\n淄博鲁中保安服务有限公司,\r\n"


def read_all(source: bytes | Path, filename: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    header, rows = iter_rows(source, filename)
    return header, list(rows)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings(encoding: str) -> None:
    header, rows = read_all(TEXT.encode(encoding), "entities.csv")
    assert header == ["名称", "统一社会信用代码"]
    assert rows == [
        (2, ["沂源县悦来宾馆", "914403001922038216"]),
        (3, ["淄博鲁中保安服务有限公司", ""]),
    ]


def test_gb18030_only_characters() -> None:
    # U+20000 is outside GBK; GB18030 encodes it in four bytes, two of them in the ASCII range.
    text = "名称\r\n\U00020000记商店\r\n"
    assert detect_csv_encoding(io.BytesIO(text.encode("gb18030"))) == "gb18030"
    assert read_all(text.encode("gb18030"), "a.csv")[1] == [(2, ["\U00020000记商店"])]


def test_long_ascii_prefix_before_gbk_text() -> None:
    # The first non-ASCII byte lies far beyond the first sniffing window.
    ascii_rows = "".join(f"row{i},x\r\n" for i in range(30_000))
    data = ("name,code\r\n" + ascii_rows + "沂源宾馆,1\r\n").encode("gbk")
    stream = io.BytesIO(data)
    assert detect_csv_encoding(stream) == "gb18030"
    assert stream.tell() == 0
    header, rows = read_all(data, "a.csv")
    assert rows[-1] == (30_002, ["沂源宾馆", "1"])


def test_pure_ascii_is_utf8() -> None:
    assert detect_csv_encoding(io.BytesIO(b"a,b\r\n1,2\r\n")) == "utf-8"


def test_encoding_switch_midway_names_the_row() -> None:
    head = "名称\r\n" + "".join(f"沂源宾馆{i}\r\n" for i in range(20_000))
    data = head.encode("utf-8") + "悦来宾馆\r\n".encode("gbk")
    header, rows = iter_rows(data, "a.csv")
    with pytest.raises(TabularError) as caught:
        list(rows)
    assert caught.value.row is not None and caught.value.row > 19_000
    assert "编码" in caught.value.message


def test_undecodable_file_is_reported() -> None:
    with pytest.raises(TabularError, match="编码"):
        iter_rows(b"a,b\r\n\xff\xfe\xff\x80\x80\xff\r\n" * 3 + b"\x80\xff", "a.csv")


def test_row_numbers_count_blank_rows_and_multiline_cells() -> None:
    data = '名称,备注\r\n\r\n甲,"第一行\r\n第二行"\r\n,\r\n乙, 前后空格 \r\n'.encode()
    header, rows = read_all(data, "a.csv")
    assert rows == [(3, ["甲", "第一行\r\n第二行"]), (5, ["乙", "前后空格"])]


def test_short_rows_are_padded_and_trailing_blanks_dropped() -> None:
    data = b"a,b,c\r\n1\r\n1,2,3,,\r\n1,2,3,4\r\n"
    assert read_all(data, "a.csv")[1] == [
        (2, ["1", "", ""]),
        (3, ["1", "2", "3"]),
        (4, ["1", "2", "3", "4"]),
    ]


def test_tab_separated_unicode_text() -> None:
    data = "名称\t地址\r\n甲\t历山街道\r\n".encode("utf-16")
    assert read_all(data, "export.txt") == (["名称", "地址"], [(2, ["甲", "历山街道"])])


def test_header_must_exist() -> None:
    with pytest.raises(TabularError, match="没有表头"):
        iter_rows(b"\r\n,,\r\n", "a.csv")


def test_unsupported_extension() -> None:
    with pytest.raises(TabularError, match="不支持的文件类型"):
        iter_rows(b"", "a.pdf")


def test_overlong_line_is_rejected() -> None:
    data = b"a\r\n" + b"x" * (1024 * 1024 + 10)
    header, rows = iter_rows(data, "a.csv")
    with pytest.raises(TabularError, match="第2行过长"):
        list(rows)


def test_nul_byte_is_rejected() -> None:
    header, rows = iter_rows(b"a,b\r\n1,\x002\r\n", "a.csv")
    with pytest.raises(TabularError, match="第2行含有空字符"):
        list(rows)


def test_csv_syntax_error_names_the_row() -> None:
    header, rows = iter_rows(b"a,b\r\n" + b'"' + b"x" * 200_000 + b'"\r\n', "a.csv")
    with pytest.raises(TabularError, match="第2行CSV格式错误"):
        list(rows)


def test_path_source_and_caller_stream_stays_open(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(TEXT.encode("gbk"))
    assert read_all(path, "a.csv")[0] == ["名称", "统一社会信用代码"]
    stream = io.BytesIO(TEXT.encode())
    header, rows = iter_rows(stream, "a.csv")
    list(rows)
    assert not stream.closed


def test_csv_reading_memory_is_flat(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["名称", "地址", "代码"])
        for index in range(40_000):
            writer.writerow([f"沂源县第{index}号宾馆", f"南麻街道{index}号" * 3, f"{index:018d}"])
    assert path.stat().st_size > 3_000_000
    tracemalloc.start()
    try:
        header, rows = iter_rows(path, "big.csv")
        count = sum(1 for _ in rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 40_000
    assert peak < 1_000_000, peak


def test_xlsx_reading_memory_per_row_is_small() -> None:
    # openpyxl's read-only parser leaves an emptied element per row (~80-90 bytes); loading the
    # whole sheet would cost several hundred bytes per cell, far beyond this bound.
    buffer = io.BytesIO()
    rows = ([f"沂源县第{index}号宾馆", f"南麻街道{index}号", index] for index in range(6_000))
    write_xlsx(buffer, ["名称", "地址", "序号"], rows)
    data = buffer.getvalue()
    tracemalloc.start()
    try:
        header, parsed = iter_rows(data, "big.xlsx")
        count = sum(1 for _ in parsed)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 6_000
    assert peak < 1_000_000 + 6_000 * 150, peak  # fixed workbook overhead + per row


def make_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["B3"] = "名称"
    sheet["C3"] = "风险评定日期"
    sheet["D3"] = "联系电话"
    sheet["B4"] = " 沂源县悦来宾馆 "
    sheet["C4"] = date(2024, 5, 1)
    sheet["D4"] = 13800000000
    sheet["B6"] = "沂源县鸿运宾馆"
    sheet["C6"] = datetime(2024, 5, 1, 8, 30)
    sheet["D6"] = 0.1 + 0.2
    sheet["E7"] = "=1+1"  # no cached value: openpyxl never computes formulas
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_rows_keep_excel_numbering() -> None:
    header, rows = read_all(make_xlsx(), "entities.xlsx")
    assert header == ["", "名称", "风险评定日期", "联系电话"]
    assert rows == [
        (4, ["", "沂源县悦来宾馆", "2024-05-01", "13800000000"]),
        (6, ["", "沂源县鸿运宾馆", "2024-05-01 08:30:00", "0.3"]),
    ]


def test_xls_path_uses_calamine_with_same_numbering() -> None:
    # calamine sniffs the container, so an xlsx body exercises the .xls code path too.
    header, rows = read_all(make_xlsx(), "legacy.xls")
    assert header == ["", "名称", "风险评定日期", "联系电话"]
    assert [number for number, _ in rows] == [4, 6]
    assert rows[0][1][1:] == ["沂源县悦来宾馆", "2024-05-01", "13800000000"]


def test_xlsx_skips_hidden_first_sheet() -> None:
    workbook = openpyxl.Workbook()
    hidden = workbook.active
    assert hidden is not None
    hidden.title = "说明"
    hidden["A1"] = "填表说明"
    hidden.sheet_state = "hidden"
    data_sheet = workbook.create_sheet("名录")
    data_sheet.append(["名称"])
    data_sheet.append(["甲"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read_all(buffer.getvalue(), "a.xlsx") == (["名称"], [(2, ["甲"])])


def test_broken_xlsx_is_a_tabular_error() -> None:
    with pytest.raises(TabularError, match="无法读取Excel文件"):
        iter_rows(b"not a zip file", "a.xlsx")
    with pytest.raises(TabularError, match="无法读取Excel文件"):
        iter_rows(b"not an xls file", "a.xls")


SPECS = (
    ColumnSpec("name", "名称", required=True, synonyms=("单位名称", "企业名称")),
    ColumnSpec("code", "统一社会信用代码", synonyms=("注册号",)),
    ColumnSpec("town", "乡镇街道", synonyms=("乡镇", "街道")),
)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("名称*", "名称"),
        ("*名 称：", "名称"),
        ("名称（必填）", "名称"),
        ("风险等级(低/中低/中/高)", "风险等级"),
        ("【备注】标签【可多个】", "【备注】标签"),
        ("ＣＯＤＥ", "code"),
        ("名称\u3000", "名称"),
    ],
)
def test_normalise_header(title: str, expected: str) -> None:
    assert normalise_header(title) == expected


def test_header_map_matches_synonyms_and_reports_problems() -> None:
    mapping = HeaderMap.match(["企业名称*", "备注", "乡镇：", "街道", ""], SPECS)
    assert mapping.positions == {"name": 0, "town": 2}
    assert mapping.unknown == ("备注",)
    assert mapping.duplicates == ("街道",)
    assert not mapping.ok
    assert mapping.errors() == ["列“街道”重复出现，只能保留一列"]
    assert mapping.warnings() == ["无法识别的列“备注”，该列将被忽略"]
    assert mapping.pick(["甲", "x", "南麻街道"]) == {"name": "甲", "code": "", "town": "南麻街道"}
    assert mapping.label("town") == "乡镇街道"


def test_header_map_missing_required() -> None:
    mapping = HeaderMap.match(["注册号"], SPECS)
    assert [spec.key for spec in mapping.missing] == ["name"]
    assert mapping.errors() == ["缺少必填列“名称”（也可写作：单位名称、企业名称）"]


def test_conflicting_specs_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="claimed"):
        HeaderMap.match([], (ColumnSpec("a", "名称"), ColumnSpec("b", "单位", synonyms=("名称*",))))


def test_column_name() -> None:
    assert [column_name(index) for index in (0, 25, 26)] == ["A", "Z", "AA"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+86 533", "'+86 533"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("＝1+1", "'＝1+1"),
        ("沂源县悦来宾馆", "沂源县悦来宾馆"),
        ("a=b", "a=b"),
    ],
)
def test_neutralise_formula(text: str, expected: str) -> None:
    assert neutralise_formula(text) == expected
    assert unneutralise_formula(neutralise_formula(text)) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("'=1+1", "=1+1"), ("'－5", "－5"), ("'abc", "'abc"), ("''=x", "''=x"), ("", ""), ("'", "'")],
)
def test_unneutralise_formula_drops_only_our_mark(text: str, expected: str) -> None:
    assert unneutralise_formula(text) == expected


ROWS: list[list[object]] = [
    ["=1+1", -5, date(2024, 5, 1), None],
    ["沂源县悦来宾馆", Decimal("1.50"), datetime(2024, 5, 1, 8, 30), True],
]


def test_write_csv_has_bom_and_round_trips() -> None:
    buffer = io.BytesIO()
    assert write_csv(buffer, ["名称", "数量", "日期", "标记"], ROWS) == 2  # type: ignore[arg-type]
    data = buffer.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    header, rows = read_all(data, "out.csv")
    assert header == ["名称", "数量", "日期", "标记"]
    assert rows == [
        (2, ["'=1+1", "-5", "2024-05-01", ""]),
        (3, ["沂源县悦来宾馆", "1.50", "2024-05-01 08:30:00", "TRUE"]),
    ]


def test_write_xlsx_keeps_numbers_and_neutralises_text() -> None:
    buffer = io.BytesIO()
    rows = [*ROWS, ["bell\x07", 1, None, False]]
    assert write_xlsx(buffer, ["=名称", "数量", "日期", "标记"], rows, sheet_title="名录") == 3  # type: ignore[arg-type]
    workbook = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = workbook["名录"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["'=名称", "数量", "日期", "标记"]
    assert values[1][:2] == ["'=1+1", -5]
    assert values[1][2] == datetime(2024, 5, 1)
    assert values[2][1] == 1.5
    assert values[3][0] == "bell"
    assert sheet["A2"].data_type == "s"


def test_charset_normalizer_is_the_fallback_hint() -> None:
    # "é" followed by a space is neither UTF-8 nor GB18030, so the hint decides.
    data = "name,note\r\ncafé au lait,très bien\r\nvoilà,déjà vu\r\n".encode("cp1252")
    header, rows = read_all(data, "a.csv")
    # Only a guess: on so little text it may pick a sibling code page (cp1250 here), which
    # agrees on "é" but not on every accented letter.
    assert [number for number, _ in rows] == [2, 3]
    assert rows[0][1][0] == "café au lait"
