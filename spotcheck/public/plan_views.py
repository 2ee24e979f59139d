"""A published plan and its items on the portal (年度抽查工作计划, 抽查事项): read only through
the published-only selectors, cached like every public page. The plans app keeps the staff
pages (drafts, editing, review flags, the parsed cells beside the original)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from spotcheck.plans.actions import revision_diff
from spotcheck.plans.exports import plan_download
from spotcheck.public.cache import cached_page
from spotcheck.public.selectors import (
    published_draws,
    published_items,
    published_plans,
    published_revisions,
)


@cached_page
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    """A published plan: its items by 抽查方式 and 责任单位, and its published revisions."""
    plan = get_object_or_404(published_plans(), pk=plan_id)
    items = list(published_items().filter(plan=plan).select_related("responsible_unit"))
    context = {
        "plan": plan,
        "groups": plan.item_groups(items),
        "item_count": len(items),
        # each change with its fields before and after (what the staff revision page shows,
        # the page a visitor asking for it is sent to)
        "revisions": [
            (
                revision,
                [(change, revision_diff(change, public=True)) for change in revision.changes],
            )
            for revision in published_revisions().filter(plan=plan).order_by("number")
        ],
    }
    return render(request, "public/plan_detail.html", context)


@cached_page
def plan_export(request: HttpRequest, plan_id: int, fmt: str) -> HttpResponse:
    """A published plan's download (Excel, TSV, JSON): the plans app's export of it, made once
    and then served from the page cache to every visitor (a crowd following the plan page's
    links never reaches the plan's tables); a published revision moves the portal's version,
    and with it the file."""
    return plan_download(lambda: get_object_or_404(published_plans(), pk=plan_id), fmt)


@cached_page
def item_detail(request: HttpRequest, plan_id: int, item_id: int) -> HttpResponse:
    """A published plan's item: its fields as the plan published them, its checkpoints, and
    the draws and results of its tasks."""
    item = get_object_or_404(
        published_items().select_related("responsible_unit", "withdrawn_by"),
        plan_id=plan_id,
        pk=item_id,
    )
    # the current value (a revision changes it, not the imported cell); the cell's text where
    # the system could not read one
    rows = [
        {
            "label": row["label"],
            "value": row["original"] if row["parsed"] in ("", None) else row["parsed"],
        }
        for row in item.field_rows()
    ]
    context = {
        "plan": item.plan,
        "item": item,
        "rows": rows,
        "draws": published_draws().filter(item=item).order_by("round_number", "pk"),
    }
    return render(request, "public/plan_item.html", context)
