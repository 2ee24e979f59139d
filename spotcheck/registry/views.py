"""Directory pages. Staff read (coordinators, unit leaders, inspectors, supervisors,
administrators); coordinators and administrators import and edit; the public sees none."""

import tempfile
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from spotcheck.accounts.actors import AnyUser
from spotcheck.accounts.models import Agency, Unit
from spotcheck.accounts.permissions import (
    PLAN_MANAGERS,
    Actor,
    is_deployment_wide,
    narrow_to_agency,
    right_required,
    user_agency_id,
    user_has_role,
)
from spotcheck.lib.results import category
from spotcheck.paging import Page
from spotcheck.registry import uploads
from spotcheck.registry.actions import (
    add_recusal,
    end_recusal,
    import_entities,
    import_inspectors,
    import_recusals,
    update_entity,
    update_inspector,
)
from spotcheck.registry.exports import EXPORT_TYPES, export_entities, export_inspectors
from spotcheck.registry.forms import (
    EntityFilterForm,
    EntityForm,
    ImportConfirmForm,
    ImportUploadForm,
    InspectorFilterForm,
    InspectorForm,
    RecusalForm,
)
from spotcheck.registry.imports import DirectoryImportError, ImportReport
from spotcheck.registry.models import Entity, ImportBatch, Inspector
from spotcheck.registry.search import search_query
from spotcheck.registry.selectors import (
    entities_for_user,
    get_entity_for_user,
    get_inspector_for_user,
    get_recusal_for_user,
    inspectors_for_user,
)
from spotcheck.results.selectors import last_inspections_by_item

PAGE_SIZE = 50
FIELD_LABELS = {
    "public_id": "公开标识",
    "code_kind": "代码类型",
    "credit_code": "统一社会信用代码",
    "name": "名称",
    "target_types": "检查对象类型",
    "town": "乡镇街道",
    "address": "地址",
    "legal_representative": "法定代表人",
    "contact": "联系方式",
    "risk_level": "风险等级",
    "risk_set_on": "风险评定日期",
    "risk_reason": "风险评定依据",
    "status": "经营状态",
    "licence_number": "特种行业许可证号",
    "licence_valid_until": "许可证有效期至",
    "tags": "标签",
    "badge_number": "警号",
    "certificate_number": "执法证号",
    "certificate_valid_until": "执法证有效期至",
    "agency": "机构",
    "unit": "单位",
    "post": "职务",
    "qualifications": "专业领域",
    "is_active": "在岗",
    "inactive_reason": "不在岗原因",
}
IMPORTERS = {
    ImportBatch.Kind.ENTITIES: import_entities,
    ImportBatch.Kind.INSPECTORS: import_inspectors,
    ImportBatch.Kind.RECUSALS: import_recusals,
}


def _changes_display(changes: dict[str, list[Any]]) -> list[tuple[str, Any, Any]]:
    def show(value: Any) -> Any:
        if isinstance(value, list):
            return "、".join(str(v) for v in value) or "（空）"
        if value in (None, ""):
            return "（空）"
        if value is True:
            return "是"
        if value is False:
            return "否"
        return value

    return [
        (FIELD_LABELS.get(name, name), show(old), show(new)) for name, (old, new) in changes.items()
    ]


# ---------------------------------------------------------------------------------------------
# Entities


def filtered_entities(form: EntityFilterForm, user: AnyUser) -> tuple[QuerySet[Entity], bool]:
    """The entities of the user's directory a filter form selects, and whether a text search
    is part of it."""
    entities = entities_for_user(user)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("target_type"):
        entities = entities.filter(target_types=data["target_type"])
    if data.get("town"):
        entities = entities.filter(town=data["town"])
    if data.get("risk_level") == "none":
        entities = entities.filter(risk_level="")
    elif data.get("risk_level"):
        entities = entities.filter(risk_level=data["risk_level"])
    if data.get("status"):
        entities = entities.filter(status=data["status"])
    query = search_query(data.get("q") or "", code_fields=("public_id", "credit_code"))
    if query is not None:
        entities = entities.filter(query)
    return entities, query is not None


TOWNS_CACHE_KEY = "registry:towns"


def _towns_key(agency_id: int | None) -> str:
    return f"{TOWNS_CACHE_KEY}:{agency_id if agency_id is not None else 'all'}"


def _towns(user: AnyUser) -> list[str]:
    """Towns for the filter: the configured list, else those of the user's directory (a
    DISTINCT over the town index, cached for five minutes: a million rows take a noticeable
    moment)."""
    configured = getattr(settings, "SPOTCHECK_TOWNS", None)
    if configured:
        return list(configured)
    return cache.get_or_set(
        _towns_key(None if is_deployment_wide(user) else user_agency_id(user)),
        lambda: list(
            entities_for_user(user)
            .exclude(town="")
            .order_by("town")
            .values_list("town", flat=True)
            .distinct()
        ),
        300,
    )


@right_required("registry.view")
def entity_list(request: HttpRequest) -> HttpResponse:
    form = EntityFilterForm(request.GET or None, towns=_towns(request.user))
    entities, searching = filtered_entities(form, request.user)
    page = Page(
        entities.prefetch_related("target_types"), request, count=not searching, size=PAGE_SIZE
    )
    context = {
        "form": form,
        "page": page,
        "can_manage": user_has_role(request.user, PLAN_MANAGERS),
    }
    if request.headers.get("HX-Request"):
        return render(request, "registry/_entity_results.html", context)
    return render(request, "registry/entity_list.html", context)


@right_required("registry.view")
def entity_detail(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = get_entity_for_user(
        request.user,
        entity_id,
        Entity.objects.select_related("agency", "created_batch").prefetch_related("target_types"),
    )
    today = timezone.localdate()
    history = [
        {"entry": entry, "changes": _changes_display(entry.changes)}
        for entry in entity.history.select_related("batch").order_by("-changed_at", "-pk")
    ]
    recusals = [
        {"recusal": r, "in_force": r.applies_on(today)}
        for r in entity.recusals.select_related("inspector", "inspector__unit").order_by(
            "-valid_from"
        )
    ]
    last_inspections = [
        {"item_name": name, "last": last, "category": category(last.category).label}
        for (_, name), last in sorted(
            last_inspections_by_item([entity.pk], item_names=None).items(),
            key=lambda pair: pair[0][1],
        )
    ]
    context = {
        "entity": entity,
        "history": history,
        "recusals": recusals,
        "last_inspections": last_inspections,
        "can_manage": user_has_role(request.user, PLAN_MANAGERS),
    }
    return render(request, "registry/entity_detail.html", context)


@right_required("registry.edit")
def entity_edit(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = get_entity_for_user(request.user, entity_id)
    form = EntityForm(request.POST or None, instance=entity)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        values["target_types"] = list(form.cleaned_data["target_types"])
        changes = update_entity(
            entity=Entity.objects.get(pk=entity_id),
            actor=request.user,
            values=values,
            note=form.cleaned_data["note"],
        )
        messages.success(
            request, f"已保存，{len(changes)}项变更已记入历史" if changes else "未变更"
        )
        return redirect("registry:entity", entity_id)
    return render(request, "registry/entity_form.html", {"form": form, "entity": entity})


@right_required("registry.export")
def entity_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_TYPES:
        raise Http404("未知的导出格式")
    form = EntityFilterForm(request.GET or None, towns=_towns(request.user))
    entities, _ = filtered_entities(form, request.user)
    return _file_response(lambda stream: export_entities(stream, fmt, entities), "entities", fmt)


def _file_response(write: Any, stem: str, fmt: str) -> HttpResponse:
    # Written to a temporary file first: openpyxl needs a seekable stream, and the CSV of a
    # large directory should not sit in memory.
    stream = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write(stream)
    stream.seek(0)
    filename = f"{stem}-{timezone.localdate():%Y%m%d}.{fmt}"
    response = FileResponse(stream, content_type=EXPORT_TYPES[fmt], as_attachment=True)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------
# Inspectors


def _inspector_filter_form(request: HttpRequest) -> InspectorFilterForm:
    """The filter form offering only the agencies and units of the user's directory."""
    form = InspectorFilterForm(request.GET or None)
    listed = inspectors_for_user(request.user)
    form.fields["agency"].queryset = Agency.objects.filter(pk__in=listed.values("agency"))
    form.fields["unit"].queryset = Unit.objects.select_related("agency").filter(
        pk__in=listed.values("unit")
    )
    return form


def filtered_inspectors(
    form: InspectorFilterForm, user: AnyUser
) -> tuple[QuerySet[Inspector], bool]:
    inspectors = inspectors_for_user(user).select_related("agency", "unit")
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("agency"):
        inspectors = inspectors.filter(agency=data["agency"])
    if data.get("unit"):
        inspectors = inspectors.filter(unit=data["unit"])
    today = timezone.localdate()
    if data.get("drawable") == "drawable":
        inspectors = inspectors.filter(is_active=True, certificate_valid_until__gte=today)
    elif data.get("drawable") == "expired":
        inspectors = inspectors.filter(certificate_valid_until__lt=today)
    elif data.get("drawable") == "inactive":
        inspectors = inspectors.filter(is_active=False)
    query = search_query(data.get("q") or "", code_fields=("certificate_number", "badge_number"))
    if query is not None:
        inspectors = inspectors.filter(query | Q(certificate_number__contains=data["q"].strip()))
    return inspectors, query is not None


@right_required("registry.view")
def inspector_list(request: HttpRequest) -> HttpResponse:
    form = _inspector_filter_form(request)
    inspectors, searching = filtered_inspectors(form, request.user)
    page = Page(inspectors, request, count=True, size=PAGE_SIZE)
    today = timezone.localdate()
    rows = [(inspector, inspector.ineligibility_reason(today)) for inspector in page.object_list]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "can_manage": user_has_role(request.user, PLAN_MANAGERS),
    }
    if request.headers.get("HX-Request"):
        return render(request, "registry/_inspector_results.html", context)
    return render(request, "registry/inspector_list.html", context)


@right_required("registry.view")
def inspector_detail(request: HttpRequest, inspector_id: int) -> HttpResponse:
    inspector = get_inspector_for_user(
        request.user,
        inspector_id,
        Inspector.objects.select_related("agency", "unit", "created_batch"),
    )
    today = timezone.localdate()
    history = [
        {"entry": entry, "changes": _changes_display(entry.changes)}
        for entry in inspector.history.select_related("batch").order_by("-changed_at", "-pk")
    ]
    recusals = [
        {"recusal": r, "in_force": r.applies_on(today)}
        for r in inspector.recusals.select_related("entity").order_by("-valid_from")
    ]
    context = {
        "inspector": inspector,
        "ineligibility": inspector.ineligibility_reason(today),
        "history": history,
        "recusals": recusals,
        "can_manage": user_has_role(request.user, PLAN_MANAGERS),
    }
    return render(request, "registry/inspector_detail.html", context)


@right_required("registry.edit")
def inspector_edit(request: HttpRequest, inspector_id: int) -> HttpResponse:
    inspector = get_inspector_for_user(
        request.user, inspector_id, Inspector.objects.select_related("agency")
    )
    form = InspectorForm(request.POST or None, instance=inspector)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        changes = update_inspector(
            inspector=Inspector.objects.get(pk=inspector_id),
            actor=request.user,
            values=values,
            note=form.cleaned_data["note"],
        )
        messages.success(
            request, f"已保存，{len(changes)}项变更已记入历史" if changes else "未变更"
        )
        return redirect("registry:inspector", inspector_id)
    return render(request, "registry/inspector_form.html", {"form": form, "inspector": inspector})


@right_required("registry.export")
def inspector_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_TYPES:
        raise Http404("未知的导出格式")
    inspectors, _ = filtered_inspectors(_inspector_filter_form(request), request.user)
    return _file_response(
        lambda stream: export_inspectors(stream, fmt, inspectors), "inspectors", fmt
    )


# ---------------------------------------------------------------------------------------------
# Recusals


@right_required("registry.edit")
def recusal_add(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = get_entity_for_user(request.user, entity_id)
    form = RecusalForm(request.POST or None)
    form.fields["inspector"].queryset = inspectors_for_user(request.user).select_related(
        "agency", "unit"
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        add_recusal(
            inspector=data["inspector"],
            entity=entity,
            reason=data["reason"],
            actor=request.user,
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            note=data["note"],
        )
        messages.success(request, f"已登记{data['inspector'].name}对本对象的回避关系")
        return redirect("registry:entity", entity_id)
    return render(request, "registry/recusal_form.html", {"form": form, "entity": entity})


@require_POST
@right_required("registry.edit")
def recusal_end(request: HttpRequest, recusal_id: int) -> HttpResponse:
    recusal = get_recusal_for_user(request.user, recusal_id)
    try:
        end_recusal(recusal=recusal, actor=request.user)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "回避关系已于今天结束（记录保留）")
    return redirect("registry:entity", recusal.entity_id)


# ---------------------------------------------------------------------------------------------
# Imports from the web: upload -> preview (validation report) -> confirm


@right_required("registry.import")
def import_upload(request: HttpRequest) -> HttpResponse:
    initial = {"agency": getattr(request.user, "agency_id", None)}
    form = ImportUploadForm(request.POST or None, request.FILES or None, initial=initial)
    form.fields["agency"].queryset = narrow_to_agency(Agency.objects.all(), request.user, "pk")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        stored = uploads.store(
            upload,
            {
                "kind": data["kind"],
                "filename": upload.name,
                "agency": data["agency"].name if data["agency"] else "",
                "user_id": request.user.pk,
                "skip_invalid": data["skip_invalid"],
                "created": timezone.now().isoformat(),
            },
        )
        try:
            report = _run_import(stored, dry_run=True, skip_invalid=data["skip_invalid"])
        except DirectoryImportError as error:
            form.add_error("file", str(error))
        else:
            stored.meta["preview"] = report.to_json()
            stored.save()
            return redirect("registry:import_preview", stored.token)
    # The agency's directory imports, and the user's own (inspector and recusal files name no
    # single agency).
    batches = ImportBatch.objects.select_related("agency").filter(
        Q(pk__in=narrow_to_agency(ImportBatch.objects.all(), request.user).values("pk"))
        | Q(actor=request.user.get_username())
    )[:10]
    return render(request, "registry/import_upload.html", {"form": form, "batches": batches})


def _run_import(
    stored: uploads.StoredUpload, *, dry_run: bool, skip_invalid: bool, actor: Actor = None
) -> ImportReport:
    importer = IMPORTERS[stored.meta["kind"]]
    kwargs: dict[str, Any] = {
        "source": stored.path,
        "filename": stored.meta["filename"],
        "actor": actor,
        "skip_invalid": skip_invalid,
        "dry_run": dry_run,
        "rejects_path": stored.rejects_path,
    }
    if stored.meta["kind"] == ImportBatch.Kind.ENTITIES:
        kwargs["agency_name"] = stored.meta["agency"]
    return importer(**kwargs)


def _stored_for(request: HttpRequest, token: str) -> uploads.StoredUpload:
    return uploads.load_for_user(token, request.user, kinds=IMPORTERS)  # not a plan upload


@right_required("registry.import")
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    stored = _stored_for(request, token)
    report = ImportReport.from_json(stored.meta.get("result") or stored.meta["preview"])
    context = {
        "stored": stored,
        "report": report,
        "kind_label": ImportBatch.Kind(stored.meta["kind"]).label,
        "done": "result" in stored.meta,
        "form": ImportConfirmForm(initial={"skip_invalid": stored.meta["skip_invalid"]}),
        "has_rejects": stored.rejects_path.exists(),
    }
    return render(request, "registry/import_preview.html", context)


@require_POST
@right_required("registry.import")
def import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    stored = _stored_for(request, token)
    if "result" in stored.meta:
        messages.error(request, "该文件已经导入过")
        return redirect("registry:import_preview", token)
    if not stored.claim():
        messages.error(request, "该文件正在导入，请勿重复提交；完成后本页显示结果")
        return redirect("registry:import_preview", token)
    try:
        return _confirm_claimed(request, stored)
    finally:
        stored.release()


def _confirm_claimed(request: HttpRequest, stored: uploads.StoredUpload) -> HttpResponse:
    token = stored.token
    stored = uploads.load(token) or stored  # the first click may have finished meanwhile
    if "result" in stored.meta:
        messages.error(request, "该文件已经导入过")
        return redirect("registry:import_preview", token)
    form = ImportConfirmForm(request.POST)
    skip_invalid = form.is_valid() and form.cleaned_data["skip_invalid"]
    try:
        report = _run_import(stored, dry_run=False, skip_invalid=skip_invalid, actor=request.user)
    except DirectoryImportError as error:
        messages.error(request, str(error))
        return redirect("registry:import_preview", token)
    if not report.written:
        stored.meta["preview"] = report.to_json()
        stored.save()
        messages.error(request, f"未写入任何内容：{report.invalid}行有误")
        return redirect("registry:import_preview", token)
    stored.meta["result"] = report.to_json()
    stored.save()
    agency = Agency.objects.filter(name=stored.meta.get("agency") or "").first()
    cache.delete_many([_towns_key(None), _towns_key(agency.pk if agency else None)])
    messages.success(
        request,
        f"已导入{report.filename}：新增{report.created}，更新{report.updated}，"
        f"未变{report.unchanged}，跳过有误的行{report.invalid}",
    )
    return redirect("registry:import_preview", token)


@right_required("registry.import")
def import_rejects(request: HttpRequest, token: str) -> HttpResponse:
    stored = _stored_for(request, token)
    if not stored.rejects_path.exists():
        raise Http404("没有有误的行")
    name = stored.meta["filename"].rsplit(".", 1)[0] + ".rejects.csv"
    response = FileResponse(
        stored.rejects_path.open("rb"), content_type=EXPORT_TYPES["csv"], as_attachment=True
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    return quote(name)


@right_required("registry.view")
def index(request: HttpRequest) -> HttpResponse:
    return redirect(reverse("registry:entities"))
