"""Visit grouping: 进一次门、查多项事."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.lib.visits import DrawnTarget, Visit, group_visits, intersect, item_order

ENTITY = "91370323MA3C000001"  # an internet café drawn by items 8-11 of the 2022 plan


def target(
    item: str,
    unit: str = "网安大队",
    window: tuple[int, int] = (1, 12),
    ticket: str = "0.5",
    entity: str = ENTITY,
    **extra: object,
) -> DrawnTarget:
    return DrawnTarget(
        entity_id=entity,
        item_key=item,
        unit=unit,
        window=window,
        ticket=ticket,
        plan_year=2022,
        **extra,  # type: ignore[arg-type]
    )


def test_items_8_to_11_of_the_2022_plan_make_one_visit() -> None:
    drawn = [
        target("10", ticket="0.31"),
        target("8", ticket="0.72"),
        target("11", ticket="0.05", entity_name="某某网吧"),
        target("9", ticket="0.44"),
    ]
    plan = group_visits(drawn)
    assert plan.proposals == ()
    [visit] = plan.visits
    assert visit.item_keys == ("8", "9", "10", "11")
    assert visit.visit_id == f"2022/{ENTITY}/8+9+10+11"
    assert (visit.unit, visit.window, visit.ticket) == ("网安大队", (1, 12), "0.05")
    assert visit.describe() == f"检查对象某某网吧（{ENTITY}）事项8、9、10、11"


def test_two_units_on_one_entity_are_proposed_and_merged_only_when_accepted() -> None:
    drawn = [
        target(
            "1", unit="治安大队", window=(5, 11), ticket="0.30", cooperating=frozenset({"住建局"})
        ),
        target("8", window=(1, 12), ticket="0.20", qualifications=frozenset({"网络安全"})),
    ]
    plan = group_visits(drawn)
    assert [visit.visit_id for visit in plan.visits] == [f"2022/{ENTITY}/8", f"2022/{ENTITY}/1"]
    [proposal] = plan.proposals
    assert proposal.units == ("治安大队", "网安大队")
    assert proposal.window == (5, 11)

    merged = group_visits(drawn, accepted_joint={proposal.key})
    assert merged.proposals == ()
    [joint] = merged.visits
    assert joint.visit_id == f"2022/{ENTITY}/1+8"
    assert joint.unit == "网安大队"  # its visit was drawn first (lowest ticket)
    assert joint.cooperating == ("住建局", "治安大队")
    assert joint.window == (5, 11)
    assert joint.requirements == (("网安大队", "网络安全"),)
    assert joint.merged_from == proposal.visit_ids


def test_non_overlapping_windows_make_separate_visits() -> None:
    plan = group_visits([target("2", window=(1, 4)), target("3", window=(5, 10))])
    assert [visit.item_keys for visit in plan.visits] == [("2",), ("3",)]
    assert plan.proposals == ()


def test_windows_merge_by_intersection_greedily_in_item_order() -> None:
    plan = group_visits(
        [target("1", window=(1, 3)), target("2", window=(3, 6)), target("3", window=(5, 8))]
    )
    windows = {visit.item_keys: visit.window for visit in plan.visits}
    # 1 and 2 meet in March; 3 overlaps 2 but not March, so it cannot join that visit.
    assert windows == {("1", "2"): (3, 3), ("3",): (5, 8)}


def test_merged_visit_takes_largest_team_and_all_requirements() -> None:
    plan = group_visits(
        [
            target("8", team_size=3, qualifications=frozenset({"甲"})),
            target(
                "9", team_size=2, qualifications=frozenset({"乙"}), cooperating=frozenset({"X"})
            ),
        ]
    )
    [visit] = plan.visits
    assert visit.team_size == 3
    # Code point order: 乙 (U+4E59) before 甲 (U+7532).
    assert visit.requirements == (("网安大队", "乙"), ("网安大队", "甲"))
    assert visit.cooperating == ("X",)


def test_visits_are_ordered_by_ticket_then_id() -> None:
    plan = group_visits(
        [
            target("8", entity="B", ticket="0.2"),
            target("8", entity="A", ticket="0.2"),
            target("8", entity="C", ticket="0.1"),
        ]
    )
    assert [visit.entity_id for visit in plan.visits] == ["C", "A", "B"]


def test_rejects_duplicates_bad_windows_and_unknown_acceptances() -> None:
    with pytest.raises(ValueError, match="drawn twice"):
        group_visits([target("8"), target("8")])
    with pytest.raises(ValueError, match="window"):
        group_visits([target("8", window=(6, 5))])
    with pytest.raises(ValueError, match="not proposed"):
        group_visits([target("8")], accepted_joint={frozenset({"2022/x/1", "2022/x/2"})})


def test_item_order_is_natural() -> None:
    assert sorted(["10", "9", "a2", "a10", "8", "08"], key=item_order) == [
        "08",
        "8",
        "9",
        "10",
        "a2",
        "a10",
    ]


UNITS = ["治安大队", "网安大队", "禁毒大队"]


@st.composite
def drawn_targets(draw: st.DrawFn) -> list[DrawnTarget]:
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(["E1", "E2", "E3"]), st.integers(1, 12)),
            unique=True,
            max_size=14,
        )
    )
    targets = []
    for entity, item in pairs:
        start = draw(st.integers(1, 12))
        targets.append(
            target(
                str(item),
                # An item belongs to one unit, whichever entity it is drawn on.
                unit=UNITS[item % len(UNITS)],
                window=(start, draw(st.integers(start, 12))),
                ticket=f"0.{draw(st.integers(0, 10**6)):06d}",
                entity=entity,
            )
        )
    return targets


def covers_every_target_once(targets: list[DrawnTarget], visits: tuple[Visit, ...]) -> None:
    covered = sorted((visit.entity_id, item) for visit in visits for item in visit.item_keys)
    assert covered == sorted((t.entity_id, t.item_key) for t in targets)
    by_key = {(t.entity_id, t.item_key): t for t in targets}
    for visit in visits:
        members = [by_key[(visit.entity_id, item)] for item in visit.item_keys]
        for member in members:
            assert intersect(visit.window, member.window) == visit.window
        assert visit.ticket == min(member.ticket for member in members)
        units = {member.unit for member in members}
        assert units == {visit.unit} or visit.merged_from


@settings(max_examples=150, deadline=None)
@given(drawn_targets(), st.randoms(use_true_random=False))
def test_grouping_properties(targets: list[DrawnTarget], rng: random.Random) -> None:
    plan = group_visits(targets)
    covers_every_target_once(targets, plan.visits)
    assert list(plan.visits) == sorted(plan.visits, key=lambda v: (v.ticket, v.visit_id))
    assert len({visit.visit_id for visit in plan.visits}) == len(plan.visits)
    ids = {visit.visit_id for visit in plan.visits}
    for proposal in plan.proposals:
        assert proposal.key <= ids
        assert len(set(proposal.units)) == len(proposal.units) >= 2

    shuffled = list(targets)
    rng.shuffle(shuffled)
    assert group_visits(shuffled) == plan

    accepted = {proposal.key for proposal in plan.proposals if rng.random() < 0.5}
    merged = group_visits(targets, accepted_joint=accepted)
    covers_every_target_once(targets, merged.visits)
    assert {p.key for p in merged.proposals} == {p.key for p in plan.proposals} - accepted
    assert sum(1 for visit in merged.visits if visit.merged_from) == len(accepted)
