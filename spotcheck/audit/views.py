"""The audit trail for supervisors (and coordinators and administrators): the chain's
verification result at the top, then the agency's entries, filtered by object, user and date."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from spotcheck.accounts.permissions import right_required
from spotcheck.audit.models import current_head, verify_chain
from spotcheck.audit.selectors import entries_for_user

PAGE_SIZE = 50


class AuditFilter(forms.Form):
    obj = forms.CharField(
        label="对象", required=False, max_length=200, help_text="对象名称、编号或类型的一部分"
    )
    user = forms.CharField(label="操作人", required=False, max_length=150)
    action = forms.CharField(label="操作", required=False, max_length=100)
    since = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@right_required("audit.view")
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilter(request.GET or None)
    entries = entries_for_user(request.user).order_by("-seq")
    if form.is_valid():
        data = form.cleaned_data
        if data["obj"]:
            text = data["obj"].strip()
            entries = entries.filter(
                Q(object_repr__icontains=text) | Q(object_id=text) | Q(object_type__icontains=text)
            )
        if data["user"]:
            entries = entries.filter(actor__icontains=data["user"].strip())
        if data["action"]:
            entries = entries.filter(action__icontains=data["action"].strip())
        if data["since"]:
            entries = entries.filter(created_at__gte=_day_start(data["since"]))
        if data["until"]:
            entries = entries.filter(
                created_at__lt=_day_start(data["until"]) + timezone.timedelta(days=1)
            )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "report": verify_chain(),
        "head": current_head(),
        "query": query.urlencode(),
    }
    return render(request, "audit/list.html", context)
