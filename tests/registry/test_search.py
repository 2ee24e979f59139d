import pytest

from spotcheck.lib import pinyin
from spotcheck.lib.demo import generate_county
from spotcheck.registry.models import Entity
from spotcheck.registry.search import search_keys, search_query

TRICKY = [
    "重庆银行长安支行",
    "Ａ１网吧（沂源）",
    "沂源宾馆",
    "长城旅馆",
    "张家坡镇KTV",
    "乐乐音乐会所",
    "",
]


def test_cached_keys_equal_the_library_keys():
    names = [entity.name for entity in generate_county(3, 400).entities] + TRICKY
    for name in names * 2:  # the second round is served from the word cache
        assert search_keys(name) == pinyin.search_keys(name), name


@pytest.mark.django_db
def test_pinyin_initials_name_and_code_search(demo_directory):
    hotel = Entity.objects.filter(name__endswith="宾馆").first()
    full, initials = search_keys(hotel.name)
    assert hotel.pinyin_initials == initials
    tail = initials[-4:]  # e.g. "ylbg" for …悦来宾馆
    found = Entity.objects.filter(search_query(tail))
    assert hotel in found
    assert hotel in Entity.objects.filter(search_query(full[-8:]))
    assert hotel in Entity.objects.filter(search_query(hotel.name[-4:]))
    coded = Entity.objects.filter(code_kind="credit_code").first()
    assert list(Entity.objects.filter(search_query(coded.public_id))) == [coded]
    assert coded in Entity.objects.filter(search_query(coded.public_id[:10].lower()))


def test_ysbg_finds_yiyuan_binguan():
    assert search_keys("沂源宾馆")[1] == "yybg"
    assert search_keys("沂水宾馆")[1] == "ysbg"
