"""The annual summary workbook (年度抽查工作总结数据表): statistics tables as an .xlsx with charts.

`write_report` takes a title, a metadata header (label/value pairs: agency, plan, year, when
made...) and a list of tables shaped like the statistics tables (`key`, `title`, `columns`,
`rows`, `chart`; the first column holds the category labels), and writes:

- a 概要 (summary) sheet: the title, the metadata and a table of contents linking each sheet;
- one sheet per table: its title, the header row in Chinese, the rows with number formats
  (counts with thousands separators, shares as percentages, other decimals to two places),
  column widths fitted to the text (a Chinese character counts double), the header frozen;
- beside each table a native Excel chart (openpyxl.chart) referencing the cells, so the chart
  follows any correction typed into the table: "bar" and "stacked_bar" are column charts, "line"
  a line chart, "pie" a pie of the first numeric column, "none" no chart. When a table mixes
  counts (integers) with rates (decimals), the counts are drawn as columns or lines on the left
  axis and the rates as a line on a secondary axis on the right, so neither flattens the other.

Pure Python (openpyxl), no Django: the caller gathers the tables. Text cells are protected
against formula injection (tabular.neutralise_formula), like every other export.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, Protocol

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.chart.data_source import AxDataSource, NumRef, StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname

from spotcheck.lib.tabular import neutralise_formula

CHARTS = ("bar", "stacked_bar", "line", "pie", "none")
SUMMARY_SHEET = "概要"
MAX_SHEET_TITLE = 31  # Excel's limit
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

TITLE_ROW = 1
NOTE_ROW = 2
HEADER_ROW = 3
FIRST_DATA_ROW = HEADER_ROW + 1

COUNT_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
PERCENT_POINTS_FORMAT = "0.0"  # a column already in percent ("率（%）")
DATE_FORMAT = "yyyy-mm-dd"

MIN_WIDTH, MAX_WIDTH = 8, 60
BESIDE_MAX_WIDTH = 70  # tables wider than this (in characters) get their chart below
ONE_PAGE_ROWS = 30  # tables up to this long print on one page with their chart
LONG_LABEL = 12  # category labels wider than this make bar charts horizontal
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="9BA7B4")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

Value = str | int | float | Decimal | date | datetime | None
_VALUE_TYPES = (str, int, float, Decimal, date)  # datetime is a date


class ReportTable(Protocol):
    """What a statistics table provides (spotcheck.lib.stats.Table has this shape)."""

    @property
    def key(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def columns(self) -> Sequence[str]: ...
    @property
    def rows(self) -> Sequence[Sequence[Any]]: ...
    @property
    def chart(self) -> str: ...


class ReportError(ValueError):
    """A table that cannot be written; the message (Chinese) names the table and row."""


def write_report(
    stream: IO[bytes],
    *,
    title: str,
    metadata: Sequence[tuple[str, Value]],
    tables: Sequence[ReportTable],
    note: str = "",
    series: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Write the workbook to `stream`. Every table is checked before anything is written.

    `series` names, by table key, the columns its chart draws (as the dashboard draws them);
    a table not named there charts its numeric columns (see `chart_columns`)."""
    series = series or {}
    for table in tables:
        _check(table, series.get(table.key))
    workbook = openpyxl.Workbook()
    summary = workbook.active
    summary.title = SUMMARY_SHEET
    workbook.properties.title = title
    workbook.properties.creator = "spotcheck"

    titles = sheet_titles([t.title for t in tables])
    for table, sheet_title in zip(tables, titles, strict=True):
        sheet = workbook.create_sheet(sheet_title)
        _write_table(sheet, table, series.get(table.key))
    _write_summary(summary, title, metadata, tables, titles, note)
    workbook.save(stream)


# --- checking ---------------------------------------------------------------------------------


def _check(table: ReportTable, charted: Sequence[str] | None = None) -> None:
    name = f"表“{table.title}”"
    unknown = [c for c in charted or () if c not in table.columns]
    if unknown:
        raise ReportError(f"{name}：图表的列“{'、'.join(unknown)}”不在表中")
    if table.chart not in CHARTS:
        raise ReportError(f"{name}：图表类型“{table.chart}”无效，可选 {'、'.join(CHARTS)}")
    if not table.columns:
        raise ReportError(f"{name}：没有列")
    for number, row in enumerate(table.rows, start=1):
        if len(row) != len(table.columns):
            raise ReportError(f"{name}第{number}行：有{len(row)}个值，表头有{len(table.columns)}列")
        for column, value in zip(table.columns, row, strict=True):
            if value is not None and not isinstance(value, _VALUE_TYPES):
                raise ReportError(
                    f"{name}第{number}行“{column}”：不支持的值类型 {type(value).__name__}"
                )


def sheet_titles(titles: Sequence[str]) -> list[str]:
    """Excel sheet names: no []:*?/\\, at most 31 characters, unique (case-insensitively)."""
    used = {SUMMARY_SHEET.casefold()}
    result = []
    for number, title in enumerate(titles, start=1):
        cleaned = _SHEET_FORBIDDEN.sub("_", ILLEGAL_CHARACTERS_RE.sub("", title))
        base = cleaned[:MAX_SHEET_TITLE].strip().strip("'").strip() or f"表{number}"
        candidate = base
        suffix = 2
        while candidate.casefold() in used:
            tail = f"({suffix})"
            candidate = base[: MAX_SHEET_TITLE - len(tail)].rstrip().rstrip("'") + tail
            suffix += 1
        used.add(candidate.casefold())
        result.append(candidate)
    return result


# --- cells ------------------------------------------------------------------------------------


def _cell_value(value: Value) -> Value:
    if isinstance(value, str):
        return neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, Decimal):
        return float(value)
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_PERCENT_UNIT = re.compile(r"[（(]\s*[%％]\s*[）)]\s*$")
SHARE_WORDS = ("率", "占比", "比例", "比重", "置信")


def _is_percent_column(header: str) -> bool:
    """A column whose unit is percent ("问题率（%）"): its values are already ×100."""
    return bool(_PERCENT_UNIT.search(header))


def _is_share_column(header: str, values: Sequence[Any]) -> bool:
    """A rate or share given as a fraction (0.25 for 25 %): shown as a percentage."""
    if _is_percent_column(header):
        return False
    if not any(word in header for word in SHARE_WORDS):
        return False
    numbers = [v for v in values if v is not None]
    return bool(numbers) and all(_is_number(v) and 0 <= float(v) <= 1 for v in numbers)


def column_format(header: str, values: Sequence[Any]) -> str | None:
    """The number format of a column, from its header and values (None: leave as General)."""
    numbers = [v for v in values if v is not None]
    if not numbers:
        return None
    if all(isinstance(v, datetime | date) for v in numbers):
        return DATE_FORMAT
    if not all(_is_number(v) for v in numbers):
        return None
    if all(_is_count(v) for v in numbers):
        return COUNT_FORMAT
    if _is_percent_column(header):
        return PERCENT_POINTS_FORMAT
    if _is_share_column(header, numbers):
        return PERCENT_FORMAT
    return DECIMAL_FORMAT


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: East Asian wide characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _shown(value: Value, number_format: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if number_format == PERCENT_FORMAT and _is_number(value):
        return f"{float(value):.1%}"
    if number_format == COUNT_FORMAT and _is_number(value):
        return f"{int(value):,}"
    if _is_number(value):
        return f"{float(value):,.2f}"
    return str(value)


# --- the sheets -------------------------------------------------------------------------------


def _write_table(sheet: Any, table: ReportTable, charted: Sequence[str] | None = None) -> None:
    width = len(table.columns)
    sheet.cell(TITLE_ROW, 1, _cell_value(table.title)).font = Font(bold=True, size=14)
    count = len(table.rows)
    sheet.cell(NOTE_ROW, 1, f"共{count}行" if count else "无数据").font = Font(
        color="666666", size=9
    )
    columns = list(zip(*table.rows, strict=True)) if table.rows else [() for _ in table.columns]
    formats = [column_format(h, values) for h, values in zip(table.columns, columns, strict=True)]
    for index, header in enumerate(table.columns, start=1):
        cell = sheet.cell(HEADER_ROW, index, _cell_value(header))
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for offset, row in enumerate(table.rows):
        for index, value in enumerate(row, start=1):
            cell = sheet.cell(FIRST_DATA_ROW + offset, index, _cell_value(value))
            cell.border = _BORDER
            number_format = formats[index - 1]
            if number_format is not None and value is not None:
                cell.number_format = number_format
    for index, header in enumerate(table.columns, start=1):
        texts = [header] + [_shown(v, formats[index - 1]) for v in columns[index - 1]]
        fitted = max(display_width(t) for t in texts) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(
            max(fitted, MIN_WIDTH), MAX_WIDTH
        )
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 2)
    if table.rows:
        sheet.auto_filter.ref = (
            f"A{HEADER_ROW}:{get_column_letter(width)}{HEADER_ROW + len(table.rows)}"
        )
    chart = build_chart(sheet, table, formats, charted)
    if chart is not None:
        table_width = sum(
            sheet.column_dimensions[get_column_letter(i)].width for i in range(1, width + 1)
        )
        if table_width > BESIDE_MAX_WIDTH:  # a wide table: the chart goes below it
            sheet.add_chart(chart, f"A{FIRST_DATA_ROW + len(table.rows) + 2}")
        else:
            sheet.add_chart(chart, f"{get_column_letter(width + 2)}{HEADER_ROW}")
    _fit_page(sheet, len(table.rows))


def _fit_page(sheet: Any, rows: int = 0) -> None:
    """Print each sheet landscape on A4, one page wide; a short table and its chart on one
    page, a long one over as many pages as it needs."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1 if rows <= ONE_PAGE_ROWS else 0


TOTAL_HEADERS = frozenset({"合计", "总计", "小计", "总数"})
# Headers of measures on another scale than counts: rates, shares, ratios, coefficients, days.
SECONDARY_WORDS = (*SHARE_WORDS, "%", "％", "系数", "/", "天数")


def is_secondary_column(header: str) -> bool:
    return any(word in header for word in SECONDARY_WORDS)


def chart_columns(
    table: ReportTable, charted: Sequence[str] | None = None
) -> tuple[list[int], list[int]]:
    """1-based column indexes charted: (primary axis, secondary axis).

    The numeric columns after the first (the category labels), without a total column beside
    its parts. Counts (and averages or expectations of counts) go on the primary axis; rates,
    ratios, coefficients and durations on the secondary one, unless nothing else is charted."""
    numeric = []
    for index in range(1, len(table.columns)):
        if charted is not None and table.columns[index] not in charted:
            continue
        values = [row[index] for row in table.rows if row[index] is not None]
        if values and all(_is_number(v) for v in values):
            numeric.append(index + 1)
    parts = [c for c in numeric if table.columns[c - 1].strip() not in TOTAL_HEADERS]
    if len(parts) >= 2:
        numeric = parts
    primary = [c for c in numeric if not is_secondary_column(table.columns[c - 1])]
    if not primary:
        return numeric, []
    return primary, [c for c in numeric if c not in primary]


def build_chart(
    sheet: Any,
    table: ReportTable,
    formats: Sequence[str | None],
    charted: Sequence[str] | None = None,
) -> Any | None:
    """The native chart of a table's sheet, or None ("none", no rows, nothing numeric)."""
    if table.chart == "none" or not table.rows:
        return None
    primary, secondary = chart_columns(table, charted)
    if not primary:
        return None
    widest_label = max(display_width(str(row[0] or "")) for row in table.rows)
    horizontal = (
        table.chart in ("bar", "stacked_bar") and not secondary and widest_label > LONG_LABEL
    )
    last_row = HEADER_ROW + len(table.rows)
    categories = Reference(sheet, min_col=1, min_row=FIRST_DATA_ROW, max_row=last_row)

    text_categories = any(isinstance(row[0], str) for row in table.rows)

    def add_series(chart: Any, columns: Sequence[int]) -> None:
        for column in columns:
            data = Reference(sheet, min_col=column, min_row=HEADER_ROW, max_row=last_row)
            chart.add_data(data, titles_from_data=True)
        for series in chart.series:
            # openpyxl refers to categories as numbers; text labels are a string reference.
            series.cat = (
                AxDataSource(strRef=StrRef(f=str(categories)))
                if text_categories
                else AxDataSource(numRef=NumRef(f=str(categories)))
            )

    chart: Any
    if table.chart == "pie":
        chart = PieChart()
        add_series(chart, primary[:1])
        chart.dataLabels = DataLabelList(
            showPercent=True,
            showVal=False,
            showCatName=False,
            showSerName=False,
            showLegendKey=False,
        )
    else:
        if table.chart == "line":
            chart = LineChart()
            add_series(chart, primary)
            for series in chart.series:
                series.smooth = False
        else:
            chart = BarChart()
            chart.type = "bar" if horizontal else "col"
            if table.chart == "stacked_bar":
                chart.grouping = "stacked"
                chart.overlap = 100
            add_series(chart, primary)
        if horizontal:
            # the first row on top, as in the table, and the value axis still at the bottom
            chart.x_axis.scaling.orientation = "maxMin"
            chart.y_axis.crosses = "max"
        if len(primary) == 1:
            chart.y_axis.title = table.columns[primary[0] - 1]
        elif all(is_secondary_column(table.columns[c - 1]) for c in primary):
            chart.y_axis.title = "比率"  # only rates were asked for: one axis, no "数量"
        else:
            chart.y_axis.title = "数量"
        # openpyxl 3.1 writes <c:delete val="1"/> unless told otherwise: axes would be hidden.
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        if secondary:
            rates = LineChart()
            add_series(rates, secondary)
            for series in rates.series:
                series.smooth = False
            rates.y_axis.axId = 200
            rates.y_axis.crosses = "max"
            rates.y_axis.delete = False
            rates.y_axis.majorGridlines = None
            rates.y_axis.title = table.columns[secondary[0] - 1] if len(secondary) == 1 else "比率"
            if formats[secondary[0] - 1] == PERCENT_FORMAT:
                rates.y_axis.numFmt = "0%"
            chart += rates
    chart.title = table.title
    chart.legend.position = "b"
    categories_count = len(table.rows)
    if horizontal:
        chart.width = 24.0  # cm
        chart.height = min(max(9.0, 0.75 * categories_count + 5), 45.0)
    else:
        chart.width = min(max(16.0, 1.1 * categories_count + 6), 32.0)
        chart.height = 9.0
    return chart


def _write_summary(
    sheet: Any,
    title: str,
    metadata: Sequence[tuple[str, Value]],
    tables: Sequence[ReportTable],
    sheet_titles: Sequence[str],
    note: str,
) -> None:
    sheet.cell(1, 1, _cell_value(title)).font = Font(bold=True, size=16)
    row = 3
    for label, value in metadata:
        sheet.cell(row, 1, _cell_value(label)).font = Font(bold=True)
        cell = sheet.cell(row, 2, _cell_value(value))
        if isinstance(value, datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, date):
            cell.number_format = DATE_FORMAT
        cell.alignment = Alignment(horizontal="left")
        row += 1
    if note:
        row += 1
        sheet.cell(row, 1, _cell_value(note)).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        sheet.row_dimensions[row].height = 15 * (1 + display_width(note) // 80)
        row += 1
    row += 1
    sheet.cell(row, 1, "目录").font = Font(bold=True, size=12)
    row += 1
    for index, header in enumerate(("序号", "表", "行数", "图表"), start=1):
        cell = sheet.cell(row, index, header)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
    chart_labels = {"bar": "柱状图", "stacked_bar": "堆积柱状图", "line": "折线图", "pie": "饼图"}
    for number, (table, sheet_title) in enumerate(zip(tables, sheet_titles, strict=True), 1):
        row += 1
        link = sheet.cell(row, 2, _cell_value(table.title))
        link.hyperlink = f"#{quote_sheetname(sheet_title)}!A1"
        link.font = Font(color="0563C1", underline="single")
        has_chart = table.chart != "none" and bool(table.rows)
        cells = (
            number,
            None,
            len(table.rows),
            chart_labels.get(table.chart, "") if has_chart else "",
        )
        for index, value in enumerate(cells, start=1):
            if value is not None:
                sheet.cell(row, index, value)
            sheet.cell(row, index).border = _BORDER
    labels = [label for label, _ in metadata] + ["序号", "目录"]
    values = [_shown(_cell_value(v), None) for _, v in metadata]
    sheet.column_dimensions["A"].width = min(
        max(MIN_WIDTH, max(display_width(t) for t in labels) + 2), MAX_WIDTH
    )
    widest_title = max(
        [display_width(t.title) for t in tables] + [display_width(v) for v in values] + [10]
    )
    sheet.column_dimensions["B"].width = min(widest_title + 2, MAX_WIDTH)
    sheet.column_dimensions["C"].width = 10
    sheet.column_dimensions["D"].width = 12
    _fit_page(sheet)
