"""Pinyin search keys for entity and inspector names, so "yybg" or "yiyuan" finds 沂源宾馆."""

from __future__ import annotations

import re
import unicodedata

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, RE_HANS
from pypinyin.seg import mmseg

_NOT_KEY_CHAR = re.compile(r"[^a-z0-9]+")


def _runs_pattern() -> re.Pattern[str]:
    # RE_HANS is "^(?:[<the characters pypinyin has readings for>])+$"; pypinyin splits a
    # text into maximal runs of such characters and of other characters.
    pattern: str = RE_HANS.pattern
    if not (pattern.startswith("^(?:[") and pattern.endswith("])+$")):
        raise RuntimeError(f"unexpected pypinyin RE_HANS pattern: {pattern[:40]!r}")
    body = pattern[len("^(?:[") : -len("])+$")]
    return re.compile(f"([{body}]+)|([^{body}]+)")


_RUNS = _runs_pattern()


def segment(text: str) -> list[str]:
    """The words pypinyin converts one by one, exactly as `pypinyin.core._default_pinyin.seg`.

    pypinyin splits the text into runs of Chinese characters and runs of anything else, then cuts
    each Chinese run by forward maximum matching over its phrase dictionary in strict mode
    (`mmseg.seg`): at each position the longest phrase found before the first string that is no
    prefix of a phrase; a single character when there is none; and every remaining character on
    its own when the whole rest of the run is a prefix of a phrase but holds none. pypinyin does
    this with a regular expression per character and a generator that slices the rest of the
    run at every step; this does the same with one regular expression and index arithmetic.
    The dictionaries are pypinyin's own objects, so phrases loaded at run time count too.
    """
    if not text:
        return [text]  # pypinyin's quirk: one empty word
    words: list[str] = []
    append = words.append
    phrases = PHRASES_DICT
    prefixes: set[str] = mmseg.seg._prefix_set._set
    for han, other in _RUNS.findall(text):
        if not han:
            append(other)
            continue
        if not phrases:  # phrase dictionary disabled (PYPINYIN_NO_PHRASES): no cutting
            append(han)
            continue
        end = len(han)
        start = 0
        while start < end:
            if han[start : start + 2] not in prefixes:
                # Matching stops at the second character at the latest and finds at most this
                # one: the character stands alone.
                append(han[start])
                start += 1
                continue
            best = 0
            stop = start + 1
            while stop <= end:
                word = han[start:stop]
                if word not in prefixes:
                    break
                if word in phrases:
                    best = stop
                stop += 1
            else:  # the whole rest of the run is a prefix of some phrase
                if not best:
                    words.extend(han[start:])
                    break
            if best:
                append(han[start:best])
                start = best
            else:
                append(han[start])
                start += 1
    return words


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


def name_key(text: str) -> str:
    """A name or a typed query as the search compares them: compatibility forms folded (NFKC:
    fullwidth ＡＢＣ１ is ABC1, an ideographic space a space), case folded, whitespace dropped.
    "沂源 宾馆" and "沂源宾馆", "abc科技" and "ＡＢＣ科技" have the same key. Every search of names
    (the stored keys of `substring_keys` and the query) goes through this one function."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def substring_keys(name: str, initials: str, *, length: int = 8) -> set[str]:
    """Keys that find a name by any part of it, or of its pinyin initials, with one prefix
    range each: every suffix of the name's `name_key` and of the initials, cut to `length`
    characters. A text t is part of the name or of the initials exactly when some key starts
    with name_key(t)[:length] and the whole name_key(t) is then found in name_key(name) or the
    initials; so an index over the keys answers "contains" without reading every name."""
    keys: set[str] = set()
    for text in (name_key(name), name_key(initials)):
        keys.update(text[start : start + length] for start in range(len(text)))
    return keys
