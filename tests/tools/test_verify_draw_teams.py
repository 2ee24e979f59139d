"""tools/verify_draw.py on draw documents that carry the round's teams.

A realistic round (tests/demo_round.py: the demo county, items 1, 3, 4 and 8-11 of the 2022 plan
drawn with one ceremony seed, joint visits, a target replacement and a team replacement) is
verified by the standalone script as a subprocess, genuine and altered; and the script's own
re-implementation of the fill rule, imported from its path, is compared with spotcheck.lib.matching
on random instances.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.lib import drawdoc
from spotcheck.lib.matching import (
    MatchingImpossible,
    matching_document,
    replace_member,
    team_ticket,
    teams_from_document,
)
from spotcheck.lib.sampling import ticket
from tests.demo_round import demo_round
from tests.lib.test_matching import Instance, greedy_trap, instances
from tests.tools.test_verify_draw import VERIFIER, python_3_8, run_verifier

ITEMS_8_TO_11 = ["8", "9", "10", "11"]


def load_verifier() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_draw_tool", VERIFIER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


verifier = load_verifier()


def item_8() -> dict[str, Any]:
    return copy.deepcopy(demo_round().documents["8"])


def teams_of(doc: dict[str, Any]) -> dict[str, Any]:
    teams: dict[str, Any] = doc[drawdoc.TEAMS_KEY]
    return teams


def joint_visit(doc: dict[str, Any]) -> dict[str, Any]:
    """A visit of items 8-11 on one entity whose team was not changed by a replacement."""
    replaced = {r["visit_id"] for r in teams_of(doc)["replacements"]}
    return next(
        v
        for v in teams_of(doc)["visits"]
        if v["items"] == ITEMS_8_TO_11 and v["visit_id"] not in replaced
    )


def member_at(visit: dict[str, Any], seat: int) -> dict[str, Any]:
    return next(m for m in visit["team"] if m["seat"] == seat)


# --- genuine documents ----------------------------------------------------------------------------


def test_every_draw_of_the_round_verifies_with_its_teams(tmp_path: Path) -> None:
    round_ = demo_round()
    digests = set()
    for number, doc in round_.documents.items():
        result = run_verifier(tmp_path, doc)
        assert result.returncode == 0, result.stdout + result.stderr
        lines = result.stdout.splitlines()
        assert lines[-1] == "VERIFIED"
        assert "OK   teams: seed is the seed of this draw" in lines
        assert f"OK   teams: each of the {len(drawdoc.active_targets(doc))} active targets of " in (
            "\n".join(lines)
        )
        assert f"item {number} has one visit" in result.stdout
        digests.update(line for line in lines if line.startswith("INFO teams: section sha256 "))
    assert len(digests) == 1  # one section, attached to every draw document of the round


def test_the_lines_of_item_8(tmp_path: Path) -> None:
    doc = item_8()
    result = run_verifier(tmp_path, doc)
    lines = result.stdout.splitlines()
    assert "OK   teams: spotcheck.matching/1, 28 visits, 1 replacement" in lines
    assert "OK   teams: cap 网安大队 8 seats / 5 eligible -> cap 2" in lines
    assert "OK   teams: cap 治安大队 32 seats / 8 eligible -> cap 4" in lines
    assert "OK   teams: visits listed in fill order (visit ticket, visit id)" in lines
    visit = joint_visit(doc)
    leader = visit["team"][0]["inspector_id"]
    assert f"OK   team {visit['visit_id']}: 2 members recomputed, leader {leader}" in lines
    assert "OK   teams: the other 24 visits of the round recomputed" in lines
    [replacement] = [line for line in lines if line.startswith("OK   team replacement 1: ")]
    record = teams_of(doc)["replacements"][0]
    assert f"{record['removed']} -> {record['added']}" in replacement
    assert "INFO teams: not present" not in lines


# --- altered documents ----------------------------------------------------------------------------


def other_candidate(visit: dict[str, Any], seat: int) -> str:
    pool = visit["seats"][seat]["pool"]
    on_team = {m["inspector_id"] for m in visit["team"]}
    return next(i for i in visit["eligible"][pool] if i not in on_team)


def alter(doc: dict[str, Any], change: str) -> str:
    """Apply one change; return a text the verifier's FAIL lines must contain."""
    teams = teams_of(doc)
    seed = teams["seed"]
    visit = joint_visit(doc)
    visit_id = visit["visit_id"]
    if change == "team member swapped":
        member = visit["team"][1]  # not the leader
        seat, before = member["seat"], member["inspector_id"]
        after = other_candidate(visit, seat)
        member.update(inspector_id=after, ticket=team_ticket(seed, visit_id, after))
        return f"team {visit_id}: seat {seat} member expected {before}, found {after}"
    if change == "two members exchange seats":
        first, second = member_at(visit, 0), member_at(visit, 1)
        first["seat"], second["seat"] = 1, 0
        return f"team {visit_id}: seat 0 member expected {first['inspector_id']}"
    if change == "leader changed":
        first, second = visit["team"]
        first["role"], second["role"] = "member", "leader"
        return f"team {visit_id}: leader expected {first['inspector_id']}, found "
    if change == "team ticket altered":
        member = visit["team"][1]
        member["ticket"] = member["ticket"][:-1] + ("1" if member["ticket"][-1] != "1" else "2")
        return f"team {visit_id}: member {member['inspector_id']} ticket expected"
    if change == "ineligible id on a team":
        member = member_at(visit, 1)
        member.update(inspector_id="鲁公执3703239999", ticket=team_ticket(seed, visit_id, "x"))
        return "found 鲁公执3703239999 (not in the published list for this seat)"
    if change == "ineligible id added to a team":
        visit["team"].append(
            {"inspector_id": "鲁公执3703239999", "role": "member", "seat": 2, "ticket": "0.5"}
        )
        return f"team {visit_id}: seat 2 expected no member (seats 0..1), found 鲁公执3703239999"
    if change == "cap changed":
        teams["pools"]["网安大队"]["cap"] = 3
        return (
            "teams: cap 网安大队 expected 8 seats / 5 eligible -> cap 2, "
            "found 8 seats / 5 eligible -> cap 3"
        )
    if change == "visit added for an entity that was not drawn":
        drawn = set(drawdoc.active_targets(doc)) | {e["id"] for e in doc["selection"]}
        stranger = next(i for i in doc["population"]["strata"]["low"] if i not in drawn)
        extra = copy.deepcopy(visit)
        extra.update(
            visit_id=f"2022/{stranger}/8",
            entity_id=stranger,
            items=["8"],
            ticket=ticket(seed, stranger),
        )
        for member in extra["team"]:
            member["ticket"] = team_ticket(seed, extra["visit_id"], member["inspector_id"])
        teams["visits"].append(extra)
        teams["visits"].sort(key=lambda v: (v["ticket"], v["visit_id"]))
        return f"teams: visit 2022/{stranger}/8: {stranger} is not an active target of item 8"
    if change == "visit of a drawn target removed":
        teams["visits"].remove(visit)
        return f"teams: target {visit['entity_id']} of item 8: expected 1 visit, found 0"
    if change == "visit ticket lowered":
        drawn = visit["ticket"]
        visit["ticket"] = "0.0" + drawn[2:]
        return f"teams: visit {visit_id}: ticket expected {drawn}, found 0.0"
    if change == "eligibility list reordered":
        visit["eligible"]["网安大队"].reverse()
        return "网安大队: eligibility list not sorted or qualifications differ"
    if change == "teams seed altered":
        teams["seed"] = seed[:-1] + ("1" if seed[-1] != "1" else "2")
        return f"teams: seed expected {seed} (this draw's), found {teams['seed']}"
    if change == "visits reordered":
        teams["visits"].reverse()
        return "teams: visits expected in fill order (visit ticket, visit id)"
    if change == "capped count altered":
        visit["excluded"]["capped"] += 1
        return f"team {visit_id}: excluded capped expected"
    if change == "replacement altered":
        record = teams["replacements"][0]
        record["over_cap"] = not record["over_cap"]
        return "team replacement 1: "
    if change == "replacement record dropped":
        record = teams["replacements"].pop()
        return (
            f"team {record['visit_id']}: seat {record['seat']} member expected {record['removed']}"
        )
    raise AssertionError(change)


CHANGES = [
    "team member swapped",
    "two members exchange seats",
    "leader changed",
    "team ticket altered",
    "ineligible id on a team",
    "ineligible id added to a team",
    "cap changed",
    "visit added for an entity that was not drawn",
    "visit of a drawn target removed",
    "visit ticket lowered",
    "eligibility list reordered",
    "teams seed altered",
    "visits reordered",
    "capped count altered",
    "replacement altered",
    "replacement record dropped",
]


@pytest.mark.parametrize("change", CHANGES)
def test_any_alteration_of_the_teams_is_a_mismatch(tmp_path: Path, change: str) -> None:
    doc = item_8()
    expected = alter(doc, change)
    result = run_verifier(tmp_path, doc)
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stdout
    assert lines[-1].startswith("MISMATCH: ")
    assert any(line.startswith("FAIL ") and expected in line for line in lines), result.stdout
    # The draw itself is untouched: only team lines fail.
    assert all(
        line.startswith(("FAIL team", "FAIL teams")) for line in lines if line.startswith("FAIL ")
    )
    # The library's own verification reaches the same verdict.
    assert not all(r.ok for r in drawdoc.verify_draw_document(doc))


def test_a_swapped_member_is_named_in_the_verdict(tmp_path: Path) -> None:
    doc = item_8()
    expected = alter(doc, "team member swapped")
    result = run_verifier(tmp_path, doc)
    assert result.stdout.splitlines()[-1] == f"MISMATCH: {expected}"


def test_a_malformed_teams_section_is_a_mismatch_not_a_crash(tmp_path: Path) -> None:
    doc = item_8()
    del teams_of(doc)["visits"][0]["eligible"]
    result = run_verifier(tmp_path, doc)
    assert result.returncode == 1
    assert "FAIL teams: malformed section (KeyError('eligible'))" in result.stdout


def test_the_teams_are_verified_on_python_3_8_when_available(tmp_path: Path) -> None:
    python38 = python_3_8()
    if python38 is None:
        pytest.skip("no Python 3.8 interpreter on this machine")
    result = run_verifier(tmp_path, item_8(), python=python38)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "VERIFIED"
    assert "OK   teams: cap 网安大队 8 seats / 5 eligible -> cap 2" in result.stdout
    for change in CHANGES:
        doc = item_8()
        expected = alter(doc, change)
        result = run_verifier(tmp_path, doc, python=python38)
        assert result.returncode == 1, (change, result.stdout + result.stderr)
        assert expected in result.stdout, change
    # The exact pass (the greedy pass gets stuck) on 3.8 too.
    trap = next(
        result
        for result in (greedy_trap(str(seed)).match() for seed in range(40))
        if result.fallback_pools
    )
    path = tmp_path / "teams.json"
    path.write_text(json.dumps(matching_document(trap), ensure_ascii=False), encoding="utf-8")
    script = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('v', {str(VERIFIER)!r})\n"
        "v = importlib.util.module_from_spec(spec); spec.loader.exec_module(v)\n"
        f"section = json.load(open({str(path)!r}, encoding='utf-8'))\n"
        "print(json.dumps(v.recompute_teams(section)['teams'], sort_keys=True))\n"
    )
    run = subprocess.run([python38, "-I", "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(run.stdout) == {
        team.visit.visit_id: list(team.by_seat()) for team in trap.teams
    }


# --- the verifier's fill rule against spotcheck.lib.matching ----------------------------------------

NO_ITEM = {"item": {"item_number": "-", "year": 2022}}  # no visit belongs to this draw


def assert_verifier_agrees(document: dict[str, Any]) -> None:
    redone = verifier.recompute_teams(document)
    library = {visit_id: list(ids) for visit_id, ids in teams_from_document(document).items()}
    assert redone["teams"] == library
    assert redone["order"] == [v["visit_id"] for v in document["visits"]]
    assert redone["caps"] == {
        pool: (cap["seats"], cap["eligible"], cap["cap"]) for pool, cap in document["pools"].items()
    }
    for visit in document["visits"]:
        for key in ("capped", "unqualified"):
            assert redone[key][visit["visit_id"]] == visit["excluded"][key]
    assert redone["replacements"] == [
        {key: value for key, value in record.items() if key != "reason"}
        for record in document["replacements"]
    ]
    assert redone["problems"] == []
    outcomes = verifier.check_team_lists(NO_ITEM, document)
    outcomes += verifier.check_team_matching(NO_ITEM, document)
    assert all(passed for passed, _ in outcomes), outcomes


@settings(max_examples=150, deadline=None)
@given(instances(), st.data())
def test_the_verifier_recomputes_what_the_library_matched(
    inst: Instance, data: st.DataObject
) -> None:
    try:
        result = inst.match()
    except MatchingImpossible:
        return
    for _ in range(data.draw(st.integers(0, 2))):
        team = data.draw(st.sampled_from(result.teams))
        member = data.draw(st.sampled_from(team.members))
        try:
            result = replace_member(result, team.visit.visit_id, member.inspector_id, "出差")
        except MatchingImpossible:
            break
    document = matching_document(result)
    assert_verifier_agrees(document)
    assert verifier.recompute_teams(document)["teams"] == {
        team.visit.visit_id: list(team.by_seat()) for team in result.teams
    }
    # Any member swapped for another eligible inspector is caught.
    visit = data.draw(st.sampled_from(document["visits"]))
    seat = data.draw(st.integers(0, len(visit["seats"]) - 1))
    spec = visit["seats"][seat]
    on_team = {m["inspector_id"] for m in visit["team"]}
    others = [i for i in visit["eligible"][spec["pool"]] if i not in on_team]
    if others:
        member = next(m for m in visit["team"] if m["seat"] == seat)
        member["inspector_id"] = data.draw(st.sampled_from(others))
        outcomes = verifier.check_team_matching(NO_ITEM, document)
        assert not all(passed for passed, _ in outcomes)


def test_the_verifier_agrees_where_the_library_needs_its_exact_pass() -> None:
    exact = 0
    for seed in range(40):
        result = greedy_trap(str(seed)).match()
        exact += bool(result.fallback_pools)
        assert_verifier_agrees(matching_document(result))
    assert exact > 0
