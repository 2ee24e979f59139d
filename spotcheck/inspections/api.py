from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from spotcheck.inspections.models import TeamMatching
from spotcheck.inspections.selectors import matchings_for_user
from spotcheck.public import documents

router = Router(tags=["inspections"])


class MatchingOut(Schema):
    id: int
    plan: int
    round: int | None
    event: int | None
    matched_at: str
    seed: str
    seed_source: dict[str, Any]
    document: dict[str, Any]


def _visible(request: Any) -> Any:
    """Published plans' matchings; staff also their own agency's."""
    return matchings_for_user(request.user).select_related("plan")


def _out(match: TeamMatching) -> dict[str, Any]:
    return {
        "id": match.pk,
        "plan": match.plan_id,
        "round": match.round,
        "event": match.event_id,
        "matched_at": match.matched_at.isoformat(),
        "seed": match.seed,
        "seed_source": match.seed_source,
        "document": match.public_document(),
    }


@router.get(
    "/matchings",
    response=list[MatchingOut],
    summary="检查人员匹配记录（公开；回避、证件只公布人数）",
)
def list_matchings(request: Any) -> list[dict[str, Any]]:
    return [_out(m) for m in _visible(request)]


@router.get("/matchings/{matching_id}", response=MatchingOut, summary="一次检查人员匹配的公开记录")
def get_matching(request: Any, matching_id: int) -> dict[str, Any]:
    return _out(get_object_or_404(_visible(request), pk=matching_id))


@router.get(
    "/matchings/{matching_id}/teams.json",
    summary="检查组匹配文档 teams.json（与公示网站同一文档；用 verify_draw.py 核验）",
)
def get_matching_json(request: HttpRequest, matching_id: int) -> HttpResponse:
    match = get_object_or_404(_visible(request), pk=matching_id)
    try:
        data = documents.teams_json(match)
    except documents.DocumentWithheld as withheld:
        raise HttpError(409, str(withheld)) from withheld
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="teams-{match.pk}.json"'
    return response
