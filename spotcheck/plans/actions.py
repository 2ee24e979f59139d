"""Plan workflows: import (all or nothing), publish, export."""

import hashlib
from decimal import Decimal

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from spotcheck.accounts.models import Agency, Unit
from spotcheck.accounts.orgs import canonical_agency_name, get_or_create_agency, get_or_create_unit
from spotcheck.accounts.permissions import Actor, actor_may_act_for, ensure_actor_agency
from spotcheck.audit.models import record
from spotcheck.lib import planfile
from spotcheck.limits import LimitError, check_fields
from spotcheck.plans.models import Plan, PlanItem
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
) -> Plan:
    """Create a draft plan and its items from a parsed file; nothing is written on error."""
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
    agency, _ = get_or_create_agency(agency_name)
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
    )
    for position, data in enumerate(parsed.items, start=1):
        _create_item(plan=plan, agency=agency, position=position, data=data)
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


def _create_item(*, plan: Plan, agency: Agency, position: int, data: planfile.PlanItemData) -> None:
    unit = get_or_create_unit(agency, data.responsible_unit)[0] if data.responsible_unit else None
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
            [get_or_create_agency(name)[0] for name in data.cooperating_departments]
        )


@transaction.atomic
def publish_plan(*, plan: Plan, actor: Actor) -> Plan:
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    ensure_actor_agency(actor, plan.agency_id)
    if plan.is_published:
        raise PlanImportError(f"“{plan.title}”已经公开")
    plan.status = Plan.Status.PUBLISHED
    plan.published_at = timezone.now()
    plan.save(update_fields=["status", "published_at"])
    record(actor=actor, action="plan.publish", obj=plan, details={"items": plan.items.count()})
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
    )


def plan_data(plan: Plan) -> planfile.ParsedPlan:
    return planfile.ParsedPlan(
        title=plan.title,
        agency=plan.agency.name,
        year=plan.year,
        items=[item_data(i) for i in plan.items.order_by("position")],
        notes=list(plan.notes),
        column_notes=list(plan.column_notes),
    )
