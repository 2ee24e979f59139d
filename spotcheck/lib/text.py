"""One rule for control characters in text that comes from outside (forms, query strings, CLI
arguments, imported files).

C0 controls (U+0000–U+001F), DEL (U+007F) and C1 controls (U+0080–U+009F) are refused: NUL
cannot be stored by PostgreSQL at all, and on SQLite "治安\\x00大队" would become a unit that
looks exactly like "治安大队". Tab, line feed and carriage return are allowed only where text is
legitimately multi-line (a checkpoint list, a reason); single-line values refuse them too.
"""

from __future__ import annotations

import re

__all__ = [
    "MULTI_LINE_ALLOWED",
    "ControlCharacterError",
    "check_text",
    "find_control",
    "describe_control",
    "without_controls",
]

MULTI_LINE_ALLOWED = frozenset("\t\n\r")

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


class ControlCharacterError(ValueError):
    """Text holding a control character; the message (Chinese) names the field and character."""

    def __init__(self, field: str, character: str, position: int) -> None:
        self.field = field
        self.character = character
        self.position = position
        where = f"“{field}”" if field else "输入"
        super().__init__(
            f"{where}第{position + 1}个字符是控制字符{describe_control(character)}，不能接受"
        )


def describe_control(character: str) -> str:
    return f"U+{ord(character):04X}"


def find_control(text: str, *, multi_line: bool = False) -> int | None:
    """The index of the first refused control character in `text`, or None."""
    for match in _CONTROLS.finditer(text):
        if multi_line and match.group() in MULTI_LINE_ALLOWED:
            continue
        return match.start()
    return None


def without_controls(text: str) -> str:
    """`text` with every control character (tab and line breaks too) made a space: what a
    refused single-line value can be offered back as, for the visitor to check and resend."""
    return _CONTROLS.sub(" ", text)


def check_text(text: str, *, field: str = "", multi_line: bool = False) -> str:
    """Return `text` unchanged, or raise ControlCharacterError naming `field`."""
    position = find_control(text, multi_line=multi_line)
    if position is not None:
        raise ControlCharacterError(field, text[position], position)
    return text
