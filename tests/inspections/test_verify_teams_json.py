"""The served teams.json of every kind of matching verifies with the standalone verifier alone.

An event's team (seed rolled at a dice ceremony), a re-check's team (seed derived from the
original matching's seed and the re-check's visit id) and a round's teams are built through the
real actions; their teams.json, as the portal and the API serve it, is verified by
tools/verify_draw.py run as a subprocess, genuine and altered.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.inspections.actions import (
    build_visits,
    create_recheck_visit,
    match_event_team,
    match_teams_for_round,
    register_event,
)
from spotcheck.inspections.models import TeamMatching, Visit
from spotcheck.registry.models import Entity
from tests.inspections.conftest import DICE, SEED, run_draw
from tests.inspections.test_events import WITNESSES, window_of
from tests.tools.test_verify_draw import run_verifier

# The agency, plan and demo county directory are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_directory")]


@pytest.fixture
def event_match(published_plan, directory, coordinator) -> TeamMatching:
    item = published_plan.items.get(number=5)
    event = register_event(
        item=item,
        organiser="县文化馆",
        place="沂源县体育中心",
        date=window_of(item)[0],
        scale="约3000人",
        actor=coordinator,
    )
    return match_event_team(
        event=event, witnesses=WITNESSES, beacon="beacon-7f3a", actor=coordinator
    )


@pytest.fixture
def recheck_match(event_match, coordinator) -> TeamMatching:
    original = Visit.objects.get(event=event_match.event)
    item = original.visit_items.get().item
    visit = create_recheck_visit(
        original=original, items=[item], after=original.planned_end, actor=coordinator
    )
    assert visit.status == Visit.Status.MATCHED, "the demo unit has officers for the re-check"
    return visit.members.first().matching


def served(client, match: TeamMatching) -> dict[str, Any]:
    portal = client.get(reverse("public:matching_json", args=[match.pk]))
    api = client.get(f"/api/v1/matchings/{match.pk}/teams.json", follow=True)
    assert portal.status_code == api.status_code == 200
    assert portal.content == api.content
    return json.loads(portal.content)


def verify(tmp_path: Path, doc: dict[str, Any], *extra: str):
    return run_verifier(tmp_path, doc, *extra)


def assert_verified(tmp_path: Path, doc: dict[str, Any], *expected: str) -> None:
    result = verify(tmp_path, doc)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "VERIFIED"
    for line in expected:
        assert line in result.stdout, (line, result.stdout)


def assert_mismatch(tmp_path: Path, doc: dict[str, Any], expected: str) -> None:
    result = verify(tmp_path, doc)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("MISMATCH: ")
    assert expected in result.stdout, (expected, result.stdout)


def test_an_events_teams_json_verifies_and_names_a_changed_digit(
    client, tmp_path, event_match
) -> None:
    doc = served(client, event_match)
    source = doc["seed_source"]
    # Only what the seed rule needs (the names are on the public matching page already).
    assert set(source) == {"kind", "rule", "witnesses", "beacon"}
    assert source["kind"] == "event" and source["beacon"] == "beacon-7f3a"
    assert [w["digits"] for w in source["witnesses"]] == [d for _, d in WITNESSES]
    assert_verified(
        tmp_path,
        doc,
        "OK   seed composed from 2 witnesses (王五, 赵六) and a beacon, 24 digits",
        "OK   teams: seed is the recomputed seed",
        "follow from the seed",
    )
    # A witness's digit changed: the seed no longer follows from the ceremony.
    altered = copy.deepcopy(doc)
    digits = altered["seed_source"]["witnesses"][0]["digits"]
    altered["seed_source"]["witnesses"][0]["digits"] = ("1" if digits[0] != "1" else "2") + digits[
        1:
    ]
    assert_mismatch(tmp_path, altered, "FAIL teams: seed expected")
    # The beacon dropped.
    altered = copy.deepcopy(doc)
    altered["seed_source"]["beacon"] = None
    assert_mismatch(tmp_path, altered, "FAIL teams: seed expected")
    # A member swapped for another inspector of the pool: the tickets and leader give it away.
    altered = copy.deepcopy(doc)
    member = altered["visits"][0]["team"][-1]
    member["inspector_id"] = member["inspector_id"] + "X"
    assert_mismatch(tmp_path, altered, "ticket expected")
    # A one-witness ceremony is refused by the ceremony rule.
    altered = copy.deepcopy(doc)
    del altered["seed_source"]["witnesses"][1]
    assert_mismatch(tmp_path, altered, "FAIL seed: fewer than 2 witnesses")


def test_a_rechecks_teams_json_verifies_and_names_a_changed_visit_key(
    client, tmp_path, event_match, recheck_match
) -> None:
    doc = served(client, recheck_match)
    visit_id = doc["visits"][0]["visit_id"]
    original = Visit.objects.get(event=event_match.event).visit_key
    assert visit_id == f"{original}/复查1"
    assert doc["seed_source"] == {
        "kind": "recheck",
        "rule": recheck_match.seed_source["rule"],
        "original_visit": original,
        "original_seed": event_match.seed,
    }
    assert_verified(
        tmp_path,
        doc,
        f"OK   seed = sha256(seed of {original}'s matching + LF + {visit_id}) (re-check)",
        "OK   teams: seed is the recomputed seed",
    )
    # The original seed is the one the event's own teams.json publishes: --original compares.
    original_doc = served(client, event_match)
    original_path = tmp_path / "original-teams.json"
    original_path.write_text(json.dumps(original_doc, ensure_ascii=False), encoding="utf-8")
    result = verify(tmp_path, doc, "--original", str(original_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"OK   original: original_seed is the published seed of {original}'s matching" in (
        result.stdout
    )
    forged = copy.deepcopy(original_doc)
    forged["seed"] = "0" * 20
    original_path.write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
    result = verify(tmp_path, doc, "--original", str(original_path))
    assert result.returncode == 1
    assert f"FAIL original: original_seed differs from the seed of {original}'s matching" in (
        result.stdout
    )
    forged = copy.deepcopy(original_doc)
    forged["visits"][0]["visit_id"] = "2022/event-999/5"
    original_path.write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
    result = verify(tmp_path, doc, "--original", str(original_path))
    assert result.returncode == 1 and f"the given record has no visit {original}" in result.stdout
    # --original belongs to a re-check's record only.
    result = verify(tmp_path, original_doc, "--original", str(original_path))
    assert "FAIL original: --original applies to a re-check's record only" in result.stdout
    # Another visit key: the seed (and every team ticket) differs.
    altered = copy.deepcopy(doc)
    altered["visits"][0]["visit_id"] = f"{original}/复查2"
    assert_mismatch(tmp_path, altered, "FAIL teams: seed expected")
    # Another original seed.
    altered = copy.deepcopy(doc)
    altered["seed_source"]["original_seed"] = "0" * 20
    assert_mismatch(tmp_path, altered, "FAIL teams: seed expected")
    # A visit that is not a re-check of the named original.
    altered = copy.deepcopy(doc)
    altered["seed_source"]["original_visit"] = "2022/event-999/5"
    assert_mismatch(tmp_path, altered, "is not a re-check of 2022/event-999/5")
    # A member changed.
    altered = copy.deepcopy(doc)
    altered["visits"][0]["team"][0]["inspector_id"] += "X"
    assert_mismatch(tmp_path, altered, "ticket expected")


def test_the_kit_opens_a_rechecks_lists_and_recomputes_the_team(
    client, tmp_path, recheck_match
) -> None:
    doc = served(client, recheck_match)
    kit = tmp_path / "kit.json"
    kit.write_text(json.dumps(recheck_match.verification_kit(), ensure_ascii=False), "utf-8")
    result = verify(tmp_path, doc, "--kit", str(kit))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK   teams: the kit opens all 1 commitments" in result.stdout
    assert "OK   teams: all 1 team(s) recomputed from the lists" in result.stdout
    # The published record keeps the lists (and so recusals) out.
    assert all("eligible" not in v and "qualified" not in v for v in doc["visits"])
    assert recheck_match.commitment_salt not in json.dumps(doc, ensure_ascii=False)


def test_a_rounds_teams_json_verifies_on_its_own(
    client, tmp_path, published_plan, executed_draws, coordinator
) -> None:
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match = match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    doc = served(client, match)
    assert doc["seed_source"]["kind"] == "round"
    assert_verified(tmp_path, doc, "OK   seed composed from 1 draw seed of ")
    altered = copy.deepcopy(doc)
    altered["seed_source"]["draws"][0]["seed"] += "1"
    assert_mismatch(tmp_path, altered, "FAIL teams: seed expected")
    # The same section travels in every draw.json of the round; its seed source is checked there.
    draw = executed_draws[8].draw
    document = json.loads(client.get(reverse("public:draw_json", args=[draw.pk])).content)
    assert document["teams"] == doc
    assert_verified(tmp_path, document, "OK   seed composed from 1 draw seed of ")
    document["teams"]["seed_source"]["draws"][-1]["seed"] = "1" * 20
    assert_mismatch(tmp_path, document, "FAIL teams: the seed does not follow from its seed_source")


def test_a_round_of_two_ceremonies_is_verified_from_its_teams_json_as_the_409_says(
    client, tmp_path, published_plan, directory, coordinator
) -> None:
    items = published_plan.items.filter(event_driven=False).order_by("number")
    later = [("王五", "2718281828"), ("赵六", "4590452353")]
    draws = {i.number: run_draw(i, coordinator, later if i.number == 3 else DICE) for i in items}
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match = match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    response = client.get(reverse("public:draw_json", args=[draws[8].pk]))
    assert response.status_code == 409
    page = response.content.decode()
    assert "python3 verify_draw.py teams.json" in page
    assert reverse("public:matching_json", args=[match.pk]) in page
    doc = served(client, match)
    assert {d["seed"] for d in doc["seed_source"]["draws"]} == {SEED, "27182818284590452353"}
    assert_verified(
        tmp_path,
        doc,
        f"OK   seed composed from 2 draw seeds of {len(draws)} draws",
        "OK   teams: the 35 visit tickets follow from the draws' seeds",
    )
    # The draws listed in another order still compose the round seed by item order.
    shuffled = copy.deepcopy(doc)
    shuffled["seed_source"]["draws"].reverse()
    assert_verified(tmp_path, shuffled, "OK   teams: seed is the recomputed seed")
    # A visit's ticket (its place in the fill order) that no draw gave.
    moved = copy.deepcopy(doc)
    moved["visits"][0]["ticket"] = moved["visits"][1]["ticket"]
    visit_id = moved["visits"][0]["visit_id"]
    assert_mismatch(tmp_path, moved, f"FAIL teams: visit {visit_id}: ticket expected")
    # A draw of the round left out: the seed differs.
    dropped = copy.deepcopy(doc)
    dropped["seed_source"]["draws"] = [
        d for d in dropped["seed_source"]["draws"] if d["seed"] == SEED
    ]
    assert_mismatch(tmp_path, dropped, "FAIL teams: seed expected")


def test_a_record_without_a_seed_source_is_unreadable_not_verified(
    client, tmp_path, event_match
) -> None:
    doc = served(client, event_match)
    del doc["seed_source"]
    result = verify(tmp_path, doc)
    assert result.returncode == 2 and "without `seed_source`" in result.stderr


def test_an_event_of_a_directory_organiser_and_its_recheck_verify(
    client, tmp_path, published_plan, directory, coordinator
) -> None:
    """An organiser found in the directory gives the visit its entity id, while the visit id
    still names the event (year/event-N/items): the record and its re-check's verify."""
    item = published_plan.items.get(number=5)
    organiser = Entity.objects.filter(agency=published_plan.agency).order_by("pk").first()
    event = register_event(
        item=item,
        organiser=organiser.name,
        organiser_entity=organiser,
        place="沂源县体育中心",
        date=window_of(item)[0],
        scale="约3000人",
        actor=coordinator,
    )
    match = match_event_team(event=event, witnesses=WITNESSES, beacon="b", actor=coordinator)
    doc = served(client, match)
    visit = doc["visits"][0]
    assert visit["entity_id"] == organiser.public_id
    assert visit["visit_id"] == f"{published_plan.year}/event-{event.pk}/5"
    assert_verified(tmp_path, doc, "OK   teams: seed is the recomputed seed")

    original = Visit.objects.get(event=event)
    recheck = create_recheck_visit(
        original=original, items=[item], after=original.planned_end, actor=coordinator
    )
    assert_verified(tmp_path, served(client, recheck.members.first().matching))

    # Another event's number in the id is still a visit id of this year and item, but not a
    # round's: an id naming neither the entity nor an event is refused.
    altered = copy.deepcopy(doc)
    altered["visits"][0]["visit_id"] = f"{published_plan.year}/someone-else/5"
    assert_mismatch(tmp_path, altered, "visit id is not year/entity/items")
