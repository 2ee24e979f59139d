import pytest

from spotcheck.lib import pinyin
from spotcheck.lib.demo import generate_county
from spotcheck.registry.actions import update_entity, update_inspector
from spotcheck.registry.models import Entity, Inspector
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


@pytest.mark.django_db
def test_names_are_compared_folded_as_the_public_search_compares_them(demo_directory):
    # the import keeps each name's key (lib.pinyin.name_key, as PublishedResult.name_key)
    for model in (Entity, Inspector):
        for row in model.objects.all():
            assert row.name_key == pinyin.name_key(row.name)
    plain, wide = Entity.objects.order_by("pk")[:2]
    update_entity(entity=plain, actor="coord", values={"name": "沂源县ABC1网络 科技有限公司"})
    update_entity(entity=wide, actor="coord", values={"name": "沂源县ＸＹＺ２信息技术有限公司"})

    def found(text, model=Entity):
        return set(model.objects.filter(search_query(text)))

    assert plain in found("ＡＢＣ")  # fullwidth letters find the plain ones
    assert plain in found("ＡＢＣ１网络科技")  # whitespace dropped on both sides
    assert plain in found("abc1网络 科技")
    assert wide in found("XYZ2信息") and wide in found("xyz")  # and the other way round
    assert plain not in found("XYZ2信息")
    officer = Inspector.objects.order_by("pk").first()
    update_inspector(inspector=officer, actor="coord", values={"name": "欧阳 Ｌｅｉ"})
    assert officer in found("欧阳lei", Inspector)
