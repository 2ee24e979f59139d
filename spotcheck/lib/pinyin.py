"""Pinyin search keys for entity and inspector names, so "yybg" or "yiyuan" finds 沂源宾馆."""

from __future__ import annotations

import unicodedata

from pypinyin import Style, lazy_pinyin


def _ascii_key(segments: list[str]) -> str:
    # Keep letters and digits only: "A1", "(沂源)" and fullwidth forms all reduce to plain keys.
    return "".join(char for char in "".join(segments).lower() if char.isascii() and char.isalnum())


def search_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a name: 沂源宾馆 -> ("yiyuanbinguan", "yybg").

    pypinyin picks one reading per character from its phrase dictionary (heteronym off), which
    handles common polyphones in context (重庆 chongqing, 银行 yinhang, 长安 changan). strict=False
    gives the first letter of the full syllable, so 长 is "c" and 张 "z", as people type them.
    Latin letters and digits in the name are kept whole in both keys.
    """
    text = unicodedata.normalize("NFKC", name)
    full = _ascii_key(lazy_pinyin(text, style=Style.NORMAL, strict=False))
    initials = _ascii_key(lazy_pinyin(text, style=Style.FIRST_LETTER, strict=False))
    return full, initials
