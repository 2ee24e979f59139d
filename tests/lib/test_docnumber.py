from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotcheck.lib.docnumber import DocumentNumber, DocumentNumberError, DocumentNumberPattern

YIYUAN = "沂公治检通字〔{year}〕第{n:04d}号"


def test_render_and_parse_the_agency_pattern() -> None:
    pattern = DocumentNumberPattern.parse_pattern(YIYUAN)
    assert pattern.render(year=2022, n=7) == "沂公治检通字〔2022〕第0007号"
    assert pattern.render(year=2022, n=12345) == "沂公治检通字〔2022〕第12345号"
    assert pattern.parse("沂公治检通字〔2022〕第0007号") == DocumentNumber(2022, 7)
    assert pattern.parse(" 沂公治检通字〔2022〕第12345号 ") == DocumentNumber(2022, 12345)


def test_parse_refuses_other_texts_with_the_expected_form() -> None:
    pattern = DocumentNumberPattern.parse_pattern(YIYUAN)
    with pytest.raises(DocumentNumberError, match="不符合文书编号格式"):
        pattern.parse("沂公治检通字[2022]第0007号")
    with pytest.raises(DocumentNumberError, match="应为“沂公治检通字〔2022〕第0007号”"):
        pattern.parse("沂公治检通字〔2022〕第07号")
    with pytest.raises(DocumentNumberError, match="序号写法不规范"):
        pattern.parse("沂公治检通字〔2022〕第0000号")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "不能为空"),
        ("第{n}号", "缺少“{year}”"),
        ("〔{year}〕", "缺少“{n}”"),
        ("〔{year}〕{unit}第{n}号", "不能使用“{unit}”"),
        ("〔{year}〕第{}号", "不能使用“{}”"),
        ("〔{year}〕第{0}号", "不能使用“{0}”"),
        ("〔{year}〕第{n!r}号", "不能带“!r”转换"),
        ("〔{year}〕第{n}号{n}", "只能出现一次"),
        ("〔{year:02d}〕第{n}号", "年份只能写作"),
        ("〔{year}〕第{n:>4}号", "序号可写作"),
        ("〔{year}〕第{n:.2f}号", "序号可写作"),
        ("〔{year}〕第{n.real}号", "不能使用"),
        ("〔{year}〕第{n}号{", "花括号不成对"),
        ("〔{year}〕\n第{n}号", "控制字符"),
        ("第{n}号" + "字" * 100 + "{year}", "过长"),
    ],
)
def test_bad_patterns_say_why(text: str, message: str) -> None:
    with pytest.raises(DocumentNumberError, match=message.replace("{", r"\{").replace("(", r"\(")):
        DocumentNumberPattern.parse_pattern(text)


def test_variants_that_are_allowed() -> None:
    plain = DocumentNumberPattern.parse_pattern("{year}-{n}")
    assert plain.render(year=2023, n=9) == "2023-9"
    assert plain.parse("2023-9") == DocumentNumber(2023, 9)
    braces = DocumentNumberPattern.parse_pattern("{{检}}{n:03}/{year:d}")
    assert braces.render(year=2023, n=9) == "{检}009/2023"
    assert braces.parse("{检}009/2023") == DocumentNumber(2023, 9)
    adjacent = DocumentNumberPattern.parse_pattern("{n}{year}")
    assert adjacent.parse(adjacent.render(year=2024, n=120)) == DocumentNumber(2024, 120)
    with pytest.raises(DocumentNumberError, match="序号应从1开始"):
        plain.render(year=2023, n=0)
    with pytest.raises(DocumentNumberError, match="不是四位数"):
        plain.render(year=999, n=1)


literal = st.text(
    alphabet=st.sampled_from("沂公治检通字〔〕第号-/ ()[]{}0123456789"), max_size=6
).map(lambda s: s.replace("{", "{{").replace("}", "}}"))


@given(
    literal,
    literal,
    literal,
    st.sampled_from(["", ":d", ":02d", ":04d", ":06"]),
    st.booleans(),
    st.integers(min_value=1000, max_value=9999),
    st.integers(min_value=1, max_value=10**7),
)
def test_parse_inverts_render(
    a: str, b: str, c: str, spec: str, year_first: bool, year: int, n: int
) -> None:
    fields = ["{year}", "{n" + spec + "}"]
    if not year_first:
        fields.reverse()
    text = a + fields[0] + b + fields[1] + c
    pattern = DocumentNumberPattern.parse_pattern(text)
    rendered = pattern.render(year=year, n=n)
    if rendered != rendered.strip():
        return  # parse strips surrounding spaces a person may have typed
    assert pattern.parse(rendered) == DocumentNumber(year, n)
