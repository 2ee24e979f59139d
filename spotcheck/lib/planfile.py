"""Read and write annual 双随机、一公开 plan files (text, .xlsx, .docx).

Real plans arrive as Word tables, spreadsheets or text pasted out of them: several tables with
different header rows, merged cells, a group header above sub-headers, "same as above" cells left
empty. Every format is first turned into rows of `_Cell`s (text plus merge marks); one engine then
finds header rows by meaning, maps columns to fields and structures each row into a
`PlanItemData`. Cell texts are kept in `original` (and unknown columns in `extra`) so that nothing
is lost; phrases that cannot be structured are kept and flagged for review, never guessed.

The writers produce "the published layout": the title, then one table whose columns are the union
of the 2022 plan's columns. They write each cell's original text whenever it still means what the
item's fields say, so a written plan reads back to the same items.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any, BinaryIO

import docx
import openpyxl
from docx.table import Table
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from spotcheck.lib import plantext
from spotcheck.lib import text as textrule
from spotcheck.lib.plantext import RiskMix, SamplingRule, UnstructuredPhrase
from spotcheck.lib.tabular import neutralise_formula, unneutralise_formula

__all__ = [
    "ParsedPlan",
    "MAX_COLUMNS",
    "MAX_ITEMS",
    "MAX_ROWS",
    "PlanFileError",
    "PlanItemData",
    "RiskMix",
    "Corrections",
    "FIELD_HEADERS",
    "resolve_field",
    "item_label",
    "is_withdrawal_header",
    "kept_column_of_flag",
    "item_to_json",
    "parse_title",
    "published_columns",
    "read_plan",
    "read_plan_bytes",
    "write_plan_tsv",
    "WITHDRAWN_HEADER",
    "withdrawal_text",
    "write_plan_xlsx",
]


# A county plan has tens of items, a provincial one a few hundred. The caps stop a damaged or
# hostile file (a 5 KB xlsx can claim a used range up to XFD1048576) before it eats memory.
MAX_ITEMS = 2_000
MAX_ROWS = 10_000  # per worksheet or table, counting blank and header rows
MAX_COLUMNS = 200
MAX_MERGED_CELLS = 200_000
MAX_XLSX_UNPACKED_BYTES = 32 * 1024 * 1024  # the sum of the unpacked parts (xlsx, docx)


class PlanFileError(ValueError):
    """A plan file that cannot be read; the message (Chinese) starts with the location."""

    def __init__(self, detail: str, location: str = "") -> None:
        super().__init__(f"{location}：{detail}" if location else detail)
        self.detail = detail
        self.location = location


@dataclass
class PlanItemData:
    """One row of a plan: structured fields, plus the texts they were read from."""

    mode: str | None = None  # "joint" (部门联合) / "internal" (公安内部)
    number: int | None = None
    domain: str = ""
    name: str = ""
    content: str = ""
    checkpoints: list[str] = field(default_factory=list)
    target_type: str = ""
    category: str | None = None  # "general" (一般检查事项) / "key" (重点检查事项)
    ratio_percent: Decimal | None = None
    times_per_year: int | None = None
    event_driven: bool = False
    initiating_department: str = ""
    cooperating_departments: list[str] = field(default_factory=list)
    inspection_body: str = ""
    window_start_month: int | None = None
    window_end_month: int | None = None
    responsible_unit: str = ""
    estimated_targets: int | None = None
    estimated_risk: RiskMix = field(default_factory=RiskMix)
    legal_basis: str = ""
    method: str = ""
    # "10-20%": ratio_percent is the lower bound, this the upper one.
    ratio_max_percent: Decimal | None = None
    # "60-70家" / "1户": how many targets, where the plan gives a number instead of a ratio.
    sample_count_min: int | None = None
    sample_count_max: int | None = None
    # Risk level ("low"/"medium_low"/"medium"/"high") -> percent, where the plan states them.
    risk_ratios: dict[str, Decimal] = field(default_factory=dict)
    risk_rule: str = ""  # 智慧监管（信用风险分类）要求, as written
    # The item's number as shown: "3" for a row of its own or the first row of a number that
    # spans several rows, "3.1", "3.2", … for the further rows (whose `number` is None).
    label: str = ""
    # Field key -> the cell's text exactly as read, for every non-empty cell of a known column.
    original: dict[str, str] = field(default_factory=dict)
    # Unknown column's header -> the cell's text (non-empty cells only).
    extra: dict[str, str] = field(default_factory=dict)
    review_flags: list[str] = field(default_factory=list)
    source: str = ""  # "第7行" / "工作表“Sheet1”第5行" / "表格2第3行"
    # Withdrawn by a published plan revision (计划调整) from that day: the day and the
    # revision's number, never its reason (it is free text); None for an item in force and
    # for every item read from a file.
    withdrawn_on: date | None = None
    withdrawn_by_revision: int | None = None


@dataclass
class ParsedPlan:
    title: str = ""
    agency: str | None = None
    year: int | None = None
    items: list[PlanItemData] = field(default_factory=list)
    # Notes rows ("备注：…" merged across the table) and section rows, each "where：text".
    notes: list[str] = field(default_factory=list)
    # How ambiguous columns were read, e.g. which of two name-like columns is the item.
    column_notes: list[str] = field(default_factory=list)
    # Each header as written -> the field it was read as (None: kept in `extra`), first table
    # first; for a preview and for correcting a column's meaning.
    columns: dict[str, str | None] = field(default_factory=dict, compare=False)
    # The corrections applied while reading (see `Corrections`): column header -> field, and
    # one {"source", "field", "was", "now"} per corrected cell.
    applied_columns: dict[str, str | None] = field(default_factory=dict, compare=False)
    applied_cells: list[dict[str, str]] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class Corrections:
    """What a coordinator fixed in a preview before importing.

    `columns`: a header as written in the file -> the field its column means (a key of
    `FIELD_HEADERS`), or None for "not a field" (kept beside the item in `extra`).
    `cells`: (row source such as "第7行", field key) -> the text to read instead of the cell's.
    The corrected text is parsed like any cell, so a fix that is still not understood stays
    flagged. A correction naming a header or a row that the file does not have is an error.
    """

    columns: dict[str, str | None] = field(default_factory=dict)
    cells: dict[tuple[str, str], str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.columns or self.cells)


# --- columns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    key: str
    header: str  # the published layout's header
    synonyms: tuple[str, ...]
    xlsx_width: int


_COLUMNS = (
    _Column("mode", "抽查方式", ("抽查方式", "抽查形式", "抽查类型"), 10),
    _Column("number", "编号", ("编号", "序号"), 6),
    _Column("domain", "抽查领域", ("抽查领域", "领域", "抽查类别", "抽查任务"), 18),
    _Column("name", "抽查事项", ("抽查事项", "事项名称", "抽查事项名称", "检查事项"), 24),
    _Column("content", "抽查内容", ("抽查内容", "检查内容"), 48),
    _Column(
        "target_type",
        "检查对象",
        ("检查对象", "抽查对象", "抽查对象范围", "检查对象范围", "抽查主体范围"),
        18,
    ),
    _Column("category", "事项类别", ("事项类别", "类别", "事项类型"), 12),
    _Column(
        "sampling_rule",
        "抽查比例和频次",
        ("抽查比例和频次", "抽查比例", "抽查比例及频次", "比例和频次", "抽查比例和频率"),
        20,
    ),
    _Column("initiating_department", "发起部门", ("发起部门", "发起处室", "发起单位"), 12),
    _Column(
        "cooperating_departments",
        "配合部门",
        ("配合部门", "联合处室", "联合部门", "配合处室", "参与部门"),
        16,
    ),
    _Column("estimated_targets", "预估抽查对象数", ("预估抽查对象数", "预估抽查对象数量"), 10),
    _Column("estimated_risk", "预估抽查对象风险等级", ("预估抽查对象风险等级",), 26),
    _Column("inspection_body", "检查主体", ("检查主体", "实施主体"), 12),
    _Column(
        "window",
        "检查时间",
        (
            "检查时间",
            "抽查时间",
            "抽查检查起止时间",
            "起止时间",
            "计划开展时间",
            "开展时间",
            "完成时限",
            "实施时间",
        ),
        12,
    ),
    _Column(
        "responsible_unit",
        "责任单位",
        ("责任单位", "责任部门", "股室", "联络股室", "实施层级及说明", "抽查层级", "实施层级"),
        12,
    ),
    _Column("legal_basis", "检查依据", ("检查依据", "抽查依据", "法律依据"), 30),
    # 检查方式 is how a target is checked; 抽查方式 above is joint/internal. Do not mix them up.
    _Column("method", "检查方式", ("检查方式",), 16),
    _Column(
        "risk_rule",
        "信用风险分类要求",
        ("智慧监管(信用风险分类)要求", "信用风险分类要求", "信用风险分类监管要求", "风险分类要求"),
        24,
    ),
)
_COLUMN_BY_KEY = {column.key: column for column in _COLUMNS}
# Field key -> its header in the published layout (what a preview and `--map` call it).
FIELD_HEADERS = {column.key: column.header for column in _COLUMNS}
_NOT_A_FIELD = frozenset(("", "-", "无", "忽略", "其他", "其他列", "附加", "extra", "none"))
_OPTIONAL_KEYS = ("legal_basis", "method", "risk_rule")  # published only when some item has them
_EXTRA_WIDTH = 16
_WITHDRAWN = "withdrawn"  # the published layout's key of WITHDRAWN_HEADER (no field of the reader)
_WITHDRAWN_WIDTH = 30
_HEADER_MIN_MATCHES = 3


def _header_key(text: str) -> str:
    """Headers are compared without whitespace, width variants or "*"/":" decorations."""
    return plantext.squash(text).strip("*:")


_KEY_BY_HEADER = {_header_key(name): c.key for c in _COLUMNS for name in c.synonyms}

# Columns that could each be the item's name, most specific first. The most specific one
# present is the item; the next one (a task or a whole plan line) is its domain when the table
# has no domain column. 检查内容 is the item only when nothing more specific names it.
_NAME_LIKE = {
    _header_key("抽查任务名称"): 2,
    _header_key("任务名称"): 2,
    _header_key("年度计划名称"): 3,
    _header_key("计划名称"): 3,
}
_CONTENT_AS_NAME = _header_key("检查内容")

# Plan- and task-level codes stay beside the item (in `extra`) without a review flag.
_CODE_HEADERS = frozenset(
    _header_key(name)
    for name in ("抽查计划编号", "抽查任务编号", "计划编号", "任务编号", "事项编码")
)


def _base_header(header: str) -> str:
    """The header without a trailing remark: "检查时间（月份）" -> "检查时间". Not "（续）" or
    "（2）", which name extra columns."""
    key = _header_key(header)
    if key in _KEY_BY_HEADER or key in _NAME_LIKE:
        return key
    remark = re.fullmatch(r"(.+?)\((.*)\)", key)
    if remark and remark[2] != "续" and not remark[2].isdigit():
        return remark[1]
    return key


def resolve_field(text: str) -> str | None:
    """A field named by its key ("window"), its header or any synonym ("检查时间", "完成时限");
    None for "not a field" ("忽略", "其他", "-"). Anything else raises PlanFileError."""
    squashed = text.strip()
    if squashed in FIELD_HEADERS:
        return squashed
    if squashed.lower() in _NOT_A_FIELD:
        return None
    key = _known_key(squashed)
    if key is None:
        choices = "、".join(FIELD_HEADERS.values())
        raise PlanFileError(f"未知的字段“{text}”：可用{choices}，或“忽略”（作为其他列保留）")
    return key


def _known_key(header: str) -> str | None:
    return _KEY_BY_HEADER.get(_base_header(header))


def _name_rank(header: str) -> int | None:
    """How specific a name-like header is (0 most); None if it cannot name the item."""
    base = _base_header(header)
    if _KEY_BY_HEADER.get(base) == "name":
        return 0
    if base == _CONTENT_AS_NAME:
        return 1
    return _NAME_LIKE.get(base)


def _is_code_header(header: str) -> bool:
    return _base_header(header) in _CODE_HEADERS


def _needs_column(item: PlanItemData, key: str) -> bool:
    if getattr(item, key) or item.original.get(key, "").strip():
        return True
    # An extra column named like this field (a duplicated header) would be read back as the
    # field itself unless the field's own column comes first.
    return any(_known_key(name) == key for name in item.extra)


def published_columns(plan: ParsedPlan) -> list[tuple[str | None, str]]:
    """(field key or None for an extra column, header) of the published layout for this plan."""
    optional_wanted = {
        key for key in _OPTIONAL_KEYS if any(_needs_column(item, key) for item in plan.items)
    }
    columns: list[tuple[str | None, str]] = [
        (c.key, c.header)
        for c in _COLUMNS
        if c.key not in _OPTIONAL_KEYS or c.key in optional_wanted
    ]
    # An extra column named like the withdrawal column (an older export read back) is never
    # written: it would say an item in force was withdrawn, and repeat the header.
    extras = [name for name in _merged_extra_order(plan.items) if not is_withdrawal_header(name)]
    columns.extend((None, name) for name in extras)
    if any(item.withdrawn_on is not None for item in plan.items):
        columns.append((_WITHDRAWN, WITHDRAWN_HEADER))
    return columns


def _merged_extra_order(items: Sequence[PlanItemData]) -> list[str]:
    """One order of the extra columns that keeps each item's own order of its extra columns.

    A re-import flags an item's extra cells in column order, so every item's `extra` names
    must appear in the same relative order as in the item. (Items of one table always agree;
    a merge that only looks at names already placed does not: [备注], [联系人], [备注, 联系人]
    must not become 联系人, 备注.) Ties keep first appearance; should items of different tables
    disagree, the earliest-seen name goes first and no order can satisfy them all.
    """
    seen: dict[str, None] = {}  # names in order of first appearance
    after: dict[str, set[str]] = {}  # name -> names that must come later
    before_count: dict[str, int] = {}  # name -> how many names must come earlier
    for item in items:
        names = list(item.extra)
        for name in names:
            seen.setdefault(name, None)
            after.setdefault(name, set())
            before_count.setdefault(name, 0)
        for earlier, later in pairwise(names):
            if later not in after[earlier]:
                after[earlier].add(later)
                before_count[later] += 1
    order: list[str] = []
    remaining = list(seen)
    while remaining:
        ready = next((name for name in remaining if before_count[name] == 0), remaining[0])
        remaining.remove(ready)
        order.append(ready)
        for later in after[ready]:
            before_count[later] -= 1
    return order


# --- titles --------------------------------------------------------------------------------

_YEAR_IN_TITLE = re.compile(
    r"([12][0-9]{3}|[１２][０-９]{3}|[〇零○一二][〇零○一二三四五六七八九]{3})\s*年"
)
_TITLE_TOPIC = re.compile(r"[“\"《「]|双随机|抽查|检查|工作计划")
_TITLE_EDGES = ' \t\r\n\u3000，,。:：“”"《》「」'


def parse_title(title: str) -> tuple[str | None, int | None]:
    """ "沂源县公安局2022年度“双随机、一公开”抽查工作计划" -> ("沂源县公安局", 2022)."""
    text = title.strip()
    match = _YEAR_IN_TITLE.search(text)
    year: int | None = None
    if match:
        year = plantext.parse_chinese_number(unicodedata.normalize("NFKC", match[1]))
        before, after = text[: match.start()], text[match.end() :].removeprefix("度")
    else:
        before, after = "", text
    agency = _clean_agency(before)
    if not agency:
        topic = _TITLE_TOPIC.search(after)
        agency = _clean_agency(after[: topic.start()] if topic else "")
    return agency or None, year


def _clean_agency(text: str) -> str:
    text = text.strip(_TITLE_EDGES)
    for prefix in ("关于印发", "关于", "印发"):
        text = text.removeprefix(prefix)
    return text.strip(_TITLE_EDGES)


def _choose_title(candidates: Sequence[str]) -> str:
    """The first line naming an agency or a year (a leading "附件1" is skipped), else the first."""
    for text in candidates:
        if "计划" in text or parse_title(text) != (None, None):
            return text
    return candidates[0] if candidates else ""


# --- the rows every format is turned into ----------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    text: str
    merged_left: bool = False  # continues a horizontal merge: its text is "" (it is the same cell)
    merged_above: bool = False  # continues a vertical merge: its text repeats the cell above


_EMPTY_CELL = _Cell("")


@dataclass
class _Row:
    cells: list[_Cell]
    where: str  # "第7行" / "工作表“Sheet1”第5行" / "表格2第3行"
    cell_name: Callable[[int], str]  # column index -> "第14列" / "N7"
    strict_width: bool = False  # text rows: a missing tab shifts every later column

    def text(self, index: int) -> str:
        return self.cells[index].text if index < len(self.cells) else ""

    def is_blank(self) -> bool:
        return all(not cell.text.strip() for cell in self.cells)

    def used_width(self) -> int:
        return max((i + 1 for i, cell in enumerate(self.cells) if cell.text.strip()), default=0)


@dataclass
class _Block:
    """One table (a text file, a worksheet, a Word table)."""

    rows: list[_Row]
    column_count: int


@dataclass
class _Source:
    blocks: list[_Block]
    title_candidates: list[str] = field(default_factory=list)  # e.g. paragraphs before a table


def _clean_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _nth_column(index: int) -> str:
    return f"第{index + 1}列"


def _xlsx_cell_names(row: int) -> Callable[[int], str]:
    def cell_name(index: int) -> str:
        return f"单元格 {get_column_letter(index + 1)}{row}"

    return cell_name


# --- headers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _HeaderColumn:
    index: int
    key: str | None  # field key; None: the text goes to `extra` under `label`
    label: str
    duplicate: bool = False  # a second column for a field already mapped


@dataclass
class _Header:
    columns: list[_HeaderColumn]
    width: int  # cells beyond this are an error
    required_width: int  # text rows shorter than this lost a tab somewhere
    column_count: int  # of the table it heads: a header-less next table of this width continues it
    notes: list[str] = field(default_factory=list)  # how ambiguous columns were read

    def has(self, key: str) -> bool:
        return any(column.key == key for column in self.columns)


def _count_known(row: _Row) -> int:
    keys = {key for cell in row.cells if (key := _known_key(cell.text)) is not None}
    keys |= {"name" for cell in row.cells if _name_rank(cell.text) is not None}
    return len(keys)


def _is_header_row(row: _Row) -> bool:
    return _count_known(row) >= _HEADER_MIN_MATCHES


def _span_owner(row: _Row) -> list[int]:
    """For each column, the first column of the horizontal merge it belongs to."""
    owners: list[int] = []
    for index, cell in enumerate(row.cells):
        owners.append(owners[-1] if cell.merged_left and owners else index)
    return owners


def _two_line_header_texts(top: _Row, below: _Row | None) -> list[str] | None:
    """Header texts when `below` holds sub-headers of group headers merged across `top`.

    E.g. "预估抽查对象" merged over "数量" | "风险等级" gives "预估抽查对象数量" and
    "预估抽查对象风险等级"; a header merged down over both lines keeps its own text.
    """
    if below is None:
        return None
    owners = _span_owner(top)
    group_columns: dict[int, list[int]] = {}
    for index, owner in enumerate(owners):
        group_columns.setdefault(owner, []).append(index)
    grouped = {i for columns in group_columns.values() if len(columns) > 1 for i in columns}
    if not grouped:
        return None
    sub_texts: dict[int, str] = {}
    for index, cell in enumerate(below.cells):
        if not cell.text.strip() or cell.merged_above:
            continue
        if index not in grouped:
            return None  # a data row: it has values outside the groups
        sub_texts[index] = cell.text.strip()
    # Every column of a group that has sub-headers must have one ("抽查事项" merged over a
    # name column and an empty column, above a data row, is not a two-line header).
    for columns in group_columns.values():
        named = [i for i in columns if i in sub_texts]
        if named and len(named) != len(columns):
            return None
    if not sub_texts:
        return None
    texts = []
    for index, cell in enumerate(top.cells):
        sub = sub_texts.get(index)
        texts.append(cell.text.strip() if sub is None else _join_header(top, owners[index], sub))
    return texts


def _join_header(top: _Row, owner: int, sub: str) -> str:
    group = top.cells[owner].text.strip()
    combined = sub if sub.startswith(group) else group + sub
    if _known_key(combined) is None and _known_key(sub) is not None:
        return sub  # e.g. "检查信息" over "检查主体": the sub-header alone says it
    return combined


def _column_keys(
    texts: list[str], width: int, overrides: dict[str, str | None] | None = None
) -> tuple[list[str | None], list[str]]:
    """Each header's field key, choosing the item's name column by meaning; and notes saying
    which column was chosen when another one could also have been the name. `overrides`
    (squashed header -> key or None) win over both; a field given to a column by an override
    is taken from any other column that would have had it."""
    keys, notes = _column_keys_by_meaning(texts, width)
    if not overrides:
        return keys, notes
    padded = [texts[i] if i < len(texts) else "" for i in range(width)]
    forced = {
        i: overrides[h] for i, t in enumerate(padded) if t and (h := _header_key(t)) in overrides
    }
    taken = {key for key in forced.values() if key is not None}
    for i in range(width):
        if i in forced:
            keys[i] = forced[i]
        elif keys[i] in taken:
            keys[i] = None
    for i, key in forced.items():
        meaning = f"“{FIELD_HEADERS[key]}”" if key is not None else "其他列（原样保留）"
        notes.append(f"“{padded[i]}”列按更正作为{meaning}")
    return keys, notes


def _column_keys_by_meaning(texts: list[str], width: int) -> tuple[list[str | None], list[str]]:
    padded = [texts[i] if i < len(texts) else "" for i in range(width)]
    keys: list[str | None] = [_known_key(text) if text else None for text in padded]
    ranks = [_name_rank(text) if text else None for text in padded]
    candidates = sorted((rank, i) for i, rank in enumerate(ranks) if rank is not None)
    if not candidates:
        return keys, []
    best_rank, name_index = candidates[0]
    if best_rank > 0 or not any(key == "name" for key in keys):
        keys[name_index] = "name"
    others = [i for rank, i in candidates[1:] if rank >= 2]
    notes: list[str] = []
    if best_rank > 0 or others:
        note = f"“{padded[name_index]}”列作为抽查事项"
        if others and "domain" not in keys:
            keys[others[0]] = "domain"
            note += f"，“{padded[others[0]]}”列作为其所属的抽查领域（任务）"
        if best_rank > 0 and len(candidates) == 1:
            note += "（表中没有更具体的事项列）"
        notes.append(note)
    return keys, notes


def _build_header(
    texts: list[str],
    cells: list[_Cell],
    row: _Row,
    column_count: int,
    overrides: dict[str, str | None] | None = None,
) -> _Header:
    last_named = max(i for i, text in enumerate(texts) if text)
    width = last_named + 1
    while width < len(cells) and cells[width].merged_left:
        width += 1  # the last header is merged across further columns
    keys, notes = _column_keys(texts, width, overrides)
    columns: list[_HeaderColumn] = []
    used_keys: set[str] = set()
    used_labels: set[str] = set()
    previous_label = ""
    for index in range(width):
        text = texts[index] if index < len(texts) else ""
        key = keys[index]
        if key is None and is_withdrawal_header(text):
            # A withdrawal is made by a published plan revision (计划调整), never by a note in
            # an imported file: the published layout's 撤回情况 column is not read at all.
            note = f"“{text}”列未导入：事项只能经公布的计划调整撤回，文件中的撤回说明不起作用"
            if note not in notes:
                notes.append(note)
            previous_label = text
            continue
        if key is not None and key not in used_keys:
            used_keys.add(key)
            columns.append(_HeaderColumn(index, key, text))
        else:
            if text:
                label = text
            elif previous_label and (texts[index - 1] or cells[index].merged_left):
                # A merged header cell leaves an empty header after it (the 2022 plan's 抽查事项).
                label = f"{previous_label}（续）"
            else:
                label = f"第{index + 1}列"
            unique_label, copy = label, 1
            while unique_label in used_labels:  # two "备注" columns must not share one key
                copy += 1
                unique_label = f"{label}（{copy}）"
            used_labels.add(unique_label)
            columns.append(_HeaderColumn(index, None, unique_label, duplicate=key is not None))
        if text:
            previous_label = text
    if "name" not in used_keys:
        raise PlanFileError(
            "表头中没有“抽查事项”列（也可写作“事项名称”“抽查事项名称”，或更正某列为抽查事项）",
            row.where,
        )
    return _Header(columns, width, last_named + 1, column_count, notes)


# --- rows -> items -------------------------------------------------------------------------


@dataclass
class _ReadState:
    header: _Header | None = None
    header_seen: bool = False
    last_mode_text: str = ""  # an empty 抽查方式 cell means "same as above"
    number_rows: dict[int, str] = field(default_factory=dict)
    group_number: int | None = None  # the number the last rows were under
    group_rows: int = 0  # further rows under it so far (3.1, 3.2, …)
    title_candidates: list[str] = field(default_factory=list)
    items: list[PlanItemData] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    column_notes: list[str] = field(default_factory=list)
    columns: dict[str, str | None] = field(default_factory=dict)
    column_overrides: dict[str, str | None] = field(default_factory=dict)  # squashed header
    cell_overrides: dict[tuple[str, str], str] = field(default_factory=dict)
    used_column_overrides: set[str] = field(default_factory=set)
    applied_cells: list[dict[str, str]] = field(default_factory=list)


def _parse_source(source: _Source, corrections: Corrections | None = None) -> ParsedPlan:
    state = _ReadState(title_candidates=list(source.title_candidates))
    if corrections:
        for header, key in corrections.columns.items():
            if key is not None and key not in FIELD_HEADERS:
                raise PlanFileError(f"未知的字段“{key}”")
            state.column_overrides[_header_key(header)] = key
        for (_, key), _text in corrections.cells.items():
            if key not in FIELD_HEADERS:
                raise PlanFileError(f"未知的字段“{key}”")
        state.cell_overrides = dict(corrections.cells)
    for block_index, block in enumerate(source.blocks):
        has_own_header = any(_is_header_row(row) for row in block.rows)
        if block_index > 0 and not has_own_header:
            # A table split in two without repeating its header continues the previous one;
            # any other header-less table (a signature block, notes) is not part of the plan.
            previous = state.header
            if previous is None or previous.column_count != block.column_count:
                continue
        else:
            state.header = None
        _parse_block(block, state)
    if not state.header_seen:
        expected = "、".join(c.header for c in _COLUMNS[:7])
        raise PlanFileError(
            f"这不是一份抽查计划：未找到表头，计划表格应有一行至少包含{_HEADER_MIN_MATCHES}个"
            f"已知列名（如{expected}等）"
        )
    if corrections:
        _check_corrections_used(corrections, state)
    title = _choose_title(state.title_candidates)
    agency, year = parse_title(title)
    return ParsedPlan(
        title=title,
        agency=agency,
        year=year,
        items=state.items,
        notes=state.notes,
        column_notes=state.column_notes,
        columns=state.columns,
        applied_columns=dict(corrections.columns) if corrections else {},
        applied_cells=state.applied_cells,
    )


def _check_corrections_used(corrections: Corrections, state: _ReadState) -> None:
    for header in corrections.columns:
        if _header_key(header) not in state.used_column_overrides:
            raise PlanFileError(f"更正的列“{header}”不在表头中")
    done = {(cell["source"], cell["field"]) for cell in state.applied_cells}
    for source, key in corrections.cells:
        if (source, key) not in done:
            raise PlanFileError(f"{source}不是抽查事项行，无法更正其“{FIELD_HEADERS[key]}”")


def _check_controls(row: _Row) -> None:
    """Cells may be multi-line, but no other control character (NUL makes look-alike names)."""
    for index, cell in enumerate(row.cells):
        position = textrule.find_control(cell.text, multi_line=True)
        if position is not None:
            character = textrule.describe_control(cell.text[position])
            raise PlanFileError(
                f"{row.cell_name(index)}第{position + 1}个字符是控制字符{character}，请删除后再导入",
                row.where,
            )


def _parse_block(block: _Block, state: _ReadState) -> None:
    rows = block.rows
    index = 0
    while index < len(rows):
        row = rows[index]
        index += 1
        _check_controls(row)
        if row.is_blank():
            continue
        if _is_header_row(row):
            below = rows[index] if index < len(rows) else None
            texts = _two_line_header_texts(row, below)
            if texts is None:
                texts = [cell.text.strip() for cell in row.cells]
            else:
                index += 1  # the sub-header line is part of the header
            state.header = _build_header(
                texts, row.cells, row, block.column_count, state.column_overrides
            )
            for text in texts:
                if _header_key(text) in state.column_overrides:
                    state.used_column_overrides.add(_header_key(text))
            for column in state.header.columns:
                header_text = texts[column.index] if column.index < len(texts) else ""
                if header_text.strip():
                    state.columns.setdefault(header_text.strip(), column.key)
            state.header_seen = True
            state.group_number = None
            for note in state.header.notes:
                if note not in state.column_notes:
                    state.column_notes.append(note)
            continue
        if state.header is None:
            if not state.header_seen:
                line = " ".join(text for cell in row.cells if (text := cell.text.strip()))
                state.title_candidates.append(line)
            continue
        plan_note = _note_text(row, state.header)
        if plan_note is not None:
            state.notes.append(f"{row.where}：{plan_note}")
            continue
        if len(state.items) >= MAX_ITEMS:
            raise PlanFileError(
                f"抽查事项超过上限{MAX_ITEMS}项，请检查文件是否为年度计划", row.where
            )
        state.items.append(_read_item(row, state.header, state))


_NOTE_PREFIX = re.compile(r"(?:备注|附注|注|说明)\s*[:：]|(?:备注|附注)")
_TOTAL_PREFIX = re.compile(r"(?:合计|小计|总计)")
_SECTION_PREFIX = re.compile(
    r"[一二三四五六七八九十]+\s*[、.．]|第[一二三四五六七八九十]+[部类章节]"
)


def _note_text(row: _Row, header: _Header) -> str | None:
    """The text of a notes row ("备注：…" merged across the table), a section row ("一、部门
    联合抽查") or a total row ("合计 … 120家"); None for an item row."""
    filled = [(i, cell.text.strip()) for i, cell in enumerate(row.cells) if cell.text.strip()]
    if filled and _TOTAL_PREFIX.match(plantext.squash(filled[0][1])):
        return " ".join(dict.fromkeys(text for _, text in filled))  # a 合计 row: not an item
    texts = {text for _, text in filled}
    if len(texts) != 1:
        return None
    (text,) = texts
    index = filled[0][0]
    name_index = next(c.index for c in header.columns if c.key == "name")
    if index == name_index and not row.cells[index].merged_above:
        span = 1
        while index + span < len(row.cells) and row.cells[index + span].merged_left:
            span += 1
        if span < 2 and not _NOTE_PREFIX.match(text):
            return None  # an item with only a name
    spans = index + 1 < len(row.cells) and row.cells[index + 1].merged_left
    if _NOTE_PREFIX.match(text) or _SECTION_PREFIX.match(text) or spans:
        return text
    return None


def _short(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _kept_column_flag(kind: str, label: str, text: str) -> str:
    return f"{kind}“{label}”：内容“{_short(text)}”已原样保留在附加字段中"


_KEPT_COLUMN_FLAG = re.compile(r"(?:重复的列|未识别的列)“(.+?)”：内容“")  # _kept_column_flag's


def kept_column_of_flag(flag: str) -> str | None:
    """The `extra` key a review flag of the reader is about ("未识别的列“备注”：内容“…”已原样
    保留在附加字段中" -> "备注"), or None for any other flag."""
    found = _KEPT_COLUMN_FLAG.match(flag)
    return found[1] if found else None


def _flag(key: str, text: str, reason: str) -> str:
    return f"{_COLUMN_BY_KEY[key].header}“{_short(text)}”{reason}，已原样保留"


def _read_item(row: _Row, header: _Header, state: _ReadState) -> PlanItemData:
    used = row.used_width()
    if used > header.width:
        raise PlanFileError(
            f"有{used}列，表头只有{header.width}列（{row.cell_name(used - 1)}超出表头）", row.where
        )
    if row.strict_width and len(row.cells) < header.required_width:
        raise PlanFileError(f"只有{len(row.cells)}列，表头有{header.required_width}列", row.where)
    original: dict[str, str] = {}
    extra: dict[str, str] = {}
    flags: list[str] = []
    for column in header.columns:
        text = row.text(column.index)
        if not text.strip():
            continue
        if column.key is not None:
            original[column.key] = text
        else:
            extra[column.label] = text
            if not column.duplicate and _is_code_header(column.label):
                continue  # 抽查计划编号 / 抽查任务编号: kept beside the item, nothing to review
            if state.column_overrides.get(_header_key(column.label), "") is None:
                continue  # the coordinator said this column is not a field
            kind = "重复的列" if column.duplicate else "未识别的列"
            flags.append(_kept_column_flag(kind, column.label, text))
    corrected_mode = _apply_cell_overrides(row, header, original, state)
    if corrected_mode:
        state.last_mode_text = mode_text = original.get("mode", "")
    elif header.has("mode"):
        if original.get("mode", "").strip():
            state.last_mode_text = original["mode"]
        mode_text = state.last_mode_text
    else:
        state.last_mode_text = mode_text = ""
    continues = _continues_above(original, header, state)
    if continues:
        _take_from_above(original, state.items[-1])
    item = _structure(original, mode_text, flags)
    _number_item(item, continues, row, state)
    if not item.name:
        raise PlanFileError("缺少抽查事项", row.where)
    item.extra = extra
    item.source = row.where
    return item


def _apply_cell_overrides(
    row: _Row, header: _Header, original: dict[str, str], state: _ReadState
) -> bool:
    """Put the coordinator's corrected texts for this row into `original`; True when the
    抽查方式 was corrected."""
    mode_corrected = False
    for (source, key), text in state.cell_overrides.items():
        if source != row.where:
            continue
        column = next((c for c in header.columns if c.key == key), None)
        was = row.text(column.index) if column is not None else original.get(key, "")
        if text.strip():
            original[key] = text
        else:
            original.pop(key, None)
        state.applied_cells.append({"source": source, "field": key, "was": was, "now": text})
        mode_corrected = mode_corrected or key == "mode"
    return mode_corrected


# What a row under the same number takes from the row above when its cell is blank: the item
# (when its 事项 cell is blank too), never the per-target cells (对象, 比例, 预估数).
_ITEM_LEVEL_KEYS = (
    "name",
    "content",
    "category",
    "initiating_department",
    "cooperating_departments",
    "inspection_body",
    "window",
    "responsible_unit",
    "legal_basis",
    "method",
    "risk_rule",
)


def _continues_above(original: dict[str, str], header: _Header, state: _ReadState) -> bool:
    """Number spanning rows: a number merged down, repeated, or left blank on the rows after
    it makes those rows further items under it. A row whose 事项 is blank there adds another
    target to the item above; so does one in a table without numbers."""
    if not state.items:
        return False
    number_text = original.get("number", "").strip()
    if header.has("number"):
        if state.group_number is None:
            return False
        return not number_text or _read_number(number_text)[0] == state.group_number
    return not original.get("name", "").strip() and bool(
        original.get("target_type", "").strip() or original.get("sampling_rule", "").strip()
    )


def _take_from_above(original: dict[str, str], previous: PlanItemData) -> None:
    """Blank cells of a continuation row take the row above's text (kept as this row's
    original, so that a written plan reads back the same)."""
    keys = ("domain", *_ITEM_LEVEL_KEYS) if not original.get("name", "").strip() else ("domain",)
    for key in keys:
        if not original.get(key, "").strip() and key in previous.original:
            original[key] = previous.original[key]


def _number_item(item: PlanItemData, continues: bool, row: _Row, state: _ReadState) -> None:
    """Label the item: "3" for a number's first row, "3.1", "3.2", … for the rows under it
    (whose `number` is None: the first row holds it; the cell's text stays in `original`)."""
    if continues:
        if state.group_number is not None:
            state.group_rows += 1
            item.number = None
            item.label = f"{state.group_number}.{state.group_rows}"
        return
    state.group_number, state.group_rows = item.number, 0
    if item.number is not None:
        item.label = str(item.number)
        first = state.number_rows.setdefault(item.number, row.where)
        if first != row.where:
            raise PlanFileError(f"编号{item.number}与{first}重复", row.where)


def _structure(original: dict[str, str], mode_text: str, flags: list[str]) -> PlanItemData:
    """Structured fields from a row's texts; unparseable phrases are flagged, never guessed."""

    def text(key: str) -> str:
        return _field_text(key, original.get(key, ""))

    mode, mode_flag = _read_mode(mode_text)
    number, number_flag = _read_number(text("number"))
    category, category_flag = _read_category(text("category"))
    rule, rule_flag = _read_sampling_rule(text("sampling_rule"))
    targets, targets_flag = _read_estimated_targets(text("estimated_targets"))
    risk, risk_flag = _read_risk_mix(text("estimated_risk"))
    window, window_flag = _read_window(text("window"))
    risk_ratios, risk_rule_flag = _read_risk_ratios(text("risk_rule"))
    if rule.risk_ratios and not risk_ratios:
        risk_ratios = dict(rule.risk_ratios)
    if rule.remark:
        flags.append(_flag("sampling_rule", original["sampling_rule"], "附有说明"))
    for problem in (
        risk_rule_flag,
        mode_flag,
        number_flag,
        category_flag,
        rule_flag,
        targets_flag,
        risk_flag,
        window_flag,
    ):
        if problem:
            flags.append(problem)
    total = risk.known_total()
    if targets is not None and (total > targets or (risk.is_complete() and total != targets)):
        flags.append(f"预估抽查对象风险等级合计{total}家，与预估抽查对象数{targets}家不一致")
    content = text("content")
    return PlanItemData(
        mode=mode,
        number=number,
        domain=text("domain"),
        name=text("name"),
        content=content,
        checkpoints=plantext.split_checkpoints(content),
        target_type=text("target_type"),
        category=category,
        ratio_percent=rule.ratio_percent,
        times_per_year=rule.times_per_year,
        event_driven=rule.event_driven,
        initiating_department=text("initiating_department"),
        cooperating_departments=plantext.split_departments(text("cooperating_departments")),
        inspection_body=text("inspection_body"),
        window_start_month=window[0] if window else None,
        window_end_month=window[1] if window else None,
        responsible_unit=text("responsible_unit"),
        estimated_targets=targets,
        estimated_risk=risk,
        legal_basis=text("legal_basis"),
        method=text("method"),
        ratio_max_percent=rule.ratio_max_percent,
        sample_count_min=rule.count_min,
        sample_count_max=rule.count_max,
        risk_ratios=risk_ratios,
        risk_rule=text("risk_rule"),
        original=dict(original),
        review_flags=flags,
    )


# Titles and organisation names: a line break in these is layout (a narrow column), never
# meaning. (检查对象 may list several kinds of target, one per line, so it keeps its breaks.)
_SINGLE_LINE_KEYS = frozenset(
    ("domain", "name", "initiating_department", "inspection_body", "responsible_unit")
)


def _field_text(key: str, text: str) -> str:
    """The value of a text field: trimmed; names are joined onto one line."""
    text = text.strip()
    if key in _SINGLE_LINE_KEYS:
        # Chinese wraps without spaces: "治安\n大队" is 治安大队; other text gets a space.
        text = re.sub(r"(?<=[^\x00-\x7f])\s*\n\s*(?=[^\x00-\x7f])", "", text)
        text = re.sub(r"\s*\n\s*", " ", text)
    return text


# Each _read_* never raises: it returns the structured value, or the "unknown" value and a flag.


def _read_mode(text: str) -> tuple[str | None, str | None]:
    try:
        return plantext.parse_mode(text), None
    except UnstructuredPhrase as problem:
        return None, _flag("mode", text, problem.reason)


def _read_number(text: str) -> tuple[int | None, str | None]:
    try:
        return plantext.parse_item_number(text), None
    except UnstructuredPhrase as problem:
        return None, _flag("number", text, problem.reason)


def _read_category(text: str) -> tuple[str | None, str | None]:
    try:
        return plantext.parse_category(text), None
    except UnstructuredPhrase as problem:
        return None, _flag("category", text, problem.reason)


def _read_sampling_rule(text: str) -> tuple[SamplingRule, str | None]:
    try:
        return plantext.parse_sampling_rule(text), None
    except UnstructuredPhrase as problem:
        return SamplingRule(), _flag("sampling_rule", text, problem.reason)


def _read_risk_ratios(text: str) -> tuple[dict[str, Decimal], str | None]:
    try:
        return plantext.parse_risk_ratios(text), None
    except UnstructuredPhrase as problem:
        return {}, _flag("risk_rule", text, problem.reason)


def _read_estimated_targets(text: str) -> tuple[int | None, str | None]:
    try:
        return plantext.parse_estimated_targets(text), None
    except UnstructuredPhrase as problem:
        return None, _flag("estimated_targets", text, problem.reason)


def _read_risk_mix(text: str) -> tuple[RiskMix, str | None]:
    try:
        return plantext.parse_risk_mix(text), None
    except UnstructuredPhrase as problem:
        return RiskMix(), _flag("estimated_risk", text, problem.reason)


def _read_window(text: str) -> tuple[tuple[int, int] | None, str | None]:
    try:
        return plantext.parse_window(text), None
    except UnstructuredPhrase as problem:
        return None, _flag("window", text, problem.reason)


# --- text files ----------------------------------------------------------------------------


def _byte_location(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    return f"第{line}行（字节偏移{offset}）"


def _decode_text(data: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM (Excel's "Unicode text"), else GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as problem:
            raise PlanFileError(
                "文件以UTF-16标记开头，但内容无法按UTF-16解码", _byte_location(data, problem.start)
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        valid_prefix = data[: problem.start].decode("utf-8-sig")
        # Several Chinese characters decoded fine: this is UTF-8 with damage, not GB18030
        # (GB18030 text fails as UTF-8 within its first characters).
        if sum(not ch.isascii() for ch in valid_prefix) >= 3:
            raise PlanFileError(
                "文件是UTF-8编码，但此处有无法解码的字节（文件可能已损坏）",
                _byte_location(data, problem.start),
            ) from None
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as problem:
        raise PlanFileError(
            "无法识别文件编码：既不是UTF-8，也不是GB18030/GBK", _byte_location(data, problem.start)
        ) from None


def _split_records(text: str, delimiter: str, quoted: bool) -> list[tuple[int, list[str]]]:
    """(first line number, cells) of each record; quoted cells may span lines (Excel's export)."""
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE,
        strict=quoted,
    )
    records: list[tuple[int, list[str]]] = []
    line = 1
    for cells in reader:
        records.append((line, cells))
        line = reader.line_num + 1
    return records


def _read_text(data: bytes, delimiter: str) -> _Source:
    text = _decode_text(data)
    try:
        records = _split_records(text, delimiter, quoted=True)
    except csv.Error:
        # Not quoted the way Excel quotes (e.g. a cell starting with a bare "): take every
        # character literally rather than dropping quotes.
        try:
            records = _split_records(text, delimiter, quoted=False)
        except csv.Error:
            raise PlanFileError(
                "无法拆分文本的单元格：单元格过长（超过13万字）或格式错误"
            ) from None
    rows = [
        _Row(
            [_Cell(unneutralise_formula(_clean_text(cell))) for cell in cells],
            f"第{line}行",
            _nth_column,
            strict_width=True,
        )
        for line, cells in records
        if cells
    ]
    return _Source([_Block(rows, column_count=max((len(r.cells) for r in rows), default=0))])


# --- xlsx ----------------------------------------------------------------------------------


def _xlsx_text(value: object, number_format: str) -> str:
    """A cell's text as Excel shows it, for the values plans hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float) and "%" in number_format:
        # "5%" typed into a percent cell is stored as 0.05.
        percent = Decimal(str(value)) * 100
        return f"{format(percent.normalize(), 'f')}%"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 编号 typed as a number
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return _clean_text(str(value))


_MERGE_REF = re.compile(
    rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Za-z]{1,3}[0-9]{1,7}):?([A-Za-z]{0,3}[0-9]{0,7})\""
)


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")


def _check_xlsx_parts(data: bytes) -> bool:
    """Bound the work before openpyxl sees the file. A zip bomb: zipfile never reads past a
    member's declared size, so the declared sizes bound the unpacking. A merge over the grid:
    openpyxl makes an object per merged cell while loading, so merges are read from the XML."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            unpacked = sum(info.file_size for info in infos)
            if unpacked > MAX_XLSX_UNPACKED_BYTES:
                raise PlanFileError(
                    f"Excel文件解压后超过{MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)} MB，"
                    "不像年度计划，请检查文件"
                )
            merged = 0
            has_formulas = False
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    part = archive.read(info)
                    has_formulas = has_formulas or _FORMULA_TAG.search(part) is not None
                    for match in _MERGE_REF.finditer(part):
                        first, last = (g.decode("ascii") for g in match.groups())
                        merged += _merge_area(first, last or first)
            if merged > MAX_MERGED_CELLS:
                raise PlanFileError(
                    f"Excel文件的合并单元格共覆盖{merged}个单元格，超过上限{MAX_MERGED_CELLS}个"
                )
            return has_formulas
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as problem:
        if isinstance(problem, PlanFileError):
            raise
        raise PlanFileError("无法读取Excel文件：文件已损坏，或不是.xlsx格式") from None


def _merge_area(first: str, last: str) -> int:
    try:
        bounds: tuple[int, int, int, int] = range_boundaries(f"{first}:{last}")
    except ValueError:
        return 0  # openpyxl reports a malformed range itself
    min_col, min_row, max_col, max_row = bounds
    if max_row > MAX_ROWS or max_col > MAX_COLUMNS:
        raise PlanFileError(
            f"合并单元格{first}:{last}超出上限（{MAX_ROWS}行、{MAX_COLUMNS}列），"
            "请取消多余的合并后再导入"
        )
    return (max_row - min_row + 1) * (max_col - min_col + 1)


def _sheet_extent(sheet: Any) -> tuple[int, int]:
    """(rows, columns) really used: cells with a value and merged ranges, whatever the file's
    <dimension> or a stray formatted cell at XFD1048576 claim. Refused beyond the caps."""
    rows = columns = 0
    for (row, column), cell in sheet._cells.items():  # only the cells the file holds
        if cell.value is not None and cell.value != "":
            rows, columns = max(rows, row), max(columns, column)
    for merged in sheet.merged_cells.ranges:
        rows, columns = max(rows, merged.max_row), max(columns, merged.max_col)
    if rows > MAX_ROWS:
        raise PlanFileError(
            f"工作表“{sheet.title}”用到第{rows}行，超过上限{MAX_ROWS}行；"
            "请删除表格下方的多余内容或格式后再导入"
        )
    if columns > MAX_COLUMNS:
        raise PlanFileError(
            f"工作表“{sheet.title}”用到第{columns}列（{get_column_letter(columns)}列），"
            f"超过上限{MAX_COLUMNS}列；请删除表格右侧的多余内容或格式后再导入"
        )
    return rows, columns


def _read_xlsx(data: bytes) -> _Source:
    has_formulas = _check_xlsx_parts(data)
    try:
        # Not read-only: merged ranges are only available on normal worksheets. The unpacked
        # size is capped above, so the cells the file holds fit in memory; the grid is never
        # walked beyond the extent really used (see _sheet_extent).
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        # A formula saved without its value (written by a program, never opened in Excel)
        # reads as empty; its text ("=1") is kept instead, to be flagged like any phrase.
        formulas = openpyxl.load_workbook(io.BytesIO(data)) if has_formulas else None
    except Exception:  # openpyxl raises zipfile, KeyError, lxml and its own errors alike
        raise PlanFileError("无法读取Excel文件：文件已损坏，或不是.xlsx格式") from None
    blocks: list[_Block] = []
    for index, sheet in enumerate(workbook.worksheets):
        max_row, max_column = _sheet_extent(sheet)
        formula_sheet = formulas.worksheets[index] if formulas is not None else None
        try:
            blocks.append(_xlsx_block(sheet, max_row, max_column, formula_sheet))
        except Exception:
            raise PlanFileError("无法读取Excel文件：文件内容已损坏") from None
    return _Source(blocks)


def _xlsx_block(sheet: Any, max_row: int, max_column: int, formula_sheet: Any = None) -> _Block:
    # (row, column) of a merged range's other cells -> its top-left cell.
    anchors: dict[tuple[int, int], tuple[int, int]] = {}
    for merged in sheet.merged_cells.ranges:
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                if (r, c) != (merged.min_row, merged.min_col):
                    anchors[(r, c)] = (merged.min_row, merged.min_col)
    texts = (
        [
            [_xlsx_text(cell.value, getattr(cell, "number_format", "")) for cell in row]
            for row in sheet.iter_rows(min_row=1, max_row=max_row, max_col=max_column)
        ]
        if max_row and max_column
        else []
    )
    if formula_sheet is not None:
        for r, row_texts in enumerate(texts, start=1):
            for c, text in enumerate(row_texts, start=1):
                formula = formula_sheet.cell(row=r, column=c).value if not text else None
                if isinstance(formula, str) and formula.startswith("="):
                    row_texts[c - 1] = _clean_text(formula)
    rows = []
    for r, row_texts in enumerate(texts, start=1):
        cells = []
        for c, text in enumerate(row_texts, start=1):
            anchor = anchors.get((r, c))
            if anchor is None:
                cells.append(_Cell(text))
            elif anchor[1] != c:
                cells.append(_Cell("", merged_left=True))
            else:  # vertically merged: every row shows the top cell's text
                cells.append(_Cell(texts[anchor[0] - 1][c - 1], merged_above=True))
        rows.append(_Row(cells, f"工作表“{sheet.title}”第{r}行", _xlsx_cell_names(r)))
    return _Block(rows, column_count=max_column)


# --- docx ----------------------------------------------------------------------------------


def _read_docx(data: bytes) -> _Source:
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises zipfile, KeyError, lxml and its own errors alike
        raise PlanFileError("无法读取Word文件：文件已损坏，或不是.docx格式") from None
    paragraphs_before: list[str] = []
    blocks: list[_Block] = []
    try:
        for part in document.iter_inner_content():
            if isinstance(part, Table):
                blocks.append(_docx_block(part, len(blocks) + 1))
            elif not blocks and (text := part.text.strip()):
                paragraphs_before.append(text)
    except Exception:
        raise PlanFileError("无法读取Word文件：表格结构已损坏") from None
    return _Source(blocks, title_candidates=paragraphs_before)


def _docx_block(table: Any, number: int) -> _Block:
    rows: list[_Row] = []
    above: list[object] = []  # the w:tc element at each grid column of the previous row
    for row_number, row in enumerate(table.rows, start=1):
        # python-docx repeats a horizontally merged cell for each grid column it spans and
        # gives the top cell for vertically merged ones; the underlying w:tc tells them apart.
        tcs: list[object] = [None] * row.grid_cols_before
        cells: list[_Cell] = [_EMPTY_CELL] * row.grid_cols_before
        for cell in row.cells:
            tc = cell._tc
            position = len(tcs)
            if position > 0 and tcs[position - 1] is tc:
                cells.append(_Cell("", merged_left=True))
            elif position < len(above) and above[position] is tc:
                cells.append(_Cell(_clean_text(cell.text), merged_above=True))
            else:
                cells.append(_Cell(_clean_text(cell.text)))
            tcs.append(tc)
        above = tcs
        rows.append(_Row(cells, f"表格{number}第{row_number}行", _nth_column))
    return _Block(rows, column_count=len(table.columns))


# --- entry points --------------------------------------------------------------------------

_TEXT_DELIMITERS = {".txt": "\t", ".tsv": "\t", ".csv": ","}
_OLD_FORMATS = {".xls": ".xlsx", ".et": ".xlsx", ".doc": ".docx", ".wps": ".docx"}


def read_plan_bytes(
    data: bytes, filename: str, corrections: Corrections | None = None
) -> ParsedPlan:
    """Parse an uploaded plan; the file type comes from the name's suffix. `corrections`
    (from a preview) override a column's meaning or a cell's text."""
    suffix = Path(filename).suffix.lower()
    if suffix in _TEXT_DELIMITERS:
        source = _read_text(data, _TEXT_DELIMITERS[suffix])
    elif suffix in (".xlsx", ".xlsm"):
        source = _read_xlsx(data)
    elif suffix == ".docx":
        source = _read_docx(data)
    elif suffix in _OLD_FORMATS:
        raise PlanFileError(f"不支持旧的{suffix}格式，请另存为{_OLD_FORMATS[suffix]}后再导入")
    else:
        raise PlanFileError(
            f"不支持的文件类型“{suffix or filename}”：请使用.xlsx、.docx、.txt、.tsv或.csv"
        )
    return _parse_source(source, corrections)


def read_plan(path: str | Path) -> ParsedPlan:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as problem:
        raise PlanFileError(f"无法读取文件“{path}”：{problem.strerror or problem}") from None
    return read_plan_bytes(data, path.name)


# --- JSON ----------------------------------------------------------------------------------


def _json_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def item_label(item: PlanItemData) -> str:
    """The number as shown: the label read from the file, else the item's own number."""
    if item.label:
        return item.label
    return "" if item.number is None else str(item.number)


def item_to_json(item: PlanItemData) -> dict[str, Any]:
    risk = item.estimated_risk
    return {
        "mode": item.mode,
        "number": item.number,
        "domain": item.domain,
        "name": item.name,
        "content": item.content,
        "checkpoints": list(item.checkpoints),
        "target_type": item.target_type,
        "category": item.category,
        "ratio_percent": _json_number(item.ratio_percent),
        "times_per_year": item.times_per_year,
        "event_driven": item.event_driven,
        "initiating_department": item.initiating_department,
        "cooperating_departments": list(item.cooperating_departments),
        "inspection_body": item.inspection_body,
        "window_start_month": item.window_start_month,
        "window_end_month": item.window_end_month,
        "responsible_unit": item.responsible_unit,
        "estimated_targets": item.estimated_targets,
        "estimated_risk": {
            "low": risk.low,
            "medium_low": risk.medium_low,
            "medium": risk.medium,
            "high": risk.high,
        },
        "legal_basis": item.legal_basis,
        "method": item.method,
        "label": item_label(item),
        "ratio_max_percent": _json_number(item.ratio_max_percent),
        "sample_count_min": item.sample_count_min,
        "sample_count_max": item.sample_count_max,
        "risk_ratios": {level: _json_number(p) for level, p in item.risk_ratios.items()},
        "risk_rule": item.risk_rule,
        "withdrawn": item.withdrawn_on is not None,
        "withdrawn_on": item.withdrawn_on.isoformat() if item.withdrawn_on else None,
        "withdrawn_by_revision": item.withdrawn_by_revision,
    }


# The published layout's last column when a revision withdrew some item: what the plan's page
# says of it (the day and the revision; the revision's reason is free text and stays out).
# The reader drops it (see `_build_header`), so an export imported again withdraws nothing.
WITHDRAWN_HEADER = "撤回情况"


def is_withdrawal_header(header: str) -> bool:
    """ "撤回情况", also as the reader numbers a repeated one ("撤回情况（2）"): the name of a
    column the reader drops, and of an `extra` key an import before that kept."""
    pattern = re.escape(WITHDRAWN_HEADER) + r"(?:\(\d+\))?"
    return re.fullmatch(pattern, _header_key(header)) is not None


def withdrawal_text(item: PlanItemData) -> str:
    """ "已于2022-07-01经第1次计划调整撤回", or "" for an item in force."""
    if item.withdrawn_on is None:
        return ""
    revision = f"经第{item.withdrawn_by_revision}次计划调整" if item.withdrawn_by_revision else ""
    return f"已于{item.withdrawn_on.isoformat()}{revision}撤回"


# --- writers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Meaning:
    """How the writer checks that an original text still says what the item's fields say."""

    read: Callable[[str], object]
    current: Callable[[PlanItemData], object]
    render: Callable[[PlanItemData], str]


def _plain_text(key: str) -> _Meaning:
    return _Meaning(
        read=lambda text: _field_text(key, text),
        current=lambda item: getattr(item, key),
        render=lambda item: str(getattr(item, key)),
    )


def _render_content(item: PlanItemData) -> str:
    if item.content or not item.checkpoints:
        return item.content
    return " ".join(f"{n}. {point}" for n, point in enumerate(item.checkpoints, start=1))


def _rule_of(item: PlanItemData) -> SamplingRule:
    # Per-level ratios belong to the sampling rule cell unless a risk rule column stated them.
    risk = () if item.risk_rule.strip() else tuple(item.risk_ratios.items())
    return SamplingRule(
        item.ratio_percent,
        item.times_per_year,
        item.event_driven,
        ratio_max_percent=item.ratio_max_percent,
        count_min=item.sample_count_min,
        count_max=item.sample_count_max,
        risk_ratios=risk,
        remark=_rule_remark(item),
    )


def _rule_remark(item: PlanItemData) -> str:
    try:
        return plantext.parse_sampling_rule(item.original.get("sampling_rule", "")).remark
    except UnstructuredPhrase:
        return ""


def _risk_tuple(risk: RiskMix) -> tuple[int | None, ...]:
    return (risk.low, risk.medium_low, risk.medium, risk.high)


_MEANINGS: dict[str, _Meaning] = {
    "number": _Meaning(
        read=lambda text: _read_number(text.strip())[0],
        current=lambda item: item.number,
        render=lambda item: "" if item.number is None else str(item.number),
    ),
    "content": _Meaning(read=str.strip, current=lambda item: item.content, render=_render_content),
    "category": _Meaning(
        read=lambda text: _read_category(text)[0],
        current=lambda item: item.category,
        render=lambda item: plantext.format_category(item.category),
    ),
    "sampling_rule": _Meaning(
        read=lambda text: _read_sampling_rule(text)[0],
        current=_rule_of,
        render=lambda item: plantext.format_sampling_rule(_rule_of(item)),
    ),
    "cooperating_departments": _Meaning(
        read=plantext.split_departments,
        current=lambda item: list(item.cooperating_departments),
        render=lambda item: "、".join(item.cooperating_departments),
    ),
    "estimated_targets": _Meaning(
        read=lambda text: _read_estimated_targets(text)[0],
        current=lambda item: item.estimated_targets,
        render=lambda item: plantext.format_estimated_targets(item.estimated_targets),
    ),
    "estimated_risk": _Meaning(
        read=lambda text: _risk_tuple(_read_risk_mix(text)[0]),
        current=lambda item: _risk_tuple(item.estimated_risk),
        render=lambda item: plantext.format_risk_mix(item.estimated_risk),
    ),
    "window": _Meaning(
        read=lambda text: _read_window(text)[0],
        current=lambda item: (
            None
            if item.window_start_month is None or item.window_end_month is None
            else (item.window_start_month, item.window_end_month)
        ),
        render=lambda item: plantext.format_window(item.window_start_month, item.window_end_month),
    ),
}
for _key in (
    "domain",
    "name",
    "target_type",
    "initiating_department",
    "inspection_body",
    "responsible_unit",
    "legal_basis",
    "method",
    "risk_rule",
):
    _MEANINGS[_key] = _plain_text(_key)


def _published_rows(plan: ParsedPlan, columns: list[tuple[str | None, str]]) -> list[list[str]]:
    rows = []
    shown_mode = ""  # the 抽查方式 a reader carries down to the next row
    under_number = False  # a blank 编号 cell would continue the number above
    for item in plan.items:
        cells = []
        sub_row = "." in item_label(item)
        for key, header in columns:
            if key == "number" and item.number is None and not sub_row and under_number:
                cells.append("/")  # no number of its own, and not a row under the one above
            elif key == _WITHDRAWN:
                cells.append(withdrawal_text(item))
            elif key is None:
                cells.append(item.extra.get(header, ""))
            elif key == "mode":
                text = item.original.get("mode", "")
                # An empty cell means "same as above": keep it empty only while that holds.
                shown = text if text.strip() else shown_mode
                if _read_mode(shown)[0] != item.mode:
                    # No mode after a row with one: "/" stops the carry ("" would not).
                    text = plantext.format_mode(item.mode) or "/"
                if text.strip():
                    shown_mode = text
                cells.append(text)
            else:
                meaning = _MEANINGS[key]
                text = item.original.get(key, "")
                if meaning.read(text) != meaning.current(item):
                    text = meaning.render(item)
                cells.append(text)
        under_number = item.number is not None or sub_row
        rows.append(cells)
    return rows


def write_plan_tsv(plan: ParsedPlan) -> str:
    """The published layout as tab-separated text (cells with tabs or line breaks are quoted)."""
    columns = published_columns(plan)
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    # The export rule of every writer (tabular.neutralise_formula): a cell that a spreadsheet
    # would run as a formula gets Excel's text mark; the text reader takes the mark off again.
    if plan.title:
        writer.writerow([neutralise_formula(plan.title)])
    writer.writerow([neutralise_formula(header) for _, header in columns])
    writer.writerows([neutralise_formula(c) for c in row] for row in _published_rows(plan, columns))
    return out.getvalue()


def write_plan_xlsx(plan: ParsedPlan, stream: BinaryIO) -> None:
    """The published layout as a worksheet: merged title, bold header, wrapped text."""
    columns = published_columns(plan)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "抽查工作计划"
    row_number = 1
    if plan.title:
        title = _put_text(sheet, 1, 1, plan.title)
        title.font = Font(bold=True, size=14)
        title.alignment = Alignment(horizontal="center", vertical="center")
        if len(columns) > 1:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
        sheet.row_dimensions[1].height = 30
        row_number = 2
    for index, (_, header) in enumerate(columns, start=1):
        cell = _put_text(sheet, row_number, index, header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.freeze_panes = sheet.cell(row=row_number + 1, column=1)
    body_alignment = Alignment(vertical="top", wrap_text=True)
    for cells in _published_rows(plan, columns):
        row_number += 1
        for index, ((key, _), text) in enumerate(zip(columns, cells, strict=True), start=1):
            if key == "number" and re.fullmatch(r"[1-9][0-9]{0,8}", text):
                # A number, so that Excel sorts it and shows no "number stored as text".
                cell = sheet.cell(row=row_number, column=index, value=int(text))
            else:
                cell = _put_text(sheet, row_number, index, text)
            cell.alignment = body_alignment
    for index, (key, _) in enumerate(columns, start=1):
        if key == _WITHDRAWN:
            width = _WITHDRAWN_WIDTH
        else:
            width = _COLUMN_BY_KEY[key].xlsx_width if key else _EXTRA_WIDTH
        sheet.column_dimensions[get_column_letter(index)].width = width
    workbook.save(stream)


def _put_text(sheet: Any, row: int, column: int, text: str) -> Any:
    # Control characters cannot be stored in an xlsx file at all.
    cell = sheet.cell(row=row, column=column, value=ILLEGAL_CHARACTERS_RE.sub("", text))
    cell.data_type = "s"  # text starting with "=" stays text, not a formula
    return cell
