import shutil
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.views.decorators.http import require_POST

from spotcheck.accounts.models import Agency
from spotcheck.accounts.permissions import (
    PLAN_MANAGERS,
    has_right,
    right_required,
    user_has_role,
)
from spotcheck.lib import planfile
from spotcheck.plans.actions import (
    PlanImportError,
    copy_plan,
    create_plan,
    delete_plan_item,
    drop_revision_change,
    import_plan,
    publish_plan,
    publish_revision,
    read_plan_upload,
    revise_item,
    revision_diff,
    save_plan_item,
    start_revision,
    withdraw_item,
)
from spotcheck.plans.exports import plan_download
from spotcheck.plans.forms import (
    CellCorrectionForm,
    ColumnCorrectionForm,
    PlanCopyForm,
    PlanForm,
    PlanItemForm,
    PlanUploadForm,
    RevisionForm,
)
from spotcheck.plans.models import Plan, PlanItem, PlanRevision
from spotcheck.plans.preview import preview_items
from spotcheck.plans.selectors import get_managed_plan, managed_plans, plans_for_user
from spotcheck.public.selectors import published_items, published_plans, published_revisions
from spotcheck.registry import uploads


def visible_plans(request: HttpRequest) -> QuerySet[Plan]:
    """Published plans; staff also see their own agency's drafts."""
    return plans_for_user(request.user)


View = Callable[..., HttpResponse]


def _sent_to_portal(address: str) -> HttpResponse:
    """A visitor's permanent redirect to the portal's page. Not kept by the browser (no-cache,
    Vary: Cookie): the same address serves staff once they sign in."""
    response = HttpResponsePermanentRedirect(address)
    add_never_cache_headers(response)
    patch_vary_headers(response, ["Cookie"])
    return response


def staff_page(portal: Callable[..., str | None]) -> Callable[[View], View]:
    """The staff plan pages show what the portal does not (the item's cells beside the source
    text, drafts, revision tools): visitors get the portal's page of the same thing, 301 to the
    address `portal(request, **kwargs)` gives, or the login page where it gives none."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated:
                return view(request, *args, **kwargs)
            address = portal(request, **kwargs)
            if address is None:
                return redirect_to_login(request.get_full_path())
            query = request.META.get("QUERY_STRING", "")
            if query:  # before the fragment, where a query belongs
                path, hash_, fragment = address.partition("#")
                address = f"{path}?{query}{hash_}{fragment}"
            return _sent_to_portal(address)

        return wrapper

    return decorate


def _portal_revision(request: HttpRequest, plan_id: int, revision_id: int) -> str | None:
    """A published revision is a section of the portal's plan page; a draft has no public page."""
    number = (
        published_revisions()
        .filter(plan_id=plan_id, pk=revision_id)
        .values_list("number", flat=True)
        .first()
    )
    if number is None:
        return None
    return reverse("public:plan", args=[plan_id]) + f"#revision-{number}"


def _portal_plan(request: HttpRequest, plan_id: int, fmt: str = "") -> str | None:
    """A published plan's portal page (or download); a draft has none: a visitor is sent to
    sign in, and comes back to the staff page."""
    if not published_plans().filter(pk=plan_id).exists():
        return None
    if fmt:
        return reverse("public:plan_export", args=[plan_id, fmt])
    return reverse("public:plan", args=[plan_id])


def _portal_item(request: HttpRequest, plan_id: int, item_id: int) -> str | None:
    if not published_items().filter(plan_id=plan_id, pk=item_id).exists():
        return None
    return reverse("public:plan_item", args=[plan_id, item_id])


@staff_page(lambda request: reverse("public:plans"))
def plan_list(request: HttpRequest) -> HttpResponse:
    return render(request, "plans/plan_list.html", {"plans": visible_plans(request)})


@staff_page(_portal_plan)
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(visible_plans(request), pk=plan_id)
    items = list(plan.items.select_related("responsible_unit"))
    context = {
        "plan": plan,
        "groups": plan.item_groups(items),
        "item_count": len(items),
        "flagged": sum(1 for i in items if i.review_flags),
        "can_manage": user_has_role(request.user, PLAN_MANAGERS)
        and managed_plans(request.user).filter(pk=plan.pk).exists(),
        "can_edit": _can_edit(request, plan),
        "revisions": _visible_revisions(request, plan),
    }
    return render(request, "plans/plan_detail.html", context)


def _can_edit(request: HttpRequest, plan: Plan) -> bool:
    return (
        has_right(request.user, "plan.edit")
        and managed_plans(request.user).filter(pk=plan.pk).exists()
    )


def _visible_revisions(request: HttpRequest, plan: Plan) -> list[PlanRevision]:
    """Published revisions; drafts too for the plan's own agency's staff."""
    revisions = list(plan.revisions.all())
    own = has_right(request.user, "plan.view_draft") and (
        managed_plans(request.user).filter(pk=plan.pk).exists()
    )
    return [r for r in revisions if r.is_published or own]


@staff_page(_portal_item)
def item_detail(request: HttpRequest, plan_id: int, item_id: int) -> HttpResponse:
    plan = get_object_or_404(visible_plans(request), pk=plan_id)
    item = get_object_or_404(plan.items.select_related("responsible_unit"), pk=item_id)
    context = {
        "plan": plan,
        "item": item,
        "rows": item.field_rows(),
        "can_edit": not plan.is_published and _can_edit(request, plan),
    }
    return render(request, "plans/item_detail.html", context)


@staff_page(_portal_plan)
def plan_export(request: HttpRequest, plan_id: int, fmt: str) -> HttpResponse:
    return plan_download(lambda: get_object_or_404(visible_plans(request), pk=plan_id), fmt)


@right_required("plan.import")
def plan_upload(request: HttpRequest) -> HttpResponse:
    """Upload -> preview (nothing written) -> corrections -> confirm."""
    form = PlanUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        stored = uploads.store(
            upload,
            {
                "kind": PLAN_UPLOAD_KIND,
                "filename": upload.name,
                "agency": form.cleaned_data["agency"] or "",
                "year": form.cleaned_data["year"],
                "replace": form.cleaned_data["replace"],
                "user_id": request.user.pk,
                "columns": {},
                "cells": [],
                "created": timezone.now().isoformat(),
            },
        )
        try:
            _parse_stored(stored)
        except PlanImportError as exc:
            shutil.rmtree(stored.directory, ignore_errors=True)
            form.add_error(None, str(exc))
        else:
            return redirect("plans:import_preview", stored.token)
    return render(request, "plans/plan_upload.html", {"form": form})


PLAN_UPLOAD_KIND = "plan"


def _stored_corrections(stored: uploads.StoredUpload) -> planfile.Corrections:
    return planfile.Corrections(
        columns=dict(stored.meta.get("columns") or {}),
        cells={(source, key): text for source, key, text in stored.meta.get("cells") or []},
    )


def _parse_stored(
    stored: uploads.StoredUpload, corrections: planfile.Corrections | None = None
) -> planfile.ParsedPlan:
    return read_plan_upload(
        data=stored.path.read_bytes(),
        filename=stored.meta["filename"],
        corrections=corrections if corrections is not None else _stored_corrections(stored),
    )


def _plan_upload_for(request: HttpRequest, token: str) -> uploads.StoredUpload:
    return uploads.load_for_user(token, request.user, kinds={PLAN_UPLOAD_KIND})


@right_required("plan.import")
def plan_import_preview(request: HttpRequest, token: str) -> HttpResponse:
    stored = _plan_upload_for(request, token)
    plan = None
    if stored.meta.get("plan_id"):
        plan = managed_plans(request.user).filter(pk=stored.meta["plan_id"]).first()
    error, parsed = "", None
    try:
        parsed = _parse_stored(stored)
    except PlanImportError as exc:
        error = str(exc)
    headers = list(parsed.columns) if parsed else list(stored.meta.get("columns") or {})
    context = {
        "stored": stored,
        "parsed": parsed,
        "error": error,
        "plan": plan,
        "items": preview_items(parsed) if parsed else [],
        "flagged": sum(1 for i in parsed.items if i.review_flags) if parsed else 0,
        "columns": [
            (header, planfile.FIELD_HEADERS[key] if key else "")
            for header, key in (parsed.columns.items() if parsed else [])
        ],
        "corrected_columns": [
            (header, planfile.FIELD_HEADERS[key] if key else "忽略（作为其他列原样保留）")
            for header, key in (stored.meta.get("columns") or {}).items()
        ],
        "corrected_cells": [
            (source, planfile.FIELD_HEADERS.get(key, key), text)
            for source, key, text in stored.meta.get("cells") or []
        ],
        "column_form": ColumnCorrectionForm(headers=headers),
        "fields": list(planfile.FIELD_HEADERS.items()),
    }
    return render(request, "plans/plan_import_preview.html", context)


@require_POST
@right_required("plan.import")
def plan_import_correct(request: HttpRequest, token: str) -> HttpResponse:
    """Record one correction (a column's meaning, or a field of a row) and show the preview
    again; a correction that makes the file unreadable is refused and not kept."""
    stored = _plan_upload_for(request, token)
    if stored.meta.get("plan_id"):
        messages.error(request, "该文件已经导入，不能再更正")
        return redirect("plans:import_preview", token)
    columns = dict(stored.meta.get("columns") or {})
    cells = [list(cell) for cell in stored.meta.get("cells") or []]
    anchor = ""
    what = request.POST.get("what")
    if what == "reset":
        columns, cells = {}, []
    elif what == "column":
        try:
            headers = list(_parse_stored(stored).columns)
        except PlanImportError:
            headers = list(columns)
        column_form = ColumnCorrectionForm(request.POST, headers=headers)
        if not column_form.is_valid():
            messages.error(request, "请选择要更正的列和它的含义")
            return redirect("plans:import_preview", token)
        columns[column_form.cleaned_data["header"]] = column_form.cleaned_data["field"] or None
    elif what == "cell":
        cell_form = CellCorrectionForm(request.POST)
        if not cell_form.is_valid():
            messages.error(
                request,
                "更正的内容无效："
                + "；".join(str(e) for errors in cell_form.errors.values() for e in errors),
            )
            return redirect("plans:import_preview", token)
        data = cell_form.cleaned_data
        cells = [c for c in cells if (c[0], c[1]) != (data["source"], data["field"])]
        cells.append([data["source"], data["field"], data["text"]])
        anchor = "#row-" + data["source"]
    else:
        raise Http404("未知的更正")
    corrections = planfile.Corrections(
        columns=columns, cells={(source, key): text for source, key, text in cells}
    )
    try:
        _parse_stored(stored, corrections)
    except PlanImportError as exc:
        messages.error(request, f"未采用该更正：{exc}")
        return redirect("plans:import_preview", token)
    stored.meta["columns"], stored.meta["cells"] = columns, cells
    stored.save()
    messages.success(request, "已撤销全部更正" if what == "reset" else "已更正，请核对后确认导入")
    return redirect(reverse("plans:import_preview", args=[token]) + anchor)


@require_POST
@right_required("plan.import")
def plan_import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    stored = _plan_upload_for(request, token)
    if stored.meta.get("plan_id"):
        messages.error(request, "该文件已经导入过")
        return redirect("plans:import_preview", token)
    if not stored.claim():
        messages.error(request, "该文件正在导入，请勿重复提交")
        return redirect("plans:import_preview", token)
    try:
        stored = uploads.load(token) or stored  # the first click may have finished meanwhile
        if stored.meta.get("plan_id"):
            messages.error(request, "该文件已经导入过")
            return redirect("plans:import_preview", token)
        data = stored.path.read_bytes()
        try:
            plan = import_plan(
                parsed=_parse_stored(stored),
                actor=request.user,
                agency_name=stored.meta.get("agency") or None,
                year=stored.meta.get("year"),
                replace=bool(stored.meta.get("replace")),
                source_filename=stored.meta["filename"],
                source_bytes=data,
            )
        except PlanImportError as exc:
            messages.error(request, f"未写入任何内容：{exc}")
            return redirect("plans:import_preview", token)
        stored.meta["plan_id"] = plan.pk
        stored.save()
    finally:
        stored.release()
    messages.success(request, f"已导入“{plan.title}”，共{plan.items.count()}个抽查事项")
    return redirect(plan)


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


# --- plans built in forms ----------------------------------------------------------------------


def _own_agency(request: HttpRequest) -> Agency:
    agency = getattr(request.user, "agency", None)
    if agency is None:
        raise PermissionDenied("没有所属机构的账号不能制定计划")
    return agency


@right_required("plan.edit")
def plan_new(request: HttpRequest) -> HttpResponse:
    agency = _own_agency(request)
    form = PlanForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            plan = create_plan(
                actor=request.user,
                agency=agency,
                year=form.cleaned_data["year"],
                title=form.cleaned_data["title"],
            )
        except PlanImportError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已创建“{plan.title}”，请添加抽查事项")
            return redirect("plans:item_new", plan.pk)
    sources = managed_plans(request.user).order_by("-year")
    return render(
        request,
        "plans/plan_new.html",
        {"form": form, "agency": agency, "sources": sources, "copy_form": PlanCopyForm()},
    )


@require_POST
@right_required("plan.edit")
def plan_copy(request: HttpRequest, plan_id: int) -> HttpResponse:
    source = get_managed_plan(request.user, plan_id)
    form = PlanCopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写有效的年度")
        return redirect("plans:new")
    try:
        plan = copy_plan(
            source=source,
            year=form.cleaned_data["year"],
            title=form.cleaned_data["title"],
            actor=request.user,
        )
    except PlanImportError as exc:
        messages.error(request, str(exc))
        return redirect("plans:new")
    messages.success(request, f"已以“{source.title}”为底稿创建“{plan.title}”，请逐项核对")
    return redirect(plan)


def _item_form_page(request: HttpRequest, plan: Plan, item: PlanItem | None) -> HttpResponse:
    initial = PlanItemForm.initial_for(item) if item is not None else {}
    form = PlanItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_plan_item(plan=plan, actor=request.user, values=form.values(), item=item)
        except PlanImportError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已保存事项“{saved}”")
            if "another" in request.POST:
                return redirect("plans:item_new", plan.pk)
            return redirect(plan)
    return render(request, "plans/item_form.html", {"plan": plan, "item": item, "form": form})


@right_required("plan.edit")
def item_new(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_managed_plan(request.user, plan_id)
    if plan.is_published:
        messages.error(request, "计划已公开，只能通过计划调整修改")
        return redirect(plan)
    return _item_form_page(request, plan, None)


@right_required("plan.edit")
def item_edit(request: HttpRequest, plan_id: int, item_id: int) -> HttpResponse:
    plan = get_managed_plan(request.user, plan_id)
    item = get_object_or_404(plan.items, pk=item_id)
    if plan.is_published:
        messages.error(request, "计划已公开，只能通过计划调整修改")
        return redirect(item)
    return _item_form_page(request, plan, item)


@require_POST
@right_required("plan.edit")
def item_delete(request: HttpRequest, plan_id: int, item_id: int) -> HttpResponse:
    plan = get_managed_plan(request.user, plan_id)
    item = get_object_or_404(plan.items, pk=item_id)
    try:
        delete_plan_item(item=item, actor=request.user)
    except PlanImportError as exc:
        messages.error(request, str(exc))
        return redirect(item)
    messages.success(request, f"已删除事项“{item}”")
    return redirect(plan)


# --- revisions of a published plan (计划调整) ----------------------------------------------------


def _revision_for(request: HttpRequest, plan: Plan, revision_id: int) -> PlanRevision:
    """A revision of a visible plan; a draft only for the plan's own agency's staff."""
    revision = get_object_or_404(plan.revisions, pk=revision_id)
    if not revision.is_published:
        own = managed_plans(request.user).filter(pk=plan.pk).exists()
        if not (own and has_right(request.user, "plan.view_draft")):
            raise Http404("没有这次计划调整")
    return revision


def _managed_revision(request: HttpRequest, plan_id: int, revision_id: int) -> PlanRevision:
    plan = get_managed_plan(request.user, plan_id)
    return get_object_or_404(plan.revisions.select_related("plan"), pk=revision_id)


@right_required("plan.edit")
def revision_new(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_managed_plan(request.user, plan_id)
    form = RevisionForm(request.POST or None, initial={"effective_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            revision = start_revision(
                plan=plan,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                effective_date=form.cleaned_data["effective_date"],
            )
        except PlanImportError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已开始第{revision.number}次调整，请添加调整内容")
            return redirect(revision)
    return render(request, "plans/revision_new.html", {"plan": plan, "form": form})


@staff_page(_portal_revision)
def revision_detail(request: HttpRequest, plan_id: int, revision_id: int) -> HttpResponse:
    plan = get_object_or_404(visible_plans(request), pk=plan_id)
    revision = _revision_for(request, plan, revision_id)
    can_edit = (
        not revision.is_published
        and has_right(request.user, "plan.edit")
        and managed_plans(request.user).filter(pk=plan.pk).exists()
    )
    changes = [
        {"index": i, "change": c, "diff": revision_diff(c)} for i, c in enumerate(revision.changes)
    ]
    pending = {c["item"] for c in revision.changes if c.get("item")}
    context = {
        "plan": plan,
        "revision": revision,
        "changes": changes,
        "can_edit": can_edit,
        "can_publish": can_edit and has_right(request.user, "plan.publish"),
        "items": plan.items.all() if can_edit else [],
        "pending": pending,
    }
    return render(request, "plans/revision_detail.html", context)


def _revision_item_page(
    request: HttpRequest, revision: PlanRevision, item: PlanItem | None
) -> HttpResponse:
    if revision.is_published:
        messages.error(request, f"第{revision.number}次调整已公开，不能再修改")
        return redirect(revision)
    pending = next((c for c in revision.changes if item and c.get("item") == item.pk), None)
    initial = PlanItemForm.initial_for(item) if item is not None else {}
    if pending and pending.get("values"):
        initial = PlanItemForm.initial_from_values(pending["values"])
    form = PlanItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            revise_item(revision=revision, actor=request.user, values=form.values(), item=item)
        except PlanImportError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已记入本次调整（公开调整后生效）")
            return redirect(revision)
    context = {"plan": revision.plan, "item": item, "form": form, "revision": revision}
    return render(request, "plans/item_form.html", context)


@right_required("plan.edit")
def revision_item_new(request: HttpRequest, plan_id: int, revision_id: int) -> HttpResponse:
    return _revision_item_page(request, _managed_revision(request, plan_id, revision_id), None)


@right_required("plan.edit")
def revision_item_edit(
    request: HttpRequest, plan_id: int, revision_id: int, item_id: int
) -> HttpResponse:
    revision = _managed_revision(request, plan_id, revision_id)
    item = get_object_or_404(revision.plan.items, pk=item_id)
    return _revision_item_page(request, revision, item)


@require_POST
@right_required("plan.edit")
def revision_item_withdraw(
    request: HttpRequest, plan_id: int, revision_id: int, item_id: int
) -> HttpResponse:
    revision = _managed_revision(request, plan_id, revision_id)
    item = get_object_or_404(revision.plan.items, pk=item_id)
    try:
        withdraw_item(revision=revision, actor=request.user, item=item)
    except PlanImportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已记入本次调整：撤回事项“{item}”（公开调整后生效）")
    return redirect(revision)


@require_POST
@right_required("plan.edit")
def revision_drop(request: HttpRequest, plan_id: int, revision_id: int, index: int) -> HttpResponse:
    revision = _managed_revision(request, plan_id, revision_id)
    try:
        drop_revision_change(revision=revision, actor=request.user, index=index)
    except PlanImportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已删去这项调整内容")
    return redirect(revision)


@require_POST
@right_required("plan.publish")
def revision_publish(request: HttpRequest, plan_id: int, revision_id: int) -> HttpResponse:
    revision = _managed_revision(request, plan_id, revision_id)
    try:
        publish_revision(revision=revision, actor=request.user)
    except PlanImportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已公开第{revision.number}次调整，计划已按调整生效")
    return redirect(revision)
