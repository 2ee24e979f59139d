"""The annual summary workbook as a download (/stats/summary.xlsx?plan=ID or ?year=YYYY): the
same workbook as `spotcheck report`, for the plan the dashboard's filter names (without one, the
agency's latest plan), scoped exactly like the dashboard (right `stats.view`; the agency's plans
only; unit leaders their own unit)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
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
    if form.is_bound and not form.is_valid():  # e.g. another agency's plan: not found
        raise Http404("没有这个抽查计划或年度")
    plan = scope["plan"]
    if plan is None:
        plans = Plan.objects.filter(agency=scope["agency"])
        if scope["year"] is not None:
            plans = plans.filter(year=scope["year"])
        plan = plans.order_by("-year", "-pk").first()
    if plan is None:
        messages.error(request, "没有可以生成年度总结的抽查计划")
        return redirect("stats:dashboard")
    buffer = io.BytesIO()
    write_summary(buffer, plan=plan, unit=scope["unit"])
    response = HttpResponse(buffer.getvalue(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=summary_filename(plan, scope["unit"])
    )
    return response
