"""without_controls: every control character made a space, nothing else changed."""

from hypothesis import given
from hypothesis import strategies as st

from spotcheck.lib.text import find_control, without_controls


@given(st.text())
def test_without_controls_leaves_no_control_and_keeps_the_rest(text):
    cleaned = without_controls(text)
    assert find_control(cleaned) is None
    assert len(cleaned) == len(text)
    assert all(a == b or b == " " for a, b in zip(text, cleaned, strict=True))
    if find_control(text) is None:
        assert cleaned == text


def test_a_tab_between_words_becomes_a_space():
    assert without_controls("沂源\t宾馆\x00\x85") == "沂源 宾馆  "
