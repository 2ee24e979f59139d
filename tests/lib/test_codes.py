from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotcheck.lib.codes import (
    CREDIT_CODE_ALPHABET,
    CREDIT_CODE_WEIGHTS,
    REGISTRATION_AUTHORITIES,
    classify_entity_code,
    credit_check_char,
    make_credit_code,
    make_registration_number,
    org_code_check_char,
    registration_check_digit,
    validate_credit_code,
    validate_registration_number,
)

# Codes printed in public sources (found with the search tool, not invented):
# - 华为技术有限公司 914403001922038216 (Wikipedia infobox, "機構代碼").
# - 中航重机股份有限公司 91520000214434146R with registration number 520000000005018
#   (company-data API samples in several public repositories).
# - 阿里巴巴（中国）有限公司 91330100799655058B (several public repositories).
# - 杭州娃哈哈集团有限公司 registration number 330000000032256 (company-data API sample).
# - 92371000MA3MXH0E3W, an individual business (个体工商户) used as a library's doc example.
PUBLISHED_CREDIT_CODES = [
    "914403001922038216",
    "91520000214434146R",
    "91330100799655058B",
    "92371000MA3MXH0E3W",
]
PUBLISHED_REGISTRATION_NUMBERS = ["520000000005018", "330000000032256"]


def test_weights_are_powers_of_three_mod_31() -> None:
    assert CREDIT_CODE_WEIGHTS[:6] == (1, 3, 9, 27, 19, 26)
    assert CREDIT_CODE_WEIGHTS[-1] == 28
    assert len(CREDIT_CODE_ALPHABET) == 31
    assert not set("IOZSV") & set(CREDIT_CODE_ALPHABET)


@pytest.mark.parametrize("code", PUBLISHED_CREDIT_CODES)
def test_published_codes_validate(code: str) -> None:
    result = validate_credit_code(code)
    assert result.valid, result.errors
    assert result.authority == "工商"


def test_structure_is_reported() -> None:
    result = validate_credit_code("914403001922038216")
    assert (result.category, result.division, result.org_code) == ("企业", "440300", "192203821")
    assert validate_credit_code("92371000MA3MXH0E3W").category == "个体工商户"


def test_normalises_fullwidth_lowercase_and_spaces() -> None:
    result = validate_credit_code("  ９１４４０３００ 1922\u3000038216\u200b")
    assert result.valid
    assert result.code == "914403001922038216"
    assert validate_credit_code("92371000ma3mxh0e3w").valid


def test_wrong_check_char_message() -> None:
    result = validate_credit_code("914403001922038217")
    assert result.errors == ("第18位校验码应为6，实际为7",)


def test_length_message() -> None:
    assert validate_credit_code("91440300192203821").errors == ("长度应为18位，实际为17位",)


def test_illegal_character_message_names_position_and_hint() -> None:
    (message,) = validate_credit_code("914403001922O38216").errors
    assert message.startswith("第13位含非法字符‘O’")
    assert "‘0’" in message
    (message,) = validate_credit_code("9144030019220382I6").errors
    assert "含非法字符‘I’" in message


def test_empty_code() -> None:
    assert validate_credit_code(" ").errors == ("统一社会信用代码为空",)


def test_authority_and_category_are_checked() -> None:
    body = "914403001922038216"
    bad_authority = "B" + body[1:17]
    result = validate_credit_code(bad_authority + credit_check_char(bad_authority))
    assert any(error.startswith("第1位登记管理部门代码‘B’无效") for error in result.errors)
    # 9 (工商) allows only 1, 2, 3 as category.
    bad_category = "95" + body[2:17]
    result = validate_credit_code(bad_category + credit_check_char(bad_category))
    assert result.errors == ("第2位机构类别代码‘5’不属于登记管理部门‘工商’（应为1、2、3之一）",)


def test_division_must_be_digits_of_a_real_province() -> None:
    letters = "9144A300" + "192203821"
    result = validate_credit_code(letters + credit_check_char(letters))
    assert "第3-8位登记管理机关行政区划码应为6位数字，实际为‘44A300’" in result.errors
    unknown = "91990300" + "192203821"
    result = validate_credit_code(unknown + credit_check_char(unknown))
    assert result.errors == ("第3-8位行政区划码‘990300’的省级代码‘99’不存在",)


def test_organisation_code_check_is_verified() -> None:
    # Change the organisation code's check character and fix position 18 so only it is wrong.
    first17 = "91440300192203822"
    result = validate_credit_code(first17 + credit_check_char(first17))
    assert result.errors == ("第17位组织机构代码校验码应为1，实际为2",)


def test_org_code_check_char_known_values() -> None:
    assert org_code_check_char("19220382") == "1"
    assert org_code_check_char("MA3MXH0E") == "3"
    with pytest.raises(ValueError):
        org_code_check_char("1234567")


def test_make_credit_code_round_trip() -> None:
    code = make_credit_code("9", "2", "370323", "MA3MXH0E")
    assert code.startswith("92370323MA3MXH0E3")
    assert validate_credit_code(code).valid
    with pytest.raises(ValueError):
        make_credit_code("9", "9", "370323", "MA3MXH0E")
    with pytest.raises(ValueError):
        make_credit_code("9", "1", "37032", "MA3MXH0E")
    with pytest.raises(ValueError):
        make_credit_code("9", "1", "370323", "MA3MXH0O")


def test_credit_check_char_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        credit_check_char("9144030019220382")
    with pytest.raises(ValueError):
        credit_check_char("9144030019220382I")


@pytest.mark.parametrize("number", PUBLISHED_REGISTRATION_NUMBERS)
def test_published_registration_numbers_validate(number: str) -> None:
    assert validate_registration_number(number).valid


def test_registration_number_errors() -> None:
    assert validate_registration_number("330000000032257").errors == ("第15位校验码应为6，实际为7",)
    assert validate_registration_number("33000000003225").errors == (
        "注册号长度应为15位，实际为14位",
    )
    assert validate_registration_number("33000000003225A").errors == (
        "第15位含非法字符‘A’（注册号只含数字）",
    )
    assert validate_registration_number("990000000032256").errors[0].startswith("第1-6位行政区划码")
    assert registration_check_digit("52000000000501") == "8"


def test_classify_entity_code() -> None:
    assert classify_entity_code("91520000214434146R").kind == "credit_code"
    assert classify_entity_code("520000000005018").kind == "registration_number"
    assert classify_entity_code("").kind == "none"
    assert classify_entity_code("").errors == ()
    typo = classify_entity_code("9152000021443414R")
    assert typo.kind == "credit_code"
    assert typo.errors == ("长度应为18位，实际为17位",)
    junk = classify_entity_code("无")
    assert junk.kind == "none"
    assert junk.errors and "实际为1位" in junk.errors[0]


alphabet_chars = st.sampled_from(CREDIT_CODE_ALPHABET)
authority_and_category = st.sampled_from(
    [
        (authority, category)
        for authority, (_, cats) in REGISTRATION_AUTHORITIES.items()
        for category in cats
    ]
)
divisions = st.sampled_from(["110000", "370323", "370300", "440300", "100000", "650102"])
org_bodies = st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=8, max_size=8)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    authority, category = draw(authority_and_category)
    return make_credit_code(authority, category, draw(divisions), draw(org_bodies))


@given(credit_codes())
def test_every_generated_code_validates(code: str) -> None:
    assert validate_credit_code(code).valid


@given(credit_codes(), st.integers(min_value=0, max_value=17), alphabet_chars)
def test_single_substitution_is_detected_by_check_char(code: str, position: int, char: str) -> None:
    if code[position] == char:
        return
    changed = code[:position] + char + code[position + 1 :]
    assert credit_check_char(changed[:17]) != changed[17]
    assert not validate_credit_code(changed).valid


@given(credit_codes(), st.integers(min_value=0, max_value=15))
def test_adjacent_transposition_is_detected_by_check_char(code: str, position: int) -> None:
    # Positions 1..17 (index 0..16): weights differ by a factor of 3, so swapping two different
    # characters always changes the weighted sum mod 31.
    if code[position] == code[position + 1]:
        return
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    assert credit_check_char(swapped[:17]) != swapped[17]


@given(
    st.sampled_from(["370323", "110000", "330000"]), st.text("0123456789", min_size=8, max_size=8)
)
def test_generated_registration_numbers_validate(division: str, sequence: str) -> None:
    number = make_registration_number(division, sequence)
    assert validate_registration_number(number).valid
    for position in range(15):
        digit = str((int(number[position]) + 1) % 10)
        assert not validate_registration_number(
            number[:position] + digit + number[position + 1 :]
        ).valid
