"""Pinyin search keys for entity and inspector names, so "yybg" or "yiyuan" finds 沂源宾馆."""

from __future__ import annotations

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

_NOT_KEY_CHAR = re.compile(r"[^a-z0-9]+")


def _ascii_key(segments: list[str]) -> str:
    # Keep ASCII letters and digits only: "A1", "(沂源)" and fullwidth forms reduce to plain keys.
    # Filtering is per character, so the key of a joined text is the join of the parts' keys.
    return _NOT_KEY_CHAR.sub("", "".join(segments).lower())


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
