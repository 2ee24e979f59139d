"""The national-system export: the rows an agency uploads to 国家企业信用信息公示系统.

One row per checked plan item of a published result record (current, not withdrawn; approved
results not yet published are left out: spotcheck.results.gsxt): the entity, the spot-check
task it was drawn in, who checked, how, when, and the national result category. Pure Python:
the results app gathers `GsxtItem`s from the database, `rows` orders and formats them, and
`spotcheck.lib.tabular` writes xlsx or csv (formula-safe).

抽查任务编号 is stable and readable: the plan year, the item number (two digits) and the round,
e.g. ``2022-03-1`` for item 3 of the 2022 plan, first round; an item without a number uses its
position in the plan (``P`` and the position).

检查类型 uses the national system's vocabulary for random checks: 定向抽查 when the targets were
drawn from a part of the directory (a target type, an industry: every plan item naming its
检查对象), 不定向抽查 when drawn from the whole directory. An event-driven item (its targets the
organisers of the registered events of its kind, every one checked, the team drawn at a
ceremony) is 定向抽查 too: its pool is one kind of entity, checked at 100 % as a key item may be,
and 不定向 would claim a draw from the whole directory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

__all__ = [
    "HEADER",
    "TARGETED",
    "UNTARGETED",
    "GsxtItem",
    "check_type",
    "has_code",
    "rows",
    "task_name",
    "task_number",
]

HEADER: tuple[str, ...] = (
    "统一社会信用代码/注册号",
    "企业名称",
    "抽查任务编号",
    "抽查任务名称",
    "检查实施机关",
    "检查类型",
    "检查日期",
    "检查结果",
)

TARGETED = "定向抽查"
UNTARGETED = "不定向抽查"


def check_type(target_type: str) -> str:
    """定向抽查 for an item naming its target type, 不定向抽查 for the whole directory."""
    return TARGETED if target_type.strip() else UNTARGETED


@dataclass(frozen=True)
class GsxtItem:
    credit_code: str
    entity_name: str
    year: int
    item_number: int | None
    item_position: int
    item_name: str
    round: int
    agency: str  # one authority answers for the row: the plan's agency, joint checks too
    check_type: str
    inspected_on: date | None
    category_label: str


def has_code(item: GsxtItem) -> bool:
    """The national system rejects a row without 统一社会信用代码/注册号: such a row is not
    exported but listed for the agency to complete."""
    return bool(item.credit_code.strip())


def task_number(year: int, item_number: int | None, item_position: int, round: int) -> str:
    item = f"{item_number:02d}" if item_number is not None else f"P{item_position}"
    return f"{year}-{item}-{round}"


def task_name(year: int, item_name: str, round: int) -> str:
    name = f"{year}年度{item_name}"
    return name if round == 1 else f"{name}（第{round}轮）"


def rows(items: Iterable[GsxtItem]) -> list[tuple[str, str, str, str, str, str, date | None, str]]:
    """The export's rows, by task then credit code and name (the order officers check them in)."""
    ordered = sorted(
        items,
        key=lambda i: (
            i.year,
            i.item_number is None,
            i.item_number or i.item_position,
            i.round,
            i.credit_code,
            i.entity_name,
        ),
    )
    return [
        (
            i.credit_code,
            i.entity_name,
            task_number(i.year, i.item_number, i.item_position, i.round),
            task_name(i.year, i.item_name, i.round),
            i.agency,
            i.check_type,
            i.inspected_on,
            i.category_label,
        )
        for i in ordered
    ]
