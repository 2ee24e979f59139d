"""The statistics dashboard (/stats/): every table of `selectors.dashboard_tables` with its
chart beside it and a CSV download, filtered by year, plan, item and unit.

Who sees what (right `stats.view`): coordinators, supervisors and administrators their agency's
plans; unit leaders their own unit's items and inspectors only (the unit filter is fixed to
their unit). Deployment-wide administrators without an agency choose one.
"""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from spotcheck.accounts.models import Agency, Role, Unit
from spotcheck.accounts.permissions import is_deployment_wide, right_required
from spotcheck.lib.tabular import write_csv
from spotcheck.plans.models import Plan, PlanItem
from spotcheck.stats.charts import chart_entries
from spotcheck.stats.layout import REBUILD_COMMAND, facts_are_stale
from spotcheck.stats.selectors import dashboard_tables, section_of

SECTION_TITLES = (
    ("progress", "计划执行进度"),
    ("coverage", "名录覆盖"),
    ("findings", "检查发现"),
    ("fairness", "公平性"),
)


class StatsFilter(forms.Form):
    agency = forms.ModelChoiceField(
        label="机构", queryset=Agency.objects.none(), required=False, empty_label="（请选择）"
    )
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, empty_value=None)
    plan = forms.ModelChoiceField(
        label="抽查计划", queryset=Plan.objects.none(), required=False, empty_label="全部"
    )
    item = forms.ModelChoiceField(
        label="抽查事项", queryset=PlanItem.objects.none(), required=False, empty_label="全部"
    )
    unit = forms.ModelChoiceField(
        label="责任单位", queryset=Unit.objects.none(), required=False, empty_label="全部"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.agency = user.agency if user.agency_id else None
        if is_deployment_wide(user):
            self.fields["agency"].queryset = Agency.objects.all()
            chosen = self.data.get("agency")
            if chosen and str(chosen).isdigit():
                self.agency = Agency.objects.filter(pk=chosen).first() or self.agency
        else:
            del self.fields["agency"]
        plans = Plan.objects.filter(agency=self.agency).order_by("-year")
        self.fields["year"].choices = [("", "全部")] + [
            (y, f"{y}年") for y in plans.values_list("year", flat=True).distinct()
        ]
        self.fields["plan"].queryset = plans
        items = PlanItem.objects.filter(plan__in=plans).select_related("plan")
        plan_id = self.data.get("plan")
        if plan_id and str(plan_id).isdigit():
            items = items.filter(plan_id=plan_id)
        self.fields["item"].queryset = items.order_by("-plan__year", "position")
        self.fields["item"].label_from_instance = lambda i: f"{i.plan.year}年 {i}"
        self.fields["unit"].queryset = Unit.objects.filter(agency=self.agency)
        if self.fixed_unit is not None:
            del self.fields["unit"]

    @property
    def fixed_unit(self) -> Unit | None:
        """Unit leaders see their own unit only."""
        if self.user.role == Role.UNIT_LEADER and not is_deployment_wide(self.user):
            return self.user.unit  # type: ignore[no-any-return]
        return None

    def scope(self) -> dict[str, Any] | None:
        """The keyword arguments of `dashboard_tables`, or None when nothing may be shown."""
        if self.agency is None:
            return None
        data = self.cleaned_data if self.is_valid() else {}
        if self.user.role == Role.UNIT_LEADER and not is_deployment_wide(self.user):
            if self.user.unit_id is None:
                return None
            unit = self.fixed_unit
        else:
            unit = data.get("unit")
        return {
            "agency": self.agency,
            "unit": unit,
            "year": data.get("year"),
            "plan": data.get("plan"),
            "item": data.get("item"),
        }


@right_required("stats.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    form = StatsFilter(request.GET or None, user=request.user)
    scope = form.scope()
    stale = facts_are_stale()
    tables = dashboard_tables(**scope) if scope is not None and not stale else []
    query = request.GET.urlencode()
    sections = []
    for key, title in SECTION_TITLES:
        entries = chart_entries([t for t in tables if section_of(t.key) == key])
        sections.append({"key": key, "title": title, "entries": entries})
    return render(
        request,
        "stats/dashboard.html",
        {
            "form": form,
            "scope": scope,
            "sections": sections,
            "query": query,
            "fixed_unit": form.fixed_unit,
            "stale": stale,
        },
    )


@right_required("stats.view")
def table_csv(request: HttpRequest, key: str) -> HttpResponse:
    section = section_of(key)
    form = StatsFilter(request.GET or None, user=request.user)
    scope = form.scope()
    if section is None or scope is None:
        raise Http404("没有这张统计表")
    if facts_are_stale():
        return HttpResponse(
            f"统计数据正在更新，请稍后再下载（管理员需运行 {REBUILD_COMMAND}）。",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    table = next(t for t in dashboard_tables(**scope, sections=[section]) if t.key == key)
    buffer = io.BytesIO()
    write_csv(buffer, table.columns, table.rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}.csv"'
    return response
