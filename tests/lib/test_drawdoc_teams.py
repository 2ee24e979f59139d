"""The `teams` section of the draw document: attach_teams and the library's own verification."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from spotcheck.lib import drawdoc
from spotcheck.lib.drawdoc import DrawItem, attach_teams, build_draw_document, verify_draw_document
from spotcheck.lib.sampling import ticket
from tests.demo_round import DAYS, PLAN, WITNESSES, demo_round, population


def test_the_same_matching_document_is_attached_to_every_draw_of_the_round() -> None:
    round_ = demo_round()
    assert set(round_.documents) == {"1", "3", "4", "8", "9", "10", "11"}
    for number, document in round_.documents.items():
        assert document[drawdoc.TEAMS_KEY] == round_.teams
        assert drawdoc.TEAMS_KEY not in round_.draws[number]  # the input is not modified
        results = verify_draw_document(document)
        assert all(r.ok for r in results), [r for r in results if not r.ok]
        names = {r.name for r in results}
        assert {
            "teams format",
            "teams seed",
            "teams tickets",
            "teams targets",
            "teams lists",
        } <= names
        assert "team replacement 1" in names
    visits = {tuple(v["items"]) for v in round_.teams["visits"]}
    assert ("8", "9", "10", "11") in visits  # items 8-11 drawn on one entity: one visit
    assert ("9", "10", "11") in visits  # item 8's target there was replaced
    results = verify_draw_document(round_.documents["8"])
    assert ("teams cap 网安大队", "ok", "8 seats / 5 eligible -> cap 2") in {
        (r.name, r.status, r.detail) for r in results
    }


def test_a_document_without_teams_still_says_not_present() -> None:
    results = verify_draw_document(demo_round().draws["8"])
    assert ("teams", "info", "not present") in {(r.name, r.status, r.detail) for r in results}
    assert all(r.ok for r in results)


def test_teams_of_another_seed_are_refused() -> None:
    round_ = demo_round()
    teams = {**round_.teams, "seed": round_.seed + "0"}
    with pytest.raises(ValueError, match="seed"):
        attach_teams(round_.draws["8"], teams)


def test_a_draw_whose_targets_have_no_visit_is_refused() -> None:
    round_ = demo_round()
    item_12 = build_draw_document(
        item=DrawItem(PLAN, 2022, "12", "对国家重大网络安全保卫任务的监督检查", "联网单位"),
        strata=population(round_.county, "互联网服务提供者和联网使用单位"),
        ratio_percent=Decimal("5"),
        witnesses=WITNESSES,
    )
    with pytest.raises(ValueError, match="of item 12 is in 0 visits"):
        attach_teams(item_12, round_.teams)


def test_a_visit_for_an_entity_that_was_not_drawn_is_refused() -> None:
    round_ = demo_round()
    draw = round_.draws["8"]
    stranger = next(
        i for i in draw["population"]["strata"]["low"] if i not in drawdoc.active_targets(draw)
    )
    teams = copy.deepcopy(round_.teams)
    visit = copy.deepcopy(next(v for v in teams["visits"] if v["items"] == ["8", "9", "10", "11"]))
    visit.update(
        visit_id=f"2022/{stranger}/8",
        entity_id=stranger,
        items=["8"],
        ticket=ticket(round_.seed, stranger),
    )
    teams["visits"].append(visit)
    with pytest.raises(ValueError, match=f"{stranger} is not an active target of item 8"):
        attach_teams(draw, teams)


def test_teams_that_do_not_follow_from_the_lists_are_refused() -> None:
    round_ = demo_round()
    teams = copy.deepcopy(round_.teams)
    team = teams["visits"][0]["team"]
    team[0]["role"], team[1]["role"] = team[1]["role"], team[0]["role"]
    with pytest.raises(ValueError, match="roles, tickets or member order differ"):
        attach_teams(round_.draws["1"], teams)


def test_the_section_names_nobody_and_gives_no_certificate_or_recusal_details() -> None:
    round_ = demo_round()
    text = json.dumps(round_.documents["8"][drawdoc.TEAMS_KEY], ensure_ascii=False)
    county = round_.county
    for person in county.inspectors:
        assert person.name not in text
        assert not person.badge_number or person.badge_number not in text
        if person.certificate_valid_until not in DAYS:
            assert person.certificate_valid_until.isoformat() not in text
    for recusal in county.recusals:
        assert recusal.note not in text
        assert recusal.valid_from.isoformat() not in text
    visit_keys = {key for visit in round_.teams["visits"] for key in visit}
    assert visit_keys == {
        "visit_id",
        "ticket",
        "entity_id",
        "items",
        "unit",
        "cooperating",
        "days",
        "seats",
        "eligible",
        "qualified",
        "excluded",
        "team",
    }
    member_keys = {key for v in round_.teams["visits"] for m in v["team"] for key in m}
    assert member_keys == {"inspector_id", "role", "seat", "ticket"}
    assert set(round_.teams["replacements"][0]) == {
        "visit_id",
        "seat",
        "removed",
        "added",
        "reason",
        "over_cap",
        "ticket",
    }


def altered(change: str) -> dict[str, Any]:
    document = copy.deepcopy(demo_round().documents["8"])
    teams = document[drawdoc.TEAMS_KEY]
    if change == "cap":
        teams["pools"]["网安大队"]["cap"] = 3
    elif change == "unsorted list":
        visit = next(v for v in teams["visits"] if "8" in v["items"])
        visit["eligible"]["网安大队"].reverse()
    elif change == "replacement":
        teams["replacements"][0]["over_cap"] = False
    else:
        raise AssertionError(change)
    return document


@pytest.mark.parametrize(
    ("change", "check"),
    [
        ("cap", "teams cap 网安大队"),
        ("unsorted list", "teams lists"),
        ("replacement", "team replacement 1"),
    ],
)
def test_alterations_are_mismatches(change: str, check: str) -> None:
    failed = [r.name for r in verify_draw_document(altered(change)) if not r.ok]
    assert check in failed
