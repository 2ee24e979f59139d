"""The result page of a visit: record (team members; the unit leader on their behalf), submit,
and review (the unit leader). Thin views: objects through selectors, changes through actions;
a refused step comes back as a message on the page."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from spotcheck.accounts.permissions import right_required
from spotcheck.inspections.models import Visit
from spotcheck.inspections.selectors import get_visit_for_user
from spotcheck.lib import results as rules
from spotcheck.plans.selectors import get_managed_plan
from spotcheck.results import actions
from spotcheck.results.actions import FindingInput, ItemInput, ResultInput
from spotcheck.results.exports import FORMATS, gsxt_filename, write_gsxt
from spotcheck.results.models import Result


def _page(visit: Visit) -> HttpResponse:
    return redirect(reverse("results:visit", args=[visit.pk]))


def _result(visit: Visit) -> Result | None:
    return Result.objects.filter(visit=visit).first()


@right_required("visit.view")
def result_page(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, visit_id)
    result = _result(visit)
    stored: dict[tuple[int, int], Any] = {}
    categories: dict[int, str] = {}
    chosen: dict[int, str] = {}
    measures: dict[int, list[Any]] = {}
    if result is not None:
        for item_result in result.items.prefetch_related("findings", "measures"):
            categories[item_result.visit_item_id] = item_result.get_category_display()
            chosen[item_result.visit_item_id] = item_result.chosen_category
            measures[item_result.visit_item_id] = list(item_result.measures.all())
            for finding in item_result.findings.all():
                stored[(item_result.visit_item_id, finding.number)] = finding
    items = []
    for visit_item in visit.visit_items.select_related("item"):
        points = actions.checkpoint_texts(visit_item)
        items.append(
            {
                "vi": visit_item,
                "category": categories.get(visit_item.pk, ""),
                "chosen": chosen.get(visit_item.pk, ""),
                "measures": measures.get(visit_item.pk, []),
                "points": [
                    {"number": n, "text": text, "stored": stored.get((visit_item.pk, n))}
                    for n, text in enumerate(points, start=1)
                ],
            }
        )
    roles = actions.roles_on_visit(request.user, visit)
    state = result.review_state if result else rules.ReviewState.NOT_ENTERED
    context = {
        "visit": visit,
        "result": result,
        "state_label": state.label,
        "items": items,
        "members": visit.current_members(),
        "present": set(result.present) if result else set(),
        "ways": rules.WAYS,
        "endings": rules.ENDINGS,
        "findings": rules.FINDING_LABELS.items(),
        "categories": [c for c in rules.CATEGORIES if c.kind is not rules.CategoryKind.ENDING],
        "can_record": bool(roles & {rules.Role.MEMBER, rules.Role.LEADER})
        and rules.is_editable(state),
        "can_review": rules.Role.LEADER in roles and state is rules.ReviewState.PENDING,
        "versions": result.versions.all() if result else [],
    }
    return render(request, "results/result_page.html", context)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise actions.ResultInputError([f"检查日期：“{text}”不是日期（YYYY-MM-DD）"]) from None


def _content(request: HttpRequest, visit: Visit) -> ResultInput:
    post = request.POST
    items = []
    for visit_item in visit.visit_items.select_related("item"):
        findings = tuple(
            FindingInput(
                number=n,
                finding=post.get(f"f-{visit_item.pk}-{n}", ""),
                reason=post.get(f"r-{visit_item.pk}-{n}", ""),
                problem=post.get(f"p-{visit_item.pk}-{n}", ""),
                note=post.get(f"n-{visit_item.pk}-{n}", ""),
            )
            for n in range(1, len(actions.checkpoint_texts(visit_item)) + 1)
        )
        items.append(
            ItemInput(
                visit_item_id=visit_item.pk,
                findings=findings,
                category=post.get(f"c-{visit_item.pk}", ""),
            )
        )
    try:
        present = tuple(int(pk) for pk in post.getlist("present"))
    except ValueError:
        raise actions.ResultInputError(["在场检查人员：编号有误"]) from None
    return ResultInput(
        way=post.get("way", ""),
        inspected_on=_date(post.get("inspected_on", "")),
        present=present,
        representative=post.get("representative", ""),
        ending=post.get("ending", ""),
        items=tuple(items),
    )


@require_POST
@right_required("result.record")
def result_save(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, visit_id)
    try:
        revision = int(request.POST.get("revision", "0") or 0)
        result = actions.save_draft(
            visit=visit, content=_content(request, visit), revision=revision, actor=request.user
        )
        if "submit" in request.POST:
            actions.submit_result(result=result, actor=request.user)
            messages.success(request, "已提交审核")
        else:
            messages.success(request, "已保存草稿")
    except actions.ResultInputError as exc:
        for error in exc.errors:
            messages.error(request, error)
    except (ValueError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    return _page(visit)


@require_POST
@right_required("result.review")
def result_review(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, visit_id)
    result = _result(visit)
    try:
        if result is None:
            raise ValueError("该检查任务尚未录入结果")
        if request.POST.get("decision") == "approve":
            actions.approve_result(result=result, actor=request.user)
            messages.success(request, "已审核通过")
        else:
            actions.return_result(
                result=result, opinion=request.POST.get("opinion", ""), actor=request.user
            )
            messages.success(request, "已退回检查组")
    except actions.ResultInputError as exc:
        for error in exc.errors:
            messages.error(request, error)
    except (ValueError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    return _page(visit)


@right_required("result.export_gsxt")
def gsxt_export(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The national-system file (国家企业信用信息公示系统) of the agency's own plan:
    `?format=xlsx|csv` (default xlsx), `?round=N` for one round."""
    plan = get_managed_plan(request.user, plan_id)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in FORMATS:
        raise Http404("格式只能是 xlsx 或 csv")
    round_text = request.GET.get("round", "")
    if round_text and not (round_text.isdigit() and 1 <= int(round_text) <= 100):
        raise Http404("轮次必须是 1 到 100 的整数")
    round = int(round_text) if round_text else None
    response = HttpResponse(content_type=FORMATS[fmt])
    write_gsxt(response, fmt, plan, round=round)
    response["Content-Disposition"] = f'attachment; filename="{gsxt_filename(plan, fmt, round)}"'
    return response
