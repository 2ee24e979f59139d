"""The month calendar of visits: matched visits on their scheduled days, the unscheduled ones in
their own list, each visit's stage; "due this month" and "overdue"; scheduling one visit or many
at once (unit leaders: their unit's visits; coordinators: their agency's)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from spotcheck.accounts.actors import AnyUser
from spotcheck.accounts.models import Role
from spotcheck.accounts.permissions import right_required
from spotcheck.inspections.actions import InspectionError, max_schedule_days, schedule_visits
from spotcheck.inspections.forms import ScheduleForm
from spotcheck.inspections.models import Notice, Visit, VisitItem
from spotcheck.inspections.selectors import schedulable_visits, visits_for_user
from spotcheck.lib.schedule import (
    Stage,
    days_of,
    month_bounds,
    month_weeks,
    shift_month,
    visit_stage,
)

WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]


def calendar_visits(user: AnyUser) -> QuerySet[Visit]:
    """The visits the calendar shows: unit leaders and inspectors their unit's and their own
    seats', the others what visits_for_user gives them."""
    visits = Visit.objects.filter(pk__in=visits_for_user(user).values("pk"))
    return (
        visits.select_related("plan", "responsible_unit", "event", "result")
        .prefetch_related(
            Prefetch("visit_items", queryset=VisitItem.objects.select_related("item")),
            Prefetch(
                "notices",
                queryset=Notice.objects.filter(voided_at__isnull=True),
                to_attr="current_notices",
            ),
        )
        .order_by("planned_start", "ticket", "visit_key")
    )


def stage_of(visit: Visit) -> Stage:
    result = getattr(visit, "result", None)
    return visit_stage(
        matched=visit.status == Visit.Status.MATCHED,
        notified=bool(getattr(visit, "current_notices", None)),
        result_state=result.state if result is not None else None,
    )


def span_of(visit: Visit) -> tuple[date, date] | None:
    """The days the visit sits on in the calendar: its schedule; an event's visit its day."""
    if visit.scheduled_start is not None and visit.scheduled_end is not None:
        return visit.scheduled_start, visit.scheduled_end
    if visit.event_id is not None:
        return visit.planned_start, visit.planned_end
    return None


def _month(request: HttpRequest, visits: list[Visit], today: date) -> tuple[int, int]:
    text = request.GET.get("month", "")
    try:
        year, month = (int(part) for part in text.split("-"))
        date(year, month, 1)
    except ValueError:
        pass
    else:
        return year, month
    # Default: this month if some visit's window holds today, else the first month with work.
    if any(v.planned_start <= today <= v.planned_end for v in visits):
        return today.year, today.month
    open_visits = [v for v in visits if not stage_of(v).done] or visits
    if open_visits:
        first = min((span_of(v) or (v.planned_start,))[0] for v in open_visits)
        return first.year, first.month
    return today.year, today.month


def _month_url(year: int, month: int) -> str:
    return f"{reverse('inspections:calendar')}?month={year:04d}-{month:02d}"


@right_required("visit.view")
def visit_calendar(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    visits = list(calendar_visits(user))
    year, month = _month(request, visits, today)
    first, last = month_bounds(year, month)
    schedulable = set(
        schedulable_visits(user).filter(pk__in=[v.pk for v in visits]).values_list("pk", flat=True)
    )
    rows = []
    for visit in visits:
        stage = stage_of(visit)
        rows.append(
            {
                "visit": visit,
                "stage": stage,
                "span": span_of(visit),
                "can_schedule": visit.pk in schedulable
                and visit.status == Visit.Status.MATCHED
                and not stage.done,
            }
        )
    by_day: dict[date, list[dict[str, Any]]] = {}
    for row in rows:
        if row["span"] is None:
            continue
        for day in days_of(max(row["span"][0], first), min(row["span"][1], last)):
            by_day.setdefault(day, []).append(row)
    weeks = [
        [
            {"day": day, "rows": by_day.get(day, []), "today": day == today} if day else None
            for day in week
        ]
        for week in month_weeks(year, month)
    ]
    open_rows = [r for r in rows if not r["stage"].done]
    context = {
        "year": year,
        "month": month,
        "month_value": f"{year:04d}-{month:02d}",
        "prev_url": _month_url(*shift_month(year, month, -1)),
        "next_url": _month_url(*shift_month(year, month, 1)),
        "weekdays": WEEKDAYS,
        "weeks": weeks,
        "agenda": [(day, WEEKDAYS[day.weekday()], by_day[day]) for day in sorted(by_day)],
        "unscheduled": [r for r in rows if r["span"] is None],
        "due": [r for r in open_rows if first <= r["visit"].deadline <= last],
        "overdue": [r for r in open_rows if r["visit"].deadline < today],
        "can_schedule_any": any(r["can_schedule"] for r in rows),
        "max_days": max_schedule_days(),
        "scope": _scope(user),
    }
    return render(request, "inspections/calendar.html", context)


def _scope(user: AnyUser) -> str:
    if user.role in (Role.UNIT_LEADER, Role.INSPECTOR) and user.unit is not None:
        return user.unit.name
    return "全部单位"


@require_POST
@right_required("visit.schedule")
def calendar_schedule(request: HttpRequest) -> HttpResponse:
    """Schedule the checked visits on one day or a range (all or nothing)."""
    back = request.POST.get("month", "")
    target = reverse("inspections:calendar") + (f"?month={back}" if back else "")
    try:
        ids = sorted({int(v) for v in request.POST.getlist("visit")})
    except ValueError as exc:
        raise Http404("没有这个检查任务") from exc
    visits = list(schedulable_visits(request.user).filter(pk__in=ids))
    if len(visits) != len(ids):
        raise Http404("没有这个检查任务，或不是本单位负责的检查任务")
    if len(visits) == 1 and request.POST.get("back") == "visit":
        target = visits[0].get_absolute_url()
    form = ScheduleForm(request.POST)
    if not visits:
        messages.error(request, "请先勾选要安排的检查任务")
        return redirect(target)
    if not form.is_valid():
        messages.error(request, "请填写开始和结束日期（YYYY-MM-DD；只安排一天时两者相同）")
        return redirect(target)
    try:
        done = schedule_visits(
            visits=visits,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            actor=request.user,
        )
    except InspectionError as exc:
        messages.error(request, f"未安排（全部未保存）：{exc}")
    else:
        messages.success(request, f"已安排{len(done)}个检查任务：{done[0].schedule_summary}")
    return redirect(target)
