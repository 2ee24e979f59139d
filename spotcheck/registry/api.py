"""Read-only directory API for staff: entities and inspectors, paginated and filtered.

Anonymous callers get 401, signed-in users without a staff role 403; the public never sees
the directories (entity names become public only through published draws).
"""

from datetime import date
from typing import Any

from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.security import django_auth

from spotcheck.accounts.permissions import has_right
from spotcheck.paging import BoundedPageNumberPagination
from spotcheck.registry.models import Entity, Inspector, Recusal
from spotcheck.registry.search import search_query
from spotcheck.registry.selectors import (
    entities_for_user,
    get_entity_for_user,
    get_inspector_for_user,
    inspectors_for_user,
)

router = Router(tags=["registry"], auth=django_auth)


def _require_staff(request: Any) -> None:
    if not has_right(request.user, "registry.view"):
        raise HttpError(403, "您的角色无权查看名录")


class EntityOut(Schema):
    id: int
    public_id: str
    code_kind: str
    credit_code: str
    name: str
    agency: str
    target_types: list[str]
    town: str
    address: str
    risk_level: str
    risk_set_on: date | None
    status: str
    drawable: bool


class EntityDetailOut(EntityOut):
    legal_representative: str
    contact: str
    risk_reason: str
    licence_number: str
    licence_valid_until: date | None
    tags: list[str]
    created_at: Any
    history: list[dict[str, Any]]
    recusals: list[dict[str, Any]]


class EntityFilters(Schema):
    q: str = ""
    target_type: str = ""
    town: str = ""
    risk_level: str = ""
    status: str = ""
    agency: str = ""


class InspectorOut(Schema):
    id: int
    name: str
    badge_number: str
    certificate_number: str
    certificate_valid_until: date
    agency: str
    unit: str
    post: str
    qualifications: list[str]
    is_active: bool
    inactive_reason: str
    ineligibility_reason: str


class InspectorFilters(Schema):
    q: str = ""
    agency: str = ""
    unit: str = ""
    drawable: bool | None = None


def _entity(entity: Entity) -> dict[str, Any]:
    return {
        "id": entity.pk,
        "public_id": entity.public_id,
        "code_kind": entity.code_kind,
        "credit_code": entity.credit_code,
        "name": entity.name,
        "agency": entity.agency.name,
        "target_types": sorted(t.name for t in entity.target_types.all()),
        "town": entity.town,
        "address": entity.address,
        "risk_level": entity.risk_level,
        "risk_set_on": entity.risk_set_on,
        "status": entity.status,
        "drawable": entity.is_drawable,
    }


@router.get(
    "/registry/entities",
    response=list[EntityOut],
    summary="检查对象名录（仅工作人员；分页、筛选、按名称/代码/拼音首字母搜索）",
)
@paginate(BoundedPageNumberPagination, page_size=50)
def list_entities(request: Any, filters: Query[EntityFilters]) -> Any:
    _require_staff(request)
    entities = (
        entities_for_user(request.user).select_related("agency").prefetch_related("target_types")
    )
    if filters.target_type:
        entities = entities.filter(target_types__name=filters.target_type)
    for name in ("town", "risk_level", "status"):
        if getattr(filters, name):
            entities = entities.filter(**{name: getattr(filters, name)})
    if filters.agency:
        entities = entities.filter(agency__name=filters.agency)
    query = search_query(filters.q, code_fields=("public_id", "credit_code"))
    if query is not None:
        entities = entities.filter(query)
    return _LazyRows(entities, _entity)


@router.get("/registry/entities/{entity_id}", response=EntityDetailOut, summary="检查对象详情")
def get_entity(request: Any, entity_id: int) -> dict[str, Any]:
    _require_staff(request)
    entity = get_entity_for_user(
        request.user,
        entity_id,
        Entity.objects.select_related("agency").prefetch_related("target_types"),
    )
    today = timezone.localdate()
    return {
        **_entity(entity),
        "legal_representative": entity.legal_representative,
        "contact": entity.contact,
        "risk_reason": entity.risk_reason,
        "licence_number": entity.licence_number,
        "licence_valid_until": entity.licence_valid_until,
        "tags": list(entity.tags),
        "created_at": entity.created_at,
        "history": [
            {"changed_at": h.changed_at, "actor": h.actor, "action": h.action, "changes": h.changes}
            for h in entity.history.order_by("changed_at", "pk")
        ],
        "recusals": [_recusal(r, today) for r in entity.recusals.select_related("inspector")],
    }


def _recusal(recusal: Recusal, today: date) -> dict[str, Any]:
    return {
        "inspector": recusal.inspector.certificate_number,
        "inspector_name": recusal.inspector.name,
        "entity": recusal.entity.public_id,
        "reason": recusal.reason,
        "valid_from": recusal.valid_from,
        "valid_until": recusal.valid_until,
        "in_force": recusal.applies_on(today),
    }


def _inspector(inspector: Inspector, today: date) -> dict[str, Any]:
    return {
        "id": inspector.pk,
        "name": inspector.name,
        "badge_number": inspector.badge_number,
        "certificate_number": inspector.certificate_number,
        "certificate_valid_until": inspector.certificate_valid_until,
        "agency": inspector.agency.name,
        "unit": inspector.unit.name if inspector.unit else "",
        "post": inspector.post,
        "qualifications": list(inspector.qualifications),
        "is_active": inspector.is_active,
        "inactive_reason": inspector.inactive_reason,
        "ineligibility_reason": inspector.ineligibility_reason(today),
    }


@router.get(
    "/registry/inspectors",
    response=list[InspectorOut],
    summary="执法检查人员名录（仅工作人员；分页、筛选）",
)
@paginate(BoundedPageNumberPagination, page_size=50)
def list_inspectors(request: Any, filters: Query[InspectorFilters]) -> Any:
    _require_staff(request)
    today = timezone.localdate()
    inspectors = inspectors_for_user(request.user).select_related("agency", "unit")
    if filters.agency:
        inspectors = inspectors.filter(agency__name=filters.agency)
    if filters.unit:
        inspectors = inspectors.filter(unit__name=filters.unit)
    if filters.drawable is True:
        inspectors = inspectors.filter(is_active=True, certificate_valid_until__gte=today)
    elif filters.drawable is False:
        inspectors = inspectors.exclude(is_active=True, certificate_valid_until__gte=today)
    query = search_query(filters.q, code_fields=("certificate_number", "badge_number"))
    if query is not None:
        inspectors = inspectors.filter(query)
    return _LazyRows(inspectors, lambda inspector: _inspector(inspector, today))


@router.get("/registry/inspectors/{inspector_id}", response=InspectorOut, summary="人员详情")
def get_inspector(request: Any, inspector_id: int) -> dict[str, Any]:
    _require_staff(request)
    inspector = get_inspector_for_user(
        request.user, inspector_id, Inspector.objects.select_related("agency", "unit")
    )
    return _inspector(inspector, timezone.localdate())


class _LazyRows:
    """A queryset the paginator can count and slice, turned into dicts only for the page."""

    def __init__(self, queryset: Any, convert: Any) -> None:
        self.queryset = queryset
        self.convert = convert

    def count(self) -> int:
        return int(self.queryset.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        return [self.convert(row) for row in self.queryset[index]]
