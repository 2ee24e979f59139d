"""Read a results spreadsheet (检查结果导入表) for teams that record on paper and type it in later.

One row per checkpoint (plus optional rows for visit-level facts and for follow-up measures), in
CSV or xlsx, read with `spotcheck.lib.tabular` (streaming, encodings, header synonyms). The
columns and rules are in docs/results-columns.md, whose tables `results_columns_markdown()`
generates (a test keeps them in sync).

Reading is all or nothing: `read_results` returns every row error it finds (row as Excel shows
it, column by its Chinese title, and the reason) together with what it could read; the caller
writes nothing unless `errors` is empty. Rows of an exported sheet that carry only the exported
columns (visit, item, checkpoint number and texts) are blank: a visit not filled in is skipped.
`check_sheet` then checks the visits against the system
(known visit, team, the items' checkpoints) with `spotcheck.lib.results.validate_visit` and names
the row of the visit or item at fault.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from spotcheck.lib.directory import (
    RowError,
    Vocabulary,
    columns_markdown,
    parse_date,
    split_list,
    vocabulary_markdown,
)
from spotcheck.lib.results import (
    CATEGORIES,
    MEASURE_KINDS,
    WAYS,
    Category,
    CategoryKind,
    CheckpointFinding,
    Finding,
    ItemResult,
    Measure,
    MeasureKind,
    VisitRecord,
    validate_measure,
    validate_visit,
)
from spotcheck.lib.tabular import (
    ColumnSpec,
    HeaderMap,
    Source,
    TabularError,
    iter_rows,
    unneutralise_formula,
)

__all__ = [
    "FINDINGS",
    "FINDING_EXPORT_LABELS",
    "MEASURE_EXPORT_LABELS",
    "WAY_EXPORT_LABELS",
    "MAX_ROWS",
    "RESULT_COLUMNS",
    "ResultSheet",
    "SheetItem",
    "SheetVisit",
    "VisitContext",
    "check_sheet",
    "read_results",
    "results_columns_markdown",
]

_ErrorSink = Callable[[str, str], None]
"""Records a problem of the current row: column key, reason."""

MAX_ROWS = 50_000
# An item of the plan as the sheet names it: its number, or "p" and its position when it has
# none (PlanItem.key), as the export writes it.
ITEM_KEY = re.compile(r"[0-9]{1,4}|p[0-9]{1,4}")
MAX_TEXT = 2000

RESULT_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "visit",
        "检查编号",
        required=True,
        synonyms=("检查任务编号", "任务编号"),
        accepted="系统中的检查编号（导出表已填好）；同一次检查的各行相同",
    ),
    ColumnSpec("entity", "检查对象名称", synonyms=("被检查单位",), accepted="仅供核对，不导入"),
    ColumnSpec(
        "item",
        "事项编号",
        synonyms=("抽查事项编号",),
        accepted="计划中的事项编号，如11；无编号的事项按导出表填写，如p3",
    ),
    ColumnSpec("item_name", "检查事项", synonyms=("抽查事项",), accepted="仅供核对，不导入"),
    ColumnSpec(
        "checkpoint",
        "要点序号",
        synonyms=("检查要点序号",),
        accepted="1、2、3…（检查记录表中的序号）",
    ),
    ColumnSpec("checkpoint_text", "检查要点", accepted="仅供核对，不导入"),
    ColumnSpec("finding", "检查情况", accepted="见下表“检查情况”"),
    ColumnSpec("problem", "问题描述", accepted="检查情况为“发现问题”时必填"),
    ColumnSpec("reason", "不适用理由", accepted="检查情况为“不适用”时必填"),
    ColumnSpec("note", "备注"),
    ColumnSpec("category", "检查结果", synonyms=("抽查结果",), accepted="见下表“检查结果”"),
    ColumnSpec("inspected_on", "检查日期", synonyms=("实际检查日期",), accepted="日期"),
    ColumnSpec("way", "核查方式", accepted="、".join(WAYS.values())),
    ColumnSpec(
        "present",
        "在场检查人员",
        synonyms=("检查人员",),
        accepted="执法证号，多人用顿号、逗号或分号分隔",
    ),
    ColumnSpec("representative", "被检查对象在场人员", synonyms=("企业在场人员", "当事人在场人员")),
    ColumnSpec("ending", "结束情形", accepted="见下表“检查结果”中的结束情形"),
    ColumnSpec(
        "measure", "处置措施", synonyms=("后续处置", "后续处置措施"), accepted="见下表“处置措施”"
    ),
    ColumnSpec("measure_on", "措施日期", accepted="日期；填写处置措施时必填"),
    ColumnSpec("deadline", "整改期限", accepted="日期；责令改正时必填"),
    ColumnSpec("case_number", "案件编号", accepted="违法处罚、刑事立案时必填"),
    ColumnSpec(
        "agency", "接收部门", synonyms=("移送部门", "抄告部门"), accepted="抄告、移送时必填"
    ),
    ColumnSpec("measure_text", "措施说明", accepted="“其他”措施时必填"),
    ColumnSpec("closed_on", "办结日期", accepted="日期；未办结的留空"),
    ColumnSpec("closing_text", "办结情况", accepted="填写办结日期时必填"),
)
_LABEL = {spec.key: spec.label for spec in RESULT_COLUMNS}
_VISIT_FIELDS = ("inspected_on", "way", "present", "representative", "ending")
_CHECKPOINT_FIELDS = ("finding", "problem", "reason", "note")
_MEASURE_FIELDS = (
    "measure_on",
    "deadline",
    "case_number",
    "agency",
    "measure_text",
    "closed_on",
    "closing_text",
)

FINDINGS: Vocabulary[Finding] = Vocabulary.build(
    [
        (Finding.CHECKED, "符合", ("合格", "正常", "无问题", "未发现问题", "是")),
        (Finding.NOT_APPLICABLE, "不适用", ("不涉及", "无此项", "无此业务")),
        (Finding.PROBLEM, "发现问题", ("不符合", "不合格", "有问题", "存在问题", "否")),
    ]
)
_CATEGORY_VOCABULARY: Vocabulary[Category] = Vocabulary.build(
    [(c, c.label, c.synonyms) for c in CATEGORIES]
)
_WAY_VOCABULARY: Vocabulary[str] = Vocabulary.build(
    [(code, label, ()) for code, label in WAYS.items()]
)
_MEASURE_VOCABULARY: Vocabulary[MeasureKind] = Vocabulary.build(
    [
        (kind, label, synonyms)
        for (kind, label), synonyms in zip(
            MEASURE_KINDS.items(),
            [(), ("行政处罚",), (), ("抄告",), ("移送",), ()],
            strict=True,
        )
    ]
)
_NOT_FILLED = {"无", "暂无", "/", "-", "—", "——"}

# What an export writes: each value's canonical label, which read_results reads back.
FINDING_EXPORT_LABELS: dict[Finding, str] = {
    value: label for label in FINDINGS.labels if (value := FINDINGS.parse(label)) is not None
}
WAY_EXPORT_LABELS: dict[str, str] = dict(WAYS)
MEASURE_EXPORT_LABELS: dict[MeasureKind, str] = {
    kind: label
    for label in _MEASURE_VOCABULARY.labels
    if (kind := _MEASURE_VOCABULARY.parse(label)) is not None
}


@dataclass
class SheetItem:
    item_key: str
    first_row: int
    findings: dict[int, CheckpointFinding] = field(default_factory=dict)
    finding_rows: dict[int, int] = field(default_factory=dict)
    category: Category | None = None
    category_row: int | None = None
    measures: list[Measure] = field(default_factory=list)

    def result(self, *, ending: bool) -> ItemResult:
        return ItemResult(
            item_key=self.item_key,
            findings=tuple(self.findings[n] for n in sorted(self.findings)),
            category=None if self.category is None or ending else self.category.code,
            measures=tuple(self.measures),
        )


@dataclass
class SheetVisit:
    visit_ref: str
    first_row: int
    values: dict[str, object] = field(default_factory=dict)
    value_rows: dict[str, int] = field(default_factory=dict)
    items: dict[str, SheetItem] = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        """Nothing recorded in any of the visit's rows (an exported visit not filled in)."""
        return not self.values and not self.items

    @property
    def inspected_on(self) -> date | None:
        value = self.values.get("inspected_on")
        return value if isinstance(value, date) else None

    @property
    def ending(self) -> str | None:
        value = self.values.get("ending")
        return value.code if isinstance(value, Category) else None

    def record(self, team: Sequence[str]) -> VisitRecord:
        """The visit as `validate_visit` and the results app take it."""
        present = self.values.get("present", ())
        way = self.values.get("way")
        representative = self.values.get("representative", "")
        ending = self.ending
        return VisitRecord(
            inspected_on=self.inspected_on,
            way=way if isinstance(way, str) else None,
            present=tuple(present) if isinstance(present, tuple) else (),
            team=tuple(team),
            representative=representative if isinstance(representative, str) else "",
            ending=ending,
            items=tuple(item.result(ending=ending is not None) for item in self.items.values()),
        )


@dataclass
class ResultSheet:
    visits: dict[str, SheetVisit] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _close(rows: object) -> None:
    close = getattr(rows, "close", None)
    if close is not None:
        close()  # release the file even when reading stops early


def _cell(values: Mapping[str, str], key: str) -> str:
    text = unneutralise_formula(values.get(key, "").strip())
    return "" if text in _NOT_FILLED else text


def read_results(source: Source, filename: str, *, max_rows: int = MAX_ROWS) -> ResultSheet:
    """Read every row; file-level problems raise `TabularError`, row problems are collected."""
    header, rows = iter_rows(source, filename)
    columns = HeaderMap.match(header, RESULT_COLUMNS)
    if not columns.ok:
        _close(rows)
        raise TabularError("；".join(columns.errors()), row=1)
    sheet = ResultSheet(warnings=columns.warnings())
    try:
        for row, cells in rows:
            sheet.rows += 1
            if sheet.rows > max_rows:
                raise TabularError(f"文件超过{max_rows}行数据，请分批导入", row=row)
            _read_row(sheet, row, columns.pick(cells))
    finally:
        _close(rows)
    if not sheet.visits and not sheet.errors:
        sheet.errors.append(RowError(2, _LABEL["visit"], "文件中没有数据行"))
    return sheet


def _read_row(sheet: ResultSheet, row: int, raw: Mapping[str, str]) -> None:
    values = {spec.key: _cell(raw, spec.key) for spec in RESULT_COLUMNS}
    errors: list[RowError] = []

    def error(key: str, reason: str) -> None:
        errors.append(RowError(row, _LABEL[key], reason))

    for key, text in values.items():
        if len(text) > MAX_TEXT:
            error(key, f"内容过长（{len(text)}个字符，上限{MAX_TEXT}）")
            values[key] = ""
    visit_ref = values["visit"]
    if not visit_ref:
        error("visit", "未填写")
        sheet.errors += errors
        return
    visit = sheet.visits.setdefault(visit_ref, SheetVisit(visit_ref, row))
    _read_visit_fields(visit, values, row, error)

    category_text = values["category"]
    chosen = _CATEGORY_VOCABULARY.parse(category_text) if category_text else None
    if category_text and chosen is None:
        error("category", f"无法识别的检查结果“{category_text}”")
    if chosen is not None and chosen.kind is CategoryKind.ENDING:
        # An ending ends the whole visit, whichever row or column it is written in.
        _set_visit_value(visit, "ending", chosen, row, error, key_for_error="category")
        chosen = None

    item_key = values["item"].lower()  # "P3" as typed is the key "p3"
    if item_key and not ITEM_KEY.fullmatch(item_key):
        error(
            "item",
            f"“{values['item']}”不是事项编号，应为计划中的数字编号（无编号的事项为导出表中的p加序号，如p3）",
        )
        item_key = ""
    # A checkpoint number alone is the exported form's blank row (nothing recorded yet).
    has_checkpoint_data = any(values[k] for k in _CHECKPOINT_FIELDS)
    has_measure_data = any(values[k] for k in ("measure", *_MEASURE_FIELDS))
    if not item_key:
        if values["item"] == "" and (has_checkpoint_data or has_measure_data or chosen):
            error("item", "填写了检查情况、检查结果或处置措施，须填写事项编号")
        sheet.errors += errors
        return
    if not (has_checkpoint_data or has_measure_data or chosen):
        sheet.errors += errors
        return
    item = visit.items.setdefault(item_key, SheetItem(item_key, row))
    if chosen is not None:
        if item.category is not None and item.category != chosen:
            error(
                "category",
                f"“{chosen.label}”与第{item.category_row}行的“{item.category.label}”不一致",
            )
        else:
            item.category, item.category_row = chosen, row

    if has_checkpoint_data:
        _read_checkpoint(item, values, row, error)
    if has_measure_data:
        measure = _read_measure(values, error)
        if measure is not None:
            item.measures.append(measure)
    sheet.errors += errors


def _set_visit_value(
    visit: SheetVisit,
    key: str,
    value: object,
    row: int,
    error: _ErrorSink,
    *,
    key_for_error: str | None = None,
) -> None:
    if key in visit.values and visit.values[key] != value:
        error(
            key_for_error or key,
            f"与第{visit.value_rows[key]}行填写的{_LABEL[key]}不一致（同一次检查各行应相同，或只填一行）",
        )
        return
    visit.values.setdefault(key, value)
    visit.value_rows.setdefault(key, row)


def _read_visit_fields(
    visit: SheetVisit, values: Mapping[str, str], row: int, error: _ErrorSink
) -> None:
    for key in _VISIT_FIELDS:
        text = values[key]
        if not text:
            continue
        value: object
        if key == "inspected_on":
            try:
                value = parse_date(text)
            except ValueError as exc:
                error(key, str(exc))
                continue
        elif key == "way":
            value = _WAY_VOCABULARY.parse(text)
            if value is None:
                error(key, f"无法识别的核查方式“{text}”，可填：{_WAY_VOCABULARY.accepted()}")
                continue
        elif key == "ending":
            value = _CATEGORY_VOCABULARY.parse(text)
            if not isinstance(value, Category) or value.kind is not CategoryKind.ENDING:
                error(key, f"“{text}”不是结束情形")
                continue
        elif key == "present":
            value = tuple(split_list(text))
        else:
            value = text
        _set_visit_value(visit, key, value, row, error)


def _read_checkpoint(
    item: SheetItem, values: Mapping[str, str], row: int, error: _ErrorSink
) -> None:
    number_text = values["checkpoint"]
    if not number_text:
        error("checkpoint", "填写了检查情况、问题描述或不适用理由，须填写要点序号")
        return
    if not re.fullmatch(r"[0-9]{1,3}", number_text) or int(number_text) < 1:
        error("checkpoint", f"“{number_text}”不是要点序号，应为1、2、3…")
        return
    number = int(number_text)
    if number in item.findings:
        error(
            "checkpoint",
            f"事项{item.item_key}第{number}项检查要点已在第{item.finding_rows[number]}行填写",
        )
        return
    finding = FINDINGS.parse(values["finding"]) if values["finding"] else None
    if finding is None:
        if values["finding"]:
            error(
                "finding", f"无法识别的检查情况“{values['finding']}”，可填：{FINDINGS.accepted()}"
            )
        else:
            error("finding", "未填写")
        return
    if finding is Finding.PROBLEM and not values["problem"]:
        error("problem", "检查情况为“发现问题”，须填写问题描述")
    if finding is not Finding.PROBLEM and values["problem"]:
        error("problem", "检查情况不是“发现问题”，不应填写问题描述")
    if finding is Finding.NOT_APPLICABLE and not values["reason"]:
        error("reason", "检查情况为“不适用”，须填写理由")
    if finding is not Finding.NOT_APPLICABLE and values["reason"]:
        error("reason", "检查情况不是“不适用”，不应填写不适用理由")
    item.findings[number] = CheckpointFinding(
        number=number,
        finding=finding,
        reason=values["reason"],
        problem=values["problem"],
        note=values["note"],
    )
    item.finding_rows[number] = row


def _read_measure(values: Mapping[str, str], error: _ErrorSink) -> Measure | None:
    kind_text = values["measure"]
    if not kind_text:
        filled = [_LABEL[k] for k in _MEASURE_FIELDS if values[k]]
        error("measure", f"填写了{'、'.join(filled)}，须填写处置措施")
        return None
    kind = _MEASURE_VOCABULARY.parse(kind_text)
    if kind is None:
        error("measure", f"无法识别的处置措施“{kind_text}”，可填：{_MEASURE_VOCABULARY.accepted()}")
        return None
    dates: dict[str, date | None] = {}
    ok = True
    for key in ("measure_on", "deadline", "closed_on"):
        dates[key] = None
        if values[key]:
            try:
                dates[key] = parse_date(values[key])
            except ValueError as exc:
                error(key, str(exc))
                ok = False
    opened_on = dates["measure_on"]
    if opened_on is None:
        if not values["measure_on"]:
            error("measure_on", "填写处置措施时须填写措施日期")
        return None
    if not ok:
        return None
    measure = Measure(
        kind=kind,
        opened_on=opened_on,
        deadline=dates["deadline"],
        case_number=values["case_number"],
        agency=values["agency"],
        text=values["measure_text"],
        closed_on=dates["closed_on"],
        closing_text=values["closing_text"],
    )
    problems = validate_measure(measure)
    for problem in problems:
        error("measure", problem)
    return None if problems else measure


# --- checking against the system ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class VisitContext:
    """What the system knows of one visit the sheet refers to."""

    team: tuple[str, ...]
    """Certificate numbers of the team members (the 在场检查人员 column names them)."""
    checkpoints: Mapping[str, Sequence[str]]
    """Item number -> checkpoint texts, as on the record form."""
    item_titles: Mapping[str, str] = field(default_factory=dict)


def check_sheet(
    sheet: ResultSheet,
    visits: Mapping[str, VisitContext],
    *,
    min_present: int = 2,
    today: date | None = None,
) -> list[RowError]:
    """Errors of visits the system refuses: unknown visit, or `validate_visit`'s complaints,
    each at the first row of the visit or item it is about. Blank visits (exported, nothing
    filled in) are left alone."""
    errors: list[RowError] = []
    for visit in sheet.visits.values():
        if visit.blank:
            continue
        context = visits.get(visit.visit_ref)
        if context is None:
            errors.append(
                RowError(
                    visit.first_row, _LABEL["visit"], f"没有检查编号为“{visit.visit_ref}”的检查"
                )
            )
            continue
        messages = validate_visit(
            visit.record(context.team),
            context.checkpoints,
            item_titles=context.item_titles,
            min_present=min_present,
            today=today,
        )
        for message in messages:
            errors.append(_locate(visit, message))
    return errors


_ITEM_PREFIX = re.compile(r"事项(?P<key>p?[0-9]+)")
_CHECKPOINT_NUMBER = re.compile(r"第(?P<n>[0-9]+)项检查要点")
_FIELD_COLUMNS = {
    "检查日期": "inspected_on",
    "核查方式": "way",
    "在场检查人员": "present",
    "被检查对象在场人员": "representative",
    "结束情形": "ending",
}


def _locate(visit: SheetVisit, message: str) -> RowError:
    prefix = message.split("：", 1)[0]
    for label, key in _FIELD_COLUMNS.items():
        if prefix == label:
            return RowError(visit.value_rows.get(key, visit.first_row), _LABEL[key], message)
    item_match = _ITEM_PREFIX.match(message)
    if item_match is not None and item_match["key"] in visit.items:
        item = visit.items[item_match["key"]]
        point = _CHECKPOINT_NUMBER.search(prefix)
        if point is not None and int(point["n"]) in item.finding_rows:
            return RowError(item.finding_rows[int(point["n"])], _LABEL["finding"], message)
        if "检查结果" in prefix:
            return RowError(item.category_row or item.first_row, _LABEL["category"], message)
        if "后续处置" in prefix:
            return RowError(item.first_row, _LABEL["measure"], message)
        return RowError(item.first_row, _LABEL["item"], message)
    return RowError(visit.first_row, _LABEL["visit"], message)


# --- documentation -------------------------------------------------------------------------


def results_columns_markdown() -> str:
    """The generated part of docs/results-columns.md."""
    categories = ["| 检查结果 | 同义写法 | 类别 |", "| --- | --- | --- |"]
    kinds = {
        CategoryKind.CLEAN: "未发现问题",
        CategoryKind.PROBLEM: "发现问题",
        CategoryKind.ENDING: "结束情形",
    }
    categories += [
        f"| {c.label} | {'、'.join(c.synonyms) or '—'} | {kinds[c.kind]} |" for c in CATEGORIES
    ]
    sections = [
        ("列", columns_markdown(RESULT_COLUMNS)),
        ("检查情况", vocabulary_markdown(FINDINGS)),
        ("检查结果", "\n".join(categories)),
        ("核查方式", vocabulary_markdown(_WAY_VOCABULARY)),
        ("处置措施", vocabulary_markdown(_MEASURE_VOCABULARY)),
    ]
    return "\n\n".join(f"## {title}\n\n{table}" for title, table in sections) + "\n"
