from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from spotcheck.accounts.permissions import PLAN_MANAGERS, right_required, user_has_role
from spotcheck.plans.actions import PlanImportError, import_plan, publish_plan, read_plan_upload
from spotcheck.plans.exports import EXPORT_TYPES, export_plan_bytes
from spotcheck.plans.forms import PlanUploadForm
from spotcheck.plans.models import Plan, PlanItem
from spotcheck.plans.selectors import get_managed_plan, managed_plans, plans_for_user


def visible_plans(request: HttpRequest) -> QuerySet[Plan]:
    """Published plans; staff also see their own agency's drafts."""
    return plans_for_user(request.user)


def plan_list(request: HttpRequest) -> HttpResponse:
    return render(request, "plans/plan_list.html", {"plans": visible_plans(request)})


def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(visible_plans(request), pk=plan_id)
    items = list(plan.items.select_related("responsible_unit"))
    groups: dict[tuple[str, str], list[PlanItem]] = {}
    for item in items:
        key = (
            item.get_mode_display() or "未注明抽查方式",
            item.responsible_unit_name or "未注明责任单位",
        )
        groups.setdefault(key, []).append(item)
    context = {
        "plan": plan,
        "groups": [(mode, unit, group) for (mode, unit), group in groups.items()],
        "item_count": len(items),
        "flagged": sum(1 for i in items if i.review_flags),
        "can_manage": user_has_role(request.user, PLAN_MANAGERS)
        and managed_plans(request.user).filter(pk=plan.pk).exists(),
    }
    return render(request, "plans/plan_detail.html", context)


def item_detail(request: HttpRequest, plan_id: int, item_id: int) -> HttpResponse:
    plan = get_object_or_404(visible_plans(request), pk=plan_id)
    item = get_object_or_404(plan.items.select_related("responsible_unit"), pk=item_id)
    parsed_fields = [
        ("抽查方式", item.get_mode_display(), "mode"),
        ("编号", item.number, "number"),
        ("抽查领域", item.domain, "domain"),
        ("抽查事项", item.name, "name"),
        ("检查对象", item.target_type, "target_type"),
        ("事项类别", item.get_category_display(), "category"),
        ("抽查比例和频次", item.rule_summary, "sampling_rule"),
        ("发起部门", item.initiating_department, "initiating_department"),
        ("配合部门", "、".join(item.cooperating_departments), "cooperating_departments"),
        ("检查主体", item.inspection_body, "inspection_body"),
        ("检查时间", item.window_summary, "window"),
        ("责任单位", item.responsible_unit_name, "responsible_unit"),
        ("预估抽查对象数", item.estimated_targets, "estimated_targets"),
        ("预估风险等级", _risk_text(item), "estimated_risk"),
        ("检查依据", item.legal_basis, "legal_basis"),
        ("检查方式", item.method, "method"),
    ]
    rows = [
        {"label": label, "parsed": value, "original": item.original.get(key, "")}
        for label, value, key in parsed_fields
        if value not in ("", None) or item.original.get(key)
    ]
    return render(request, "plans/item_detail.html", {"plan": plan, "item": item, "rows": rows})


def _risk_text(item: PlanItem) -> str:
    if not item.has_estimated_risk:
        return ""
    labels = {"low": "低", "medium_low": "中低", "medium": "中", "high": "高"}
    return "；".join(
        f"{labels[k]}{'?' if v is None else v}家" for k, v in item.estimated_risk.items()
    )


def plan_export(request: HttpRequest, plan_id: int, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_TYPES:
        raise Http404("未知的导出格式")
    plan = get_object_or_404(visible_plans(request), pk=plan_id)
    response = HttpResponse(export_plan_bytes(plan, fmt), content_type=EXPORT_TYPES[fmt])
    filename = f"plan-{plan.agency_id}-{plan.year}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@right_required("plan.import")
def plan_upload(request: HttpRequest) -> HttpResponse:
    form = PlanUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            parsed = read_plan_upload(data=data, filename=upload.name)
            plan = import_plan(
                parsed=parsed,
                actor=request.user,
                agency_name=form.cleaned_data["agency"] or None,
                year=form.cleaned_data["year"],
                replace=form.cleaned_data["replace"],
                source_filename=upload.name,
                source_bytes=data,
            )
        except PlanImportError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已导入“{plan.title}”，共{plan.items.count()}个抽查事项")
            return redirect(plan)
    return render(request, "plans/plan_upload.html", {"form": form})


@require_POST
@right_required("plan.publish")
def plan_publish(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_managed_plan(request.user, plan_id)
    try:
        publish_plan(plan=plan, actor=request.user)
    except (PlanImportError, ObjectDoesNotExist) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已公开“{plan.title}”")
    return redirect(plan)
