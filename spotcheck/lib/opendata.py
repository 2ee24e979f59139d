"""Open data (开放数据): the schema of the per-year files and their CSV and JSON encodings.

Pure functions, no Django. Three datasets per year: `plans` (one row per item of a published
plan), `draws` (one row per draw bulletin) and `results` (in CSV one row per item of a published
result record; in JSON one object per record with its `items`). Every field is declared here once
(name, type, meaning, example): the CSV header, the JSON keys and the tables of
docs/open-data.md (`schema_markdown()`, kept in sync by a test) all come from these declarations.

CSV is UTF-8 with a byte-order mark (Excel opens it as UTF-8), comma-separated, CRLF line ends,
lists joined with ";", booleans as "true"/"false", empty for none. JSON is UTF-8 without BOM:
{"schema", "dataset", "year", "count", "rows"}, values in their JSON types, lists as arrays.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, BinaryIO, TypeVar

T = TypeVar("T")

SCHEMA = "spotcheck.open-data/1"
FORMATS = ("csv", "json")
BOM = "\ufeff"
LIST_SEPARATOR = ";"

TYPES = {
    "integer": "整数",
    "string": "文本",
    "date": "日期（YYYY-MM-DD）",
    "datetime": "时间（ISO 8601，北京时间 +08:00）",
    "decimal": "小数（文本写法，精确）",
    "boolean": "布尔（CSV 中为 true/false）",
    "list": "列表（CSV 中以分号 ; 分隔，JSON 中为数组）",
    "object": "对象（仅 JSON）",
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    meaning: str
    example: str
    csv: bool = True  # objects and nested lists exist only in JSON


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    row: str  # what one row is
    fields: tuple[Field, ...]
    item_fields: tuple[Field, ...] = ()  # results: the per-item fields (CSV: one row per item)

    @property
    def csv_fields(self) -> list[Field]:
        return [f for f in (*self.fields, *self.item_fields) if f.csv]


PLANS = Dataset(
    "plans",
    "抽查计划与抽查事项",
    "已公开的年度抽查计划中的一个抽查事项",
    (
        Field("plan_id", "integer", "计划编号（本系统内）", "3"),
        Field("year", "integer", "年度", "2022"),
        Field("agency", "string", "制定计划的机关", "沂源县公安局"),
        Field("plan_title", "string", "计划标题", "2022年度双随机抽查工作计划"),
        Field("plan_published_at", "datetime", "计划公开时间", "2022-03-01T09:30:00+08:00"),
        Field("revisions", "integer", "已公开的计划调整次数", "1"),
        Field("item_id", "integer", "事项编号（本系统内，结果与抽取引用它）", "41"),
        Field("item_number", "integer", "事项在计划中的序号", "8"),
        Field("item_label", "string", "事项编号（计划原文写法）", "8"),
        Field("item_name", "string", "抽查事项", "娱乐场所治安管理检查"),
        Field("category", "string", "事项类别（一般/重点检查事项）", "一般检查事项"),
        Field("check_type", "string", "检查类型", "双随机抽查"),
        Field("domain", "string", "抽查领域", "治安管理"),
        Field("target_type", "string", "检查对象", "娱乐场所"),
        Field("ratio_percent", "decimal", "最低抽查比例（%）；按实际执行的事项为空", "5"),
        Field("event_driven", "boolean", "按实际执行（事件触发，不按比例抽取）", "false"),
        Field("times_per_year", "integer", "每年抽查次数", "1"),
        Field("window", "string", "检查时间", "5月—10月"),
        Field("inspection_body", "string", "检查主体", "治安大队"),
        Field("cooperating_departments", "list", "配合部门", "消防救援大队;市场监管局"),
        Field("legal_basis", "string", "检查依据", "《娱乐场所管理条例》第三十条"),
        Field("withdrawn_on", "date", "事项被计划调整撤回的日期；未撤回为空", "2022-07-01"),
    ),
)

DRAWS = Dataset(
    "draws",
    "抽查任务公告（抽取）",
    "一次抽取（一个事项的一轮）的公告",
    (
        Field("draw_id", "integer", "抽取编号；公告在 /public/draws/编号/", "17"),
        Field("plan_id", "integer", "计划编号", "3"),
        Field("year", "integer", "年度", "2022"),
        Field("agency", "string", "组织抽取的机关", "沂源县公安局"),
        Field("item_id", "integer", "事项编号（本系统内）", "41"),
        Field("item_number", "integer", "事项在计划中的序号", "8"),
        Field("item_name", "string", "抽查事项", "娱乐场所治安管理检查"),
        Field("round", "integer", "轮次", "1"),
        Field(
            "status",
            "string",
            "状态：prepared 待掷骰、seeded 待执行、executed 已执行、cancelled 已作废",
            "executed",
        ),
        Field("population_date", "date", "名录日期", "2022-04-30"),
        Field("population_size", "integer", "名录户数", "120"),
        Field("population_hash", "string", "名录哈希（SHA-256，掷骰前公布）", "9f86d081884c7d65…"),
        Field("population_counts", "object", "各风险层户数", '{"low": 83, "high": 12}', csv=False),
        Field("allocation", "object", "各风险层抽取数", '{"low": 5, "high": 4}', csv=False),
        Field("ratio_percent", "decimal", "公布的最低抽查比例（%）", "5"),
        Field("prepared_at", "datetime", "名录公布时间", "2022-05-01T09:00:00+08:00"),
        Field(
            "seed",
            "string",
            "种子（见证人骰子数字拼接，使用信标时接“|信标值”）；掷骰前为空",
            "31415926535897932384",
        ),
        Field("executed_at", "datetime", "抽取执行时间", "2022-05-01T10:00:00+08:00"),
        Field("cancelled_at", "datetime", "作废时间", ""),
        Field("cancel_reason", "string", "作废原因", ""),
        Field("selected_count", "integer", "抽中（替补后）的检查对象数", "9"),
        Field(
            "selected",
            "list",
            "抽中（替补后）的检查对象标识（统一社会信用代码或名录标识），按号签顺序",
            "91370323MA3C0001X1;92370323MA3C0002Y2",
        ),
        Field(
            "selection",
            "list",
            "抽中名单明细：每项 {id, name, stratum, rank, ticket, kind, replaced}（名称按公示规则遮蔽）；"
            "kind：drawn 按号签抽中、replacement 替补进入；replaced：该抽中对象已被替补",
            '[{"id": "9137…", "name": "某某歌厅", "stratum": "low", "rank": 1, "ticket": "0.12…", "kind": "drawn", "replaced": false}]',
            csv=False,
        ),
        Field(
            "selection_withheld",
            "boolean",
            "存储的抽中记录与抽取文档不一致，暂停公开名单（公告页同样暂停）",
            "false",
        ),
        Field("draw_json", "string", "可核验的抽取文档地址", "/public/draws/17/draw.json"),
        Field("kit", "string", "核验包（zip）地址", "/public/draws/17/kit.zip"),
    ),
)

RESULTS = Dataset(
    "results",
    "抽查结果公示",
    "CSV：一条公示记录的一个抽查事项；JSON：一条公示记录（items 为其事项）",
    (
        Field("record_id", "integer", "公示记录编号；公示页在 /public/results/编号/", "205"),
        Field("plan_id", "integer", "计划编号", "3"),
        Field("year", "integer", "年度", "2022"),
        Field("agency", "string", "检查实施机关", "沂源县公安局"),
        Field("cooperating_agencies", "list", "联合检查的其他机关", "沂源县市场监督管理局"),
        Field(
            "entity_key",
            "string",
            "检查对象标识；对象页在 /public/entities/标识/",
            "91370323MA3C0001X1",
        ),
        Field(
            "entity_name",
            "string",
            "检查对象名称（个体工商户经营者姓名遮蔽为“张*”，电话号码遮蔽）",
            "张*烧烤店",
        ),
        Field("credit_code", "string", "统一社会信用代码/注册号", "92370323MA3C0002Y2"),
        Field("inspected_on", "date", "检查日期", "2022-09-30"),
        Field("published_on", "date", "公示日期", "2022-10-12"),
        Field(
            "deadline",
            "string",
            "公示期限：met 按期、overdue 逾期、unknown 无期限；按首次公示的日期，更正后重新公示不改变",
            "met",
        ),
        Field("version", "integer", "所公示的审核结果版本（更正后重新公示则增加）", "1"),
        Field("corrected", "boolean", "此前公示过更正前的版本（公示页列出各版本）", "false"),
        Field("inspectors", "list", "检查人员；仅在机关设置允许公开时有值", ""),
        Field("withdrawn_at", "datetime", "撤回时间；未撤回为空", ""),
        Field("withdraw_reason", "string", "撤回理由", ""),
        Field(
            "withheld",
            "boolean",
            "公示记录与存储的审核结果不一致，暂停公开内容（公示页同样暂停）",
            "false",
        ),
        Field(
            "snapshot_sha256",
            "string",
            "公示内容的 SHA-256；检查人员姓名不公开时为不含姓名的公示内容的 SHA-256；暂停公开时为空",
            "5e884898da280471…",
        ),
    ),
    (
        Field(
            "item_number",
            "string",
            "抽查事项序号（文本）；计划中没有序号的事项为“p”加其在计划中的位置，如 p3",
            "8",
        ),
        Field("item_name", "string", "抽查事项（抽查任务）", "娱乐场所治安管理检查"),
        Field("item_id", "integer", "事项编号（本系统内）", "41"),
        Field("check_type", "string", "检查类型", "双随机抽查"),
        Field("draw_id", "integer", "产生该任务的抽取编号；非抽取产生为空", "17"),
        Field("draw_round", "integer", "抽取轮次", "1"),
        Field("category", "string", "检查结果（代码）", "no_problem"),
        Field("category_label", "string", "检查结果", "未发现问题"),
        Field("follow_up", "string", "后续处置：none 无、open 处置中、closed 已办结", "none"),
        Field("follow_up_label", "string", "后续处置", "无后续处置"),
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (PLANS, DRAWS, RESULTS)}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(_csv_value(v) for v in value)
    value = _json_value(value)
    return str(value)


def csv_rows(dataset: Dataset, rows: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """The CSV rows: each row as is, or (results) one per item with the record's fields."""
    for row in rows:
        if not dataset.item_fields:
            yield row
            continue
        for item in row["items"] or [{}]:
            yield {**row, **item}


def csv_header(dataset: Dataset) -> bytes:
    """The first bytes of the dataset's CSV: the byte-order mark and the field names."""
    out = io.StringIO()
    out.write(BOM)
    csv.writer(out, lineterminator="\r\n").writerow(f.name for f in dataset.csv_fields)
    return out.getvalue().encode("utf-8")


def csv_lines(dataset: Dataset, row: Mapping[str, Any]) -> tuple[bytes, int]:
    """One row's CSV lines (results: one per item) and how many there are."""
    fields = [f.name for f in dataset.csv_fields]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    count = 0
    for flat in csv_rows(dataset, (row,)):
        writer.writerow([_csv_value(flat.get(name)) for name in fields])
        count += 1
    return out.getvalue().encode("utf-8"), count


def json_row(dataset: Dataset, row: Mapping[str, Any]) -> bytes:
    """One row as one line of JSON: the declared fields only, in their JSON types."""
    data = {f.name: _json_value(row.get(f.name)) for f in dataset.fields}
    if dataset.item_fields:
        data["items"] = [
            {f.name: _json_value(item.get(f.name)) for f in dataset.item_fields}
            for item in row["items"]
        ]
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def json_head(dataset: Dataset, year: int, count: int) -> bytes:
    head = {"schema": SCHEMA, "dataset": dataset.name, "year": year, "count": count}
    return (json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": [\n').encode("utf-8")


JSON_ROW_SEPARATOR = b",\n"
JSON_TAIL = b"\n]}\n"


class FileWriter:
    """Writes one dataset's CSV and JSON files row by row, in constant memory.

    The JSON file states its count before its rows, so its rows go to `json_body` (a scratch
    file) first; `finish` writes the head to `json_out` and copies the body after it. Both
    outputs are hashed as they are written."""

    def __init__(
        self,
        dataset: Dataset,
        year: int,
        *,
        csv_out: BinaryIO,
        json_body: BinaryIO,
        json_out: BinaryIO,
    ) -> None:
        self.dataset, self.year = dataset, year
        self.csv_out, self.json_body, self.json_out = csv_out, json_body, json_out
        self.csv_hash, self.json_hash = hashlib.sha256(), hashlib.sha256()
        self.csv_rows = self.records = 0
        self._write_csv(csv_header(dataset))

    def _write_csv(self, data: bytes) -> None:
        self.csv_out.write(data)
        self.csv_hash.update(data)

    def _write_json(self, data: bytes) -> None:
        self.json_out.write(data)
        self.json_hash.update(data)

    def add(self, row: Mapping[str, Any]) -> None:
        lines, count = csv_lines(self.dataset, row)
        self._write_csv(lines)
        self.csv_rows += count
        if self.records:
            self.json_body.write(JSON_ROW_SEPARATOR)
        self.json_body.write(json_row(self.dataset, row))
        self.records += 1

    def finish(self, chunk: int = 1 << 20) -> None:
        self._write_json(json_head(self.dataset, self.year, self.records))
        self.json_body.seek(0)
        while data := self.json_body.read(chunk):
            self._write_json(data)
        self._write_json(JSON_TAIL)


def encode_csv(dataset: Dataset, rows: Iterable[Mapping[str, Any]]) -> tuple[bytes, int]:
    """UTF-8 with BOM, CRLF: the dataset's CSV bytes and its number of data rows."""
    parts = [csv_header(dataset)]
    total = 0
    for row in rows:
        lines, count = csv_lines(dataset, row)
        parts.append(lines)
        total += count
    return b"".join(parts), total


def encode_json(dataset: Dataset, year: int, rows: Sequence[Mapping[str, Any]]) -> bytes:
    # One row a line: readable and diffable, and encoded by the C encoder (indent= is not).
    body = JSON_ROW_SEPARATOR.join(json_row(dataset, row) for row in rows)
    return json_head(dataset, year, len(rows)) + body + JSON_TAIL


def encode(
    dataset: Dataset, year: int, rows: Sequence[Mapping[str, Any]], fmt: str
) -> tuple[bytes, int]:
    """The file's bytes and its row count (CSV: data rows; JSON: records)."""
    if fmt == "csv":
        return encode_csv(dataset, rows)
    if fmt == "json":
        return encode_json(dataset, year, rows), len(rows)
    raise ValueError(f"unknown format: {fmt}")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _table(fields: Sequence[Field]) -> str:
    def cell(text: str) -> str:  # a "|" in a cell is escaped, as GitHub's tables want it
        return text.replace("|", "\\|")

    lines = ["| 字段 | 类型 | 含义 | 示例 |", "| --- | --- | --- | --- |"]
    for f in fields:
        kind = TYPES[f.type] + ("" if f.csv else "，仅 JSON")
        example = f"`{cell(f.example)}`" if f.example else "（空）"
        lines.append(f"| `{cell(f.name)}` | {cell(kind)} | {cell(f.meaning)} | {example} |")
    return "\n".join(lines)


def schema_markdown() -> str:
    """The generated part of docs/open-data.md: one table per dataset."""
    sections = []
    for dataset in DATASETS.values():
        sections.append(
            f"## {dataset.name}：{dataset.title}\n\n"
            f"文件：`{dataset.name}.csv`、`{dataset.name}.json`。一行：{dataset.row}。\n\n"
            + _table(dataset.fields)
        )
        if dataset.item_fields:
            sections.append(
                "### 事项字段（JSON 中在 `items` 数组内；CSV 中每个事项一行，与记录字段并列）\n\n"
                + _table(dataset.item_fields)
            )
    return "\n\n".join(sections) + "\n"


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last one shorter): itertools.batched, Python 3.12."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
