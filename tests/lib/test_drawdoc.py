"""Seed composition, population hash, allocation, stratified selection and the draw document."""

from __future__ import annotations

import copy
import hashlib
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import consistent_sampler
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.lib import drawdoc
from spotcheck.lib.drawdoc import (
    DrawItem,
    DrawOptions,
    Witness,
    add_replacement,
    allocate,
    build_draw_document,
    compose_seed,
    next_in_stratum,
    population_canonical_text,
    population_hash,
    select,
    verify_draw_document,
)
from spotcheck.lib.sampling import ticket

ITEM = DrawItem("2025年度部门联合双随机抽查计划", 2025, "GA-07", "娱乐场所治安管理检查", "娱乐场所")
WITNESSES = [Witness("张三", "31415926535"), Witness("李四", "8979323846")]


def strata_example() -> dict[str, list[str]]:
    return {
        "low": [f"9137{n:014d}" for n in range(1, 84)],
        "medium": [f"9137{n:014d}" for n in range(100, 121)],
        "high": [f"9144{n:014d}" for n in range(1, 13)],
        "unknown": ["东方红饭店", "Cafe\u0301 Lumière"],
    }


@pytest.fixture
def document() -> dict[str, Any]:
    return build_draw_document(
        item=ITEM,
        strata=strata_example(),
        ratio_percent=Decimal("5"),
        stratum_ratio_percent={"high": Decimal("30"), "low": Decimal("1")},
        witnesses=WITNESSES,
        beacon=None,
        options=DrawOptions(exclude_recently_inspected=True, exclusion_months=12, excluded_count=3),
    )


# --- seed -------------------------------------------------------------------------------------


def test_seed_concatenates_witness_digits_then_beacon() -> None:
    assert compose_seed(["1234567890", "0987654321"], None) == "12345678900987654321"
    three_witnesses = compose_seed(["12345", "67890", "1234567890"], "abc")
    assert three_witnesses == "12345678901234567890|abc"


@pytest.mark.parametrize(
    ("parts", "beacon", "rule"),
    [
        (["12345678901234567890"], None, "至少 2 名见证人"),
        ([], None, "至少 2 名见证人"),
        (["1234567890", "123456789"], None, "至少 20 位"),
        (["1234567890", "12345678a0"], None, "只能包含数字"),
        (["1234567890", "１２３４５６７８９０"], None, "只能包含数字"),  # full-width digits
        (["12345678901234567890", ""], None, "不能为空"),
        (["1234567890", "1234567890"], "  ", "信标"),
    ],
)
def test_seed_rules_are_enforced_in_chinese(
    parts: list[str], beacon: str | None, rule: str
) -> None:
    with pytest.raises(ValueError, match=rule):
        compose_seed(parts, beacon)


# --- population -------------------------------------------------------------------------------


def test_canonical_text_is_the_documented_format() -> None:
    strata = {"high": ["b", "东", "Z"], "low": ["Cafe\u0301", "a"], "medium": []}
    expected = "stratum\tlow\t2\nCafé\na\nstratum\thigh\t3\nZ\nb\n东\n"
    assert population_canonical_text(strata) == expected
    digest = hashlib.sha256(expected.encode("utf-8")).hexdigest()
    assert population_hash(strata) == digest
    reordered = {"low": ["a", "Café"], "high": ["东", "Z", "b"]}
    assert population_hash(reordered) == digest
    assert population_canonical_text({}) == ""


@pytest.mark.parametrize(
    ("strata", "rule"),
    [
        ({"severe": ["a"]}, "未知的风险分层"),
        ({"low": ["a"], "high": ["a"]}, "重复"),
        ({"low": ["Café", "Cafe\u0301"]}, "重复"),  # equal after NFC
        ({"low": [""]}, "不能为空"),
        ({"low": [" 9137"]}, "空白"),
        ({"low": ["a\tb"]}, "控制字符"),
        ({"low": ["a\nb"]}, "控制字符"),
        ({"low": ["a\u2028b"]}, "控制字符"),
    ],
)
def test_bad_populations_are_rejected(strata: dict[str, list[str]], rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        population_hash(strata)


# --- allocation -------------------------------------------------------------------------------


def test_allocation_examples() -> None:
    assert allocate({"low": 20}, Decimal("5")) == {"low": 1}
    assert allocate({"low": 21}, Decimal("5")) == {"low": 2}
    assert allocate({"low": 83, "high": 12, "unknown": 0}, Decimal("5")) == {
        "low": 5,
        "high": 1,
        "unknown": 0,
    }
    assert allocate({"low": 3}, Decimal("100")) == {"low": 3}
    assert allocate({"low": 1}, Decimal("0.01")) == {"low": 1}


def test_policy_ratios_can_only_raise_the_floor() -> None:
    policies = {"high": Decimal("30"), "low": Decimal("1"), "medium": Decimal("0")}
    sizes = allocate({"low": 200, "medium": 40, "high": 10}, Decimal("5"), policies)
    assert sizes == {"low": 10, "medium": 2, "high": 3}


def test_allocation_is_exact_where_floats_are_not() -> None:
    # 0.1 + 0.2 != 0.3 in binary floats; 10.3 % of 1000 is exactly 103 (float gives 103.00000000000001).
    assert allocate({"low": 1000}, Decimal("10.3")) == {"low": 103}
    assert allocate({"low": 3}, Decimal("33.333333333333333333333333333334")) == {"low": 2}
    assert allocate({"low": 3}, Decimal("33.333333333333333333333333333333")) == {"low": 1}


@pytest.mark.parametrize(
    ("ratio", "error"),
    [
        (0.05, TypeError),
        (Decimal("0"), ValueError),
        (Decimal("100.5"), ValueError),
        (Decimal("NaN"), ValueError),
    ],
)
def test_invalid_ratios(ratio: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        allocate({"low": 10}, ratio)


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.dictionaries(st.sampled_from(drawdoc.STRATA), st.integers(0, 10**7), min_size=1),
    ratio=st.decimals(min_value=Decimal("0.001"), max_value=100, places=3),
    policy=st.dictionaries(
        st.sampled_from(drawdoc.STRATA), st.decimals(min_value=0, max_value=100, places=2)
    ),
)
def test_allocation_properties(
    sizes: dict[str, int], ratio: Decimal, policy: dict[str, Decimal]
) -> None:
    allocation = allocate(sizes, ratio, policy)
    assert list(allocation) == [s for s in drawdoc.STRATA if s in sizes]
    for stratum, population in sizes.items():
        r_h = Fraction(max(ratio, policy.get(stratum, ratio)))
        share = r_h * population / 100
        drawn = allocation[stratum]
        assert drawn <= population  # never more than the stratum
        assert drawn >= min(Fraction(population), share)  # at least r_h % (the floor holds)
        assert drawn == population or drawn - 1 < share  # and not one more than ceil needs


# --- selection --------------------------------------------------------------------------------


def test_selection_is_the_lowest_tickets_per_stratum() -> None:
    strata = strata_example()
    allocation = {"low": 5, "medium": 2, "high": 4, "unknown": 1}
    selections = select("20250101", strata, allocation)
    assert [s.stratum for s in selections] == ["low"] * 5 + ["medium"] * 2 + ["high"] * 4 + [
        "unknown"
    ]
    for stratum, size in allocation.items():
        ids = sorted(population_ids(strata, stratum))
        reference = consistent_sampler.sampler(ids, seed="20250101", take=size, digits=78)
        got = [(s.ticket, s.id) for s in selections if s.stratum == stratum]
        assert got == [(t, i) for t, i, _ in reference]
        assert [s.rank for s in selections if s.stratum == stratum] == list(range(1, size + 1))


def population_ids(strata: dict[str, list[str]], stratum: str) -> list[str]:
    return drawdoc.canonical_strata(strata)[stratum]


def test_selection_rejects_impossible_allocations() -> None:
    with pytest.raises(ValueError):
        select("1", {"low": ["a", "b"]}, {"low": 3})
    with pytest.raises(ValueError):
        select("1", {"low": ["a", "b"]}, {"high": 1})


def test_next_in_stratum_is_the_next_untaken_ticket() -> None:
    strata = strata_example()
    ranked = [i for _, i in sorted((ticket("7", i), i) for i in population_ids(strata, "high"))]
    successor = next_in_stratum("7", strata, "high", ranked[:3])
    assert successor is not None and (successor.id, successor.rank) == (ranked[3], 4)
    # Taken ids from other strata do not count; gaps are filled from the lowest untaken ticket.
    gap = next_in_stratum("7", strata, "high", [ranked[0], ranked[2], "东方红饭店"])
    assert gap is not None and (gap.id, gap.rank) == (ranked[1], 2)
    assert next_in_stratum("7", strata, "high", ranked) is None


# --- the document -----------------------------------------------------------------------------


def test_document_layout(document: dict[str, Any]) -> None:
    assert json.loads(json.dumps(document, ensure_ascii=False)) == document
    assert document["format"] == "spotcheck-draw" and document["format_version"] == 1
    assert document["item"]["item_number"] == "GA-07"
    assert document["options"] == {
        "exclude_recently_inspected": True,
        "exclusion_months": 12,
        "excluded_count": 3,
    }
    population = document["population"]
    assert list(population["strata"]) == ["low", "medium", "high", "unknown"]
    assert population["counts"] == {"low": 83, "medium": 21, "high": 12, "unknown": 2}
    assert population["strata"]["unknown"] == ["Café Lumière", "东方红饭店"]
    assert population["hash"] == population_hash(strata_example())
    allocation = document["allocation"]
    assert allocation["ratio_percent"] == "5"
    assert allocation["stratum_ratio_percent"] == {"low": "1", "high": "30"}
    assert allocation["effective_ratio_percent"] == {
        "low": "5",
        "medium": "5",
        "high": "30",
        "unknown": "5",
    }
    assert allocation["sizes"] == {"low": 5, "medium": 2, "high": 4, "unknown": 1}
    assert document["seed"]["value"] == "314159265358979323846"
    assert document["seed"]["witnesses"][0] == {"name": "张三", "digits": "31415926535"}
    assert len(document["selection"]) == 12 and document["replacements"] == []
    assert drawdoc.TEAMS_KEY not in document


def test_a_fresh_document_verifies(document: dict[str, Any]) -> None:
    results = verify_draw_document(
        document, published_population_hash=document["population"]["hash"]
    )
    assert all(r.ok for r in results), results
    lines = {(r.name, r.status, r.detail) for r in results}
    assert ("selection (stratum low)", "ok", "5 of 83") in lines
    assert ("teams", "info", "not present") in lines


def test_replacements_follow_the_stratum_order_and_verify(document: dict[str, Any]) -> None:
    first_high = next(e for e in document["selection"] if e["stratum"] == "high")
    once = add_replacement(document, first_high["id"], "已注销")
    twice = add_replacement(once, once["replacements"][0]["replacement_id"], "迁出")
    assert document["replacements"] == []  # the input is not modified
    ranked = [
        i
        for _, i in sorted(
            (ticket(document["seed"]["value"], i), i)
            for i in population_ids(strata_example(), "high")
        )
    ]
    assert [(r["replacement_id"], r["rank"]) for r in twice["replacements"]] == [
        (ranked[4], 5),
        (ranked[5], 6),
    ]
    assert drawdoc.active_targets(twice).count(ranked[5]) == 1
    assert first_high["id"] not in drawdoc.active_targets(twice)
    assert all(r.ok for r in verify_draw_document(twice))
    with pytest.raises(ValueError, match="不是当前的抽中对象"):
        add_replacement(twice, first_high["id"], "重复替换")
    with pytest.raises(ValueError, match="原因"):
        add_replacement(twice, ranked[1], " ")


def test_a_teams_section_that_is_not_a_matching_document_is_a_mismatch(
    document: dict[str, Any],
) -> None:
    document[drawdoc.TEAMS_KEY] = {"method": "future"}
    results = verify_draw_document(document)
    [teams] = [r for r in results if r.name.startswith("teams")]
    assert (teams.name, teams.status) == ("teams format", "mismatch")
    assert all(r.ok for r in results if not r.name.startswith("teams"))


def tamper(document: dict[str, Any], change: str) -> dict[str, Any]:
    doc = copy.deepcopy(document)
    if change == "population id":
        doc["population"]["strata"]["low"][3] = "913700000000009999"
    elif change == "dropped id":
        doc["population"]["strata"]["low"].pop()
        doc["population"]["counts"]["low"] -= 1
    elif change == "hash":
        doc["population"]["hash"] = "0" * 64
    elif change == "seed digit":
        doc["seed"]["value"] = "4" + doc["seed"]["value"][1:]
    elif change == "witness digits":
        doc["seed"]["witnesses"][1]["digits"] = "8979323847"
    elif change == "selected id":
        doc["selection"][0]["id"] = doc["population"]["strata"]["low"][-1]
    elif change == "selected ticket":
        doc["selection"][0]["ticket"] = doc["selection"][0]["ticket"][:-1] + "0"
    elif change == "allocation":
        doc["allocation"]["sizes"]["high"] = 3
    else:
        raise AssertionError(change)
    return doc


@pytest.mark.parametrize(
    "change",
    [
        "population id",
        "dropped id",
        "hash",
        "seed digit",
        "witness digits",
        "selected id",
        "selected ticket",
        "allocation",
    ],
)
def test_library_verification_detects_tampering(document: dict[str, Any], change: str) -> None:
    assert not all(r.ok for r in verify_draw_document(tamper(document, change)))


def test_invalid_options_and_witnesses() -> None:
    def build(**overrides: Any) -> dict[str, Any]:
        arguments: dict[str, Any] = dict(
            item=ITEM, strata={"low": ["a"]}, ratio_percent=Decimal("5"), witnesses=WITNESSES
        )
        arguments.update(overrides)
        return build_draw_document(**arguments)

    with pytest.raises(ValueError, match="月数"):
        build(options=DrawOptions(exclude_recently_inspected=True))
    with pytest.raises(ValueError, match="不应填写"):
        build(options=DrawOptions(excluded_count=2))
    with pytest.raises(ValueError, match="姓名"):
        build(witnesses=[Witness(" ", "1234567890"), Witness("李四", "1234567890")])
    with pytest.raises(ValueError, match="名录为空"):
        build(strata={})
    assert build(beacon="2025-05-01 block 845210")["seed"]["value"].endswith(
        "|2025-05-01 block 845210"
    )


def test_beacon_is_capped() -> None:
    from spotcheck.lib.drawdoc import MAX_BEACON_CHARS

    digits = ["1234567890", "0987654321"]
    assert compose_seed(digits, "f" * MAX_BEACON_CHARS).endswith("|" + "f" * MAX_BEACON_CHARS)
    with pytest.raises(ValueError, match=f"最多{MAX_BEACON_CHARS}个字符，现有100000个"):
        compose_seed(digits, "f" * 100_000)
