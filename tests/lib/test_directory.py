from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from spotcheck.lib.directory import (
    DEFAULT_TARGET_TYPES,
    ENTITY_COLUMNS,
    INSPECTOR_COLUMNS,
    OPEN_ENDED,
    RECUSAL_COLUMNS,
    DuplicateChecker,
    EntityRecord,
    InspectorRecord,
    InspectorStatus,
    OperatingStatus,
    RecusalReason,
    RecusalRecord,
    RiskLevel,
    RowError,
    TargetTypeVocabulary,
    Vocabulary,
    directory_columns_markdown,
    parse_date,
    resolve_town,
    split_list,
    validate_entity_row,
    validate_inspector_row,
    validate_recusal_row,
)
from spotcheck.lib.tabular import HeaderMap

TOWNS = ("历山街道", "南麻街道", "鲁村镇", "东里镇")
TODAY = date(2024, 6, 1)

HOTEL = {
    "name": " 沂源县悦来宾馆 ",
    "code": "92370323MA3MXH0E3A",
    "target_types": "宾馆、旅店，网吧",
    "town": "南麻街道",
    "address": "沂源县南麻街道振兴路 1 号",
    "legal_representative": "张三",
    "phone": "0533-3221234",
    "risk_level": "低",
    "risk_assessed_on": "2024年3月1日",
    "risk_basis": "2023年度信用风险分类",
    "status": "存续（在营、开业、在册）",
    "licence_number": "沂公特旅字第0001号",
    "licence_valid_until": "2026/12/31",
    "tags": "农村旅馆；重点",
}


def entity(**changes: str) -> EntityRecord:
    result = validate_entity_row(7, {**HOTEL, **changes}, towns=TOWNS, today=TODAY)
    assert isinstance(result, EntityRecord), result
    return result


def entity_errors(**changes: str) -> list[RowError]:
    result = validate_entity_row(7, {**HOTEL, **changes}, towns=TOWNS, today=TODAY)
    assert isinstance(result, list), result
    return result


def test_valid_entity_row() -> None:
    record = entity()
    assert record.row == 7
    assert record.name == "沂源县悦来宾馆"
    assert (record.code, record.code_kind) == ("92370323MA3MXH0E3A", "credit_code")
    assert record.target_types == ("宾馆旅店", "互联网服务提供者和联网使用单位")
    assert record.risk_level is RiskLevel.LOW
    assert record.risk_assessed_on == date(2024, 3, 1)
    assert record.status is OperatingStatus.ACTIVE
    assert record.licence_number == "沂公特旅字第0001号"
    assert record.licence_valid_until == date(2026, 12, 31)
    assert record.tags == ("农村旅馆", "重点")
    assert record.warnings == ()


def test_entity_code_variants() -> None:
    assert entity(code="").warnings == ("未填写统一社会信用代码或注册号",)
    assert entity(code="无").code_kind == "none"
    errors = entity_errors(code="92370323MA3MXH0E3B")
    assert errors == [RowError(7, "统一社会信用代码", "第18位校验码应为A，实际为B")]
    assert str(errors[0]) == "第7行“统一社会信用代码”：第18位校验码应为A，实际为B"


def test_registration_number_is_marked() -> None:
    record = entity(code="520000000005018")
    assert record.code_kind == "registration_number"
    assert "使用旧版15位注册号，建议更新为统一社会信用代码" in record.warnings


def test_separate_registration_number_column() -> None:
    record = entity(code="", registration_number="520000000005018")
    assert (record.code, record.code_kind) == ("520000000005018", "registration_number")
    both = entity(registration_number="520000000005018")
    assert both.code_kind == "credit_code"
    (error,) = entity_errors(code="", registration_number="520000000005019")
    assert error.column == "注册号"
    assert error.reason == "第15位校验码应为8，实际为9"


def test_target_types() -> None:
    assert entity(target_types="各类宾馆").target_types == ("宾馆旅店",)
    assert entity(target_types="宾馆;旅馆 ; 酒店").target_types == ("宾馆旅店",)
    assert entity(target_types="危险化学品单位").target_types == ("医药公司",)
    (error,) = entity_errors(target_types="宾馆、歌舞厅")
    assert error.column == "检查对象类型"
    assert error.reason.startswith("“歌舞厅”不是本机关的检查对象类型")
    assert entity_errors(target_types="")[0].reason == "必填，不能为空"


def test_custom_target_vocabulary() -> None:
    vocabulary = TargetTypeVocabulary.build({"娱乐场所": ("歌舞厅", "KTV")})
    result = validate_entity_row(2, {"name": "甲", "target_types": "ktv"}, target_types=vocabulary)
    assert isinstance(result, EntityRecord)
    assert result.target_types == ("娱乐场所",)
    with pytest.raises(ValueError):
        TargetTypeVocabulary.build({"甲": ("乙",), "乙": ()})
    with pytest.raises(ValueError):
        TargetTypeVocabulary.build({"甲": ()}, licence_types=("丙",))


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("低", RiskLevel.LOW),
        ("低风险", RiskLevel.LOW),
        ("中低", RiskLevel.MEDIUM_LOW),
        ("中低风险", RiskLevel.MEDIUM_LOW),
        ("中", RiskLevel.MEDIUM),
        (" 中风险 ", RiskLevel.MEDIUM),
        ("高风险", RiskLevel.HIGH),
        ("", None),
        ("无", None),
    ],
)
def test_risk_levels(text: str, level: RiskLevel | None) -> None:
    assert entity(risk_level=text).risk_level is level


def test_unknown_risk_level_lists_accepted_values() -> None:
    (error,) = entity_errors(risk_level="A类")
    assert error.reason == "无法识别“A类”，应为低风险、中低风险、中风险、高风险之一"


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("", OperatingStatus.ACTIVE),
        ("在营", OperatingStatus.ACTIVE),
        ("开业", OperatingStatus.ACTIVE),
        ("存续", OperatingStatus.ACTIVE),
        ("停业", OperatingStatus.SUSPENDED),
        ("歇业", OperatingStatus.SUSPENDED),
        ("注销", OperatingStatus.DEREGISTERED),
        ("吊销，已注销", OperatingStatus.DEREGISTERED),
        ("吊销，未注销", OperatingStatus.REVOKED),
        ("撤销", OperatingStatus.CANCELLED),
        ("迁出", OperatingStatus.MOVED_OUT),
    ],
)
def test_operating_status(text: str, status: OperatingStatus) -> None:
    assert entity(status=text).status is status


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01",
        "2024/5/1",
        "2024.05.01",
        "2024年5月1日",
        "２０２４年５月１日",
        "2024 年 5 月 1 日",
        "20240501",
        "2024-05-01 00:00:00",
        "45413",
        "45413.0",
    ],
)
def test_parse_date_formats(text: str) -> None:
    assert parse_date(text) == date(2024, 5, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024-02-30", "不存在"),
        ("明天", "无法识别的日期"),
        ("1900-01-01", "超出合理范围"),
        ("100", "超出合理范围"),
        ("长期", "无法识别的日期"),
    ],
)
def test_parse_date_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_date(text)


def test_open_ended_dates() -> None:
    assert parse_date("长期有效", allow_open_ended=True) == OPEN_ENDED
    assert entity(licence_valid_until="长期").licence_valid_until == OPEN_ENDED


def test_licence_warnings() -> None:
    assert (
        "宾馆旅店未填写特种行业许可证号"
        in entity(licence_number="", licence_valid_until="").warnings
    )
    assert entity(licence_valid_until="2024-01-31").warnings == (
        "特种行业许可证已于2024-01-31过期",
    )
    assert "填写了许可证有效期但没有许可证号" in entity(licence_number="").warnings


def test_future_risk_assessment_is_an_error() -> None:
    (error,) = entity_errors(risk_assessed_on="2024-07-01")
    assert error == RowError(7, "风险评定日期", "评定日期2024-07-01晚于今天")


def test_towns() -> None:
    assert entity(town="鲁村").town == "鲁村镇"
    assert entity(town="沂源县鲁村镇").town == "鲁村镇"
    assert entity(town="南麻街道办事处").town == "南麻街道"
    (error,) = entity_errors(town="北京")
    assert error.column == "乡镇街道"
    assert resolve_town("南麻", TOWNS) == "南麻街道"
    assert resolve_town("", TOWNS) is None


def test_phone_must_look_like_a_number() -> None:
    assert entity(phone="张经理 13800000000").phone == "张经理 13800000000"
    (error,) = entity_errors(phone="12345")
    assert error.column == "联系电话"


def test_several_errors_are_collected() -> None:
    errors = entity_errors(name="", target_types="", licence_valid_until="去年")
    assert [error.column for error in errors] == ["名称", "检查对象类型", "许可证有效期至"]


def test_overlong_name() -> None:
    (error,) = entity_errors(name="宾" * 201)
    assert error.reason == "长度不能超过200个字，实际为201个字"


def test_split_list() -> None:
    assert split_list("甲、乙，丙,丁；戊;己／庚|甲\n辛") == [
        "甲",
        "乙",
        "丙",
        "丁",
        "戊",
        "己",
        "庚",
        "辛",
    ]
    assert split_list("  ") == []


INSPECTOR = {
    "name": "李四",
    "badge_number": "０３７１２３",
    "certificate_number": "鲁公执 3703230012",
    "certificate_valid_until": "2027-06-30",
    "unit": "沂源县公安局",
    "department": "治安大队",
    "post": "民警",
    "qualifications": "特种行业管理、保安服务管理",
    "status": "在岗",
}


def test_valid_inspector_row() -> None:
    result = validate_inspector_row(3, INSPECTOR, units=("沂源县公安局",), today=TODAY)
    assert isinstance(result, InspectorRecord), result
    assert result.badge_number == "037123"
    assert result.certificate_number == "鲁公执3703230012"
    assert result.certificate_valid_until == date(2027, 6, 30)
    assert result.qualifications == ("特种行业管理", "保安服务管理")
    assert (result.status, result.status_label) == (InspectorStatus.ACTIVE, "在职")
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("text", "status", "label"),
    [
        ("", InspectorStatus.ACTIVE, "在职"),
        ("在职", InspectorStatus.ACTIVE, "在职"),
        ("退休", InspectorStatus.INACTIVE, "退休"),
        ("离职", InspectorStatus.INACTIVE, "离职"),
        ("调离", InspectorStatus.INACTIVE, "离职"),
        ("停职", InspectorStatus.INACTIVE, "停职"),
    ],
)
def test_inspector_status(text: str, status: InspectorStatus, label: str) -> None:
    result = validate_inspector_row(3, {**INSPECTOR, "status": text})
    assert isinstance(result, InspectorRecord)
    assert (result.status, result.status_label) == (status, label)


def test_inspector_errors_and_warnings() -> None:
    expired = validate_inspector_row(
        3, {**INSPECTOR, "certificate_valid_until": "2024-05-31"}, today=TODAY
    )
    assert isinstance(expired, InspectorRecord)
    assert expired.warnings == ("执法证已于2024-05-31过期，不能参与匹配",)
    permanent = validate_inspector_row(3, {**INSPECTOR, "certificate_valid_until": "长期"})
    assert isinstance(permanent, InspectorRecord)
    assert permanent.certificate_valid_until == OPEN_ENDED
    errors = validate_inspector_row(
        3,
        {
            **INSPECTOR,
            "certificate_number": "",
            "certificate_valid_until": "",
            "unit": "某局",
            "status": "休假",
        },
        units=("沂源县公安局",),
    )
    assert isinstance(errors, list)
    assert [error.column for error in errors] == ["执法证号", "执法证有效期至", "单位", "状态"]
    bad_badge = validate_inspector_row(3, {**INSPECTOR, "badge_number": "03-71"})
    assert isinstance(bad_badge, list) and bad_badge[0].column == "警号"


RECUSAL = {
    "inspector_name": "李四",
    "certificate_number": "鲁公执3703230012",
    "entity_name": "沂源县悦来宾馆",
    "entity_code": "92370323MA3MXH0E3A",
    "reason": "近亲属",
    "valid_from": "2024-01-01",
    "valid_until": "",
    "note": "配偶经营",
}


def test_valid_recusal_row() -> None:
    result = validate_recusal_row(2, RECUSAL)
    assert isinstance(result, RecusalRecord), result
    assert result.reason is RecusalReason.RELATIVE
    assert result.valid_until is None
    assert result.in_force(date(2030, 1, 1))
    assert not result.in_force(date(2023, 12, 31))
    bounded = validate_recusal_row(2, {**RECUSAL, "reason": "办案", "valid_until": "2024-03-31"})
    assert isinstance(bounded, RecusalRecord)
    assert bounded.reason is RecusalReason.RECENT_CASE
    assert not bounded.in_force(date(2024, 4, 1))


def test_recusal_errors() -> None:
    errors = validate_recusal_row(2, {**RECUSAL, "reason": "", "valid_until": "2023-01-01"})
    assert errors == [
        RowError(2, "回避原因", "必填，不能为空"),
        RowError(2, "失效日期", "失效日期早于生效日期"),
    ]
    errors = validate_recusal_row(2, {**RECUSAL, "reason": "朋友"})
    assert isinstance(errors, list)
    assert errors[0].reason == "无法识别“朋友”，应为亲属、曾任职、申报利益、近期办案之一"


def test_duplicate_checker() -> None:
    checker = DuplicateChecker("统一社会信用代码")
    assert checker.check(2, "A") is None
    assert checker.check(3, "") is None
    assert checker.check(4, "A") == RowError(4, "统一社会信用代码", "“A”与第2行重复")


def test_vocabulary_conflicts_are_rejected() -> None:
    with pytest.raises(ValueError):
        Vocabulary.build([(1, "甲", ("乙",)), (2, "乙", ())])


@pytest.mark.parametrize("columns", [ENTITY_COLUMNS, INSPECTOR_COLUMNS, RECUSAL_COLUMNS])
def test_column_vocabularies_are_unambiguous(columns: tuple) -> None:  # type: ignore[type-arg]
    labels = [spec.label for spec in columns]
    mapping = HeaderMap.match(labels, columns)
    assert mapping.ok and not mapping.unknown
    synonyms = [synonym for spec in columns for synonym in spec.synonyms]
    assert HeaderMap.match(synonyms[:1], columns).positions


def test_entity_header_synonyms() -> None:
    header = [
        "企业名称*",
        "信用代码",
        "行业类别",
        "乡镇（街道）",
        "住所（经营场所）",
        "风险分类",
        "登记状态",
        "工商注册号",
    ]
    mapping = HeaderMap.match(header, ENTITY_COLUMNS)
    assert mapping.ok, mapping.errors()
    assert list(mapping.positions) == [
        "name",
        "code",
        "target_types",
        "town",
        "address",
        "risk_level",
        "status",
        "registration_number",
    ]


def test_default_vocabulary_covers_the_seed_plan() -> None:
    for target in [
        "各类宾馆、旅店",
        "使用易制毒化学品的企业",
        "保安服务公司",
        "各类医药公司",
        "互联网服务提供者和联网使用单位",
    ]:
        assert all(DEFAULT_TARGET_TYPES.resolve(term) for term in split_list(target)), target


def test_docs_are_in_sync() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "directory-columns.md"
    assert directory_columns_markdown() in docs.read_text(encoding="utf-8")


@pytest.mark.parametrize("character", ["\x01", "\x0b", "\x1b", "\x7f", "\x85"])
def test_control_characters_in_a_cell_name_row_and_column(character: str) -> None:
    errors = entity_errors(name=f"沂源县{character}悦来宾馆")
    assert [str(e) for e in errors] == [
        f"第7行“{errors[0].column}”：第4个字符是控制字符U+{ord(character):04X}，请删除"
    ]
    assert errors[0].column.startswith("单位名称") or "名称" in errors[0].column


def test_line_breaks_inside_a_cell_are_still_collapsed() -> None:
    assert entity(address="沂源县\n历山街道\t1号").address == "沂源县 历山街道 1号"
