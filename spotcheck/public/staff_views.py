"""The unit's publication page: approved results waiting (with their 20-working-day deadline,
met or overdue), publish a batch, and the published records with their withdrawal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from spotcheck.accounts.permissions import right_required
from spotcheck.lib import publication as pub
from spotcheck.lib import results as rules
from spotcheck.public import actions
from spotcheck.public.selectors import (
    first_published_on,
    managed_publications,
    publishable_results,
)


@right_required("result.publish")
def publish_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    waiting = (
        publishable_results(request.user)
        .filter(state=rules.ReviewState.APPROVED)
        .select_related("visit", "visit__plan", "visit__responsible_unit")
        .order_by("due_on", "pk")
    )
    rows = [(r, pub.deadline_state(r.due_on, None, today)) for r in waiting]
    records = list(managed_publications(request.user).filter(superseded_at__isnull=True)[:200])
    # met or missed by the first publication, not a correction's republication
    first_on = first_published_on(r.result_id for r in records)
    published = [(p, pub.deadline_state(p.due_on, first_on[p.result_id], today)) for p in records]
    return render(request, "publication/publish.html", {"waiting": rows, "published": published})


@require_POST
@right_required("result.publish")
def publish(request: HttpRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("result") if v.isdigit()]
    chosen = list(publishable_results(request.user).filter(pk__in=ids))
    try:
        publication = actions.publish_results(results=chosen, actor=request.user)
    except (actions.PublicationError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"已公示{publication.results.count()}条检查结果（{publication.published_on}）"
        )
    return redirect("publication:page")


@right_required("result.publish")
def withdraw(request: HttpRequest, published_id: int) -> HttpResponse:
    published = get_object_or_404(managed_publications(request.user), pk=published_id)
    error = ""
    if request.method == "POST":
        try:
            actions.withdraw_published(
                published=published, reason=request.POST.get("reason", ""), actor=request.user
            )
        except (actions.PublicationError, PermissionDenied) as exc:
            error = str(exc)
        else:
            messages.success(request, f"已撤回“{published.entity_name}”的公示")
            return redirect("publication:page")
    return render(request, "publication/withdraw.html", {"published": published, "error": error})
