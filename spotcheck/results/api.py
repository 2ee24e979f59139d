"""Results in the JSON API: read by scope for staff, record (draft, submit) for the visit's team
members (the unit leader on their behalf), review (approve, return) for the unit leader.

Every operation needs a session (django-ninja's SessionAuth, which also checks the CSRF token
on POSTs). Objects are reached through the selectors: another agency's visit, or one outside a
unit leader's or inspector's scope, is 404. A role without the right is 403, and so is a
member of another team (the actions check the seat). A step the state does not allow, or a
draft saved over a newer one, is 409; content the rules refuse is 422 with every problem.
"""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.security import django_auth

from spotcheck.accounts.permissions import has_right
from spotcheck.inspections.models import Visit
from spotcheck.inspections.selectors import get_visit_for_user
from spotcheck.lib import results as rules
from spotcheck.paging import BoundedPageNumberPagination
from spotcheck.results import actions
from spotcheck.results.models import Result
from spotcheck.results.selectors import result_sheet, results_for_user

router = Router(tags=["results"], auth=django_auth)


class FindingOut(Schema):
    number: int
    text: str
    finding: str
    reason: str
    problem: str
    note: str


class MeasureOut(Schema):
    id: int
    kind: str
    opened_on: date
    deadline: date | None
    case_number: str
    agency: str
    text: str
    closed_on: date | None
    closing_text: str


class ItemOut(Schema):
    visit_item_id: int
    item_number: int | None
    item_name: str
    category: str
    chosen_category: str
    findings: list[FindingOut]
    measures: list[MeasureOut]


class MemberOut(Schema):
    id: int
    name: str
    certificate_number: str
    role: str


class VersionOut(Schema):
    number: int
    reason: str
    approved_by: str
    approved_at: datetime


class ResultSummaryOut(Schema):
    visit_id: int
    visit_key: str
    entity_name: str
    plan_id: int
    round: int | None
    unit: str
    state: str
    state_label: str
    version: int
    revision: int
    inspected_on: date | None
    due_on: date | None
    due_warning: str


class ResultOut(ResultSummaryOut):
    way: str
    present: list[int]
    representative: str
    ending: str
    last_opinion: str
    amend_reason: str
    team: list[MemberOut]
    items: list[ItemOut]
    versions: list[VersionOut]
    allowed_actions: list[str]


class FindingIn(Schema):
    number: int
    finding: str = ""
    reason: str = ""
    problem: str = ""
    note: str = ""


class ItemIn(Schema):
    visit_item_id: int
    category: str = ""
    findings: list[FindingIn] = []


class DraftIn(Schema):
    revision: int = 0
    """The revision the writer loaded (0 for a result not saved yet)."""
    way: str = ""
    inspected_on: date | None = None
    present: list[int] = []
    representative: str = ""
    ending: str = ""
    items: list[ItemIn] = []


class ReturnIn(Schema):
    opinion: str = ""


class ResultFilters(Schema):
    plan: int | None = None
    round: int | None = None
    state: str = ""


def _require(request: HttpRequest, right: str) -> None:
    if not has_right(request.user, right):
        raise HttpError(403, "您的角色无权执行此操作")


def _summary(visit: Visit, result: Result | None) -> dict[str, Any]:
    state = result.review_state if result else rules.ReviewState.NOT_ENTERED
    return {
        "visit_id": visit.pk,
        "visit_key": visit.visit_key,
        "entity_name": visit.entity_name,
        "plan_id": visit.plan_id,
        "round": visit.round,
        "unit": visit.responsible_unit.name,
        "state": state.value,
        "state_label": state.label,
        "version": result.version if result else 1,
        "revision": result.revision if result else 0,
        "inspected_on": result.inspected_on if result else None,
        "due_on": result.due_on if result else None,
        "due_warning": result.due_warning if result else "",
    }


def _detail(request: HttpRequest, visit: Visit) -> dict[str, Any]:
    sheet = result_sheet(visit)
    result = sheet.result
    items = [
        {
            "visit_item_id": row.visit_item.pk,
            "item_number": row.visit_item.item.number,
            "item_name": row.visit_item.item.name,
            "category": row.category,
            "chosen_category": row.chosen_category,
            "findings": [
                {
                    "number": p.number,
                    "text": p.text,
                    "finding": p.stored.finding if p.stored else "",
                    "reason": p.stored.reason if p.stored else "",
                    "problem": p.stored.problem if p.stored else "",
                    "note": p.stored.note if p.stored else "",
                }
                for p in row.points
            ],
            "measures": [
                {
                    "id": m.pk,
                    "kind": m.kind,
                    "opened_on": m.opened_on,
                    "deadline": m.deadline,
                    "case_number": m.case_number,
                    "agency": m.agency,
                    "text": m.text,
                    "closed_on": m.closed_on,
                    "closing_text": m.closing_text,
                }
                for m in row.measures
            ],
        }
        for row in sheet.items
    ]
    state = result.review_state if result else rules.ReviewState.NOT_ENTERED
    roles = actions.roles_on_visit(request.user, visit)
    allowed = [t.action for t in rules.allowed_actions(state, roles)]
    if rules.is_editable(state) and roles & {rules.Role.MEMBER, rules.Role.LEADER}:
        allowed.insert(0, "save_draft")
    return {
        **_summary(visit, result),
        "way": result.way if result else "",
        "present": result.present if result else [],
        "representative": result.representative if result else "",
        "ending": result.ending if result else "",
        "last_opinion": result.last_opinion if result else "",
        "amend_reason": result.amend_reason if result else "",
        "team": [
            {
                "id": m.pk,
                "name": m.inspector.name,
                "certificate_number": m.inspector.certificate_number,
                "role": m.role,
            }
            for m in visit.current_members()
        ],
        "items": items,
        "versions": [
            {
                "number": v.number,
                "reason": v.reason,
                "approved_by": v.approved_by,
                "approved_at": v.approved_at,
            }
            for v in (result.versions.all() if result else ())
        ],
        "allowed_actions": allowed,
    }


def _visit(request: HttpRequest, visit_id: int) -> Visit:
    queryset = Visit.objects.select_related("plan", "responsible_unit")
    return get_visit_for_user(request.user, visit_id, queryset)


def _stored(visit: Visit) -> Result:
    result = Result.objects.filter(visit=visit).first()
    if result is None:
        raise HttpError(409, "该检查任务尚未录入结果")
    return result


def _run(step: Any) -> None:
    """Run an action, turning its refusals into the API's statuses."""
    try:
        step()
    except actions.ResultInputError as exc:
        raise HttpError(422, "；".join(exc.errors)) from exc
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "无权执行此操作") from exc
    except ValueError as exc:  # conflicts, locked results, review rules
        raise HttpError(409, str(exc)) from exc


@router.get(
    "/results",
    response=list[ResultSummaryOut],
    summary="检查结果列表（按本人可见范围；可按计划、轮次、审核状态筛选）",
)
@paginate(BoundedPageNumberPagination, page_size=50)
def list_results(request: HttpRequest, filters: Query[ResultFilters]) -> Any:
    _require(request, "visit.view")
    results = results_for_user(request.user).select_related("visit", "visit__responsible_unit")
    if filters.plan is not None:
        results = results.filter(visit__plan_id=filters.plan)
    if filters.round is not None:
        results = results.filter(visit__round=filters.round)
    if filters.state:
        results = results.filter(state=filters.state)
    return [_summary(r.visit, r) for r in results.order_by("visit__visit_key", "pk")]


@router.get(
    "/visits/{visit_id}/result",
    response=ResultOut,
    summary="一个检查任务的检查结果（含每个检查要点、处置措施、已审核版本）",
)
def get_result(request: HttpRequest, visit_id: int) -> dict[str, Any]:
    _require(request, "visit.view")
    return _detail(request, _visit(request, visit_id))


@router.post(
    "/visits/{visit_id}/result/draft",
    response=ResultOut,
    summary="保存检查结果草稿（本检查组成员；责任单位负责人可代录）",
)
def save_result_draft(request: HttpRequest, visit_id: int, payload: DraftIn) -> dict[str, Any]:
    _require(request, "result.record")
    visit = _visit(request, visit_id)
    content = actions.ResultInput(
        way=payload.way,
        inspected_on=payload.inspected_on,
        present=tuple(payload.present),
        representative=payload.representative,
        ending=payload.ending,
        items=tuple(
            actions.ItemInput(
                visit_item_id=item.visit_item_id,
                category=item.category,
                findings=tuple(
                    actions.FindingInput(
                        number=f.number,
                        finding=f.finding,
                        reason=f.reason,
                        problem=f.problem,
                        note=f.note,
                    )
                    for f in item.findings
                ),
            )
            for item in payload.items
        ),
    )
    _run(
        lambda: actions.save_draft(
            visit=visit, content=content, revision=payload.revision, actor=request.user
        )
    )
    return _detail(request, visit)


@router.post(
    "/visits/{visit_id}/result/submit",
    response=ResultOut,
    summary="提交审核（本检查组成员；责任单位负责人可代为提交）",
)
def submit_result(request: HttpRequest, visit_id: int) -> dict[str, Any]:
    _require(request, "result.record")
    visit = _visit(request, visit_id)
    _run(lambda: actions.submit_result(result=_stored(visit), actor=request.user))
    return _detail(request, visit)


@router.post(
    "/visits/{visit_id}/result/approve",
    response=ResultOut,
    summary="审核通过；结果随即锁定（责任单位负责人）",
)
def approve_result(request: HttpRequest, visit_id: int) -> dict[str, Any]:
    _require(request, "result.review")
    visit = _visit(request, visit_id)
    _run(lambda: actions.approve_result(result=_stored(visit), actor=request.user))
    return _detail(request, visit)


@router.post(
    "/visits/{visit_id}/result/return",
    response=ResultOut,
    summary="退回检查组修改，须写明审核意见（责任单位负责人）",
)
def return_result(request: HttpRequest, visit_id: int, payload: ReturnIn) -> dict[str, Any]:
    _require(request, "result.review")
    visit = _visit(request, visit_id)
    _run(
        lambda: actions.return_result(
            result=_stored(visit), opinion=payload.opinion, actor=request.user
        )
    )
    return _detail(request, visit)
