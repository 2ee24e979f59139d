"""The fast paths of the per-row checks give exactly what the detailed paths give.

`normalise_code`, `validate_credit_code`, `validate_registration_number`, `classify_entity_code`
and `parse_date` answer the common well-formed case without the detailed checks; these
properties compare them with the detailed paths (the private functions they fall back to) on
valid, mutated and random input.
"""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.lib import codes, directory
from spotcheck.lib.codes import (
    CREDIT_CODE_ALPHABET,
    CREDIT_CODE_LENGTH,
    PROVINCE_PREFIXES,
    REGISTRATION_AUTHORITIES,
    REGISTRATION_NUMBER_LENGTH,
    EntityCode,
    classify_entity_code,
    make_credit_code,
    make_registration_number,
    normalise_code,
    validate_credit_code,
    validate_registration_number,
)
from spotcheck.lib.directory import parse_date

# ---------------------------------------------------------------------------------------------
# Codes


def _classify_detailed(text: str) -> EntityCode:
    """`classify_entity_code` as it was before its fast paths, on the detailed checks only."""
    code = codes._normalise_code(text)
    if not code:
        return EntityCode("none", code, ())
    if len(code) == REGISTRATION_NUMBER_LENGTH and code.isdigit():
        return EntityCode(
            "registration_number", code, codes._validate_registration_number(code).errors
        )
    if CREDIT_CODE_LENGTH - 1 <= len(code) <= CREDIT_CODE_LENGTH + 1:
        return EntityCode("credit_code", code, codes._validate_credit_code(code).errors)
    return EntityCode(
        "none",
        code,
        (f"无法识别的代码：统一社会信用代码应为18位，注册号应为15位数字，实际为{len(code)}位",),
    )


_digits = st.text("0123456789", min_size=1, max_size=1)
_provinces = st.sampled_from(sorted(PROVINCE_PREFIXES))
_divisions = st.one_of(
    st.tuples(_provinces, st.text("0123456789", min_size=4, max_size=4)).map("".join),
    st.text("0123456789", min_size=6, max_size=6),
)
_authority_categories = st.sampled_from(
    [
        (authority, category)
        for authority, (_, categories) in REGISTRATION_AUTHORITIES.items()
        for category in categories
    ]
)
_credit_codes = st.builds(
    lambda pair, division, body: make_credit_code(pair[0], pair[1], division, body),
    _authority_categories,
    _divisions,
    st.text(CREDIT_CODE_ALPHABET, min_size=8, max_size=8),
)
# Any 17 characters of the alphabet, mostly with a plausible start, and the right 18th: the
# organisation code's check character (position 17) and the division are usually wrong.
_alphabet_chars = st.sampled_from(CREDIT_CODE_ALPHABET)
_checked_codes = st.builds(
    lambda start, division, body: (
        start + division + body + codes.credit_check_char(start + division + body)
    ),
    _authority_categories.map("".join) | st.text(_alphabet_chars, min_size=2, max_size=2),
    _divisions
    | st.tuples(_provinces, st.text(_alphabet_chars, min_size=4, max_size=4)).map("".join)
    | st.text(_alphabet_chars, min_size=6, max_size=6),
    st.text(_alphabet_chars, min_size=9, max_size=9),
)
_registration_numbers = st.builds(
    make_registration_number, _divisions, st.text("0123456789", min_size=8, max_size=8)
)
_code_chars = st.one_of(
    st.sampled_from(CREDIT_CODE_ALPHABET + "IOZSVabcxyz"),
    st.sampled_from("０９ＡＭｍ\u3000\u00a0 \t\u200b\ufeff-_./"),
    st.characters(codec="utf-8"),
)


@st.composite
def _mutated(draw: st.DrawFn, codes_: st.SearchStrategy[str]) -> str:
    """A valid code with a few typical clerk's mistakes and copy-paste artefacts."""
    chars = list(draw(codes_))
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["replace", "delete", "insert", "swap", "lower", "wide"]))
        position = draw(st.integers(0, max(len(chars) - 1, 0)))
        if kind == "insert" or not chars:
            chars.insert(position, draw(_code_chars))
        elif kind == "replace":
            chars[position] = draw(_code_chars)
        elif kind == "delete":
            del chars[position]
        elif kind == "swap" and position + 1 < len(chars):
            chars[position], chars[position + 1] = chars[position + 1], chars[position]
        elif kind == "lower":
            chars[position] = chars[position].lower()
        elif kind == "wide" and "0" <= chars[position] <= "Z":
            chars[position] = chr(ord(chars[position]) + 0xFEE0)  # fullwidth form
    return "".join(chars)


_code_texts = st.one_of(
    _credit_codes,
    _checked_codes,
    _registration_numbers,
    _mutated(_credit_codes),
    _mutated(_registration_numbers),
    _credit_codes.map(lambda code: f" {code.lower()}\u200b"),
    st.text(_code_chars, max_size=22),
    st.text("0123456789", min_size=14, max_size=19),
    st.text(CREDIT_CODE_ALPHABET, min_size=17, max_size=19),
    st.text(max_size=20),
)


def test_credit_code_sum_fits_below_the_organisation_code_terms() -> None:
    largest = max(len(CREDIT_CODE_ALPHABET) - 1, 0) ** 2 * (CREDIT_CODE_LENGTH - 1)
    assert largest < 1 << codes._ORG_SHIFT
    assert max(codes.CREDIT_CODE_WEIGHTS) < len(CREDIT_CODE_ALPHABET)


@given(_code_texts)
@settings(max_examples=1000)
def test_code_fast_paths_agree_with_the_detailed_checks(text: str) -> None:
    assert normalise_code(text) == codes._normalise_code(text)
    assert validate_credit_code(text) == codes._validate_credit_code(text)
    assert validate_registration_number(text) == codes._validate_registration_number(text)
    assert classify_entity_code(text) == _classify_detailed(text)


@given(_credit_codes)
def test_valid_credit_codes_take_the_fast_path(code: str) -> None:
    detailed = codes._validate_credit_code(code)
    assert codes._is_valid_credit_code(code) == detailed.valid
    assert validate_credit_code(code) == detailed
    assert classify_entity_code(code) == EntityCode("credit_code", code, detailed.errors)


@given(_checked_codes)
def test_codes_with_a_right_check_character(code: str) -> None:
    detailed = codes._validate_credit_code(code)
    assert codes._is_valid_credit_code(code) == detailed.valid
    assert validate_credit_code(code) == detailed
    assert classify_entity_code(code) == _classify_detailed(code)


@given(_registration_numbers)
def test_valid_registration_numbers_take_the_fast_path(code: str) -> None:
    detailed = codes._validate_registration_number(code)
    assert codes._is_valid_registration_number(code) == detailed.valid
    assert validate_registration_number(code) == detailed


@given(_credit_codes, st.integers(0, CREDIT_CODE_LENGTH - 1), st.sampled_from(CREDIT_CODE_ALPHABET))
def test_any_changed_character_is_caught(code: str, position: int, char: str) -> None:
    changed = code[:position] + char + code[position + 1 :]
    assert codes._is_valid_credit_code(changed) == codes._validate_credit_code(changed).valid
    assert classify_entity_code(changed) == _classify_detailed(changed)


# ---------------------------------------------------------------------------------------------
# Dates


def _outcome(parse: object, text: str, allow_open_ended: bool) -> date | str:
    try:
        return parse(text, allow_open_ended=allow_open_ended)  # type: ignore[operator, no-any-return]
    except ValueError as error:
        return f"ValueError: {error}"


_iso_like = st.builds(
    lambda year, month, day, sep: f"{year:04d}{sep}{month:02d}{sep}{day:02d}",
    st.integers(0, 9999),
    st.integers(0, 99),
    st.integers(0, 99),
    st.sampled_from(["-", "-", "/", ".", "－"]),
)
_date_texts = st.one_of(
    st.dates().map(date.isoformat),
    st.dates(date(1940, 1, 1), date(2110, 12, 31)).map(date.isoformat),
    _iso_like,
    st.dates().map(lambda day: f"{day.year}年{day.month}月{day.day}日"),
    st.dates().map(lambda day: day.strftime("%Y%m%d")),
    st.dates().map(lambda day: f" {day.isoformat()} "),
    st.dates().map(lambda day: day.isoformat().translate({ord("2"): "２", ord("-"): "－"})),
    st.dates().map(lambda day: f"{day.isoformat()} 08:30:00"),
    st.integers(0, 80000).map(str),
    st.sampled_from(["长期", "长期有效", "永久", "", "2024-5-1", "2024-02-30", "2023-02-29"]),
    st.text(st.sampled_from("0123456789-/.年月日 T:长期"), max_size=12),
    st.text(max_size=12),
)


@given(_date_texts, st.booleans())
@settings(max_examples=1000)
def test_parse_date_fast_path_agrees_with_the_detailed_path(
    text: str, allow_open_ended: bool
) -> None:
    assert _outcome(parse_date, text, allow_open_ended) == _outcome(
        directory._parse_date, text, allow_open_ended
    )


@given(st.dates())
def test_iso_dates_parse_to_themselves_within_range(day: date) -> None:
    outcome = _outcome(parse_date, day.isoformat(), False)
    if directory.EARLIEST_DATE <= day <= directory.LATEST_DATE:
        assert outcome == day
    else:
        assert outcome == f"ValueError: 日期“{day.isoformat()}”（{day.isoformat()}）超出合理范围"


# ---------------------------------------------------------------------------------------------
# Row helpers


@given(st.text(st.sampled_from("0123456789０１٣ -+()（）转abc"), max_size=20) | st.text())
def test_digit_count(text: str) -> None:
    assert directory._digit_count(text) == sum(char.isdigit() for char in text)


@given(st.text(st.sampled_from("宾馆网吧、，,；;/|\n 　ab"), max_size=12) | st.text(max_size=8))
def test_split_list_and_identifiers(text: str) -> None:
    items: list[str] = []
    for item in directory._LIST_SEPARATORS.split(directory.unicodedata.normalize("NFKC", text)):
        cleaned = " ".join(item.split())
        if cleaned and cleaned not in items:
            items.append(cleaned)
    assert directory.split_list(text) == items
    expected = "".join(directory.unicodedata.normalize("NFKC", text).split()).upper()
    assert directory._clean_identifier(text) == expected


def _resolve_detailed(vocabulary: directory.TargetTypeVocabulary, term: str) -> str | None:
    key = directory._term_key(term)
    for prefix in directory._COLLECTIVE_PREFIXES:
        if key.startswith(prefix) and key not in vocabulary.lookup:
            key = key.removeprefix(prefix)
    return vocabulary.lookup.get(key)


_VOCABULARIES = (
    directory.DEFAULT_TARGET_TYPES,
    directory.TargetTypeVocabulary.build(
        {"各类宾馆": ("所有旅店",), "宾馆": ("各种酒店",), "网吧": ()}
    ),
)
_TERMS = sorted(
    {term for vocabulary in _VOCABULARIES for term in vocabulary.lookup}
    | {
        term
        for vocabulary in _VOCABULARIES
        for terms in vocabulary.aliases.values()
        for term in terms
    }
)


@given(
    st.sampled_from(_VOCABULARIES),
    st.lists(st.sampled_from([*directory._COLLECTIVE_PREFIXES, " ", "（", "*"]), max_size=3),
    st.sampled_from(_TERMS) | st.text(max_size=6),
)
def test_target_type_resolution(
    vocabulary: directory.TargetTypeVocabulary, prefixes: list[str], term: str
) -> None:
    text = "".join(prefixes) + term
    assert vocabulary.resolve(text) == _resolve_detailed(vocabulary, text)
