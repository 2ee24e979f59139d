from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router, Schema
from ninja.errors import HttpError

from spotcheck.accounts.permissions import has_right
from spotcheck.inspections.models import TeamMatching
from spotcheck.inspections.selectors import matchings_for_user
from spotcheck.public import documents

router = Router(tags=["inspections"])
_DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}


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
    response={200: None, 302: None, 409: None},
    summary="检查组匹配文档 teams.json：重定向到公示网站的同一文档（用 verify_draw.py 核验）",
    description=(
        "teams.json 的公开地址是公示网站的 /public/matchings/{matching_id}/teams.json：本接口以 302 "
        "重定向到该地址，不读取任何数据（该地址由页面缓存提供）。有权查看本机构未公开匹配的工作人员"
        "登录后直接得到文档（200，含本机构尚未公开的匹配）。"
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "teams.json（有权查看未公开匹配的工作人员）",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            302: documents.redirect_to_portal("/public/matchings/{matching_id}/teams.json"),
            409: {
                "description": "存储的记录与可核验的文档不一致，暂停提供（原因见 detail）",
                "content": {"application/json": {"schema": _DETAIL}},
            },
        }
    },
)
def get_matching_json(request: HttpRequest, matching_id: int) -> HttpResponse:
    if not has_right(request.user, "matching.view_draft"):
        # The public's one address, served from the portal's page cache: a crowd asking here
        # never reaches the matching tables. Not permanent: staff are answered here.
        return HttpResponseRedirect(reverse("public:matching_json", args=[matching_id]))
    match = get_object_or_404(_visible(request), pk=matching_id)
    try:
        data = documents.teams_json(match)
    except documents.DocumentWithheld as withheld:
        raise HttpError(409, str(withheld)) from withheld
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="teams-{match.pk}.json"'
    return response
