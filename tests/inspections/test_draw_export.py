"""draw.json carries the round's teams; tools/verify_draw.py recomputes them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from spotcheck.inspections.actions import build_visits, match_teams_for_round, replace_team_member
from spotcheck.inspections.exports import draw_document_with_teams
from spotcheck.inspections.models import Visit
from spotcheck.lib import drawdoc, matching
from spotcheck.lib.matching_public import open_document
from spotcheck.plans.models import PlanItem
from tests.inspections.conftest import DICE, run_draw

# The agency, plan and demo county directory are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_directory")]

# SPOTCHECK_VERIFY_DRAW: try another copy of the verifier (e.g. from a branch not merged yet).
VERIFIER = Path(
    os.environ.get("SPOTCHECK_VERIFY_DRAW")
    or Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"
)


@pytest.fixture
def matched(published_plan, executed_draws, coordinator):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match = match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    visit = Visit.objects.filter(responsible_unit__name="网安大队").first()
    replace_team_member(member=visit.current_members().first(), reason="因病", actor=coordinator)
    match.refresh_from_db()
    return match


def verify(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(VERIFIER), str(path), *options],
        capture_output=True,
        text=True,
        check=False,
    )


def test_draw_document_has_the_round_teams(matched, executed_draws):
    draw = executed_draws[8].draw
    document = draw_document_with_teams(draw)
    assert document[drawdoc.TEAMS_KEY]["seed"] == document["seed"]["value"]
    assert document[drawdoc.TEAMS_KEY] == matched.public_document()
    assert open_document(document[drawdoc.TEAMS_KEY], matched.verification_kit()) == (
        matched.document
    )
    assert document[drawdoc.TEAMS_KEY]["replacements"][0]["reason"] == "因病"
    checks = drawdoc.verify_draw_document(document)
    assert all(check.ok for check in checks), [c for c in checks if not c.ok]
    assert any(c.name == "teams public" and c.ok for c in checks)
    # The library's own checks of the public record catch a retouched ticket too.
    document[drawdoc.TEAMS_KEY]["visits"][0]["team"][0]["ticket"] = "0.5"
    failed = [c for c in drawdoc.verify_draw_document(document) if not c.ok]
    assert [c.name for c in failed] == ["teams public"] and "ticket expected" in failed[0].detail


def test_verifier_recomputes_the_teams(matched, executed_draws, tmp_path, client):
    draw = executed_draws[11].draw
    genuine = tmp_path / "draw.json"
    call_command("export_draw_teams", str(draw.pk), "-o", str(genuine))
    served = client.get(reverse("public:draw_json", args=[draw.pk]))
    assert json.loads(served.content) == json.loads(genuine.read_text(encoding="utf-8"))
    result = verify(genuine)
    assert result.returncode == 0 and "VERIFIED" in result.stdout, result.stdout + result.stderr
    assert "eligibility lists committed, not published" in result.stdout
    # Without the kit the public still checks what follows from the seed: a ticket changed.
    public = json.loads(genuine.read_text(encoding="utf-8"))
    public["teams"]["visits"][0]["team"][0]["ticket"] = "0.5"
    retouched = tmp_path / "retouched.json"
    retouched.write_text(json.dumps(public, ensure_ascii=False), encoding="utf-8")
    result = verify(retouched)
    assert result.returncode == 1 and "ticket expected" in result.stdout, result.stdout
    kit = tmp_path / "kit.json"
    kit.write_text(json.dumps(matched.verification_kit(), ensure_ascii=False), encoding="utf-8")
    result = verify(genuine, "--kit", str(kit))
    assert result.returncode == 0 and "VERIFIED" in result.stdout, result.stdout + result.stderr
    assert "the kit opens all" in result.stdout and "members recomputed" in result.stdout
    # Swap one member of a team for another eligible inspector of the same pool, with the
    # ticket that inspector would have: the public checks cannot tell, the kit can.
    document = json.loads(genuine.read_text(encoding="utf-8"))
    visit = next(v for v in document["teams"]["visits"] if "11" in v["items"])
    member = next(m for m in visit["team"] if m["role"] == "member")
    pool = visit["seats"][member["seat"]]["pool"]
    on_team = {m["inspector_id"] for m in visit["team"]}
    lists = matched.verification_kit()["visits"][visit["visit_id"]]
    seed = document["teams"]["seed"]
    leader_ticket = visit["team"][0]["ticket"]
    other = next(
        i
        for i in lists["eligible"][pool]
        if i not in on_team and matching.team_ticket(seed, visit["visit_id"], i) > leader_ticket
    )
    member["inspector_id"] = other
    member["ticket"] = matching.team_ticket(seed, visit["visit_id"], other)
    visit["team"][1:] = sorted(visit["team"][1:], key=lambda m: (m["ticket"], m["inspector_id"]))
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = verify(tampered, "--kit", str(kit))
    assert result.returncode == 1 and "MISMATCH" in result.stdout, result.stdout
    # A kit whose lists differ from the committed ones does not open the commitment.
    forged = matched.verification_kit()
    forged["visits"][visit["visit_id"]]["eligible"][pool].append("鲁公执9999999999")
    kit.write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
    result = verify(genuine, "--kit", str(kit))
    assert result.returncode == 1 and "do not open its commitment" in result.stdout


def test_a_round_of_several_ceremonies_matches_but_its_draw_json_says_why_no_teams(
    published_plan, directory, coordinator, client
):
    from tests.inspections.conftest import run_draw

    other = [("王五", "2718281828"), ("赵六", "4590452353")]
    for item in published_plan.items.filter(event_driven=False):
        run_draw(item, coordinator, witnesses=other if item.number == 2 else DICE)
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match = match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    assert match.seed == "31415926535897932384\n27182818284590452353"
    # The matching document alone still recomputes.
    assert matching.recompute_document(match.document) == match.document
    client.force_login(coordinator)
    page = client.get(reverse("inspections:round", args=[published_plan.pk, 1]))
    assert "2个不同的种子" in page.content.decode()
    draw = published_plan.items.get(number=8).draws.get()
    response = client.get(reverse("public:draw_json", args=[draw.pk]))
    assert response.status_code == 409 and "检查组与本次摇号不符" in response.content.decode()


def test_an_unnumbered_items_draw_verifies_with_its_teams(
    published_plan, directory, coordinator, tmp_path
):
    """An item without a number is "p<position>" in its draw.json as in the visits: at
    position 1 its draw's targets are not mistaken for item 1's, and the round verifies."""
    unnumbered = published_plan.items.get(number=8)
    PlanItem.objects.filter(pk=unnumbered.pk).update(number=None, position=1)
    for item in published_plan.items.filter(event_driven=False):
        run_draw(item, coordinator)
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    draw = unnumbered.draws.get()
    document = draw_document_with_teams(draw)
    assert document["item"]["item_number"] == "p1"
    checks = drawdoc.verify_draw_document(document)
    assert all(check.ok for check in checks), [c for c in checks if not c.ok]
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = verify(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "VERIFIED"
