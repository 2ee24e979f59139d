from datetime import date
from typing import Any

from django.db.models import Count
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from spotcheck.lib import planfile
from spotcheck.plans.actions import item_data
from spotcheck.plans.views import visible_plans

router = Router(tags=["plans"])


class PlanOut(Schema):
    id: int
    agency: str
    year: int
    title: str
    status: str
    items: int


class RiskOut(Schema):
    low: int | None
    medium_low: int | None
    medium: int | None
    high: int | None


class ItemOut(Schema):
    id: int
    mode: str | None
    number: int | None
    domain: str
    name: str
    content: str
    checkpoints: list[str]
    target_type: str
    category: str | None
    ratio_percent: float | None
    times_per_year: int | None
    event_driven: bool
    initiating_department: str
    cooperating_departments: list[str]
    inspection_body: str
    window_start_month: int | None
    window_end_month: int | None
    responsible_unit: str
    estimated_targets: int | None
    estimated_risk: RiskOut
    legal_basis: str
    method: str
    review_flags: list[str]
    withdrawn: bool  # by a published revision (计划调整), from withdrawn_on: no new draws
    withdrawn_on: date | None
    withdrawn_by_revision: int | None  # the revision's number (第N次计划调整)


@router.get("/plans", response=list[PlanOut], summary="抽查计划列表（公众仅见已公开计划）")
def list_plans(request: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": p.pk,
            "agency": p.agency.name,
            "year": p.year,
            "title": p.title,
            "status": p.status,
            "items": p.item_count,
        }
        for p in visible_plans(request).annotate(item_count=Count("items"))
    ]


@router.get("/plans/{plan_id}/items", response=list[ItemOut], summary="计划的抽查事项")
def list_items(request: Any, plan_id: int) -> list[dict[str, Any]]:
    plan = get_object_or_404(visible_plans(request), pk=plan_id)
    out = []
    for item in plan.items.select_related("withdrawn_by").order_by("position"):
        data = planfile.item_to_json(item_data(item))
        data.update(id=item.pk, review_flags=list(item.review_flags))
        data.setdefault("legal_basis", item.legal_basis)
        data.setdefault("method", item.method)
        out.append(data)
    return out
