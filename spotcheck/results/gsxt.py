"""The national-system export (国家企业信用信息公示系统) of a plan's approved results.

Shared by `spotcheck export-gsxt` and the coordinators' download. One row per checked item of
an approved (or published) result: the ItemResult rows of such a result are locked, so they are
the approved content. A result under amendment is left out until it is approved again.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from spotcheck.inspections.models import Visit
from spotcheck.lib import gsxt, tabular
from spotcheck.plans.models import Plan
from spotcheck.results.models import LOCKED_STATES, ItemResult

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def gsxt_items(plan: Plan, *, round: int | None = None) -> list[gsxt.GsxtItem]:
    item_results = (
        ItemResult.objects.filter(result__visit__plan=plan, result__state__in=LOCKED_STATES)
        .exclude(category="")
        .select_related("result", "result__visit__entity", "visit_item__item")
        .prefetch_related(
            Prefetch(
                "result__visit",
                queryset=Visit.objects.prefetch_related("cooperating_agencies"),
            )
        )
    )
    if round is not None:
        item_results = item_results.filter(result__visit__round=round)
    items = []
    for item_result in item_results:
        result = item_result.result
        visit = result.visit
        item = item_result.visit_item.item
        entity = visit.entity
        cooperating = sorted(a.name for a in visit.cooperating_agencies.all())
        items.append(
            gsxt.GsxtItem(
                credit_code=entity.credit_code if entity is not None else "",
                entity_name=visit.entity_name,
                year=plan.year,
                item_number=item.number,
                item_position=item.position,
                item_name=item.name,
                round=visit.round,
                agencies=(plan.agency.name, *cooperating),
                check_type=gsxt.check_type(item.target_type),
                inspected_on=result.inspected_on,
                category_label=item_result.get_category_display(),
            )
        )
    return items


def write_gsxt(stream: Any, fmt: str, plan: Plan, *, round: int | None = None) -> int:
    """Write the export as xlsx or csv (UTF-8 with BOM) to a binary stream; return the rows."""
    rows = gsxt.rows(gsxt_items(plan, round=round))
    if fmt == "xlsx":
        return tabular.write_xlsx(stream, gsxt.HEADER, rows, sheet_title="抽查检查结果")
    if fmt == "csv":
        return tabular.write_csv(stream, gsxt.HEADER, rows)
    raise ValueError(f"不支持的格式“{fmt}”：请用 xlsx 或 csv")


def gsxt_filename(plan: Plan, fmt: str, round: int | None = None) -> str:
    suffix = f"-round{round}" if round is not None else ""
    return f"gsxt-{plan.year}-plan{plan.pk}{suffix}.{fmt}"
