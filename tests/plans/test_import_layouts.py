"""Published plan layouts (tests/lib/planlayouts.py) import into plans and read back."""

from decimal import Decimal

import pytest

from spotcheck.audit.models import AuditEntry
from spotcheck.lib import planfile
from spotcheck.plans.actions import import_plan, item_data, plan_data, read_plan_upload
from tests.lib.planlayouts import LAYOUTS, number_merged_down_xlsx, risk_rule_column_xlsx

pytestmark = pytest.mark.django_db


def _import(layout, year=2024):
    parsed = read_plan_upload(data=layout.data, filename=layout.filename)
    return import_plan(
        parsed=parsed,
        actor="cli",
        agency_name=layout.agency or "某县某局",
        year=year,
        source_filename=layout.filename,
        source_bytes=layout.data,
    )


@pytest.mark.parametrize("make", LAYOUTS, ids=lambda make: make.__name__)
def test_every_layout_imports(make):
    layout = make()
    plan = _import(layout)
    stored = [
        (item.label, item.name, item.target_type, item.responsible_unit_name)
        for item in plan.items.order_by("position")
    ]
    assert stored == [expected[:4] for expected in layout.expected]


def test_rows_under_one_number_are_stored_as_items_of_their_own():
    plan = _import(number_merged_down_xlsx())
    items = list(plan.items.order_by("position"))
    assert [(i.number, i.label) for i in items] == [
        (1, "1"),
        (None, "1.1"),
        (None, "1.2"),
        (2, "2"),
    ]
    assert [i.original["number"] for i in items] == ["1", "1", "1", "2"]
    assert (items[1].ratio_percent, items[1].ratio_max_percent) == (Decimal(2), Decimal(5))
    assert planfile.item_label(item_data(items[2])) == "1.2"
    again = planfile.read_plan_bytes(planfile.write_plan_tsv(plan_data(plan)).encode(), "p.tsv")
    assert [planfile.item_label(i) for i in again.items] == ["1", "1.1", "1.2", "2"]


def test_per_level_ratios_notes_and_column_notes_are_stored():
    plan = _import(risk_rule_column_xlsx())
    first = plan.items.get(position=1)
    assert first.risk_ratios == {"low": "2", "medium": "5", "high": "10"}
    assert item_data(first).risk_ratios == {
        "low": Decimal(2),
        "medium": Decimal(5),
        "high": Decimal(10),
    }
    assert first.risk_rule.startswith("对低风险")
    from tests.lib.planlayouts import market_task_and_codes_xlsx, notes_merged_xlsx

    notes = _import(notes_merged_xlsx(), year=2023)
    assert [n.split("：", 1)[1] for n in notes.notes] == [
        "备注：检查中发现重大隐患的，依法立案查处。",
        "注：本计划由县应急管理局负责解释。",
    ]
    market = _import(market_task_and_codes_xlsx(), year=2025)
    assert market.column_notes == [
        "“抽查事项”列作为抽查事项，“抽查任务名称”列作为其所属的抽查领域（任务）"
    ]
    first_market = market.items.get(position=1)
    assert (first_market.sample_count_min, first_market.sample_count_max) == (60, 70)
    assert first_market.extra["抽查任务编号"] == "RW01"
    entry = AuditEntry.objects.filter(action="plan.import").latest("pk")
    assert entry.details["column_notes"] == market.column_notes
