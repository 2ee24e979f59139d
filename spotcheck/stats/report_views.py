"""The annual summary workbook as a download (/stats/summary.xlsx?plan=ID or ?year=YYYY): the
same workbook as `spotcheck report`, for the plan the dashboard's filter names, scoped exactly
like the dashboard (right `stats.view`; the agency's plans only; unit leaders their own unit)."""

from __future__ import annotations

import io

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from spotcheck.accounts.permissions import right_required
from spotcheck.plans.models import Plan
from spotcheck.stats.summary import CONTENT_TYPE, summary_filename, write_summary
from spotcheck.stats.views import StatsFilter


@right_required("stats.view")
def summary_download(request: HttpRequest) -> HttpResponse:
    form = StatsFilter(request.GET or None, user=request.user)
    scope = form.scope()
    if scope is None:
        raise Http404("没有可统计的机构")
    plan = scope["plan"]
    if plan is None and scope["year"] is not None:
        plan = Plan.objects.filter(agency=scope["agency"], year=scope["year"]).first()
    if plan is None:
        raise Http404("请先选择抽查计划或年度")
    buffer = io.BytesIO()
    write_summary(buffer, plan=plan, unit=scope["unit"])
    response = HttpResponse(buffer.getvalue(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=summary_filename(plan, scope["unit"])
    )
    return response
