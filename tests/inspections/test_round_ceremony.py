"""A whole round drawn at one ceremony (prepare_round → seed_round → execute_round), matched,
and verified from its draw.json files alone by tools/verify_draw.py; the audit trail and the
stored records verify too."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from spotcheck.audit.models import verify_chain
from spotcheck.audit.records import verify_stored_records
from spotcheck.draws import actions as draws
from spotcheck.inspections.actions import build_visits, match_teams_for_round
from spotcheck.inspections.exports import draw_document_with_teams_bytes
from spotcheck.inspections.models import Visit
from tests.inspections.conftest import DICE, POPULATION_DAY, SEED

pytestmark = pytest.mark.django_db

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"


def test_a_whole_round_verifies_from_its_draw_json_files(
    published_plan, directory, coordinator, tmp_path
):
    prepared = draws.prepare_round(
        plan=published_plan, round=1, actor=coordinator, on=POPULATION_DAY
    )
    hashes = {d.pk: d.population_hash for d in prepared}
    draws.seed_round(plan=published_plan, round=1, witnesses=DICE, actor=coordinator)
    executed = draws.execute_round(plan=published_plan, round=1, actor=coordinator)
    assert {d.seed for d in executed} == {SEED}
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match = match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    assert match.seed == SEED
    # Items 8-11 drew the same entities, so each of those entities is one visit of four items.
    network = [d for d in executed if d.item.number in (8, 9, 10, 11)]
    chosen = {frozenset(d.selections.values_list("entity_id", flat=True)) for d in network}
    assert len(chosen) == 1
    for entity_id in next(iter(chosen)):
        visit = Visit.objects.get(plan=published_plan, round=1, entity_id=entity_id)
        numbers = {vi.item.number for vi in visit.visit_items.all()}
        assert {8, 9, 10, 11} <= numbers
    teams = set()
    for draw in executed:
        path = tmp_path / f"draw-{draw.item.number}.json"
        path.write_bytes(draw_document_with_teams_bytes(draw))
        teams.add(json.dumps(json.loads(path.read_bytes())["teams"], sort_keys=True))
        result = subprocess.run(
            [sys.executable, "-I", str(VERIFIER), str(path), "--population-hash", hashes[draw.pk]],
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.splitlines()[-1] == "VERIFIED"
        assert "INFO teams: not present" not in result.stdout
    assert len(teams) == 1  # the same teams section in every draw.json of the round
    assert verify_chain().ok
    assert verify_stored_records().ok
