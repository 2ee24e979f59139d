from __future__ import annotations

import pytest

from spotcheck.lib.pinyin import search_keys


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
