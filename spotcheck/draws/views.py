"""Coordinator pages: draws per item, the ceremony screen, replacements.

Everyone on the staff may look; only coordinators and administrators prepare, seed, execute,
cancel and replace. The public pages are in `spotcheck.public`.
"""

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from spotcheck.accounts.permissions import has_right, right_required
from spotcheck.draws import actions
from spotcheck.draws.forms import CancelForm, PrepareForm, ReplaceForm, SeedForm
from spotcheck.draws.models import Draw, DrawError
from spotcheck.draws.selectors import get_draw_for_user
from spotcheck.plans.models import Plan, plan_is_public
from spotcheck.plans.selectors import get_item_for_user, items_for_user


def _draw(request: HttpRequest, draw_id: int) -> Draw:
    return get_draw_for_user(request.user, draw_id)


def _can_draw(request: HttpRequest) -> bool:
    return has_right(request.user, "draw.manage")


@right_required("draw.view")
def draw_list(request: HttpRequest) -> HttpResponse:
    """Every ratio-based item of the published plans, with its draws."""
    items = (
        items_for_user(request.user)
        .filter(plan_is_public("plan"), event_driven=False, ratio_percent__isnull=False)
        .select_related("plan", "entity_type")
        .prefetch_related("draws")
        .order_by("-plan__year", "plan__agency__name", "position")
    )
    rows = [
        (item, sorted(item.draws.all(), key=lambda d: (d.round_number, d.pk))) for item in items
    ]
    # The round ceremonies: per plan, its rounds (the most times per year of its items).
    rounds: dict[Plan, int] = {}
    for item, _draws in rows:
        rounds[item.plan] = max(rounds.get(item.plan, 1), item.times_per_year or 1)
    context = {
        "rows": rows,
        "rounds": [(plan, range(1, n + 1)) for plan, n in rounds.items()],
        "can_draw": _can_draw(request),
    }
    return render(request, "draws/draw_list.html", context)


@right_required("draw.view")
def item_draws(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_item_for_user(request.user, item_id)
    form = PrepareForm(request.POST or None, year=item.plan.year, rounds=actions.open_rounds(item))
    if request.method == "POST":
        if not _can_draw(request):
            return HttpResponse("您的角色无权准备抽取", status=403)
        if form.is_valid():
            try:
                draw = actions.prepare_draw(
                    item=item,
                    round=form.cleaned_data["round"],
                    actor=request.user,
                    exclude_recently_inspected=form.cleaned_data["exclude_recently_inspected"],
                    risk_policy=form.risk_policy(),
                    on=form.cleaned_data["on"],
                )
            except DrawError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    f"已冻结并公布名录（{draw.population_size}户），哈希 {draw.population_hash}；"
                    "本轮各事项在本轮抽取仪式上一次掷骰",
                )
                return redirect("draws:round", item.plan_id, draw.round_number)
    problem = ""
    preview = None
    try:
        actions.check_item_drawable(item)
        if not form.fields["round"].choices:
            raise DrawError(f"本事项每年抽查{item.times_per_year}次，各轮均已抽取")
    except DrawError as error:
        problem = str(error)
    else:
        preview = actions.population_preview(item)
    context = {
        "item": item,
        "plan": item.plan,
        "draws": item.draws.order_by("round_number", "pk"),
        "form": form,
        "problem": problem,
        "preview": preview,
        "can_draw": _can_draw(request),
    }
    return render(request, "draws/item_draws.html", context)


@right_required("draw.view")
def draw_detail(request: HttpRequest, draw_id: int) -> HttpResponse:
    draw = _draw(request, draw_id)
    context = _draw_context(request, draw)
    context["cancel_form"] = CancelForm()
    return render(request, "draws/draw_detail.html", context)


def _draw_context(request: HttpRequest, draw: Draw) -> dict[str, Any]:
    context: dict[str, Any] = {
        "draw": draw,
        "item": draw.item,
        "plan": draw.item.plan,
        "can_draw": _can_draw(request),
    }
    if draw.status == Draw.Status.EXECUTED:
        context.update(selection_context(draw))
    return context


def selection_context(draw: Draw) -> dict[str, Any]:
    selections = list(draw.selections.select_related("entity").order_by("position"))
    replacements = list(draw.replacements.select_related("original__entity", "replacement__entity"))
    replaced = {r.original_id: r for r in replacements}
    return {
        "drawn_rows": [(s, replaced.get(s.pk)) for s in selections if s.kind == s.Kind.DRAWN],
        "replacements": replacements,
        "active": actions.active_selections(draw),
    }


@right_required("draw.view")
def ceremony(request: HttpRequest, draw_id: int) -> HttpResponse:
    draw = _draw(request, draw_id)
    return _render_ceremony(request, draw, SeedForm(round_draws=_round_partners(draw)))


def _round_partners(draw: Draw) -> QuerySet[Draw]:
    """The other draws of the same plan and round still waiting for their seed."""
    return (
        Draw.objects.filter(
            item__plan=draw.item.plan, round_number=draw.round_number, status=Draw.Status.PREPARED
        )
        .exclude(pk=draw.pk)
        .select_related("item")
        .order_by("item__position")
    )


def _render_ceremony(
    request: HttpRequest, draw: Draw, form: SeedForm, status: int = 200
) -> HttpResponse:
    context = _draw_context(request, draw)
    context["form"] = form
    context["reveal"] = request.GET.get("reveal") == "1"
    if draw.status == Draw.Status.PREPARED:  # said before the dice: one ceremony per round
        context["round_seeds"] = actions.round_seeds(draw.item.plan, draw.round_number)
    return render(request, "draws/ceremony.html", context, status=status)


@require_POST
@right_required("draw.manage")
def seed(request: HttpRequest, draw_id: int) -> HttpResponse:
    draw = _draw(request, draw_id)
    form = SeedForm(request.POST, round_draws=_round_partners(draw))
    if form.is_valid():
        try:
            actions.seed_draws(
                draws=[draw, *form.cleaned_data.get("also", [])],
                witnesses=form.witnesses(),
                beacon=form.cleaned_data["beacon"],
                actor=request.user,
            )
        except DrawError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "种子已录入；可以执行抽取")
            return redirect("draws:ceremony", draw.pk)
    draw.refresh_from_db()
    return _render_ceremony(request, draw, form, status=400)


@require_POST
@right_required("draw.manage")
def execute(request: HttpRequest, draw_id: int) -> HttpResponse:
    draw = _draw(request, draw_id)
    try:
        actions.execute_draw(draw=draw, actor=request.user)
    except DrawError as error:
        messages.error(request, str(error))
        return redirect("draws:ceremony", draw.pk)
    return redirect(reverse("draws:ceremony", args=[draw.pk]) + "?reveal=1")


@require_POST
@right_required("draw.manage")
def cancel(request: HttpRequest, draw_id: int) -> HttpResponse:
    draw = _draw(request, draw_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "作废须写明原因")
        return redirect(draw)
    try:
        actions.cancel_draw(draw=draw, reason=form.cleaned_data["reason"], actor=request.user)
    except DrawError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "抽取已作废；作废记录仍然公开")
    return redirect(draw)


@right_required("draw.manage")
def replace(request: HttpRequest, draw_id: int) -> HttpResponse:
    draw = _draw(request, draw_id)
    if draw.status != Draw.Status.EXECUTED:
        messages.error(request, "只有执行完毕的抽取才能替补检查对象")
        return redirect(draw)
    active = actions.active_selections(draw)
    form = ReplaceForm(request.POST or None, selections=active)
    if request.method == "POST" and form.is_valid():
        try:
            row = actions.replace_target(
                draw=draw,
                entity=form.cleaned_data["selection"].entity,
                reason_code=form.cleaned_data["reason_code"],
                out_of_scope_since=form.cleaned_data["out_of_scope_since"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DrawError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"已由同层下一号签“{row.replacement.name}”（第{row.replacement.rank}号）替补",
            )
            return redirect(draw)
    return render(request, "draws/replace.html", {"draw": draw, "item": draw.item, "form": form})
