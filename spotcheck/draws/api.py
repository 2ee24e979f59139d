"""Draws in the JSON API: public reads of commitments and results; coordinator steps.

Reads need no login. POSTs use the Django session (django-ninja's SessionAuth, which also
checks the CSRF token) and the coordinator or administrator role. A refused step answers 409
with the rule in `detail`.
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from spotcheck.accounts.permissions import has_right
from spotcheck.draws import actions
from spotcheck.draws.models import Draw, DrawError
from spotcheck.draws.selectors import get_draw_for_user
from spotcheck.plans.selectors import get_item_for_user
from spotcheck.public import documents
from spotcheck.public.selectors import published_draws as public_draws

router = Router(tags=["draws"])


class StratumOut(Schema):
    stratum: str
    name: str
    population: int
    ratio_percent: str
    size: int
    plan_estimate: int | None


class WitnessOut(Schema):
    name: str
    digits: str


class SelectionOut(Schema):
    stratum: str
    rank: int
    ticket: str
    public_id: str
    name: str
    credit_code: str
    kind: str
    replaced_by: str | None


class DrawSummaryOut(Schema):
    id: int
    plan_id: int
    plan_title: str
    year: int
    item_id: int
    item_number: int | None
    item_name: str
    target_type: str
    round: int
    status: str
    population_date: date
    prepared_at: datetime
    population_hash: str
    population_size: int
    allocation_total: int
    seeded_at: datetime | None
    executed_at: datetime | None
    bulletin_url: str


class DrawOut(DrawSummaryOut):
    ratio_percent: str
    stratum_ratio_percent: dict[str, str]
    strata: list[StratumOut]
    options: dict[str, Any]
    warnings: list[str]
    population_url: str
    seed: str | None
    witnesses: list[WitnessOut]
    beacon: str | None
    selection: list[SelectionOut]
    draw_json_url: str | None
    cancelled_at: datetime | None
    cancel_reason: str


class PrepareIn(Schema):
    round: int = 1
    exclude_recently_inspected: bool = False
    risk_policy: dict[str, str] = {}
    on: date | None = None


class SeedIn(Schema):
    witnesses: list[WitnessOut]
    beacon: str | None = None


def _summary(draw: Draw) -> dict[str, Any]:
    item = draw.item
    return {
        "id": draw.pk,
        "plan_id": item.plan_id,
        "plan_title": item.plan.title,
        "year": item.plan.year,
        "item_id": item.pk,
        "item_number": item.number,
        "item_name": item.name,
        "target_type": item.entity_type.name if item.entity_type else item.target_type,
        "round": draw.round_number,
        "status": draw.status,
        "population_date": draw.population_date,
        "prepared_at": draw.prepared_at,
        "population_hash": draw.population_hash,
        "population_size": draw.population_size,
        "allocation_total": draw.total_allocation,
        "seeded_at": draw.seeded_at,
        "executed_at": draw.executed_at,
        "bulletin_url": draw.get_public_url(),
    }


def _detail(draw: Draw) -> dict[str, Any]:
    data = _summary(draw)
    selection = []
    if draw.status == Draw.Status.EXECUTED:
        replaced = {
            r.original_id: r.replacement.public_id
            for r in draw.replacements.select_related("replacement")
        }
        selection = [
            {
                "stratum": s.stratum,
                "rank": s.rank,
                "ticket": s.ticket,
                "public_id": s.public_id,
                "name": s.public_name,
                "credit_code": s.credit_code,
                "kind": s.kind,
                "replaced_by": replaced.get(s.pk),
            }
            for s in draw.selections.order_by("position")
        ]
    data.update(
        ratio_percent=draw.floor_text,
        stratum_ratio_percent=draw.stratum_ratio_percent,
        strata=[
            {
                "stratum": row["key"],
                "name": row["name"],
                "population": row["population"],
                "ratio_percent": row["ratio"],
                "size": row["size"],
                "plan_estimate": row["estimate"],
            }
            for row in draw.strata_rows()
        ],
        options=draw.options,
        warnings=draw.warnings,
        population_url=reverse("public:population", args=[draw.pk]),
        seed=draw.seed or None,
        witnesses=draw.witnesses,
        beacon=draw.beacon or None,
        selection=selection,
        draw_json_url=(
            reverse("public:draw_json", args=[draw.pk])
            if draw.status == Draw.Status.EXECUTED
            else None
        ),
        cancelled_at=draw.cancelled_at,
        cancel_reason=draw.public_cancel_reason,
    )
    return data


def _require_manager(request: HttpRequest) -> None:
    if not has_right(request.user, "draw.manage"):
        raise HttpError(403, "您的角色无权执行此操作")


@router.get("/draws", response=list[DrawSummaryOut], summary="抽取列表（公开：名录承诺与结果）")
def list_draws(request: HttpRequest) -> list[dict[str, Any]]:
    return [_summary(d) for d in public_draws().order_by("-prepared_at", "-pk")]


@router.get(
    "/draws/{draw_id}", response=DrawOut, summary="一次抽取：名录哈希、各层抽取数、种子、抽中名单"
)
def get_draw(request: HttpRequest, draw_id: int) -> dict[str, Any]:
    return _detail(get_object_or_404(public_draws(), pk=draw_id))


@router.get(
    "/draws/{draw_id}/draw.json",
    response={301: None},
    summary="抽取文档 draw.json：永久重定向到公示网站的同一文档（用 verify_draw.py 核验）",
    description=(
        "draw.json 只有一个地址：公示网站的 /public/draws/{draw_id}/draw.json（检查组匹配后附检查组）。"
        "本接口以 301 重定向到该地址，不读取任何数据；该地址的回答（200 文档，未执行的抽取 404，"
        "存储与可核验内容不一致时 409 说明页）由页面缓存提供。"
    ),
    openapi_extra={
        "responses": {301: documents.redirect_to_portal("/public/draws/{draw_id}/draw.json")}
    },
)
def get_draw_json(request: HttpRequest, draw_id: int) -> HttpResponse:
    # One document, one address: the portal's, served from its page cache (a crowd asking
    # here never reaches the draw tables; this answer reads nothing).
    return HttpResponsePermanentRedirect(reverse("public:draw_json", args=[draw_id]))


@router.post(
    "/items/{item_id}/draws",
    response={201: DrawOut},
    auth=django_auth,
    summary="准备抽取：冻结并公布名录（统筹协调员）",
)
def prepare(request: HttpRequest, item_id: int, payload: PrepareIn) -> Status:
    _require_manager(request)
    item = get_item_for_user(request.user, item_id)
    try:
        draw = actions.prepare_draw(
            item=item,
            round=payload.round,
            actor=request.user,
            exclude_recently_inspected=payload.exclude_recently_inspected,
            risk_policy=payload.risk_policy,
            on=payload.on,
        )
    except DrawError as error:
        raise HttpError(409, str(error)) from error
    return Status(201, _detail(draw))


@router.post(
    "/draws/{draw_id}/seed",
    response=DrawOut,
    auth=django_auth,
    summary="录入抽取仪式上掷出的种子（统筹协调员）",
)
def seed(request: HttpRequest, draw_id: int, payload: SeedIn) -> dict[str, Any]:
    _require_manager(request)
    draw = get_draw_for_user(request.user, draw_id)
    try:
        draw = actions.seed_draw(
            draw=draw,
            witnesses=[(w.name, w.digits) for w in payload.witnesses],
            beacon=payload.beacon,
            actor=request.user,
        )
    except DrawError as error:
        raise HttpError(409, str(error)) from error
    return _detail(draw)


@router.post(
    "/draws/{draw_id}/execute",
    response=DrawOut,
    auth=django_auth,
    summary="执行抽取；之后抽取锁定（统筹协调员）",
)
def execute(request: HttpRequest, draw_id: int) -> dict[str, Any]:
    _require_manager(request)
    draw = get_draw_for_user(request.user, draw_id)
    try:
        draw = actions.execute_draw(draw=draw, actor=request.user)
    except DrawError as error:
        raise HttpError(409, str(error)) from error
    return _detail(draw)
