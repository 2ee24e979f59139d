"""Plan lookups and exports shared by the CLI, the web and the API."""

import io
import json
from collections.abc import Callable

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse

from spotcheck.lib import planfile
from spotcheck.plans.actions import plan_data
from spotcheck.plans.models import Plan

EXPORT_TYPES = {
    "json": "application/json",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def find_plan(ref: str) -> Plan:
    """A plan by id, or by "AGENCY:YEAR"/"YEAR" when unambiguous."""
    plans = Plan.objects.select_related("agency")
    if ref.isdigit() and plans.filter(pk=int(ref)).exists():
        return plans.get(pk=int(ref))
    agency, _, year = ref.rpartition(":")
    if year.isdigit():
        found = plans.filter(year=int(year))
        if agency:
            found = found.filter(agency__name=agency)
        if found.count() == 1:
            return found.get()
    raise ObjectDoesNotExist(f"找不到计划“{ref}”：请使用计划编号，或“机构:年度”")


def export_filename(plan: Plan, fmt: str) -> str:
    """The name a plan's export is downloaded as."""
    return f"plan-{plan.agency_id}-{plan.year}.{fmt}"


def export_plan_bytes(plan: Plan, fmt: str) -> bytes:
    data = plan_data(plan)
    if fmt == "json":
        items = [planfile.item_to_json(i) for i in data.items]
        return (json.dumps(items, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "tsv":
        return planfile.write_plan_tsv(data).encode("utf-8")
    stream = io.BytesIO()
    planfile.write_plan_xlsx(data, stream)
    return stream.getvalue()


def plan_download(plan_of: Callable[[], Plan], fmt: str) -> HttpResponse:
    """The download of a plan in `fmt` (404 for an unknown format), the plan found by
    `plan_of()` (each view's own scoped lookup) once the format is known."""
    if fmt not in EXPORT_TYPES:
        raise Http404("未知的导出格式")
    plan = plan_of()
    response = HttpResponse(export_plan_bytes(plan, fmt), content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{export_filename(plan, fmt)}"'
    return response
