from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin.constants import PHRASES_DICT
from pypinyin.core import _default_pinyin

from spotcheck.lib.demo import generate_county
from spotcheck.lib.pinyin import name_key, search_keys, segment, substring_keys


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("沂源宾馆", "yiyuanbinguan", "yybg"),
        ("沂源县重庆路银行", "yiyuanxianchongqingluyinhang", "yyxcqlyh"),
        ("长安网吧", "changanwangba", "cawb"),
        ("绿源商店", "lvyuanshangdian", "lysd"),
        ("沂源县Ａ1网吧", "yiyuanxiana1wangba", "yyxa1wb"),
        (
            "淄博鲁中保安服务有限公司（沂源分公司）",
            "ziboluzhongbaoanfuwuyouxiangongsiyiyuanfengongsi",
            "zblzbafwyxgsyyfgs",
        ),
        ("", "", ""),
    ],
)
def test_search_keys(name: str, full: str, initials: str) -> None:
    assert search_keys(name) == (full, initials)


# ---------------------------------------------------------------------------------------------
# `segment` against pypinyin's own segmentation


_PHRASES = sorted(PHRASES_DICT)
_PHRASE_CHARS = sorted({char for phrase in _PHRASES for char in phrase})
_NAMES = sorted({entity.name for entity in generate_county(7, 600).entities})

_phrases = st.sampled_from(_PHRASES)
# A phrase cut short: the runs where forward maximum matching has to back off.
_phrase_prefixes = _phrases.flatmap(
    lambda phrase: st.integers(1, len(phrase)).map(lambda length: phrase[:length])
)
_han_chars = st.one_of(
    st.sampled_from(_PHRASE_CHARS),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF),
    st.characters(min_codepoint=0xF900, max_codepoint=0xFAFF),
    st.characters(min_codepoint=0x20000, max_codepoint=0x323AF),
    st.sampled_from("〇\ue815\ufa18"),
)
_other_chars = st.one_of(
    st.sampled_from("abcXYZ0129 \t\n\u3000（）()、，,。.-_/·《》“”【】〔〕Ａ１ｋｔｖ"),
    st.characters(codec="utf-8"),
)
_pieces = st.one_of(
    _phrases,
    _phrase_prefixes,
    _han_chars,
    _other_chars,
    st.sampled_from(_NAMES),
    st.text(_other_chars, max_size=4),
)
_texts = st.one_of(
    st.lists(_pieces, max_size=12).map("".join),
    st.text(st.one_of(_han_chars, _other_chars), max_size=30),
    st.text(max_size=20),
)


def _pypinyin_seg(text: str) -> list[str]:
    return list(_default_pinyin.seg(text))


@given(_texts)
@settings(max_examples=500)
def test_segment_equals_pypinyin(text: str) -> None:
    assert segment(text) == _pypinyin_seg(text)


@given(st.sampled_from(_NAMES), st.sampled_from(_NAMES), st.integers(0, 40))
def test_segment_equals_pypinyin_on_entity_names(first: str, second: str, cut: int) -> None:
    for text in (first, first + second, first[:cut] + second[cut:], second[cut:] + first[:cut]):
        assert segment(text) == _pypinyin_seg(text)


def test_segment_covers_pypinyins_backtracking_cases() -> None:
    # Phrases whose prefixes are not phrases: a text ending in such a prefix is a prefix of a
    # phrase and holds none, which pypinyin cuts into single characters; followed by other
    # characters, matching breaks off and goes on with the next character.
    unfinished = [
        phrase[:-1]
        for phrase in _PHRASES
        if len(phrase) >= 3 and not any(phrase[:end] in PHRASES_DICT for end in range(1, 3))
    ][:200]
    assert unfinished
    for prefix in unfinished:
        for text in (prefix, "沂源" + prefix, prefix + "宾馆", prefix + prefix, prefix + "A"):
            assert segment(text) == _pypinyin_seg(text), text
    for phrase in _PHRASES[::97]:
        for text in (phrase, phrase + phrase[:-1], phrase[1:] + phrase, "（" + phrase + "）"):
            assert segment(text) == _pypinyin_seg(text), text


def test_segment_of_empty_text_is_one_empty_word() -> None:
    assert segment("") == _pypinyin_seg("") == [""]


def test_segment_examples() -> None:
    assert segment("你好，我是中国人，我爱我的祖国") == [
        "你好", "，", "我", "是", "中国人", "，", "我", "爱", "我", "的", "祖", "国"
    ]  # fmt: skip
    assert segment("重庆银行长安支行") == ["重庆", "银行", "长安", "支", "行"]
    assert segment("张家坡镇KTV（沂源）") == ["张", "家", "坡", "镇", "KTV（", "沂", "源", "）"]


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(alphabet="沂源县悦来宾馆网吧长安重庆AbC1 ", min_size=1, max_size=30),
    data=st.data(),
)
def test_every_part_of_a_name_or_its_initials_starts_a_key(name: str, data) -> None:
    initials = search_keys(name)[1]
    keys = substring_keys(name, initials, length=8)
    compact = "".join(name.lower().split())
    for text in (compact, initials):
        if not text:
            continue
        start = data.draw(st.integers(0, len(text) - 1))
        end = data.draw(st.integers(start + 1, len(text)))
        part = text[start:end]
        assert any(key.startswith(part[:8]) for key in keys)
    assert all(len(key) <= 8 for key in keys)
    assert all(key in compact or key in initials for key in keys)


def test_substring_keys() -> None:
    assert substring_keys("悦来宾馆", "ylbg", length=3) == {
        "悦来宾",
        "来宾馆",
        "宾馆",
        "馆",
        "ylb",
        "lbg",
        "bg",
        "g",
    }
    assert substring_keys("", "") == set()


_FULLWIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(alphabet="沂源县悦来宾馆网吧科技AbCxyZ12 ", min_size=1, max_size=30),
    data=st.data(),
)
def test_a_part_typed_with_spaces_other_case_or_fullwidth_finds_the_name(name: str, data) -> None:
    """Whatever the spacing, letter case and width of a typed part of a name, its key is part of
    the name's key and starts one of the name's stored keys (so the key index finds it)."""
    compact = name_key(name)
    if not compact:
        return
    start = data.draw(st.integers(0, len(compact) - 1))
    end = data.draw(st.integers(start + 1, len(compact)))
    typed = []
    for char in compact[start:end]:
        char = data.draw(st.sampled_from([char, char.upper(), _FULLWIDTH.get(char.upper(), char)]))
        typed.append(char + data.draw(st.sampled_from(["", "", " ", "\u3000", "\t"])))
    query = data.draw(st.sampled_from(["", " "])) + "".join(typed)
    probe = name_key(query)
    assert probe == compact[start:end]
    keys = substring_keys(name, search_keys(name)[1], length=8)
    assert any(key.startswith(probe[:8]) for key in keys)


def test_name_key_examples() -> None:
    assert name_key("沂源 宾馆") == name_key("沂源宾馆") == "沂源宾馆"
    assert name_key("abc科技") == name_key("ABC科技") == name_key("ＡＢＣ 科技") == "abc科技"
    assert name_key("\u3000沂源\t县 ") == "沂源县"
