"""Document numbers (文书编号) from an agency's pattern, e.g. ``沂公治检通字〔{year}〕第{n:04d}号``.

A pattern is Python format syntax restricted to two fields, each exactly once:

- ``{year}`` the four-digit year (no format spec, or ``d``);
- ``{n}`` the running number of the unit and year, starting at 1; its spec may be empty, ``d``,
  or a zero-padded width such as ``04d`` / ``04`` (``{n:04d}`` writes 7 as ``0007``; numbers
  wider than the width are written in full).

Literal braces are written doubled (``{{`` ``}}``). Anything else (other names, positional
``{}``, ``!r`` conversions, ``{n.real}``, alignment or sign specs) is refused with a Chinese
message naming the problem. Numbers are unique and gap-free per unit and year: that is the
database's job (a counter row locked while issuing); this module only renders and parses.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

__all__ = ["DocumentNumber", "DocumentNumberError", "DocumentNumberPattern"]

MAX_PATTERN_LENGTH = 100
_N_SPEC = re.compile(r"(?:0(?P<width>[1-9][0-9]?))?d?")
_YEAR_SPECS = ("", "d")
_FIELD_NAMES = {"year": "{year}", "n": "{n}"}


class DocumentNumberError(ValueError):
    """A bad pattern, or a text that is not a number of the pattern; the message is Chinese."""


@dataclass(frozen=True)
class DocumentNumber:
    year: int
    n: int


@dataclass(frozen=True)
class DocumentNumberPattern:
    """A validated pattern; build it with `DocumentNumberPattern.parse_pattern`."""

    text: str
    width: int
    """Zero-padding width of {n}; 0 for none."""
    regex: re.Pattern[str]

    @classmethod
    def parse_pattern(cls, text: str) -> DocumentNumberPattern:
        if not text.strip():
            raise DocumentNumberError("文书编号格式不能为空")
        if len(text) > MAX_PATTERN_LENGTH:
            raise DocumentNumberError(
                f"文书编号格式过长（{len(text)}个字符，上限{MAX_PATTERN_LENGTH}）"
            )
        if any(ch.isspace() and ch != " " or ord(ch) < 32 for ch in text):
            raise DocumentNumberError("文书编号格式不能含有换行、制表符等控制字符")
        try:
            parts = list(string.Formatter().parse(text))
        except ValueError as error:
            raise DocumentNumberError(
                f"文书编号格式中的花括号不成对（{error}）；字面的花括号请写作“{{{{”“}}}}”"
            ) from None
        seen: dict[str, int] = {"year": 0, "n": 0}
        width = 0
        regex = ""
        for literal, name, spec, conversion in parts:
            regex += re.escape(literal)
            if name is None:
                continue
            if name not in seen:
                shown = "{}" if name == "" else "{" + name + "}"
                raise DocumentNumberError(
                    f"文书编号格式只能使用{{year}}（年份）和{{n}}（序号），不能使用“{shown}”"
                )
            if conversion is not None:
                raise DocumentNumberError(f"“{_FIELD_NAMES[name]}”不能带“!{conversion}”转换")
            seen[name] += 1
            if seen[name] > 1:
                raise DocumentNumberError(f"“{_FIELD_NAMES[name]}”只能出现一次")
            spec = spec or ""
            if name == "year":
                if spec not in _YEAR_SPECS:
                    raise DocumentNumberError(
                        f"“{{year:{spec}}}”的格式说明无效：年份只能写作{{year}}"
                    )
                regex += r"(?P<year>[0-9]{4})"
            else:
                match = _N_SPEC.fullmatch(spec)
                if match is None:
                    raise DocumentNumberError(
                        f"“{{n:{spec}}}”的格式说明无效：序号可写作{{n}}或补零的{{n:04d}}"
                    )
                width = int(match["width"] or 0)
                regex += r"(?P<n>[0-9]+)"
        for name, count in seen.items():
            if count == 0:
                raise DocumentNumberError(f"文书编号格式缺少“{_FIELD_NAMES[name]}”")
        return cls(text=text, width=width, regex=re.compile(regex))

    def render(self, *, year: int, n: int) -> str:
        if not 1000 <= year <= 9999:
            raise DocumentNumberError(f"年份{year}不是四位数")
        if n < 1:
            raise DocumentNumberError(f"序号应从1开始，不能是{n}")
        return self.text.format(year=year, n=n)

    def parse(self, text: str) -> DocumentNumber:
        """The year and number of a rendered document number; only the exact rendering is read."""
        match = self.regex.fullmatch(text.strip())
        if match is None:
            raise DocumentNumberError(f"“{text}”不符合文书编号格式“{self.text}”")
        number = DocumentNumber(year=int(match["year"]), n=int(match["n"]))
        if number.n < 1 or self.render(year=number.year, n=number.n) != text.strip():
            raise DocumentNumberError(
                f"“{text}”的序号写法不规范，应为“{self.render(year=number.year, n=max(number.n, 1))}”"
            )
        return number
