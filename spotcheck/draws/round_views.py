"""The round ceremony: one page where the coordinator previews every ratio item of a plan's round
(nothing frozen), freezes and publishes all their populations at once, holds one dice ceremony
and executes all the draws at once. Everyone on the staff may look; coordinators act."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from spotcheck.accounts.permissions import has_right, right_required
from spotcheck.draws import actions
from spotcheck.draws.forms import RoundPrepareForm, SeedForm
from spotcheck.draws.models import Draw, DrawError
from spotcheck.draws.views import selection_context
from spotcheck.lib.drawdoc import STRATUM_NAMES
from spotcheck.plans.models import Plan
from spotcheck.plans.selectors import get_managed_plan


def _plan(request: HttpRequest, plan_id: int) -> Plan:
    return get_managed_plan(request.user, plan_id)


def _round_url(plan: Plan, round: int) -> str:  # noqa: A002
    return reverse("draws:round", args=[plan.pk, round])


def _groups(draws: list[Draw]) -> list[dict[str, Any]]:
    """Executed draws with the same population, allocation and seed select the same entities:
    one group each (items 8-11 of the 2022 plan at one ceremony)."""
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for draw in draws:
        key = (draw.population_hash, draw.seed, json.dumps(draw.allocation, sort_keys=True))
        if key not in groups:
            groups[key] = {"draws": [], **selection_context(draw)}
        groups[key]["draws"].append(draw)
    return list(groups.values())


def _shared_populations(draws: list[Draw]) -> list[list[Draw]]:
    by_hash: dict[str, list[Draw]] = {}
    for draw in draws:
        by_hash.setdefault(draw.population_hash, []).append(draw)
    return [group for group in by_hash.values() if len(group) > 1]


def _render(
    request: HttpRequest,
    plan: Plan,
    round: int,  # noqa: A002
    *,
    prepare_form: RoundPrepareForm | None = None,
    seed_form: SeedForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_draw = has_right(request.user, "draw.manage")
    asked = "on" in request.GET  # the preview form was submitted (not e.g. ?reveal=1)
    preview_form = RoundPrepareForm(request.GET if asked else None, year=plan.year)
    options: dict[str, Any] = {"on": preview_form.fields["on"].initial}
    if asked and preview_form.is_valid():
        options = {
            "on": preview_form.cleaned_data["on"],
            "exclude_recently_inspected": preview_form.cleaned_data["exclude_recently_inspected"],
            "risk_policy": preview_form.risk_policy(),
        }
    problem = ""
    try:
        previews = actions.preview_round(plan=plan, round=round, **options)
    except DrawError as error:  # a risk policy that cannot be read
        problem = str(error)
        previews = actions.preview_round(plan=plan, round=round, on=options["on"])
    draws = actions.round_draws(plan, round)
    by_status: dict[str, list[Draw]] = {}
    for draw in draws:
        by_status.setdefault(draw.status, []).append(draw)
    prepared = by_status.get(Draw.Status.PREPARED, [])
    executed = by_status.get(Draw.Status.EXECUTED, [])
    earlier = actions.round_seeds(plan, round)
    context = {
        "plan": plan,
        "round": round,
        "can_draw": can_draw,
        "preview_form": preview_form,
        "prepare_form": prepare_form or RoundPrepareForm(initial=options, year=plan.year),
        "seed_form": seed_form or SeedForm(),
        "options": options,
        "risk_text": "、".join(
            f"{STRATUM_NAMES[s]}风险 {v}%" for s, v in options.get("risk_policy", {}).items()
        ),
        "date_warning": actions.population_date_warning(plan.year, options["on"]),
        "problem": problem,
        "previews": previews,
        "to_prepare": [p for p in previews if p.draw is None and not p.problem],
        "unprepared": [p for p in previews if p.draw is None],
        "draws": draws,
        "prepared": prepared,
        "seeded": by_status.get(Draw.Status.SEEDED, []),
        "executed": executed,
        "earlier_seeds": earlier,
        "shared": _shared_populations(prepared or draws),
        "groups": _groups(executed),
        "reveal": request.GET.get("reveal") == "1",
    }
    return render(request, "draws/round_ceremony.html", context, status=status)


@right_required("draw.view")
def round_ceremony(request: HttpRequest, plan_id: int, round: int) -> HttpResponse:  # noqa: A002
    return _render(request, _plan(request, plan_id), round)


@require_POST
@right_required("draw.manage")
def round_prepare(request: HttpRequest, plan_id: int, round: int) -> HttpResponse:  # noqa: A002
    plan = _plan(request, plan_id)
    form = RoundPrepareForm(request.POST, year=plan.year)
    if form.is_valid():
        try:
            draws = actions.prepare_round(
                plan=plan,
                round=round,
                actor=request.user,
                on=form.cleaned_data["on"],
                exclude_recently_inspected=form.cleaned_data["exclude_recently_inspected"],
                risk_policy=form.risk_policy(),
            )
        except DrawError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已冻结并公布{len(draws)}个事项的名录；现在可以公开掷骰")
            return redirect(_round_url(plan, round) + "#dice")
    return _render(request, plan, round, prepare_form=form, status=400)


@require_POST
@right_required("draw.manage")
def round_seed(request: HttpRequest, plan_id: int, round: int) -> HttpResponse:  # noqa: A002
    plan = _plan(request, plan_id)
    form = SeedForm(request.POST)
    if form.is_valid():
        try:
            seeded = actions.seed_round(
                plan=plan,
                round=round,
                witnesses=form.witnesses(),
                beacon=form.cleaned_data["beacon"],
                actor=request.user,
            )
        except DrawError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"种子已为{len(seeded)}个抽取录入；可以执行抽取")
            return redirect(_round_url(plan, round) + "#execute")
    return _render(request, plan, round, seed_form=form, status=400)


@require_POST
@right_required("draw.manage")
def round_execute(request: HttpRequest, plan_id: int, round: int) -> HttpResponse:  # noqa: A002
    plan = _plan(request, plan_id)
    try:
        actions.execute_round(plan=plan, round=round, actor=request.user)
    except DrawError as error:
        messages.error(request, str(error))
        return redirect(_round_url(plan, round))
    return redirect(_round_url(plan, round) + "?reveal=1#selection")
