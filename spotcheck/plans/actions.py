"""Plan workflows: import (all or nothing), publish, export."""

import hashlib
from datetime import date, datetime
from decimal import Decimal

from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from spotcheck.accounts.models import Agency, Unit
from spotcheck.accounts.orgs import canonical_agency_name, get_or_create_agency, get_or_create_unit
from spotcheck.accounts.permissions import Actor, actor_may_act_for, ensure_actor_agency
from spotcheck.audit.models import record
from spotcheck.lib import planfile
from spotcheck.lib.publication import mask_phone_numbers
from spotcheck.limits import LimitError, check_fields
from spotcheck.plans.models import Plan, PlanItem, PlanRevision
from spotcheck.plans.selectors import WithdrawnColumns, withdrawn_columns
from spotcheck.public.models import note_public_change
from spotcheck.registry.models import TargetType


class PlanImportError(Exception):
    """A plan file that cannot be imported as asked; the message names the reason."""


MIN_YEAR, MAX_YEAR = 2000, 2100


def read_plan_upload(
    *, data: bytes, filename: str, corrections: planfile.Corrections | None = None
) -> planfile.ParsedPlan:
    """The parsed plan (nothing written), with the preview's corrections applied."""
    try:
        return planfile.read_plan_bytes(data, filename, corrections)
    except planfile.PlanFileError as exc:
        raise PlanImportError(str(exc)) from exc


@transaction.atomic
def import_plan(
    *,
    parsed: planfile.ParsedPlan,
    actor: Actor,
    agency_name: str | None = None,
    year: int | None = None,
    replace: bool = False,
    source_filename: str = "",
    source_bytes: bytes = b"",
    now: datetime | None = None,
) -> Plan:
    """Create a draft plan and its items from a parsed file, imported at `now` (default the
    current time); nothing is written on error."""
    now = now or timezone.now()
    agency_name = agency_name or parsed.agency
    year = year or parsed.year
    if not agency_name:
        raise PlanImportError("无法从标题识别制定机构，请指定机构（--agency）")
    if not year:
        raise PlanImportError("无法从标题识别年度，请指定年度（--year）")
    if not parsed.items:
        raise PlanImportError("文件中没有抽查事项")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PlanImportError(f"年度须在{MIN_YEAR}至{MAX_YEAR}之间，现为{year}")
    title = (
        parsed.title
        or f"{canonical_agency_name(agency_name)}{year}年度“双随机、一公开”抽查工作计划"
    )
    _check_limits(parsed, agency_name=agency_name, title=title, source_filename=source_filename)
    agency, _ = get_or_create_agency(agency_name, now=now)
    if not actor_may_act_for(actor, agency):
        raise PlanImportError(f"只能导入本机构的计划，不能导入“{agency.name}”的计划")
    existing = Plan.objects.select_for_update().filter(agency=agency, year=year).first()
    replaced_id = None
    if existing is not None:
        if not replace:
            raise PlanImportError(
                f"{agency.name}{year}年度计划已存在（“{existing.title}”），如需替换请使用 --replace"
            )
        if existing.is_published:
            raise PlanImportError(f"“{existing.title}”已公开，不能替换")
        replaced_id = existing.pk
        try:
            with transaction.atomic():
                existing.delete()
        except ProtectedError as exc:
            raise PlanImportError(_protected_reason(existing, exc)) from exc
    plan = Plan.objects.create(
        agency=agency,
        year=year,
        title=title,
        source_filename=source_filename,
        source_sha256=hashlib.sha256(source_bytes).hexdigest() if source_bytes else "",
        imported_by=actor if getattr(actor, "pk", None) else None,
        notes=list(parsed.notes),
        column_notes=list(parsed.column_notes),
        import_corrections=_corrections_record(parsed),
        imported_at=now,
    )
    for position, data in enumerate(parsed.items, start=1):
        _create_item(plan=plan, agency=agency, position=position, data=data, now=now)
    flags = sum(len(i.review_flags) for i in parsed.items)
    record(
        actor=actor,
        action="plan.replace" if replaced_id else "plan.import",
        obj=plan,
        details={
            "items": len(parsed.items),
            "review_flags": flags,
            "source_filename": source_filename,
            "source_sha256": plan.source_sha256,
            "replaced_plan_id": replaced_id,
            "notes": len(parsed.notes),
            "column_notes": list(parsed.column_notes),
            "corrections": plan.import_corrections,
        },
        at=now,
    )
    return plan


def _corrections_record(parsed: planfile.ParsedPlan) -> dict[str, object]:
    """What the coordinator corrected before importing, kept with the plan and its audit."""
    if not parsed.applied_columns and not parsed.applied_cells:
        return {}
    return {
        "columns": dict(parsed.applied_columns),
        "cells": [dict(cell) for cell in parsed.applied_cells],
    }


def _protected_reason(plan: Plan, error: ProtectedError) -> str:
    kinds = sorted({str(obj._meta.verbose_name) for obj in error.protected_objects})
    if "活动登记" in kinds:
        return f"该计划已登记活动，不能替换（“{plan.title}”已有{'、'.join(kinds)}）"
    return f"“{plan.title}”已有{'、'.join(kinds)}，不能替换"


_ITEM_TEXT_FIELDS = (
    "domain",
    "name",
    "target_type",
    "initiating_department",
    "inspection_body",
    "legal_basis",
    "method",
    "risk_rule",
)
_ITEM_NUMBER_FIELDS = (
    "number",
    "ratio_percent",
    "times_per_year",
    "estimated_targets",
    "ratio_max_percent",
    "sample_count_min",
    "sample_count_max",
)
_ITEM_MULTI_LINE = ("name", "domain", "legal_basis", "method", "content", "risk_rule")


def _check_limits(
    parsed: planfile.ParsedPlan, *, agency_name: str, title: str, source_filename: str
) -> None:
    """Every value against its field's limit before anything is written (PostgreSQL would
    refuse it with a traceback, SQLite store it silently)."""
    try:
        check_fields(Agency, {"name": canonical_agency_name(agency_name)}, where="制定机构：")
        check_fields(Plan, {"title": title, "source_filename": source_filename})
        for data in parsed.items:
            where = f"{data.source}：" if data.source else f"事项{data.number}："
            values: dict[str, object] = {k: getattr(data, k) for k in _ITEM_TEXT_FIELDS}
            values.update({k: getattr(data, k) for k in _ITEM_NUMBER_FIELDS})
            values["responsible_unit_name"] = data.responsible_unit
            values["label"] = planfile.item_label(data)
            values["estimated_low"] = data.estimated_risk.low
            values["estimated_medium_low"] = data.estimated_risk.medium_low
            values["estimated_medium"] = data.estimated_risk.medium
            values["estimated_high"] = data.estimated_risk.high
            check_fields(PlanItem, values, where=where, multi_line=_ITEM_MULTI_LINE)
            if data.responsible_unit:
                check_fields(Unit, {"name": data.responsible_unit}, where=where + "责任单位：")
            for name in data.cooperating_departments:
                check_fields(
                    Agency, {"name": canonical_agency_name(name)}, where=where + "配合部门："
                )
    except LimitError as exc:
        raise PlanImportError(str(exc)) from exc


def _create_item(
    *, plan: Plan, agency: Agency, position: int, data: planfile.PlanItemData, now: datetime
) -> None:
    unit = (
        get_or_create_unit(agency, data.responsible_unit, now=now)[0]
        if data.responsible_unit
        else None
    )
    risk = data.estimated_risk
    item = PlanItem.objects.create(
        plan=plan,
        position=position,
        number=data.number,
        mode=data.mode or "",
        domain=data.domain,
        name=data.name,
        content=data.content,
        checkpoints=list(data.checkpoints),
        target_type=data.target_type,
        entity_type=TargetType.resolve(data.target_type) if data.target_type else None,
        category=data.category or "",
        ratio_percent=data.ratio_percent,
        times_per_year=data.times_per_year,
        event_driven=data.event_driven,
        initiating_department=data.initiating_department,
        cooperating_departments=list(data.cooperating_departments),
        inspection_body=data.inspection_body,
        window_start_month=data.window_start_month,
        window_end_month=data.window_end_month,
        responsible_unit_name=data.responsible_unit,
        responsible_unit=unit,
        estimated_targets=data.estimated_targets,
        estimated_low=risk.low,
        estimated_medium_low=risk.medium_low,
        estimated_medium=risk.medium,
        estimated_high=risk.high,
        legal_basis=data.legal_basis,
        method=data.method,
        label=planfile.item_label(data),
        ratio_max_percent=data.ratio_max_percent,
        sample_count_min=data.sample_count_min,
        sample_count_max=data.sample_count_max,
        risk_ratios={level: str(percent) for level, percent in data.risk_ratios.items()},
        risk_rule=data.risk_rule,
        original=dict(data.original),
        extra=dict(data.extra),
        review_flags=list(data.review_flags),
        source=data.source,
    )
    if data.cooperating_departments:
        item.cooperating_agencies.set(
            [get_or_create_agency(name, now=now)[0] for name in data.cooperating_departments]
        )


@transaction.atomic
def publish_plan(*, plan: Plan, actor: Actor, now: datetime | None = None) -> Plan:
    """Publish a draft plan at `now` (default the current time): the date the portal shows."""
    now = now or timezone.now()
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    ensure_actor_agency(actor, plan.agency_id)
    if plan.is_published:
        raise PlanImportError(f"“{plan.title}”已经公开")
    if now < plan.imported_at:
        raise PlanImportError(
            f"公开时间{timezone.localtime(now):%Y-%m-%d %H:%M}早于计划的导入时间"
            f"{timezone.localtime(plan.imported_at):%Y-%m-%d %H:%M}"
        )
    plan.status = Plan.Status.PUBLISHED
    plan.published_at = now
    plan.save(update_fields=["status", "published_at"])
    record(
        actor=actor,
        action="plan.publish",
        obj=plan,
        details={"items": plan.items.count()},
        at=now,
    )
    note_public_change(plan.year, now=now)
    return plan


def item_data(item: PlanItem) -> planfile.PlanItemData:
    """The parser's view of a stored item, for the writers and the JSON export."""
    return planfile.PlanItemData(
        mode=item.mode or None,
        number=item.number,
        domain=item.domain,
        name=item.name,
        content=item.content,
        checkpoints=list(item.checkpoints),
        target_type=item.target_type,
        category=item.category or None,
        ratio_percent=Decimal(item.ratio_percent) if item.ratio_percent is not None else None,
        times_per_year=item.times_per_year,
        event_driven=item.event_driven,
        initiating_department=item.initiating_department,
        cooperating_departments=list(item.cooperating_departments),
        inspection_body=item.inspection_body,
        window_start_month=item.window_start_month,
        window_end_month=item.window_end_month,
        responsible_unit=item.responsible_unit_name,
        estimated_targets=item.estimated_targets,
        estimated_risk=planfile.RiskMix(
            low=item.estimated_low,
            medium_low=item.estimated_medium_low,
            medium=item.estimated_medium,
            high=item.estimated_high,
        ),
        legal_basis=item.legal_basis,
        method=item.method,
        label=item.label,
        ratio_max_percent=(
            Decimal(item.ratio_max_percent) if item.ratio_max_percent is not None else None
        ),
        sample_count_min=item.sample_count_min,
        sample_count_max=item.sample_count_max,
        risk_ratios={level: Decimal(p) for level, p in item.risk_ratios.items()},
        risk_rule=item.risk_rule,
        original=dict(item.original),
        extra=dict(item.extra),
        review_flags=list(item.review_flags),
        source=item.source,
        withdrawn_on=item.withdrawn_on,
        withdrawn_by_revision=item.withdrawn_by.number if item.withdrawn_by else None,
    )


def plan_data(plan: Plan) -> planfile.ParsedPlan:
    return planfile.ParsedPlan(
        title=plan.title,
        agency=plan.agency.name,
        year=plan.year,
        items=[
            item_data(i) for i in plan.items.select_related("withdrawn_by").order_by("position")
        ],
        notes=list(plan.notes),
        column_notes=list(plan.column_notes),
    )


# --- plans built in forms ----------------------------------------------------------------------

# The fields of an item a coordinator sets in the form (and a revision may change).
ITEM_FORM_FIELDS = (
    "number",
    "mode",
    "domain",
    "name",
    "content",
    "checkpoints",
    "target_type",
    "entity_type",
    "category",
    "ratio_percent",
    "ratio_max_percent",
    "times_per_year",
    "sample_count_min",
    "sample_count_max",
    "risk_ratios",
    "event_driven",
    "initiating_department",
    "cooperating_departments",
    "inspection_body",
    "window_start_month",
    "window_end_month",
    "responsible_unit_name",
    "estimated_targets",
    "legal_basis",
    "method",
)


def _ensure_draft(plan: Plan) -> None:
    if plan.is_published:
        raise PlanImportError(f"“{plan.title}”已公开，只能通过计划调整修改")


@transaction.atomic
def create_plan(
    *, actor: Actor, agency: Agency, year: int, title: str = "", now: datetime | None = None
) -> Plan:
    """An empty draft plan, to be filled in the forms, created at `now` (default the current
    time)."""
    now = now or timezone.now()
    if not actor_may_act_for(actor, agency):
        raise PlanImportError(f"只能为本机构制定计划，不能为“{agency.name}”制定")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PlanImportError(f"年度须在{MIN_YEAR}至{MAX_YEAR}之间，现为{year}")
    title = title.strip() or f"{agency.name}{year}年度“双随机、一公开”抽查工作计划"
    try:
        check_fields(Plan, {"title": title})
    except LimitError as exc:
        raise PlanImportError(str(exc)) from exc
    if Plan.objects.select_for_update().filter(agency=agency, year=year).exists():
        raise PlanImportError(f"{agency.name}{year}年度计划已存在")
    plan = Plan.objects.create(
        agency=agency,
        year=year,
        title=title,
        imported_by=actor if getattr(actor, "pk", None) else None,
        imported_at=now,
    )
    record(
        actor=actor,
        action="plan.create",
        obj=plan,
        details={"year": year, "title": title},
        at=now,
    )
    return plan


def _item_values(plan: Plan, values: dict[str, object], *, now: datetime) -> dict[str, object]:
    """The model's values for an item from the form's: unit and cooperating agencies resolved
    (a unit named for the first time created at `now`)."""
    data = {key: values[key] for key in ITEM_FORM_FIELDS if key in values}
    unit_name = str(data.get("responsible_unit_name") or "").strip()
    data["responsible_unit_name"] = unit_name
    data["responsible_unit"] = (
        get_or_create_unit(plan.agency, unit_name, now=now)[0] if unit_name else None
    )
    if data.get("entity_type") is None and data.get("target_type"):
        data["entity_type"] = TargetType.resolve(str(data["target_type"]))
    data["label"] = "" if data.get("number") is None else str(data["number"])
    return data


def _check_item(plan: Plan, data: dict[str, object], item: PlanItem | None) -> None:
    number = data.get("number")
    clash = plan.items.filter(number=number).exclude(pk=item.pk if item else None)
    if number is not None and clash.exists():
        raise PlanImportError(f"编号{number}已被事项“{clash.first()}”使用")
    try:
        check_fields(
            PlanItem,
            {k: v for k, v in data.items() if isinstance(v, str)},
            multi_line=_ITEM_MULTI_LINE,
        )
        for name in data.get("cooperating_departments") or []:  # type: ignore[attr-defined]
            check_fields(Agency, {"name": canonical_agency_name(name)}, where="配合部门：")
    except LimitError as exc:
        raise PlanImportError(str(exc)) from exc


def _set_cooperating(item: PlanItem, *, now: datetime) -> None:
    item.cooperating_agencies.set(
        [get_or_create_agency(name, now=now)[0] for name in item.cooperating_departments]
    )


def item_snapshot(item: PlanItem) -> dict[str, object]:
    """An item's form fields as JSON values (for audit details, revisions and their diffs)."""
    snapshot: dict[str, object] = {}
    for key in ITEM_FORM_FIELDS:
        value = getattr(item, "entity_type_id" if key == "entity_type" else key)
        if isinstance(value, Decimal):
            value = format(value.normalize(), "f")
        snapshot[key] = value
    return snapshot


@transaction.atomic
def save_plan_item(
    *,
    plan: Plan,
    actor: Actor,
    values: dict[str, object],
    item: PlanItem | None = None,
    now: datetime | None = None,
) -> PlanItem:
    """Add an item to a draft plan, or change one of its items, at `now` (default the current
    time)."""
    now = now or timezone.now()
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    ensure_actor_agency(actor, plan.agency_id)
    _ensure_draft(plan)
    data = _item_values(plan, values, now=now)
    if data.get("number") is None and item is None:
        top = plan.items.aggregate(top=models.Max("number"))["top"] or 0
        data["number"], data["label"] = top + 1, str(top + 1)
    _check_item(plan, data, item)
    if item is None:
        position = (plan.items.aggregate(top=models.Max("position"))["top"] or 0) + 1
        item = PlanItem.objects.create(plan=plan, position=position, **data)
        action, before = "plan.item_add", None
    else:
        item = PlanItem.objects.select_for_update().get(pk=item.pk, plan=plan)
        before = item_snapshot(item)
        for key, value in data.items():
            setattr(item, key, value)
        item.review_flags = []  # the coordinator has set the fields by hand
        item.save()
        action = "plan.item_edit"
    _set_cooperating(item, now=now)
    after = item_snapshot(item)
    record(
        actor=actor,
        action=action,
        obj=plan,
        details={"item": item.pk, "before": before, "after": after},
        at=now,
    )
    return item


@transaction.atomic
def delete_plan_item(*, item: PlanItem, actor: Actor, now: datetime | None = None) -> None:
    """Remove an item from a draft plan at `now` (default the current time); a published
    plan's items are withdrawn by a revision."""
    plan = Plan.objects.select_for_update().get(pk=item.plan_id)
    ensure_actor_agency(actor, plan.agency_id)
    _ensure_draft(plan)
    item = PlanItem.objects.get(pk=item.pk, plan=plan)
    snapshot = item_snapshot(item)
    try:
        with transaction.atomic():
            item.delete()
    except ProtectedError as exc:
        kinds = sorted({str(obj._meta.verbose_name) for obj in exc.protected_objects})
        raise PlanImportError(f"事项“{item}”已有{'、'.join(kinds)}，不能删除") from exc
    record(actor=actor, action="plan.item_delete", obj=plan, details={"item": snapshot}, at=now)


@transaction.atomic
def copy_plan(
    *, source: Plan, year: int, actor: Actor, title: str = "", now: datetime | None = None
) -> Plan:
    """A draft plan for `year` starting from `source` (last year's plan), created at `now`
    (default the current time): its items, without the source file's texts and flags.
    Windows, ratios and units are kept for editing."""
    now = now or timezone.now()
    ensure_actor_agency(actor, source.agency_id)
    default_title = source.title.replace(str(source.year), str(year))
    if default_title == source.title:
        default_title = ""
    plan = create_plan(
        actor=actor, agency=source.agency, year=year, title=title or default_title, now=now
    )
    for position, old in enumerate(source.items.order_by("position"), start=1):
        item = PlanItem.objects.create(
            plan=plan,
            position=position,
            label=old.label,
            responsible_unit=old.responsible_unit,
            risk_rule=old.risk_rule,
            # last year's estimates counted last year's directory: not carried over
            **{key: getattr(old, key) for key in ITEM_FORM_FIELDS if key != "estimated_targets"},
        )
        item.cooperating_agencies.set(old.cooperating_agencies.all())
    record(
        actor=actor,
        action="plan.copy",
        obj=plan,
        details={"source_plan": source.pk, "source_year": source.year, "items": plan.items.count()},
        at=now,
    )
    return plan


# --- revisions of a published plan (计划调整) ----------------------------------------------------

# What a drawn item's draw documents name it by: kept as they were (withdraw it and add an item
# instead), so that every draw of it still reads as it was published.
DRAWN_ITEM_FIXED = ("number", "name", "target_type", "entity_type")
_FIELD_LABELS = {
    **{
        f.name: str(f.verbose_name)
        for f in PlanItem._meta.get_fields()
        if hasattr(f, "verbose_name")
    },
    "entity_type": "对象类型（名录）",
}


def field_label(key: str) -> str:
    return _FIELD_LABELS.get(key, key)


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, models.Model):
        return value.pk
    return value


def _json_values(values: dict[str, object]) -> dict[str, object]:
    return {k: _json_value(values[k]) for k in ITEM_FORM_FIELDS if k in values}


def _model_values(values: dict[str, object]) -> dict[str, object]:
    data = dict(values)
    if data.get("entity_type") is not None:
        data["entity_type"] = TargetType.objects.get(pk=data["entity_type"])
    for key in ("ratio_percent", "ratio_max_percent"):
        if data.get(key) is not None:
            data[key] = Decimal(str(data[key]))
    return data


def _lock_revision(revision: PlanRevision) -> PlanRevision:
    revision = PlanRevision.objects.select_for_update().select_related("plan").get(pk=revision.pk)
    if revision.is_published:
        raise PlanImportError(f"第{revision.number}次调整已公开，不能再修改")
    return revision


@transaction.atomic
def start_revision(
    *, plan: Plan, actor: Actor, reason: str, effective_date: date, now: datetime | None = None
) -> PlanRevision:
    """A draft revision of a published plan, started at `now` (default the current time); one
    draft at a time."""
    now = now or timezone.now()
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    ensure_actor_agency(actor, plan.agency_id)
    if not plan.is_published:
        raise PlanImportError("草稿计划可直接修改，无需计划调整")
    if plan.published_at is not None and now < plan.published_at:
        raise PlanImportError(
            f"调整时间{timezone.localtime(now):%Y-%m-%d %H:%M}早于计划的公开时间"
            f"{timezone.localtime(plan.published_at):%Y-%m-%d %H:%M}"
        )
    reason = reason.strip()
    if not reason:
        raise PlanImportError("请填写调整原因")
    try:
        check_fields(PlanRevision, {"reason": reason}, multi_line=("reason",))
    except LimitError as exc:
        raise PlanImportError(str(exc)) from exc
    if effective_date.year != plan.year:
        raise PlanImportError(f"调整日期须在计划年度{plan.year}年内")
    draft = plan.revisions.filter(status=PlanRevision.Status.DRAFT).first()
    if draft is not None:
        raise PlanImportError(f"第{draft.number}次调整尚未公开，请先完成或继续编辑它")
    number = (plan.revisions.aggregate(top=models.Max("number"))["top"] or 0) + 1
    revision = PlanRevision.objects.create(
        plan=plan,
        number=number,
        reason=reason,
        effective_date=effective_date,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    record(
        actor=actor,
        action="plan.revision_start",
        obj=plan,
        details={"revision": revision.pk, "number": number, "reason": reason,
                 "effective_date": effective_date.isoformat()},
        at=now,
    )  # fmt: skip
    return revision


def _put_change(revision: PlanRevision, change: dict[str, object]) -> None:
    """Replace the revision's pending change of the same item (or add it)."""
    item_id = change.get("item")
    kept = [c for c in revision.changes if item_id is None or c.get("item") != item_id]
    revision.changes = [*kept, change]
    revision.save(update_fields=["changes"])


@transaction.atomic
def revise_item(
    *,
    revision: PlanRevision,
    actor: Actor,
    values: dict[str, object],
    item: PlanItem | None = None,
    now: datetime | None = None,
) -> PlanRevision:
    """Add to the draft revision at `now` (default the current time): a new item (item None)
    or a change to an item."""
    now = now or timezone.now()
    revision = _lock_revision(revision)
    plan = revision.plan
    ensure_actor_agency(actor, plan.agency_id)
    data = _item_values(plan, values, now=now)
    if item is not None:
        item = PlanItem.objects.get(pk=item.pk, plan=plan)
        if item.is_withdrawn:
            raise PlanImportError(f"事项“{item}”已撤回，不能修改")
        if data.get("number") is None:
            data["number"], data["label"] = item.number, item.label
        if item.draws.exists():
            fixed = [
                field_label(key)
                for key in DRAWN_ITEM_FIXED
                if _json_value(data.get(key)) != item_snapshot(item)[key]
            ]
            if fixed:
                raise PlanImportError(
                    f"事项“{item}”已有抽取，{'、'.join(fixed)}不能修改（抽取结果按原样公开）；"
                    "如需改变，请撤回该事项并新增事项"
                )
    else:
        pending = [c["values"].get("number") for c in revision.changes if c["kind"] == "add"]
        if data.get("number") is None:
            numbers = [n for n in pending if n is not None]
            top = max([plan.items.aggregate(top=models.Max("number"))["top"] or 0, *numbers])
            data["number"] = top + 1
        elif data["number"] in pending:
            raise PlanImportError(f"编号{data['number']}已被本次调整新增的事项使用")
    _check_item(plan, data, item)
    values_json = _json_values({**values, "number": data["number"]})
    change: dict[str, object] = {
        "kind": "change" if item is not None else "add",
        "item": item.pk if item is not None else None,
        "label": item.label if item is not None else str(data["number"]),
        "name": str(data.get("name") or ""),
        "values": values_json,
        "before": item_snapshot(item) if item is not None else None,
    }
    _put_change(revision, change)
    record(actor=actor, action="plan.revision_change", obj=plan, details={
        "revision": revision.pk, "change": change,
    }, at=now)  # fmt: skip
    return revision


@transaction.atomic
def withdraw_item(
    *, revision: PlanRevision, actor: Actor, item: PlanItem, now: datetime | None = None
) -> PlanRevision:
    """Add to the draft revision at `now` (default the current time): withdraw an item for the
    rest of the year (no new draws). The item and its draws stay."""
    revision = _lock_revision(revision)
    ensure_actor_agency(actor, revision.plan.agency_id)
    item = PlanItem.objects.get(pk=item.pk, plan=revision.plan)
    if item.is_withdrawn:
        raise PlanImportError(f"事项“{item}”已撤回")
    change: dict[str, object] = {
        "kind": "withdraw",
        "item": item.pk,
        "label": item.label or str(item.number or ""),
        "name": item.name,
        "values": None,
        "before": item_snapshot(item),
    }
    _put_change(revision, change)
    record(actor=actor, action="plan.revision_change", obj=revision.plan, details={
        "revision": revision.pk, "change": change,
    }, at=now)  # fmt: skip
    return revision


@transaction.atomic
def drop_revision_change(
    *, revision: PlanRevision, actor: Actor, index: int, now: datetime | None = None
) -> PlanRevision:
    """Take a pending change out of the draft revision at `now` (default the current time)."""
    revision = _lock_revision(revision)
    ensure_actor_agency(actor, revision.plan.agency_id)
    if not 0 <= index < len(revision.changes):
        raise PlanImportError("没有这项调整内容")
    dropped = revision.changes[index]
    revision.changes = [c for i, c in enumerate(revision.changes) if i != index]
    revision.save(update_fields=["changes"])
    record(actor=actor, action="plan.revision_drop", obj=revision.plan, details={
        "revision": revision.pk, "change": dropped,
    }, at=now)  # fmt: skip
    return revision


@transaction.atomic
def publish_revision(
    *, revision: PlanRevision, actor: Actor, now: datetime | None = None
) -> PlanRevision:
    """Apply the revision's changes to the plan and publish it beside the plan at `now`
    (default the current time); all or nothing."""
    now = now or timezone.now()
    revision = _lock_revision(revision)
    plan = Plan.objects.select_for_update().get(pk=revision.plan_id)
    ensure_actor_agency(actor, plan.agency_id)
    if not revision.changes:
        raise PlanImportError("本次调整没有任何内容")
    if now < revision.created_at:
        raise PlanImportError(
            f"公开时间{timezone.localtime(now):%Y-%m-%d %H:%M}早于本次调整的创建时间"
            f"{timezone.localtime(revision.created_at):%Y-%m-%d %H:%M}"
        )
    applied = []
    for change in revision.changes:
        if change["kind"] == "withdraw":
            item = PlanItem.objects.select_for_update().get(pk=change["item"], plan=plan)
            if item.is_withdrawn:
                raise PlanImportError(f"事项“{item}”已撤回")
            item.withdrawn_on = revision.effective_date
            item.withdrawn_by = revision
            item.save(update_fields=["withdrawn_on", "withdrawn_by"])
        else:
            current = None
            if change["kind"] == "change":
                current = PlanItem.objects.select_for_update().get(pk=change["item"], plan=plan)
                if item_snapshot(current) != change["before"]:
                    raise PlanImportError(f"事项“{current}”在本次调整编辑后已被改动，请重新编辑")
            data = _item_values(plan, _model_values(change["values"]), now=now)
            _check_item(plan, data, current)
            if current is None:
                position = (plan.items.aggregate(top=models.Max("position"))["top"] or 0) + 1
                item = PlanItem.objects.create(plan=plan, position=position, **data)
            else:
                item = current
                for key, value in data.items():
                    setattr(item, key, value)
                item.review_flags = []
                item.save()
            _set_cooperating(item, now=now)
        applied.append({**change, "item": item.pk, "after": item_snapshot(item)})
    revision.changes = applied
    revision.status = PlanRevision.Status.PUBLISHED
    revision.published_at = now
    revision.save(update_fields=["changes", "status", "published_at"])
    record(actor=actor, action="plan.revision_publish", obj=plan, details={
        "revision": revision.pk, "number": revision.number, "reason": revision.reason,
        "effective_date": revision.effective_date.isoformat(), "changes": applied,
    }, at=now)  # fmt: skip
    note_public_change(plan.year, now=now)
    return revision


_RISK_LABELS = {"low": "低风险", "medium_low": "中低风险", "medium": "中风险", "high": "高风险"}


def shown_diff_value(key: str, value: object, *, public: bool = False) -> str:
    """A field's value in a revision's diff as a reader reads it, not as stored: a choice by
    its label, the directory's type by its name, yes/no, lists and risk ratios spelled out; on
    the portal (`public`) phone numbers masked, as in every published text."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    text: str
    if key == "entity_type":
        text = TargetType.objects.filter(pk=value).values_list("name", flat=True).first() or ""
    elif key == "mode":
        text = str(PlanItem.Mode(value).label) if value in PlanItem.Mode.values else str(value)
    elif key == "category":
        text = (
            str(PlanItem.Category(value).label) if value in PlanItem.Category.values else str(value)
        )
    elif isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, dict):
        text = "；".join(f"{_RISK_LABELS.get(str(k), k)}{v}%" for k, v in value.items())
    elif isinstance(value, list):
        text = "、".join(str(v) for v in value)
    else:
        text = str(value)
    return mask_phone_numbers(text) if public else text


def revision_diff(change: dict[str, object], *, public: bool = False) -> list[tuple[str, str, str]]:
    """(field label, before, after) of the fields a change changes, as `shown_diff_value`
    shows them (`public`: on the portal)."""
    before = change.get("before") or {}
    after = change.get("after") or change.get("values") or {}
    if change["kind"] == "withdraw":
        return [("状态", "有效", "撤回（不再抽取）")]
    rows = []
    for key in ITEM_FORM_FIELDS:
        old, new = before.get(key), after.get(key)  # type: ignore[union-attr]
        if key in after and old != new and (old or new):  # type: ignore[operator]
            rows.append(
                (
                    field_label(key),
                    shown_diff_value(key, old, public=public),
                    shown_diff_value(key, new, public=public),
                )
            )
    return rows


# --- corrections of stored items ---------------------------------------------------------------


def drop_withdrawn_columns(*, actor: Actor, now: datetime | None = None) -> list[WithdrawnColumns]:
    """Remove from every item's `extra` the 撤回情况 columns (撤回情况（2）, … too) an import kept
    before the reader dropped that column, with the review flags about them: an export's note
    that some item was withdrawn, which the staff item page showed as the item's own column
    (a withdrawal is made by a published revision only, and says so by the item's own fields).
    Returns what it removed, per item. Idempotent: a second run finds nothing and writes
    nothing. One audit entry naming, per item, the removed columns with their texts and the
    removed flags. Nothing public changes: the exports and the portal never showed these
    columns."""
    now = now or timezone.now()
    with transaction.atomic():
        found = withdrawn_columns(PlanItem.objects.select_for_update(of=("self",)))
        if not found:
            return found
        for entry in found:
            item = entry.item
            ensure_actor_agency(actor, item.plan.agency_id)
            item.extra = {k: v for k, v in item.extra.items() if k not in entry.columns}
            item.review_flags = [f for f in item.review_flags if f not in entry.flags]
            item.save(update_fields=["extra", "review_flags"])
        record(
            actor=actor,
            action="plan.drop_withdrawn_columns",
            details={
                "items": {
                    str(entry.item.pk): {
                        "plan": entry.item.plan_id,
                        "columns": entry.columns,
                        "flags": entry.flags,
                    }
                    for entry in found
                },
            },
            at=now,
        )
    return found
