"""Layouts of published plans (tests/lib/planlayouts.py) import with every item as written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from spotcheck.lib.planfile import (
    ParsedPlan,
    PlanFileError,
    item_label,
    read_plan_bytes,
    write_plan_tsv,
)
from tests.lib.planlayouts import LAYOUTS, Layout


def parse(layout: Layout) -> ParsedPlan:
    return read_plan_bytes(layout.data, layout.filename)


def by_key(key: str) -> ParsedPlan:
    (layout,) = [make() for make in LAYOUTS if make.__name__ == key]
    return parse(layout)


def test_at_least_twenty_distinct_layouts() -> None:
    layouts = [make() for make in LAYOUTS]
    assert len({layout.key for layout in layouts}) == len(layouts) >= 20
    assert len({layout.data for layout in layouts}) == len(layouts)
    assert {layout.filename.rsplit(".", 1)[1] for layout in layouts} == {
        "xlsx",
        "docx",
        "tsv",
        "csv",
    }


def test_layouts_are_generated_deterministically() -> None:
    for make in LAYOUTS:
        layout = make()
        if layout.filename.endswith((".tsv", ".csv")):
            assert make().data == layout.data
        else:  # office files carry a timestamp; their reading must not differ
            assert parse(make()) == parse(layout)


@pytest.mark.parametrize("make", LAYOUTS, ids=lambda make: make.__name__)
def test_layout_imports_every_item_as_written(make) -> None:  # type: ignore[no-untyped-def]
    layout = make()
    plan = parse(layout)
    got = [
        (
            item_label(item),
            item.name,
            item.target_type,
            item.responsible_unit,
            item.original.get("sampling_rule", ""),
            item.original.get("window", ""),
        )
        for item in plan.items
    ]
    assert got == layout.expected
    assert [note.split("：", 1)[1] for note in plan.notes] == layout.notes
    assert plan.column_notes == layout.column_notes
    if layout.agency:
        assert (plan.agency, plan.year) == (layout.agency, layout.year)


@pytest.mark.parametrize("make", LAYOUTS, ids=lambda make: make.__name__)
def test_layout_reads_back_from_the_published_layout(make) -> None:  # type: ignore[no-untyped-def]
    plan = parse(make())
    again = read_plan_bytes(write_plan_tsv(plan).encode(), "again.tsv")
    fields = ("name", "target_type", "ratio_percent", "ratio_max_percent", "sample_count_min")
    assert [[getattr(i, f) for f in fields] + [item_label(i)] for i in again.items] == [
        [getattr(i, f) for f in fields] + [item_label(i)] for i in plan.items
    ]


def test_group_header_maps_sub_headers() -> None:
    plan = by_key("police_group_header_xlsx")
    assert [item.domain for item in plan.items] == ["治安管理", "治安管理", "网络安全"]
    assert plan.items[1].ratio_percent == Decimal(3) and plan.items[1].times_per_year == 2
    assert plan.items[2].ratio_percent == Decimal(25) and plan.items[2].times_per_year == 1
    assert (plan.items[2].window_start_month, plan.items[2].window_end_month) == (5, 10)
    assert plan.title == "淄川区公安分局2023年度“双随机、一公开”抽查工作计划"


def test_number_spanning_rows_keeps_the_original_number() -> None:
    plan = by_key("number_merged_down_xlsx")
    assert [item.number for item in plan.items] == [1, None, None, 2]
    assert [item.original.get("number") for item in plan.items] == ["1", "1", "1", "2"]
    assert [item.domain for item in plan.items] == ["食品安全"] * 3 + ["特种设备"]
    second = plan.items[1]
    assert (second.ratio_percent, second.ratio_max_percent) == (Decimal(2), Decimal(5))
    assert second.review_flags == []


def test_blank_item_on_a_continuation_row_takes_the_item_above() -> None:
    plan = by_key("number_blank_tsv")
    third = plan.items[4]
    assert (third.name, third.domain, third.window_start_month) == (
        "排污许可证执行情况检查",
        "排污许可",
        1,
    )
    assert "number" not in third.original
    assert third.ratio_percent == Decimal(1)


def test_a_repeated_number_after_another_is_still_a_duplicate() -> None:
    text = (
        "序号\t抽查事项\t检查对象\t检查时间\n1\t甲\t企业\t5月\n2\t乙\t企业\t5月\n1\t丙\t企业\t5月\n"
    )
    with pytest.raises(PlanFileError, match="^第4行：编号1与第2行重复$"):
        read_plan_bytes(text.encode(), "dup.tsv")


def test_a_slash_number_is_an_item_of_its_own() -> None:
    text = "序号\t抽查事项\t检查对象\t检查时间\n1\t甲\t企业\t5月\n/\t乙\t企业\t5月\n"
    plan = read_plan_bytes(text.encode(), "slash.tsv")
    assert [(i.number, item_label(i)) for i in plan.items] == [(1, "1"), (None, "")]


def test_codes_stay_beside_the_item_without_flags() -> None:
    plan = by_key("market_task_and_codes_xlsx")
    first = plan.items[0]
    assert first.extra == {"抽查计划编号": "JH2024-01", "抽查任务编号": "RW01"}
    assert first.domain == "产品质量监督抽查"
    assert (first.sample_count_min, first.sample_count_max, first.ratio_percent) == (60, 70, None)
    assert (first.window_start_month, first.window_end_month) == (4, 10)
    assert first.initiating_department == "质量处"
    assert first.cooperating_departments == ["标准处", "计量处"]
    assert first.review_flags == []
    assert (plan.items[1].window_start_month, plan.items[1].window_end_month) == (1, 10)


def test_phrases_not_understood_are_kept_and_flagged() -> None:
    culture = by_key("culture_content_as_item_docx")
    remark, decimal, risk = culture.items
    assert remark.sample_count_min == 1 and any("附有说明" in f for f in remark.review_flags)
    assert decimal.ratio_percent is None and decimal.original["sampling_rule"] == "0.05"
    assert any("“0.05”无法解析" in f for f in decimal.review_flags)
    assert risk.risk_ratios == {"low": Decimal(3), "medium": Decimal(5), "high": Decimal(10)}
    assert risk.review_flags == []
    fire = by_key("fire_task_only_xlsx")
    assert fire.items[1].original["sampling_rule"] == "=1"
    assert fire.items[1].ratio_percent is None and fire.items[1].review_flags
    medical = by_key("medical_free_text_csv")
    assert medical.items[0].ratio_percent is None
    assert medical.items[0].review_flags == [
        "抽查比例和频次“市级医疗保障部门每年对定点医疗机构抽查不少于10%”无法解析，已原样保留"
    ]
    assert (medical.items[1].ratio_percent, medical.items[1].times_per_year) == (Decimal(25), 1)


def test_percent_formatted_cells() -> None:
    plan = by_key("percent_cells_xlsx")
    assert [item.ratio_percent for item in plan.items] == [Decimal(5), Decimal("2.5")]


def test_risk_rule_column() -> None:
    plan = by_key("risk_rule_column_xlsx")
    first, second = plan.items
    assert first.risk_ratios == {"low": Decimal(2), "medium": Decimal(5), "high": Decimal(10)}
    assert first.risk_rule == "对低风险、中风险、高风险企业分别按2%、5%、10%比例抽查"
    assert first.ratio_percent == Decimal(3)
    assert (first.initiating_department, first.cooperating_departments) == (
        "信用监管科",
        ["各业务科室"],
    )
    assert second.risk_ratios == {} and second.risk_rule == "按信用风险分类结果确定"
    assert any("信用风险分类要求“按信用风险分类结果确定”" in f for f in second.review_flags)
    ratio_cell = by_key("risk_in_ratio_cell_csv").items[0]
    assert ratio_cell.risk_ratios == {"low": Decimal(3), "high": Decimal(10)}
    assert ratio_cell.ratio_percent is None and ratio_cell.review_flags == []


def test_windows_as_written() -> None:
    plan = by_key("windows_and_levels_xlsx")
    windows = [(i.window_start_month, i.window_end_month) for i in plan.items]
    assert windows == [(3, 12), (1, 10), (10, 11)]
    assert all(not item.review_flags for item in plan.items)


def test_two_sheets_and_modes() -> None:
    plan = by_key("two_sheets_xlsx")
    assert plan.items[0].cooperating_departments == ["市场监管局", "应急局"]
    modes = by_key("mode_merged_down_xlsx")
    assert [item.mode for item in modes.items] == ["joint", "joint", "internal"]


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        ("会议纪要\n时间：2023年3月1日\n参加人员：张三、李四\n".encode(), "minutes.txt"),
        (b"name,age\nalice,3\n", "people.csv"),
    ],
)
def test_a_file_that_is_not_a_plan_gets_one_sentence(data: bytes, filename: str) -> None:
    with pytest.raises(PlanFileError) as caught:
        read_plan_bytes(data, filename)
    message = str(caught.value)
    assert message.startswith("这不是一份抽查计划：") and "\n" not in message


def test_a_total_row_is_a_note_not_an_item() -> None:
    text = "序号\t抽查事项\t检查对象\t预估抽查对象数\n1\t甲\t企业\t5家\n合计\t\t\t5家\n"
    plan = read_plan_bytes(text.encode(), "total.tsv")
    assert [item.name for item in plan.items] == ["甲"]
    assert plan.notes == ["第3行：合计 5家"]
