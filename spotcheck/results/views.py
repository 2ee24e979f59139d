"""The result page of a visit: record (team members; the unit leader on their behalf), submit,
and review (the unit leader). Thin views: objects through selectors, changes through actions;
a refused step comes back as a message on the page."""

from __future__ import annotations

import io
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from spotcheck.accounts.permissions import (
    has_right,
    right_required,
)
from spotcheck.inspections.models import Visit
from spotcheck.inspections.selectors import get_visit_for_user, visits_for_user
from spotcheck.lib import results as rules
from spotcheck.plans.selectors import get_managed_plan
from spotcheck.results import actions, selectors
from spotcheck.results import files as stored_files
from spotcheck.results.actions import FindingInput, ItemInput, ResultInput
from spotcheck.results.exports import EXPORT_TYPES, export_results
from spotcheck.results.gsxt import FORMATS as GSXT_FORMATS
from spotcheck.results.gsxt import collect_gsxt, gsxt_filename, write_gsxt
from spotcheck.results.models import Attachment, Measure, Result, RiskProposal
from spotcheck.results.selectors import get_attachment_for_user, risk_proposals_for_user


def _page(visit: Visit) -> HttpResponse:
    return redirect(reverse("results:visit", args=[visit.pk]))


def _result(visit: Visit) -> Result | None:
    return Result.objects.filter(visit=visit).first()


@right_required("visit.view")
def result_page(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, visit_id)
    sheet = selectors.result_sheet(visit)
    result = sheet.result
    items = sheet.items
    attachments: list[Attachment] = []
    if result is not None:
        attachments = list(
            result.attachments.select_related(
                "item_result__visit_item__item", "uploaded_by", "withdrawn_by"
            )
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
        "can_follow_up": result is not None
        and has_right(request.user, "result.measure")
        and bool(roles & {rules.Role.MEMBER, rules.Role.LEADER})
        and not result.ending
        and (rules.is_editable(state) or result.is_locked),
        "measure_kinds": rules.MEASURE_KINDS.items(),
        "follow_up_items": [row for row in items if row.has_problem or row.measures],
        "versions": result.versions.all() if result else [],
        "attachments": attachments,
        "can_attach": bool(roles & {rules.Role.MEMBER, rules.Role.LEADER})
        and rules.is_editable(state),
        "max_upload": stored_files.limits().max_bytes,
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
@right_required("result.record")
def result_draft(request: HttpRequest, visit_id: int) -> JsonResponse:
    """The page's autosave (static/spotcheck/draft.js): the same fields as the form, answered in
    JSON. 200 saved (with the new revision), 409 someone else saved since (who, when), 400 bad
    content (the errors), 403 not on the team."""
    visit = get_visit_for_user(request.user, visit_id)
    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError:
        return JsonResponse({"state": "invalid", "errors": ["修订号缺失或有误"]}, status=400)
    try:
        result = actions.save_draft(
            visit=visit, content=_content(request, visit), revision=revision, actor=request.user
        )
    except actions.ResultConflictError as exc:
        at = timezone.localtime(exc.at) if exc.at else None
        return JsonResponse(
            {
                "state": "conflict",
                "message": str(exc),
                "by": exc.by,
                "at": at.isoformat() if at else None,
                "revision": exc.revision,
            },
            status=409,
        )
    except actions.ResultInputError as exc:
        return JsonResponse({"state": "invalid", "errors": exc.errors}, status=400)
    except PermissionDenied as exc:
        return JsonResponse({"state": "forbidden", "errors": [str(exc)]}, status=403)
    except ValueError as exc:
        return JsonResponse({"state": "invalid", "errors": [str(exc)]}, status=400)
    saved_at = timezone.localtime(result.updated_at)
    return JsonResponse(
        {
            "state": "saved",
            "revision": result.revision,
            "saved_at": saved_at.isoformat(),
            "saved_at_label": f"{saved_at:%H:%M:%S}",
        }
    )


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


# --- follow-up measures (后续处置) -------------------------------------------------------------


def _optional_date(text: str, label: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise actions.ResultInputError([f"{label}：“{text}”不是日期（YYYY-MM-DD）"]) from None


def _required_date(text: str, label: str) -> date:
    day = _optional_date(text, label)
    if day is None:
        raise actions.ResultInputError([f"{label}：未填写"])
    return day


def _report(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, actions.ResultInputError):
        for error in exc.errors:
            messages.error(request, error)
    else:
        messages.error(request, str(exc))


@require_POST
@right_required("result.measure")
def measure_add(request: HttpRequest, visit_id: int) -> HttpResponse:
    """Add a measure to one item of the visit's result (an amendment once approved)."""
    visit = get_visit_for_user(request.user, visit_id)
    post = request.POST
    try:
        result = _result(visit)
        item_result = (
            result.items.filter(visit_item_id=post.get("visit_item") or 0).first()
            if result is not None and (post.get("visit_item") or "").isdigit()
            else None
        )
        if item_result is None:
            raise ValueError("请先保存检查情况（发现问题的事项），再填写后续处置措施")
        actions.add_measure(
            item_result=item_result,
            kind=post.get("kind", ""),
            opened_on=_required_date(post.get("opened_on", ""), "措施日期"),
            deadline=_optional_date(post.get("deadline", ""), "整改期限"),
            case_number=post.get("case_number", ""),
            agency=post.get("agency", ""),
            text=post.get("text", ""),
            amend_reason=post.get("amend_reason", ""),
            actor=request.user,
        )
        messages.success(request, "已添加后续处置措施")
    except (ValueError, PermissionDenied) as exc:
        _report(request, exc)
    return _page(visit)


@require_POST
@right_required("result.measure")
def measure_close(request: HttpRequest, visit_id: int) -> HttpResponse:
    """Close one of the visit's measures with a date and text (an amendment once approved)."""
    visit = get_visit_for_user(request.user, visit_id)
    post = request.POST
    try:
        measure = (
            Measure.objects.filter(item_result__result__visit=visit, pk=post.get("measure")).first()
            if (post.get("measure") or "").isdigit()
            else None
        )
        if measure is None:
            raise ValueError("没有找到该后续处置措施")
        actions.close_measure(
            measure=measure,
            closed_on=_required_date(post.get("closed_on", ""), "办结日期"),
            closing_text=post.get("closing_text", ""),
            amend_reason=post.get("amend_reason", ""),
            actor=request.user,
        )
        messages.success(request, "后续处置措施已办结")
    except (ValueError, PermissionDenied) as exc:
        _report(request, exc)
    return _page(visit)


@right_required("result.due")
def due_list(request: HttpRequest) -> HttpResponse:
    """Overdue and nearly due results per unit, for leaders and coordinators."""
    today = timezone.localdate()
    soon_days = settings.SPOTCHECK_RESULTS_DUE_SOON_DAYS
    results = selectors.results_for_user(request.user)
    units = selectors.due_results(results, today=today, soon_days=soon_days)
    warnings = selectors.deadline_warnings(results)
    context = {"units": units, "today": today, "soon_days": soon_days, "warnings": warnings}
    return render(request, "results/due_list.html", context)


@right_required("result.export")
def export_sheet(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The results sheet of a plan's visits the user may see (?round=N, ?format=csv|xlsx)."""
    plan = get_object_or_404(selectors.exportable_plans(request.user), pk=plan_id)
    visits = visits_for_user(request.user).filter(plan_id=plan_id)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in EXPORT_TYPES:
        raise Http404("不支持的格式")
    round_text = request.GET.get("round", "")
    name = f"检查结果表-{plan.year}"
    if round_text:
        if not round_text.isdigit():
            raise Http404("轮次有误")
        visits = visits.filter(round=int(round_text))
        name += f"-第{round_text}轮"
    buffer = io.BytesIO()
    export_results(buffer, fmt, visits)
    response = HttpResponse(buffer.getvalue(), content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{name}.{fmt}"
    )
    return response


# --- attachments -----------------------------------------------------------------------------


@require_POST
@right_required("result.record")
def attachment_upload(request: HttpRequest, visit_id: int) -> HttpResponse:
    """Photos from the phone's camera or files (several at once, all or none)."""
    visit = get_visit_for_user(request.user, visit_id)
    limit = stored_files.limits().max_bytes
    uploads = [
        actions.AttachmentInput(name=f.name or "", size=f.size or 0, data=f.read(limit + 1))
        for f in request.FILES.getlist("file")
    ]
    try:
        item = request.POST.get("item", "")
        try:
            visit_item_id = int(item) if item else None
        except ValueError:
            raise actions.ResultInputError([f"事项：“{item}”不是事项编号"]) from None
        added = actions.attach_files(
            visit=visit, files=uploads, visit_item_id=visit_item_id, actor=request.user
        )
        messages.success(request, f"已上传{len(added)}个附件")
    except actions.ResultInputError as exc:
        for error in exc.errors:
            messages.error(request, error)
    except (ValueError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    return redirect(reverse("results:visit", args=[visit.pk]) + "#attachments")


def _serve(attachment: Attachment, name: str, content_type: str, download: bool) -> FileResponse:
    try:
        handle = stored_files.open_stored(name)
    except FileNotFoundError:
        raise Http404("附件文件缺失") from None
    response = FileResponse(
        handle, content_type=content_type, as_attachment=download, filename=attachment.name
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@right_required("visit.view")
def attachment_file(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """The file itself, to staff who may see the result (never a public URL)."""
    attachment = get_attachment_for_user(request.user, attachment_id)
    download = "download" in request.GET
    return _serve(attachment, attachment.path, attachment.content_type, download)


@right_required("visit.view")
def attachment_thumbnail(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = get_attachment_for_user(request.user, attachment_id)
    if not attachment.thumbnail:
        raise Http404("该附件没有缩略图")
    return _serve(attachment, attachment.thumbnail, "image/jpeg", False)


@require_POST
@right_required("result.record")
def attachment_withdraw(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = get_attachment_for_user(request.user, attachment_id)
    try:
        actions.withdraw_attachment(
            attachment=attachment, reason=request.POST.get("reason", ""), actor=request.user
        )
        messages.success(request, f"已撤回附件“{attachment.name}”")
    except actions.ResultInputError as exc:
        for error in exc.errors:
            messages.error(request, error)
    except (ValueError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    return redirect(reverse("results:visit", args=[attachment.result.visit_id]) + "#attachments")


# --- risk proposals ----------------------------------------------------------------------------


@right_required("risk.decide")
def risk_proposals(request: HttpRequest) -> HttpResponse:
    """Open risk proposals of the user's agency to accept or reject, and the latest decided."""
    proposals = risk_proposals_for_user(request.user).select_related(
        "entity", "result__visit", "decided_by"
    )
    context = {
        "open": list(proposals.filter(state=RiskProposal.State.OPEN).order_by("created_at", "pk")),
        "decided": list(proposals.exclude(state=RiskProposal.State.OPEN)[:50]),
        "lower_when_clean": settings.SPOTCHECK_RISK_LOWER_WHEN_CLEAN,
    }
    return render(request, "results/risk_proposals.html", context)


@require_POST
@right_required("risk.decide")
def risk_decide(request: HttpRequest) -> HttpResponse:
    post = request.POST
    proposal = (
        risk_proposals_for_user(request.user).filter(pk=post.get("proposal")).first()
        if (post.get("proposal") or "").isdigit()
        else None
    )
    try:
        if proposal is None:
            raise ValueError("没有找到该风险等级调整建议")
        decision = post.get("decision")
        if decision not in ("accept", "reject"):
            raise ValueError("请选择采纳或不采纳")
        actions.decide_risk_proposal(
            proposal=proposal,
            accept=decision == "accept",
            note=post.get("note", ""),
            actor=request.user,
        )
        messages.success(
            request, "已采纳，风险等级已调整" if decision == "accept" else "已不予采纳"
        )
    except (ValueError, PermissionDenied) as exc:
        _report(request, exc)
    return redirect(reverse("results:risk"))


def _gsxt_round(request: HttpRequest) -> int | None:
    round_text = request.GET.get("round", "")
    if round_text and not (round_text.isdigit() and 1 <= int(round_text) <= 100):
        raise Http404("轮次必须是 1 到 100 的整数")
    return int(round_text) if round_text else None


@right_required("result.export_gsxt")
def gsxt_overview(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The national-system file of the agency's own plan (or one round, `?round=N`): how many
    rows it holds, the downloads, and each row left out with the reason."""
    plan = get_managed_plan(request.user, plan_id)
    round = _gsxt_round(request)
    export = collect_gsxt(plan, round=round)
    context = {
        "plan": plan,
        "round": round,
        "export": export,
        "missing_code": export.rows_of(export.missing_code),
    }
    return render(request, "results/gsxt_overview.html", context)


@right_required("result.export_gsxt")
def gsxt_export(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The national-system file (国家企业信用信息公示系统) of the agency's own plan:
    `?format=xlsx|csv` (default xlsx), `?round=N` for one round. Rows the system would reject
    are left out; the overview page (gsxt_overview) lists them."""
    plan = get_managed_plan(request.user, plan_id)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in GSXT_FORMATS:
        raise Http404("格式只能是 xlsx 或 csv")
    round = _gsxt_round(request)
    response = HttpResponse(content_type=GSXT_FORMATS[fmt])
    write_gsxt(response, fmt, plan, round=round)
    response["Content-Disposition"] = f'attachment; filename="{gsxt_filename(plan, fmt, round)}"'
    return response
