"""Public pages: the draw bulletins (抽查任务公告), draw.json, the frozen population, the verifier.

Nothing here needs a login. A draw exists only for a published plan, and from the moment it is
prepared its commitment (population hash, sizes, allocation, options) is public, so the seed
cannot be chosen after seeing the population.
"""

from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from spotcheck.draws import actions, integrity
from spotcheck.draws.markdown import render_markdown
from spotcheck.draws.models import Draw
from spotcheck.draws.views import selection_context
from spotcheck.errors import conflict

VERIFIER_PATH = Path(settings.BASE_DIR) / "tools" / "verify_draw.py"
VERIFICATION_DOC = Path(settings.BASE_DIR) / "docs" / "verification.md"


def public_draws():
    return Draw.objects.public().select_related(
        "item", "item__plan", "item__plan__agency", "item__entity_type"
    )


def latest_bulletins(limit: int = 10) -> list[Draw]:
    return list(public_draws().order_by("-prepared_at", "-pk")[:limit])


def bulletin_list(request: HttpRequest) -> HttpResponse:
    draws = public_draws().order_by("-prepared_at", "-pk")
    return render(request, "draws/bulletin_list.html", {"draws": draws})


def bulletin(request: HttpRequest, draw_id: int) -> HttpResponse:
    draw = get_object_or_404(public_draws(), pk=draw_id)
    context = {"draw": draw, "item": draw.item, "plan": draw.item.plan}
    if draw.status == Draw.Status.EXECUTED:
        # Rendered only from rows that agree with the verified document (see integrity.py).
        problems = integrity.stored_rows_problems(draw)
        if problems:
            context["integrity_problems"] = problems
        else:
            context.update(selection_context(draw))
    return render(request, "draws/bulletin.html", context)


def draw_json(request: HttpRequest, draw_id: int) -> HttpResponse:
    draw = get_object_or_404(public_draws(), pk=draw_id)
    if draw.status != Draw.Status.EXECUTED:
        raise Http404("抽取尚未执行，还没有抽取文档")
    problems = integrity.stored_rows_problems(draw)
    if problems:
        return conflict(
            request,
            title="存储的抽中记录与抽取文档不一致，暂停提供下载",
            problems=problems,
            advice="公告页面同样暂停显示抽中名单。请告知发布机关：由系统管理员运行 spotcheck audit verify 查明哪条记录被改动。",
            links=[(reverse("bulletins:detail", args=[draw.pk]), "本次抽取的公告")],
        )
    response = HttpResponse(
        actions.draw_document_bytes(draw), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="draw-{draw.pk}.json"'
    return response


def population_text(request: HttpRequest, draw_id: int) -> HttpResponse:
    """The canonical population text: its SHA-256 is the published population hash."""
    draw = get_object_or_404(public_draws(), pk=draw_id)
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
    example = public_draws().filter(status=Draw.Status.EXECUTED).order_by("-executed_at").first()
    context = {"document": mark_safe(document), "example": example}  # noqa: S308 - escaped by render_markdown
    return render(request, "draws/verify.html", context)
