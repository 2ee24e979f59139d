"""Masking and public labels of published results (spotcheck.lib.publication)."""

import json
from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st

from spotcheck.lib import publication as pub
from spotcheck.lib.codes import make_registration_number

SOLE = "92370323MA3C1234X5"
COMPANY = "91370323MA3C1234X5"
han = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=4
)


def test_person_names_keep_only_the_surname():
    assert pub.mask_person_name("张三") == "张*"
    assert pub.mask_person_name("李小龙") == "李**"
    assert pub.mask_person_name("欧阳娜娜") == "欧阳**"
    assert pub.mask_person_name(" ") == ""
    assert pub.mask_person_name("王") == "*"


@given(han)
def test_a_masked_name_never_shows_more_than_the_surname(name):
    masked = pub.mask_person_name(name)
    assert len(masked) == len(name)
    keep = 2 if name[:2] in pub.COMPOUND_SURNAMES and len(name) > 2 else 1
    assert masked[:keep] == name[:keep]
    assert set(masked[keep:]) == {"*"}


def test_a_sole_traders_operator_is_masked_in_its_name():
    assert pub.public_entity_name("沂源县张三烧烤店", credit_code=SOLE, operators=["张三"]) == (
        "沂源县张*烧烤店"
    )
    # a sole trader without a 字号 is called by the person's name
    assert pub.public_entity_name("李四", credit_code=SOLE) == "李*"
    # a company's name, and its legal representative, are not a natural person's data here
    assert pub.public_entity_name("张三宾馆有限公司", credit_code=COMPANY, operators=["张三"]) == (
        "张三宾馆有限公司"
    )
    assert pub.public_entity_name("沂源宾馆", credit_code=SOLE) == "沂源宾馆"


@given(han, st.sampled_from(["烧烤店", "小吃部", "旅馆"]))
def test_an_operator_name_never_survives_in_a_sole_traders_public_name(operator, shop):
    public = pub.public_entity_name(
        f"沂源县{operator}{shop}", credit_code=SOLE, operators=[operator]
    )
    assert operator not in public


def test_an_old_registration_number_of_a_sole_trader_is_masked():
    """GS 15-2006: the 7th digit of a 注册号 is 6-9 for 个体工商户, 0-5 for enterprises."""
    assert pub.public_entity_name(
        "沂源县张三旅馆", credit_code="370323816759192", operators=["张三"]
    ) == ("沂源县张*旅馆")
    assert pub.public_entity_name("张三", credit_code="370323816759192") == "张*"
    enterprise = "370323016759193"
    assert not pub.is_sole_trader(enterprise) and not pub.may_be_natural_person(enterprise)
    assert pub.public_entity_name("张三旅馆", credit_code=enterprise, operators=["张三"]) == (
        "张三旅馆"
    )


def test_without_a_code_the_name_is_masked_as_a_natural_persons():
    """No code (an unregistered trader, an event organiser typed in): may be a person."""
    assert pub.public_entity_name("沂源县张三旅馆", operators=["张三"]) == "沂源县张*旅馆"
    assert pub.public_entity_name("张三丰") == "张**"  # an organiser entered by name
    assert pub.public_entity_name("沂源县文化馆") == "沂源县文化馆"
    assert pub.public_entity_name("王五", credit_code="not a code") == "王*"


sequence = st.from_regex(r"[0-9]{8}", fullmatch=True)
division = st.sampled_from(["370323", "110101", "440305"])


@given(division, sequence, han, st.sampled_from(["烧烤店", "小吃部", "旅馆"]))
def test_a_registration_numbers_7th_digit_decides(division, sequence, operator, shop):
    code = make_registration_number(division, sequence)
    sole = sequence[0] in "6789"
    assert pub.is_sole_trader(code) is sole is pub.may_be_natural_person(code)
    public = pub.public_entity_name(
        f"沂源县{operator}{shop}", credit_code=code, operators=[operator]
    )
    assert (operator not in public) is sole


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=18, max_size=18))
def test_an_18_character_code_is_a_person_only_in_category_92(code):
    assert pub.may_be_natural_person(code) is code.startswith("92")


@given(
    st.one_of(st.just(""), st.text(max_size=30)).filter(
        lambda code: len(code.strip()) not in (15, 18)
    )
)
@example("0000000000000000ß")  # upper-cased to 18 characters: "SS"
@example("91370000MA3C5XQ2X" + "é")
def test_no_organisations_code_may_be_a_person(code):
    # Neither a credit code nor a 注册号 (surrounding whitespace is ignored, as in the rule)
    assert pub.may_be_natural_person(code)


def test_phone_numbers_are_masked():
    assert pub.mask_phone_numbers("平安旅馆13812345678") == "平安旅馆" + "*" * 11
    assert pub.mask_phone_numbers("电话0533-3221234") == "电话" + "*" * 12
    assert pub.public_entity_name("老王修车 138 1234 5678", credit_code=COMPANY) == (
        "老王修车 " + "*" * 13
    )


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True), han)
def test_no_mobile_number_survives(phone, name):
    assert phone not in pub.mask_phone_numbers(f"{name}{phone}{name}")


def test_follow_up_and_check_type():
    assert pub.follow_up_state([]) is pub.FollowUp.NONE
    assert pub.follow_up_state([True, False]) is pub.FollowUp.OPEN
    assert pub.follow_up_state([True, True]).label == "后续处置已办结"
    assert pub.check_type("joint") == "部门联合双随机抽查"
    assert pub.check_type("whatever") == "双随机抽查"


def test_deadline_met_or_overdue():
    due, today = date(2024, 3, 29), date(2024, 4, 10)
    assert pub.deadline_state(due, date(2024, 3, 29), today) is pub.Deadline.MET
    assert pub.deadline_state(due, date(2024, 4, 1), today) is pub.Deadline.OVERDUE
    assert pub.deadline_state(due, None, today) is pub.Deadline.OVERDUE
    assert pub.deadline_state(due, None, date(2024, 3, 1)) is pub.Deadline.PENDING
    assert pub.deadline_state(None, None, today).label == "无公示期限"


def test_a_published_records_timeliness_reads_met_or_overdue():
    due = date(2024, 3, 29)
    assert pub.deadline_state(due, due, due).published_label == "按期公示"
    assert pub.deadline_state(due, date(2024, 4, 1), date(2024, 4, 1)).published_label == "逾期公示"
    assert pub.deadline_state(None, due, due).published_label == ""


def test_small_counts_are_suppressed():
    assert pub.suppress_small_counts({"a": 0, "b": 2, "c": 3, "d": 9}, threshold=3) == {
        "a": 0,
        "b": None,
        "c": 3,
        "d": 9,
    }


def test_item_heading_shows_a_number_and_never_an_unnumbered_items_key():
    assert pub.item_heading("3", "旅馆业") == "事项3 旅馆业"
    assert pub.item_heading(3, "旅馆业") == "事项3 旅馆业"
    assert pub.item_heading("（一）", "旅馆业") == "事项（一） 旅馆业"
    assert pub.item_heading("p3", "旅馆业") == "旅馆业"
    assert pub.item_heading(None, "旅馆业") == "旅馆业"
    assert pub.item_heading("", "旅馆业") == "旅馆业"


# JSON as a snapshot may hold it, and what orjson writes differently from the canonical text
# (floats, numbers past 64 bits, control characters, keys that sort by code point).
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(), json_values, max_size=5), json_values)
def test_snapshot_matches_is_the_canonical_hash_check(snapshot, other):
    stored = pub.snapshot_sha256(snapshot)
    assert pub.snapshot_matches(snapshot, stored)
    changed = {**snapshot, "\x00changed": other}
    assert not pub.snapshot_matches(changed, stored)
    assert pub.snapshot_matches(changed, pub.snapshot_sha256(changed))
    assert not pub.snapshot_matches(snapshot, "0" * 64)


@given(st.dictionaries(st.text(), json_values, max_size=5), json_values, st.booleans())
@example({"big": 2**64, "n": -(2**63) - 1}, None, True)  # read by orjson as floats
def test_matching_snapshot_reads_a_stored_text_as_json_does(snapshot, other, ascii):
    """A snapshot read as its stored text (as Django's JSONField writes it, or as PostgreSQL's
    jsonb gives it back, not escaped) is the snapshot JSON reads, when it matches its hash; a
    changed text or another hash matches nothing."""
    text = json.dumps(snapshot, ensure_ascii=ascii)
    stored = pub.snapshot_sha256(snapshot)
    read = pub.matching_snapshot(text, stored)
    assert read == json.loads(text) and json.dumps(read) == json.dumps(json.loads(text))
    changed = json.dumps({**snapshot, "\x00changed": other}, ensure_ascii=ascii)
    assert pub.matching_snapshot(changed, stored) is None
    assert pub.matching_snapshot(text, "0" * 64) is None


def test_matching_snapshot_refuses_what_is_no_snapshot():
    assert pub.matching_snapshot("not json", pub.snapshot_sha256({})) is None
    assert pub.matching_snapshot("[]", pub.snapshot_sha256([])) is None  # type: ignore[arg-type]
    assert pub.matching_snapshot("{}", pub.snapshot_sha256({})) == {}
    # a lone surrogate (never published: no hash is made of one) matches nothing
    assert pub.matching_snapshot('{"s": "\\ud800"}', pub.snapshot_sha256({"s": "x"})) is None


def test_snapshot_matches_a_published_snapshot():
    snapshot = {"entity": {"name": "沂源县张*百货店", "credit_code": "92370323X"}, "items": []}
    stored = pub.snapshot_sha256(snapshot)
    assert pub.snapshot_matches(snapshot, stored)
    assert not pub.snapshot_matches({**snapshot, "items": [{"category": "x"}]}, stored)


@given(
    st.text(min_size=0, max_size=30),
    st.sampled_from([SOLE, COMPANY, "", "370323816759192"]),
    st.lists(st.text(min_size=0, max_size=4), max_size=3),
)
def test_a_public_name_is_always_the_name_with_characters_masked(name, code, operators):
    """What the draws' integrity check relies on: masking never adds or moves a character, so
    a stored public name is checked against the name as drawn, however often it was masked."""
    public = pub.public_entity_name(name, credit_code=code, operators=operators)
    assert pub.is_masked_form(public, name)
    again = pub.public_entity_name(public, credit_code=code, operators=operators)
    assert again == public and pub.is_masked_form(again, name)


def test_a_changed_name_is_no_masked_form():
    assert pub.is_masked_form("张**修理部", "张三丰修理部")
    assert pub.is_masked_form("张三丰修理部", " 张三丰修理部 ")
    assert not pub.is_masked_form("李**修理部", "张三丰修理部")
    assert not pub.is_masked_form("张**修理", "张三丰修理部")


def test_the_published_hash_is_the_hash_of_what_is_shown():
    snapshot = {"entity": {"name": "某公司"}, "inspectors": ["王五", "赵六"], "items": []}
    stored = pub.snapshot_sha256(snapshot)
    assert pub.published_sha256(snapshot, stored, inspector_names=True) == stored
    hidden = pub.published_sha256(snapshot, stored, inspector_names=False)
    assert hidden != stored
    assert hidden == pub.snapshot_sha256({"entity": {"name": "某公司"}, "items": []})
    # a snapshot published without names is shown whole either way: its stored hash
    bare = {"entity": {"name": "某公司"}, "items": []}
    assert pub.published_sha256(bare, "f" * 64, inspector_names=False) == "f" * 64
