"""The public portal: everything published, nothing that needs a login.

Draw bulletins (抽查任务公告) with draw.json, the frozen population and the verifier; the team
matching records. Every page reads through the published-only selectors of
`spotcheck.public.selectors`, so a visitor sees the same page whoever they are. A draw exists only
for a published plan, and from the moment it is prepared its commitment (population hash, sizes,
allocation, options) is public, so the seed cannot be chosen after seeing the population.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from spotcheck.draws import integrity
from spotcheck.draws.markdown import render_markdown
from spotcheck.draws.models import Draw
from spotcheck.draws.views import selection_context
from spotcheck.errors import conflict
from spotcheck.inspections.exports import draw_document_with_teams_bytes, round_matching
from spotcheck.inspections.integrity import matching_problems
from spotcheck.inspections.models import TeamMatching
from spotcheck.inspections.selectors import kit_matchings_for_user
from spotcheck.inspections.views import EXCLUDED_LABELS
from spotcheck.public.selectors import (
    latest_bulletins,
    published_draws,
    published_matchings,
    published_plans,
)

VERIFIER_PATH = Path(settings.BASE_DIR) / "tools" / "verify_draw.py"
VERIFICATION_DOC = Path(settings.BASE_DIR) / "docs" / "verification.md"


def home(request: HttpRequest) -> HttpResponse:
    context = {"plans": published_plans()[:10], "bulletins": latest_bulletins(10)}
    return render(request, "home.html", context)


def bulletin_list(request: HttpRequest) -> HttpResponse:
    draws = published_draws().order_by("-prepared_at", "-pk")
    return render(request, "public/bulletin_list.html", {"draws": draws})


def bulletin(request: HttpRequest, draw_id: int) -> HttpResponse:
    draw = get_object_or_404(published_draws(), pk=draw_id)
    context = {"draw": draw, "item": draw.item, "plan": draw.item.plan}
    if draw.status == Draw.Status.EXECUTED:
        # Rendered only from rows that agree with the verified document (see integrity.py).
        problems = integrity.stored_rows_problems(draw)
        if problems:
            context["integrity_problems"] = problems
        else:
            context.update(selection_context(draw))
    return render(request, "public/bulletin.html", context)


def _integrity_refusal(request: HttpRequest, draw: Draw, problems: list[str]) -> HttpResponse:
    return conflict(
        request,
        title="存储的记录与可核验的文档不一致，暂停提供下载",
        problems=problems,
        advice="公告页面同样暂停显示抽中名单。请告知发布机关：由系统管理员运行 spotcheck audit verify 查明哪条记录被改动。",
        links=[(reverse("public:bulletin", args=[draw.pk]), "本次抽取的公告")],
    )


def draw_json(request: HttpRequest, draw_id: int) -> HttpResponse:
    """The one draw.json of a draw: its verifiable document and, once the round's teams are
    matched, the round's public matching record under `teams` (the verifier checks both)."""
    draw = get_object_or_404(published_draws(), pk=draw_id)
    if draw.status != Draw.Status.EXECUTED:
        raise Http404("抽取尚未执行，还没有抽取文档")
    match = round_matching(draw)
    problems = integrity.stored_rows_problems(draw) + (matching_problems(match) if match else [])
    if problems:
        return _integrity_refusal(request, draw, problems)
    try:
        data = draw_document_with_teams_bytes(draw)
    except ValueError as exc:  # attach_teams refuses teams that would not verify for this draw
        links = [(reverse("public:bulletin", args=[draw.pk]), "本次抽取的公告")]
        if match is not None:
            links.append(
                (reverse("public:matching_json", args=[match.pk]), "检查组匹配文档 teams.json")
            )
            links.append((reverse("public:matching", args=[match.pk]), "检查组匹配页面"))
        return conflict(
            request,
            title="检查组不能附在这份抽取文档中",
            problems=[str(exc)],
            advice="检查组请用检查组匹配文档（teams.json）核验：python verify_draw.py teams.json。",
            links=links,
        )
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="draw-{draw.pk}.json"'
    return response


def population_text(request: HttpRequest, draw_id: int) -> HttpResponse:
    """The canonical population text: its SHA-256 is the published population hash."""
    draw = get_object_or_404(published_draws(), pk=draw_id)
    response = HttpResponse(draw.population_text(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="population-{draw.pk}.txt"'
    return response


def verifier(request: HttpRequest) -> HttpResponse:
    if not VERIFIER_PATH.is_file():
        raise Http404("本安装未包含核验脚本")
    response = HttpResponse(VERIFIER_PATH.read_bytes(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verify_draw.py"'
    return response


def verify_help(request: HttpRequest) -> HttpResponse:
    document = ""
    if VERIFICATION_DOC.is_file():
        document = render_markdown(VERIFICATION_DOC.read_text(encoding="utf-8"))
    example = published_draws().filter(status=Draw.Status.EXECUTED).order_by("-executed_at").first()
    context = {"document": mark_safe(document), "example": example}  # noqa: S308 - escaped by render_markdown
    return render(request, "public/verify.html", context)


def matching_list(request: HttpRequest) -> HttpResponse:
    """Every team matching of a published plan."""
    matchings = published_matchings().order_by("-matched_at")
    return render(request, "public/matching_list.html", {"matchings": matchings})


def _matching(matching_id: int) -> TeamMatching:
    return get_object_or_404(published_matchings(), pk=matching_id)


def matching_detail(request: HttpRequest, matching_id: int) -> HttpResponse:
    """The public matching record: seed and how it was composed, pool numbers, and per visit
    the seats, the team's tickets and the exclusion counts (never who was excluded or why)."""
    match = _matching(matching_id)
    problems = matching_problems(match)
    if problems:  # never render teams that do not follow from the checked record
        return render(
            request,
            "public/matching_detail.html",
            {"match": match, "integrity_problems": problems},
        )
    visits = [
        {
            **entry,
            "excluded_labels": [
                (EXCLUDED_LABELS.get(k, k), n) for k, n in entry["excluded"].items()
            ],
            "eligible_count": sum(len(ids) for ids in entry["eligible"].values()),
        }
        for entry in match.document.get("visits", [])
    ]
    context = {
        "match": match,
        "visits": visits,
        "pools": match.document.get("pools", {}),
        # staff only (anonymous visitors never hold the right): the supervisors' kit link
        "can_download_kit": kit_matchings_for_user(request.user).filter(pk=match.pk).exists(),
    }
    return render(request, "public/matching_detail.html", context)


def matching_json(request: HttpRequest, matching_id: int) -> HttpResponse:
    match = _matching(matching_id)
    problems = matching_problems(match)
    if problems:
        return conflict(
            request,
            title="存储的记录与可核验的文档不一致，暂停提供下载",
            problems=problems,
            advice="请立即告知系统管理员：由管理员运行 spotcheck audit verify 查明哪条记录被改动。",
            links=[(reverse("public:bulletins"), "抽查公告")],
        )
    response = HttpResponse(
        json.dumps(match.public_document(), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="teams-{match.pk}.json"'
    return response
