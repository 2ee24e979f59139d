"""Identifiers of regulated entities: the unified social credit code and the legacy registration number.

统一社会信用代码 (GB 32100-2015), 18 characters:

    position 1      登记管理部门代码 (registration authority)
    position 2      机构类别代码 (organisation category, allowed values depend on position 1)
    positions 3-8   登记管理机关行政区划码 (GB/T 2260 division of the registering office)
    positions 9-17  主体标识码 = 组织机构代码 (GB 11714: 8 body characters + its own check character)
    position 18     校验码 over positions 1-17, alphabet of 31 characters, weights 3^(i-1) mod 31

工商注册号 (GS 15-2006), 15 digits, issued before the credit code replaced it in 2015-2017:
6-digit division of the registering office, 8-digit sequence, 1 check digit (ISO 7064 MOD 11,10).

Error messages are Chinese because they are shown to the clerks who fix the spreadsheet.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from operator import getitem
from typing import Literal

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters a credit code may use: digits and capitals without I, O, Z, S, V."""

CREDIT_CODE_LENGTH = 18
CREDIT_CODE_WEIGHTS: tuple[int, ...] = tuple(pow(3, position, 31) for position in range(17))
ORG_CODE_WEIGHTS: tuple[int, ...] = (3, 7, 9, 10, 5, 8, 4, 2)
REGISTRATION_NUMBER_LENGTH = 15

_CHAR_VALUE: dict[str, int] = {char: value for value, char in enumerate(CREDIT_CODE_ALPHABET)}

# GB 32100-2015 table 1 and 2 (with the later additions A and N): authority -> (name, categories).
REGISTRATION_AUTHORITIES: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "1": (
        "机构编制",
        {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},
    ),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {
            "1": "外国旅游部门常驻代表机构",
            "2": "港澳台地区旅游部门常驻内地（大陆）代表机构",
            "9": "其他",
        },
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": (
        "农业",
        {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    ),
    "Y": ("其他", {"1": "其他"}),
}

# First two digits of a GB/T 2260 division code; "10" is used by offices of the central government.
_PROVINCE_PREFIX_LIST = (
    "10 11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82"
)
PROVINCE_PREFIXES: frozenset[str] = frozenset(_PROVINCE_PREFIX_LIST.split())

# Letters a credit code leaves out, with the character a clerk most likely meant.
_EXCLUDED_LETTER_HINTS: Mapping[str, str] = {"I": "1", "O": "0", "Z": "2", "S": "5", "V": "U"}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))

EntityCodeKind = Literal["credit_code", "registration_number", "none"]


def normalise_code(text: str) -> str:
    """Fold fullwidth forms, drop whitespace and zero-width characters, upper-case.

    Codes are copied from PDFs, WeChat and Word, which bring fullwidth digits (ＭＡ３),
    non-breaking and ideographic spaces, and zero-width joiners along.
    """
    if text.isascii() and text.isalnum():
        # Fast path: ASCII letters and digits are their own NFKC form and hold no whitespace.
        return text.upper()
    return _normalise_code(text)


def _normalise_code(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return "".join(folded.split()).upper()


@dataclass(frozen=True, slots=True)
class CreditCodeResult:
    """Outcome of checking one credit code; `code` is the normalised text."""

    code: str
    errors: tuple[str, ...]
    authority: str | None = None
    category: str | None = None
    division: str | None = None
    org_code: str | None = None

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class RegistrationNumberResult:
    code: str
    errors: tuple[str, ...]
    division: str | None = None

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class EntityCode:
    """Which kind of identifier a cell holds, normalised, with the problems found."""

    kind: EntityCodeKind
    code: str
    errors: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.errors


def _org_char_value(char: str) -> int:
    # GB 11714 counts letters from A=10 through the full Latin alphabet.
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def org_code_check_char(body: str) -> str:
    """Check character of an organisation code (GB 11714) from its 8 body characters."""
    if len(body) != 8 or not all(char.isdigit() or "A" <= char <= "Z" for char in body):
        raise ValueError(f"organisation code body must be 8 digits or capitals: {body!r}")
    remainder = (
        11
        - sum(
            _org_char_value(char) * weight
            for char, weight in zip(body, ORG_CODE_WEIGHTS, strict=True)
        )
        % 11
    )
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def credit_check_char(first17: str) -> str:
    """Check character (position 18) of a credit code from its first 17 characters."""
    if len(first17) != 17 or any(char not in _CHAR_VALUE for char in first17):
        raise ValueError(f"need 17 characters of the credit code alphabet: {first17!r}")
    total = sum(
        _CHAR_VALUE[char] * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


# Fast check of a well-formed credit code, the common case of an import: per-position tables of
# character value x weight make both check characters one sum over a map. The terms of the
# organisation code (positions 9-16) ride in the same sum, shifted above the largest credit-code
# sum (17 x 30 x 30 < 2**14). A table has no entry for a character not allowed at its position
# (positions 3-8 take digits only), so a KeyError sends the code to the detailed checks, which
# say what is wrong.
_ORG_SHIFT = 14
_CREDIT_SUM_MASK = (1 << _ORG_SHIFT) - 1
_CREDIT_TERMS: tuple[dict[str, int], ...] = tuple(
    {
        char: _CHAR_VALUE[char] * weight
        + (
            _org_char_value(char) * ORG_CODE_WEIGHTS[position - 8] << _ORG_SHIFT
            if 8 <= position < 16
            else 0
        )
        for char in ("0123456789" if 2 <= position < 8 else CREDIT_CODE_ALPHABET)
    }
    for position, weight in enumerate(CREDIT_CODE_WEIGHTS)
)
_CREDIT_CHECK_BY_REMAINDER: tuple[str, ...] = tuple(
    CREDIT_CODE_ALPHABET[(31 - remainder) % 31] for remainder in range(31)
)
_ORG_CHECK_BY_REMAINDER: tuple[str, ...] = tuple(
    {10: "X", 11: "0"}.get(11 - remainder, str(11 - remainder)) for remainder in range(11)
)
# Positions 1-2 (authority and category) -> their names, for the allowed pairs only.
_AUTHORITY_CATEGORIES: dict[str, tuple[str, str]] = {
    authority + category: (authority_name, category_name)
    for authority, (authority_name, categories) in REGISTRATION_AUTHORITIES.items()
    for category, category_name in categories.items()
}


def _is_valid_credit_code(code: str) -> bool:
    """Whether `validate_credit_code` finds nothing wrong with `code`, a normalised code."""
    if (
        len(code) != CREDIT_CODE_LENGTH
        or code[:2] not in _AUTHORITY_CATEGORIES
        or code[2:4] not in PROVINCE_PREFIXES
    ):
        return False
    try:
        total = sum(map(getitem, _CREDIT_TERMS, code))  # the first 17 characters
    except KeyError:
        return False
    return (
        code[17] == _CREDIT_CHECK_BY_REMAINDER[(total & _CREDIT_SUM_MASK) % 31]
        and code[16] == _ORG_CHECK_BY_REMAINDER[(total >> _ORG_SHIFT) % 11]
    )


def _is_valid_registration_number(code: str) -> bool:
    """Whether `validate_registration_number` finds nothing wrong with `code`, normalised."""
    return (
        len(code) == REGISTRATION_NUMBER_LENGTH
        and code.isascii()
        and code.isdigit()
        and code[:2] in PROVINCE_PREFIXES
        and code[14] == registration_check_digit(code[:14])
    )


def make_credit_code(authority: str, category: str, division: str, org_code8: str) -> str:
    """Assemble a credit code, computing both check characters (demo data and tests)."""
    categories = REGISTRATION_AUTHORITIES.get(authority, ("", {}))[1]
    if category not in categories:
        raise ValueError(f"category {category!r} is not allowed for authority {authority!r}")
    if len(division) != 6 or not division.isdigit():
        raise ValueError(f"division must be 6 digits: {division!r}")
    if len(org_code8) != 8 or any(char not in _CHAR_VALUE for char in org_code8):
        raise ValueError(f"organisation code body must be 8 credit-code characters: {org_code8!r}")
    first17 = authority + category + division + org_code8 + org_code_check_char(org_code8)
    return first17 + credit_check_char(first17)


def _illegal_char_message(position: int, char: str) -> str:
    hint = _EXCLUDED_LETTER_HINTS.get(char)
    suffix = f"（统一社会信用代码不使用该字母，是否应为‘{hint}’？）" if hint else ""
    return f"第{position}位含非法字符‘{char}’{suffix}"


def validate_credit_code(text: str) -> CreditCodeResult:
    """Check every part of a credit code and say precisely, in Chinese, what is wrong."""
    code = normalise_code(text)
    if _is_valid_credit_code(code):
        authority_name, category_name = _AUTHORITY_CATEGORIES[code[:2]]
        return CreditCodeResult(
            code,
            (),
            authority=authority_name,
            category=category_name,
            division=code[2:8],
            org_code=code[8:17],
        )
    return _validate_credit_code(text)


def _validate_credit_code(text: str) -> CreditCodeResult:
    code = normalise_code(text)
    if not code:
        return CreditCodeResult(code, ("统一社会信用代码为空",))
    errors = [
        _illegal_char_message(position, char)
        for position, char in enumerate(code, start=1)
        if char not in _CHAR_VALUE
    ]
    if len(code) != CREDIT_CODE_LENGTH:
        errors.insert(0, f"长度应为18位，实际为{len(code)}位")
    if errors:
        return CreditCodeResult(code, tuple(errors))

    authority_name: str | None = None
    category_name: str | None = None
    authority = REGISTRATION_AUTHORITIES.get(code[0])
    if authority is None:
        allowed = "、".join(REGISTRATION_AUTHORITIES)
        errors.append(f"第1位登记管理部门代码‘{code[0]}’无效（应为{allowed}之一）")
    else:
        authority_name, categories = authority
        category_name = categories.get(code[1])
        if category_name is None:
            allowed = "、".join(categories)
            errors.append(
                f"第2位机构类别代码‘{code[1]}’不属于登记管理部门‘{authority_name}’"
                f"（应为{allowed}之一）"
            )

    division = code[2:8]
    if not division.isdigit():
        errors.append(f"第3-8位登记管理机关行政区划码应为6位数字，实际为‘{division}’")
    elif division[:2] not in PROVINCE_PREFIXES:
        errors.append(f"第3-8位行政区划码‘{division}’的省级代码‘{division[:2]}’不存在")

    org_code = code[8:17]
    expected_org_check = org_code_check_char(org_code[:8])
    if org_code[8] != expected_org_check:
        errors.append(f"第17位组织机构代码校验码应为{expected_org_check}，实际为{org_code[8]}")

    expected_check = credit_check_char(code[:17])
    if code[17] != expected_check:
        errors.append(f"第18位校验码应为{expected_check}，实际为{code[17]}")

    return CreditCodeResult(
        code,
        tuple(errors),
        authority=authority_name,
        category=category_name,
        division=division,
        org_code=org_code,
    )


def registration_check_digit(first14: str) -> str:
    """ISO 7064 MOD 11,10 check digit of a 15-digit registration number."""
    if len(first14) != 14 or not first14.isdigit():
        raise ValueError(f"need 14 digits: {first14!r}")
    product = 10
    for digit in first14:
        product = (((product + int(digit)) % 10 or 10) * 2) % 11
    return str((11 - product) % 10)


def make_registration_number(division: str, sequence8: str) -> str:
    """Assemble a 15-digit registration number with its check digit (demo data and tests)."""
    first14 = division + sequence8
    return first14 + registration_check_digit(first14)


def validate_registration_number(text: str) -> RegistrationNumberResult:
    """Check a legacy 15-digit 工商注册号 (GS 15-2006)."""
    code = normalise_code(text)
    if _is_valid_registration_number(code):
        return RegistrationNumberResult(code, (), division=code[:6])
    return _validate_registration_number(text)


def _validate_registration_number(text: str) -> RegistrationNumberResult:
    code = normalise_code(text)
    if not code:
        return RegistrationNumberResult(code, ("注册号为空",))
    errors = [
        f"第{position}位含非法字符‘{char}’（注册号只含数字）"
        for position, char in enumerate(code, start=1)
        if not ("0" <= char <= "9")
    ]
    if len(code) != REGISTRATION_NUMBER_LENGTH:
        errors.insert(0, f"注册号长度应为15位，实际为{len(code)}位")
    if errors:
        return RegistrationNumberResult(code, tuple(errors))
    division = code[:6]
    if division[:2] not in PROVINCE_PREFIXES:
        errors.append(f"第1-6位行政区划码‘{division}’的省级代码‘{division[:2]}’不存在")
    expected = registration_check_digit(code[:14])
    if code[14] != expected:
        errors.append(f"第15位校验码应为{expected}，实际为{code[14]}")
    return RegistrationNumberResult(code, tuple(errors), division=division)


_NO_CODE = EntityCode("none", "", ())


def classify_entity_code(text: str) -> EntityCode:
    """Decide whether a cell holds a credit code, a registration number or nothing, and check it.

    Fifteen characters that are all digits are a registration number; 17 to 19 characters are
    taken as a (possibly mistyped) credit code so that its errors are the useful ones.
    """
    if not text:
        return _NO_CODE
    code = normalise_code(text)
    if not code:
        return _NO_CODE
    if _is_valid_credit_code(code):  # fast path: the codes are already normalised
        return EntityCode("credit_code", code, ())
    if len(code) == REGISTRATION_NUMBER_LENGTH and code.isdigit():
        if _is_valid_registration_number(code):
            return EntityCode("registration_number", code, ())
        registration = _validate_registration_number(code)
        return EntityCode("registration_number", code, registration.errors)
    if CREDIT_CODE_LENGTH - 1 <= len(code) <= CREDIT_CODE_LENGTH + 1:
        credit = _validate_credit_code(code)
        return EntityCode("credit_code", code, credit.errors)
    return EntityCode(
        "none",
        code,
        (f"无法识别的代码：统一社会信用代码应为18位，注册号应为15位数字，实际为{len(code)}位",),
    )
