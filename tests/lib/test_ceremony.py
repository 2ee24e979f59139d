"""The seed ceremony's one rule (lib.ceremony), shared by draws and events."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.lib import drawdoc
from spotcheck.lib.ceremony import CeremonyError, check_ceremony, name_key, normalise_name

SPACES = [" ", "\u3000", "\u00a0", "  ", " \u3000"]
names = st.text(alphabet="张王李赵刘陈杨黄周吴ABab", min_size=1, max_size=5)
digit_strings = st.text(alphabet="0123456789", min_size=10, max_size=16)
ceremonies = st.lists(
    st.tuples(names, digit_strings), min_size=2, max_size=5, unique_by=lambda w: name_key(w[0])
)
beacons = st.one_of(st.none(), st.text(alphabet="0123456789abcdef-", min_size=1, max_size=200))


def spaced(data: st.DataObject, text: str, *, inside: bool = True) -> str:
    """`text` with whitespace (ASCII, full-width, no-break) around it and, if `inside`, between
    its characters."""
    gap = st.sampled_from(["", *SPACES])
    inner = [data.draw(gap) if inside else "" for _ in text]
    body = "".join(g + c for g, c in zip(inner, text, strict=True)).lstrip()
    return data.draw(gap) + body + data.draw(gap)


@settings(max_examples=200, deadline=None)
@given(witnesses=ceremonies, beacon=beacons)
def test_valid_ceremonies_are_accepted_and_compose_the_drawdoc_seed(witnesses, beacon):
    checked = check_ceremony(witnesses, beacon)
    assert [(w.name, w.digits) for w in checked.witnesses] == witnesses
    assert checked.beacon == beacon
    assert checked.seed == drawdoc.compose_seed([d for _, d in witnesses], beacon)
    assert checked.seed.startswith("".join(d for _, d in witnesses))


@settings(max_examples=200, deadline=None)
@given(witnesses=ceremonies, beacon=beacons, data=st.data())
def test_spaces_typed_around_names_digits_and_beacon_do_not_change_the_result(
    witnesses, beacon, data
):
    typed = [(spaced(data, n, inside=False), spaced(data, d)) for n, d in witnesses]
    typed_beacon = None if beacon is None else f"\u3000{beacon} "
    assert check_ceremony(typed, typed_beacon) == check_ceremony(witnesses, beacon)
    # Spaces inside a name are kept (one space) but do not make another person.
    for name, _ in witnesses:
        inside = normalise_name(spaced(data, name))
        assert name_key(inside) == name_key(name) and "  " not in inside


@settings(max_examples=200, deadline=None)
@given(witnesses=ceremonies, data=st.data())
def test_a_witness_named_twice_is_refused_naming_both(witnesses, data):
    first = data.draw(st.integers(0, len(witnesses) - 1))
    name = witnesses[first][0]
    variant = data.draw(
        st.sampled_from([name, name.upper(), name.lower(), f"\u3000{name}", name + "\u200b"])
    )
    variant = spaced(data, variant)
    at = data.draw(st.integers(first + 1, len(witnesses)))
    twice = [*witnesses[:at], (variant, "1234567890"), *witnesses[at:]]
    with pytest.raises(CeremonyError) as error:
        check_ceremony(twice, None)
    assert f"第{at + 1}名见证人" in str(error.value)
    assert f"第{first + 1}名见证人姓名相同" in str(error.value)


@settings(max_examples=200, deadline=None)
@given(
    witnesses=ceremonies,
    data=st.data(),
    control=st.sampled_from(["\x00", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\x9f"]),
)
def test_control_characters_are_refused_wherever_they_are(witnesses, data, control):
    where = data.draw(st.integers(0, 2 * len(witnesses)))
    rows = [list(w) for w in witnesses]
    beacon = None
    if where == 2 * len(witnesses):
        beacon = f"abc{control}def"
        expected = "公共随机信标值"
    else:
        row, column = divmod(where, 2)
        text = rows[row][column]
        cut = data.draw(st.integers(0, len(text)))
        rows[row][column] = text[:cut] + control + text[cut:]
        expected = f"第{row + 1}名见证人的" + ("姓名" if column == 0 else "骰子数字")
    with pytest.raises(CeremonyError, match=expected) as error:
        check_ceremony([(n, d) for n, d in rows], beacon)
    assert "控制字符" in str(error.value)


@settings(max_examples=200, deadline=None)
@given(
    witnesses=ceremonies,
    data=st.data(),
    bad=st.sampled_from(["a", "１", "²", "-", "+", ".", "〇", "٣"]),
)
def test_dice_digits_are_0_to_9_only(witnesses, data, bad):
    row = data.draw(st.integers(0, len(witnesses) - 1))
    name, digits = witnesses[row]
    cut = data.draw(st.integers(0, len(digits)))
    witnesses[row] = (name, digits[:cut] + bad + digits[cut:])
    with pytest.raises(CeremonyError, match=f"第{row + 1}名见证人“.*”的骰子结果只能包含数字0–9"):
        check_ceremony(witnesses, None)


@settings(max_examples=100, deadline=None)
@given(
    witnesses=ceremonies,
    extra_witnesses=st.integers(0, 3),
    extra_digits=st.integers(0, 30),
)
def test_minimums_can_be_raised_never_lowered(witnesses, extra_witnesses, extra_digits):
    total = sum(len(d) for _, d in witnesses)
    want_witnesses = len(witnesses) + extra_witnesses
    want_digits = total + extra_digits
    if extra_witnesses:
        with pytest.raises(
            CeremonyError, match=f"至少需要{want_witnesses}名见证人（当前{len(witnesses)}名）"
        ):
            check_ceremony(witnesses, None, min_witnesses=want_witnesses)
    if extra_digits:
        with pytest.raises(
            CeremonyError, match=f"种子至少需要{want_digits}位数字（当前{total}位）"
        ):
            check_ceremony(witnesses, None, min_digits=want_digits)
    # A configured minimum below the library's does not lower it.
    with pytest.raises(CeremonyError, match="至少需要2名见证人"):
        check_ceremony(witnesses[:1], None, min_witnesses=1)
    with pytest.raises(CeremonyError, match="种子至少需要20位数字"):
        check_ceremony([("甲", "1" * 9), ("乙", "2" * 9)], None, min_digits=1)


@pytest.mark.parametrize(
    ("witnesses", "message"),
    [
        ([("张三", "1" * 10), ("", "2" * 10)], "第2名见证人须填写姓名"),
        ([("张三", "1" * 10), ("\u3000 ", "2" * 10)], "第2名见证人须填写姓名"),
        ([("\u200b", "1" * 10), ("李四", "2" * 10)], "第1名见证人须填写姓名"),
        (
            [("张三", "1" * 10), ("李四", "")],
            "第2名见证人“李四”的骰子结果只能包含数字0–9，且不能为空",
        ),
        ([("张三", "1" * 10), ("李四", " \u3000 ")], "第2名见证人“李四”的骰子结果"),
        ([("张 三", "1" * 10), ("张三", "2" * 10)], "第2名见证人“张三”与第1名见证人姓名相同"),
        ([("ＬＩ　Ｗｅｉ", "1" * 10), ("li wei", "2" * 10)], "第2名见证人“li wei”与第1名"),
    ],
)
def test_named_refusals(witnesses, message):
    with pytest.raises(CeremonyError, match=message):
        check_ceremony(witnesses, None)


def test_names_keep_their_characters_with_whitespace_made_single_spaces():
    checked = check_ceremony(
        [(" 欧阳\u3000\u3000娜娜 ", "1 2 3 4 5\u30006 7 8 9 0"), ("李四", "1" * 10)], None
    )
    assert checked.witnesses[0] == drawdoc.Witness("欧阳 娜娜", "1234567890")


def test_beacon_blank_is_none_and_its_length_is_capped():
    witnesses = [("张三", "1" * 10), ("李四", "2" * 10)]
    assert check_ceremony(witnesses, " \u3000 ").beacon is None
    assert check_ceremony(witnesses, "").beacon is None
    at_cap = "f" * drawdoc.MAX_BEACON_CHARS
    assert check_ceremony(witnesses, f" {at_cap} ").seed == "1" * 10 + "2" * 10 + "|" + at_cap
    with pytest.raises(CeremonyError, match=f"最多{drawdoc.MAX_BEACON_CHARS}个字符，现有201个"):
        check_ceremony(witnesses, at_cap + "f")
