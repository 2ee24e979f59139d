"""A visit as the plain dataclasses of spotcheck.lib.notices, and its two .docx papers.

The web page and the CLI both call `notice_bytes` / `record_form_bytes`; neither writes.
"""

from __future__ import annotations

import re

from django.utils import timezone

from spotcheck.inspections.models import Notice, Visit
from spotcheck.lib import notices
from spotcheck.plans.models import PlanItem


class PaperError(Exception):
    """The paper cannot be made for this visit (yet); the message is Chinese."""


_MATERIAL_SPLIT = re.compile(r"[\n；;]+")


def _materials(item: PlanItem) -> tuple[str, ...]:
    """Materials the plan lists for an item: its extra columns whose header names 材料."""
    found: list[str] = []
    for header, value in (item.extra or {}).items():
        if "材料" in str(header) and isinstance(value, str):
            found += [part.strip() for part in _MATERIAL_SPLIT.split(value) if part.strip()]
    return tuple(found)


def notice_item(item: PlanItem) -> notices.NoticeItem:
    return notices.NoticeItem(
        number=str(item.number) if item.number is not None else str(item.position),
        name=item.name,
        legal_basis=item.legal_basis,
        content=item.content,
        checkpoints=tuple(str(point) for point in item.checkpoints or ()),
        materials=_materials(item),
    )


def visit_paper(visit: Visit, notice: Notice | None) -> notices.VisitPaper:
    """What the notice and the record form of the visit print: the entity, every merged item,
    the current team with certificate numbers, the planned days and the unit's contact."""
    entity = visit.entity
    unit = visit.responsible_unit
    members = sorted(visit.current_members(), key=lambda m: (m.role != "leader", m.ticket))
    issued = timezone.localtime(notice.issued_at).date() if notice else timezone.localdate()
    return notices.VisitPaper(
        agency=visit.plan.agency.name,
        document_number=notice.number if notice else "",
        entity=notices.NoticeEntity(
            name=visit.entity_name,
            credit_code=entity.credit_code if entity else "",
            address=f"{entity.town}{entity.address}" if entity else "",
            representative=entity.legal_representative if entity else "",
        ),
        items=tuple(
            notice_item(vi.item)
            for vi in visit.visit_items.select_related("item").order_by("item__number", "pk")
        ),
        team=tuple(
            notices.TeamMember(
                name=m.inspector.name,
                certificate_number=m.inspector.certificate_number,
                unit=m.inspector.unit.name if m.inspector.unit else m.pool,
                leader=m.role == "leader",
            )
            for m in members
        ),
        window=(visit.planned_start, visit.planned_end),
        contact=notices.UnitContact(
            unit=str(unit),
            person=unit.contact_person,
            phone=unit.contact_phone,
            address=unit.address,
        ),
        issued_on=issued,
        plan_title=visit.plan.title,
        unannounced=bool(notice and notice.is_unannounced),
    )


def notice_bytes(visit: Visit) -> bytes:
    """The 检查通知书 .docx of the visit's current notice."""
    notice = visit.current_notice()
    if notice is None:
        raise PaperError("尚未签发检查通知书（须先签发，取得文书编号）")
    if notice.is_unannounced:
        raise PaperError("本次检查不予通知，不生成检查通知书")
    try:
        return notices.notice_docx(visit_paper(visit, notice))
    except ValueError as error:
        raise PaperError(str(error)) from None


def record_form_bytes(visit: Visit) -> bytes:
    """The 检查记录表 .docx: every checkpoint of every merged item as a row."""
    if visit.status != Visit.Status.MATCHED:
        raise PaperError("检查组尚未匹配，不能生成检查记录表")
    try:
        return notices.record_form_docx(visit_paper(visit, visit.current_notice()))
    except ValueError as error:
        raise PaperError(str(error)) from None
