"""The public pages' filters: dates in a title kept on one line, everything else escaped."""

import re
from html import unescape

from hypothesis import given
from hypothesis import strategies as st

from spotcheck.public.templatetags.public_tags import dates_kept_whole


def test_each_date_in_a_title_is_kept_on_one_line():
    title = "沂源县公安局公示2户检查结果（2022-12-02）"
    assert dates_kept_whole(title) == (
        '沂源县公安局公示2户检查结果（<span class="nowrap">2022-12-02</span>）'
    )
    assert dates_kept_whole("2022年活动检查人员匹配：某公司（2022-10-01 09:30）") == (
        '<span class="nowrap">2022年</span>活动检查人员匹配：某公司'
        '（<span class="nowrap">2022-10-01 09:30</span>）'
    )
    assert (
        dates_kept_whole("于2022年3月1日公开") == '于<span class="nowrap">2022年3月1日</span>公开'
    )
    assert dates_kept_whole("事项3 第1轮") == "事项3 第1轮"


def test_the_rest_is_escaped():
    assert dates_kept_whole('<b>"悦来"</b> & 2022-01-02') == (
        '&lt;b&gt;&quot;悦来&quot;&lt;/b&gt; &amp; <span class="nowrap">2022-01-02</span>'
    )


@given(st.text())
def test_the_text_reads_the_same(text):
    shown = re.sub(r'<span class="nowrap">(.*?)</span>', r"\1", dates_kept_whole(text))
    assert "<" not in shown
    assert unescape(shown) == text
