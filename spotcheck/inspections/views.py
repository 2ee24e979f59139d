"""Visits and teams: unit leaders' month view and printable team list, inspectors' own visits,
the visit page, coordinators' round page (build, joint proposals, events, matching,
replacement), and the supervisors' verification kit. The public matching record and draw.json
are in `spotcheck.public`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from spotcheck.accounts.actors import AnyUser
from spotcheck.accounts.models import Role
from spotcheck.accounts.permissions import (
    PLAN_MANAGERS,
    right_required,
    user_has_role,
)
from spotcheck.draws.models import Draw
from spotcheck.inspections.actions import (
    InspectionError,
    accept_joint_visit,
    build_visits,
    cancel_event,
    decline_joint_visit,
    issue_verification_kit,
    match_event_team,
    match_teams_for_round,
    register_event,
    replace_team_member,
    schedule_visit,
    set_item_setting,
    still_eligible,
)
from spotcheck.inspections.forms import (
    CeremonyForm,
    EventCancelForm,
    EventForm,
    ItemSettingForm,
    ReplaceForm,
    ScheduleForm,
)
from spotcheck.inspections.models import (
    Event,
    JointProposal,
    TeamMatching,
    TeamMember,
    Visit,
    VisitItem,
    item_qualifications,
    item_team_size,
)
from spotcheck.inspections.notice_views import notice_context
from spotcheck.inspections.selectors import (
    events_for_user,
    get_visit_for_user,
    kit_matchings_for_user,
    managed_visits,
    members_for_user,
    proposals_for_user,
    schedulable_visits,
    visits_for_user,
)
from spotcheck.lib.matching import EXCLUSION_LABELS
from spotcheck.plans.models import Plan, plan_is_public
from spotcheck.plans.selectors import get_managed_plan, managed_plans

MONTHS = list(range(1, 13))
EXCLUDED_LABELS = {
    **EXCLUSION_LABELS,
    "unqualified": "缺少本单位须提供的资格",
    "capped": "已达工作量上限",
}


def _visits() -> QuerySet[Visit]:
    return (
        Visit.objects.select_related("plan", "responsible_unit", "entity", "event")
        .prefetch_related(
            Prefetch("visit_items", queryset=VisitItem.objects.select_related("item")),
            Prefetch(
                "members",
                queryset=TeamMember.objects.filter(replaced_at__isnull=True).select_related(
                    "inspector"
                ),
                to_attr="team",
            ),
        )
        .order_by("planned_start", "ticket", "visit_key")
    )


def _rows(visits: Iterable[Visit]) -> list[dict[str, Any]]:
    rows = []
    for visit in visits:
        team = sorted(visit.team, key=lambda m: (m.role != "leader", m.ticket))
        rows.append(
            {
                "visit": visit,
                "team": team,
                "months": [
                    visit.planned_start.month <= month <= visit.planned_end.month
                    for month in MONTHS
                ],
            }
        )
    return rows


@right_required("visit.view")
def visit_list(request: HttpRequest) -> HttpResponse:
    """An inspector's own visits first; then the visits of the user's unit by month inside
    each item's window (for coordinators, supervisors and administrators: their agency's
    visits and the joint visits it cooperates in; see inspections.selectors)."""
    user = request.user
    inspector = getattr(user, "inspector", None)
    mine = []
    if inspector is not None:
        mine = _rows(_visits().filter(members__inspector=inspector, members__replaced_at=None))
    visits = _visits().filter(pk__in=visits_for_user(user).values("pk"))
    scope = "全部单位"
    if user.role in (Role.UNIT_LEADER, Role.INSPECTOR):
        if user.unit is None:
            visits = visits.none()
        else:
            visits = visits.filter(responsible_unit=user.unit)
            scope = user.unit.name
    groups: dict[Any, dict[str, Any]] = {}
    for row in _rows(visits.distinct()):
        first = min(row["visit"].visit_items.all(), key=lambda vi: vi.item.position)
        item = first.item
        group = groups.setdefault(
            (row["visit"].plan_id, item.position),
            {
                "item": item,
                "plan": row["visit"].plan,
                "window": [
                    (item.window_start_month or 1) <= m <= (item.window_end_month or 12)
                    for m in MONTHS
                ],
                "rows": [],
            },
        )
        group["rows"].append(
            {**row, "cells": list(zip(group["window"], row["months"], strict=True))}
        )
    context = {
        "mine": mine,
        "groups": [groups[key] for key in sorted(groups, key=lambda k: (k[0], k[1]))],
        "scope": scope,
        "months": MONTHS,
        "can_manage": user_has_role(user, PLAN_MANAGERS),
        "plans": managed_plans(user).filter(plan_is_public()),
    }
    return render(request, "inspections/visit_list.html", context)


@right_required("visit.view")
def team_print(request: HttpRequest) -> HttpResponse:
    """A print-friendly list of the unit's teams: one sheet per plan and round, headed by the
    bureau, the plan and the round, with the items' numbers and names, and lines for the
    signatures and the date (print CSS; the print button is spotcheck/print.js)."""
    user = request.user
    visits = _visits().filter(
        status=Visit.Status.MATCHED, pk__in=visits_for_user(user).values("pk")
    )
    if user.role in (Role.UNIT_LEADER, Role.INSPECTOR):
        visits = visits.filter(responsible_unit=user.unit) if user.unit else visits.none()
    unit = user.unit.name if user.unit and not user_has_role(user, PLAN_MANAGERS) else "全部单位"
    sheets: dict[tuple[int, int], dict[str, Any]] = {}
    for row in _rows(visits.order_by("plan__year", "round", "ticket", "visit_key")):
        visit = row["visit"]
        sheet = sheets.setdefault(
            (visit.plan_id, visit.round),
            {"plan": visit.plan, "round": visit.round, "rows": []},
        )
        sheet["rows"].append(row)
    return render(
        request,
        "inspections/team_print.html",
        {"sheets": list(sheets.values()), "unit": unit},
    )


@right_required("visit.view")
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, visit_id, _visits())
    match = TeamMatching.objects.filter(members__visit=visit).distinct().first()
    history = visit.members.filter(replaced_at__isnull=False).select_related(
        "inspector", "replacement__inspector"
    )
    entry = None
    if match is not None:
        entry = next(
            (v for v in match.document.get("visits", []) if v["visit_id"] == visit.visit_key),
            None,
        )
    context = {
        "visit": visit,
        "items": [vi.item for vi in visit.visit_items.all()],
        "visit_items": [
            {"vi": vi, **_draw_links(vi)}
            for vi in visit.visit_items.select_related("selection__draw")
        ],
        "team": [
            {"m": m, "problem": still_eligible(m.inspector, visit)}
            for m in sorted(visit.team, key=lambda m: (m.role != "leader", m.ticket))
        ],
        "history": history,
        "match": match,
        "excluded": [
            (EXCLUDED_LABELS.get(k, k), n) for k, n in (entry or {}).get("excluded", {}).items()
        ],
        "can_manage": user_has_role(request.user, PLAN_MANAGERS)
        and managed_visits(request.user).filter(pk=visit.pk).exists(),
        "can_schedule": visit.status == Visit.Status.PLANNED and _can_schedule(request.user, visit),
        "can_set_days": visit.status == Visit.Status.MATCHED
        and getattr(getattr(visit, "result", None), "state", "not_entered") == "not_entered"
        and _can_schedule(request.user, visit),
        "replace_form": ReplaceForm(),
        **notice_context(request.user, visit),
    }
    return render(request, "inspections/visit_detail.html", context)


def _can_schedule(user: AnyUser, visit: Visit) -> bool:
    return schedulable_visits(user).filter(pk=visit.pk).exists()


@require_POST
@right_required("visit.schedule")
def visit_schedule(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, visit_id)
    if not _can_schedule(request.user, visit):
        raise PermissionDenied("只能安排本单位的检查任务")
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写开始和结束日期（YYYY-MM-DD）")
        return redirect(visit)
    try:
        schedule_visit(
            visit=visit,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            actor=request.user,
        )
    except InspectionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已更新检查日期")
    return redirect(visit)


def _draw_links(visit_item: VisitItem) -> dict[str, Any]:
    """The draw a visit item came from: its page and public bulletin if the draws app serves
    them, and draw.json with the round's teams."""
    if visit_item.selection is None:
        return {"draw": None}
    draw = visit_item.selection.draw
    links: dict[str, Any] = {"draw": draw, "selection": visit_item.selection}
    for name, method in (
        ("draw_url", draw.get_absolute_url),
        ("bulletin_url", draw.get_public_url),
    ):
        try:
            links[name] = method()
        except NoReverseMatch:
            links[name] = ""
    links["json_url"] = reverse("public:draw_json", args=[draw.pk])
    return links


@require_POST
@right_required("round.manage")
def member_replace(request: HttpRequest, member_id: int) -> HttpResponse:
    member = get_object_or_404(members_for_user(request.user).select_related("visit"), pk=member_id)
    form = ReplaceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "替换须写明原因")
        return redirect(member.visit)
    try:
        new = replace_team_member(
            member=member, reason=form.cleaned_data["reason"], actor=request.user
        )
    except InspectionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已按匹配号顺序由{new.inspector.name}递补")
    return redirect(member.visit)


@right_required("round.manage")
def round_detail(request: HttpRequest, plan_id: int, round: int) -> HttpResponse:
    """Coordinators: build the round's visits, accept joint proposals, match teams; register
    events and hold their seed ceremonies."""
    plan = get_managed_plan(request.user, plan_id)
    visits = _visits().filter(plan=plan, round=round, event__isnull=True)
    context = {
        "plan": plan,
        "round": round,
        "rows": _rows(visits),
        "proposals": JointProposal.objects.filter(plan=plan, round=round).select_related("entity"),
        "matching": TeamMatching.objects.filter(plan=plan, round=round, event__isnull=True).first(),
        "events": Event.objects.filter(item__plan=plan)
        .select_related("item", "visit")
        .prefetch_related("matching"),
        "seeds": sorted(
            set(
                Draw.objects.filter(
                    item__plan=plan, round_number=round, status=Draw.Status.EXECUTED
                ).values_list("seed", flat=True)
            )
        ),
        # both forms have an "item": their own ids, so that each label names its own field
        "event_form": EventForm(plan=plan, auto_id="event_%s"),
        "setting_form": ItemSettingForm(plan=plan, auto_id="setting_%s"),
        "settings": [
            {
                "item": item,
                "team_size": item_team_size(item),
                "qualifications": item_qualifications(item),
            }
            for item in plan.items.order_by("number")
        ],
        "ceremony_form": CeremonyForm(),
    }
    return render(request, "inspections/round_detail.html", context)


def _round_url(plan: Plan, round: int) -> str:
    return reverse("inspections:round", args=[plan.pk, round])


@require_POST
@right_required("round.manage")
def round_build(request: HttpRequest, plan_id: int, round: int) -> HttpResponse:
    plan = get_managed_plan(request.user, plan_id)
    try:
        result = build_visits(plan=plan, round=round, actor=request.user)
    except InspectionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"已生成{result.visits}个检查任务，{result.proposals}条联合检查建议待确认",
        )
    return redirect(_round_url(plan, round))


@require_POST
@right_required("round.manage")
def round_match(request: HttpRequest, plan_id: int, round: int) -> HttpResponse:
    plan = get_managed_plan(request.user, plan_id)
    try:
        match = match_teams_for_round(plan=plan, round=round, actor=request.user)
    except InspectionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已为{len(match.document['visits'])}个检查任务匹配检查组")
    return redirect(_round_url(plan, round))


@require_POST
@right_required("round.manage")
def proposal_accept(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = get_object_or_404(
        proposals_for_user(request.user).select_related("plan"), pk=proposal_id
    )
    try:
        visit = accept_joint_visit(proposal=proposal, actor=request.user)
    except InspectionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已合并为联合检查 {visit.visit_key}")
    return redirect(_round_url(proposal.plan, proposal.round))


def _events_url(plan: Plan) -> str:
    return reverse("inspections:event_register", args=[plan.pk])


def _form_errors(form: Any) -> str:
    return "；".join(
        f"{form.fields[f].label if f in form.fields else ''}{'，'.join(e)}"
        for f, e in form.errors.items()
    )


@right_required("round.manage")
def event_register(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Events of event-driven items (按实际执行): register one (organiser picked from the
    directory or entered as new, a date inside the item's window), cancel a mistaken one
    before its ceremony, hold each event's seed ceremony."""
    plan = get_managed_plan(request.user, plan_id)
    if request.method != "POST":
        return _events_page(request, plan, EventForm(plan=plan))
    form = EventForm(request.POST, plan=plan)
    if not form.is_valid():
        messages.error(request, "活动登记信息不完整：" + _form_errors(form))
        return _events_page(request, plan, form)
    try:
        event = register_event(actor=request.user, **form.cleaned_data)
    except InspectionError as exc:
        messages.error(request, str(exc))
        return _events_page(request, plan, form)
    where = "名录中的单位" if event.organiser_entity_id else "新单位，名录中没有同名单位"
    messages.success(request, f"已登记活动：{event}（主办/承办单位为{where}）")
    return redirect(_events_url(plan))


def _events_page(request: HttpRequest, plan: Plan, form: EventForm) -> HttpResponse:
    events = (
        events_for_user(request.user)
        .filter(item__plan=plan)
        .select_related("item", "organiser_entity", "visit", "matching")
        .order_by("date", "pk")
    )
    context = {
        "plan": plan,
        "form": form,
        "events": events,
        "ceremony_form": CeremonyForm(),
        "cancel_form": EventCancelForm(),
    }
    return render(request, "inspections/events.html", context)


@require_POST
@right_required("round.manage")
def event_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(
        events_for_user(request.user).select_related("item__plan"), pk=event_id
    )
    form = EventCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "取消活动登记须写明原因")
    else:
        try:
            cancel_event(event=event, reason=form.cleaned_data["reason"], actor=request.user)
        except InspectionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已取消活动登记：{event}")
    return redirect(_events_url(event.item.plan))


@require_POST
@right_required("round.manage")
def item_setting(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_managed_plan(request.user, plan_id)
    form = ItemSettingForm(request.POST, plan=plan)
    if form.is_valid():
        try:
            set_item_setting(actor=request.user, **form.cleaned_data)
        except InspectionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已保存事项检查组设置（生成或重新生成检查任务时生效）")
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect(_round_url(plan, 1))


@require_POST
@right_required("round.manage")
def proposal_decline(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = get_object_or_404(
        proposals_for_user(request.user).select_related("plan", "entity"), pk=proposal_id
    )
    try:
        decline_joint_visit(proposal=proposal, actor=request.user)
    except InspectionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{proposal.entity.name}：不予合并，各单位分别检查")
    return redirect(_round_url(proposal.plan, proposal.round))


@require_POST
@right_required("round.manage")
def event_match(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(
        events_for_user(request.user).select_related("item__plan"), pk=event_id
    )
    form = CeremonyForm(request.POST)
    if form.is_valid():
        try:
            match_event_team(
                event=event,
                witnesses=form.cleaned_data["witnesses"],
                beacon=form.cleaned_data["beacon"] or None,
                actor=request.user,
            )
        except InspectionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已为活动“{event}”匹配检查组")
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect(_events_url(event.item.plan))


@right_required("matching.kit")
def matching_kit(request: HttpRequest, matching_id: int) -> HttpResponse:
    """The supervisors' verification kit: the lists behind the public record's commitments."""
    match = get_object_or_404(
        kit_matchings_for_user(request.user).select_related("plan"), pk=matching_id
    )
    try:
        kit = issue_verification_kit(match=match, actor=request.user)
    except InspectionError as exc:
        raise Http404(str(exc)) from exc
    response = HttpResponse(
        json.dumps(kit, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="teams-{match.pk}-kit.json"'
    response["Cache-Control"] = "no-store"
    return response
