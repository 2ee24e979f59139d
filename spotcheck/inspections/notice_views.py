"""Before the visit, on the visit page: issue the 检查通知书, record its delivery, and download
notice.docx and record-form.docx. Visits are reached only through the selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from spotcheck.accounts.actors import AnyUser
from spotcheck.accounts.permissions import right_required
from spotcheck.inspections.actions import InspectionError, issue_notice, record_delivery
from spotcheck.inspections.forms import DeliveryForm
from spotcheck.inspections.models import Visit
from spotcheck.inspections.papers import PaperError, notice_bytes, record_form_bytes
from spotcheck.inspections.selectors import get_visit_for_user, notice_visits

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def can_issue(user: AnyUser, visit: Visit) -> bool:
    return notice_visits(user).filter(pk=visit.pk).exists()


def notice_context(user: AnyUser, visit: Visit) -> dict[str, Any]:
    """The visit page's notice section."""
    notice = visit.current_notice()
    initial = {"method": notice.delivery_method} if notice and notice.delivery_method else {}
    return {
        "notice": notice,
        "can_issue_notice": can_issue(user, visit),
        "delivery_form": DeliveryForm(initial=initial),
    }


def _issuable_visit(request: HttpRequest, visit_id: int) -> Visit:
    visit = get_visit_for_user(request.user, visit_id)
    if not can_issue(request.user, visit):
        raise PermissionDenied("只能签发本单位检查任务的检查通知书")
    return visit


@require_POST
@right_required("notice.issue")
def notice_issue(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _issuable_visit(request, visit_id)
    try:
        notice = issue_notice(visit=visit, actor=request.user)
    except InspectionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已签发检查通知书，文书编号：{notice.number}")
    return redirect(visit)


@require_POST
@right_required("notice.issue")
def notice_delivery(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _issuable_visit(request, visit_id)
    notice = visit.current_notice()
    if notice is None:
        messages.error(request, "尚未签发检查通知书，不能登记送达")
        return redirect(visit)
    form = DeliveryForm(request.POST)
    if not form.is_valid():
        problems = [
            f"{form.fields[name].label}：{' '.join(errs)}" for name, errs in form.errors.items()
        ]
        messages.error(request, "；".join(problems))
        return redirect(visit)
    try:
        record_delivery(
            notice=notice,
            method=form.cleaned_data["method"],
            delivered_at=form.cleaned_data["delivered_at"],
            actor=request.user,
        )
    except InspectionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已登记通知送达情况")
    return redirect(visit)


def _docx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _refused(error: PaperError) -> HttpResponse:
    return HttpResponse(str(error), status=409, content_type="text/plain; charset=utf-8")


@right_required("visit.papers")
def notice_docx(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, visit_id)
    try:
        return _docx(notice_bytes(visit), "notice.docx")
    except PaperError as error:
        return _refused(error)


@right_required("visit.papers")
def record_form_docx(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, visit_id)
    try:
        return _docx(record_form_bytes(visit), "record-form.docx")
    except PaperError as error:
        return _refused(error)
