"""draw.json with the round's teams (drawdoc's `teams` section)."""

from __future__ import annotations

import json
from typing import Any

from spotcheck.draws.actions import export_draw_document
from spotcheck.draws.models import Draw
from spotcheck.inspections.models import TeamMatching
from spotcheck.lib import drawdoc


def round_matching(draw: Draw) -> TeamMatching | None:
    return TeamMatching.objects.filter(
        plan=draw.item.plan, round=draw.round_number, event__isnull=True
    ).first()


def draw_document_with_teams(draw: Draw) -> dict[str, Any]:
    """The draw's document; once the round's teams are matched, with the round's public
    matching record under `teams` (the same in every draw document of the round), so that the
    verifier checks the teams as well as the draw (fully with a supervisors' kit)."""
    document = export_draw_document(draw)
    match = round_matching(draw)
    if match is None:
        return document
    # The public record: eligibility lists committed, not disclosed (docs/matching.md §14).
    # drawdoc's attach checks the teams against this draw.
    result: dict[str, Any] = drawdoc.attach_teams(document, match.public_document())
    return result


def draw_document_with_teams_bytes(draw: Draw) -> bytes:
    text = json.dumps(draw_document_with_teams(draw), ensure_ascii=False, indent=1)
    return (text + "\n").encode("utf-8")
