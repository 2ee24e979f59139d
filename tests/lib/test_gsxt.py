from datetime import date

from spotcheck.lib import gsxt


def _item(**changes):
    values = {
        "credit_code": "91370323MA3C000001",
        "entity_name": "沂源县平安旅馆",
        "year": 2022,
        "item_number": 11,
        "item_position": 11,
        "item_name": "旅馆业治安管理检查",
        "round": 1,
        "agency": "沂源县公安局",
        "check_type": "定向抽查",
        "inspected_on": date(2022, 9, 30),
        "category_label": "未发现问题",
    }
    values.update(changes)
    return gsxt.GsxtItem(**values)


def test_header_is_the_national_systems_columns():
    assert gsxt.HEADER == (
        "统一社会信用代码/注册号",
        "企业名称",
        "抽查任务编号",
        "抽查任务名称",
        "检查实施机关",
        "检查类型",
        "检查日期",
        "检查结果",
    )


def test_task_number_and_name_name_the_year_item_and_round():
    assert gsxt.task_number(2022, 3, 3, 1) == "2022-03-1"
    assert gsxt.task_number(2022, None, 7, 2) == "2022-P7-2"
    assert gsxt.task_name(2022, "旅馆业治安管理检查", 1) == "2022年度旅馆业治安管理检查"
    assert gsxt.task_name(2022, "旅馆业治安管理检查", 2) == "2022年度旅馆业治安管理检查（第2轮）"


def test_rows_are_ordered_by_task_then_code():
    rows = gsxt.rows(
        [
            _item(item_number=12, credit_code="B"),
            _item(item_number=11, credit_code="B", round=2),
            _item(item_number=11, credit_code="C"),
            _item(item_number=11, credit_code="A"),
        ]
    )
    assert [(r[2], r[0]) for r in rows] == [
        ("2022-11-1", "A"),
        ("2022-11-1", "C"),
        ("2022-11-2", "B"),
        ("2022-12-1", "B"),
    ]
    assert rows[0][4] == "沂源县公安局"
    assert rows[0][6] == date(2022, 9, 30) and rows[0][7] == "未发现问题"


def test_check_type_is_targeted_when_the_item_names_its_targets():
    assert gsxt.check_type("旅馆") == "定向抽查"
    assert gsxt.check_type("  ") == "不定向抽查"


def test_a_row_without_a_code_is_not_for_the_national_system():
    assert gsxt.has_code(_item())
    assert not gsxt.has_code(_item(credit_code=""))
    assert not gsxt.has_code(_item(credit_code="  "))
