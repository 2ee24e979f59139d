"""The national-system export (国家企业信用信息公示系统) of a plan's published results.

Shared by `spotcheck export-gsxt` and the coordinators' download. One row per checked item of a
result as it is published on the portal (spotcheck.public.selectors.live_results): the current
published record, not withdrawn, with the name, code, agencies, date and categories the public
sees. Approved results not yet published, and withdrawn records, are left out; a result under
amendment keeps its published record until the amendment is published.
"""

from __future__ import annotations

from typing import Any

from spotcheck.lib import gsxt, tabular
from spotcheck.lib.results import category
from spotcheck.plans.models import Plan
from spotcheck.public.models import PublishedItem
from spotcheck.public.selectors import live_results

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def gsxt_items(plan: Plan, *, round: int | None = None) -> list[gsxt.GsxtItem]:  # noqa: A002
    published = live_results().filter(plan=plan)
    if round is not None:
        published = published.filter(result__visit__round=round)
    rows = (
        PublishedItem.objects.filter(published__in=published.values("pk"))
        .exclude(category="")
        .select_related("published", "published__result__visit", "plan_item")
        .order_by("pk")
    )
    items = []
    for row in rows:
        record = row.published
        item = row.plan_item
        snapshot = record.snapshot
        agencies = (snapshot.get("agency") or plan.agency.name,)
        agencies += tuple(snapshot.get("cooperating_agencies") or ())
        items.append(
            gsxt.GsxtItem(
                credit_code=record.credit_code,
                entity_name=record.entity_name,
                year=plan.year,
                item_number=item.number,
                item_position=item.position,
                item_name=item.name,
                round=record.result.visit.round,
                agencies=agencies,
                check_type=gsxt.check_type(item.target_type),
                inspected_on=record.inspected_on,
                category_label=category(row.category).label,
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
