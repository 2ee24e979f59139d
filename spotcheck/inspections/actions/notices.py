"""Before the visit: issuing a visit's 检查通知书 with its number, and recording its delivery.

Numbers come from the plan's agency's pattern (`Agency.notice_number_pattern`, see
spotcheck.lib.docnumber) and run per responsible unit and year. The counter row of the unit and
year is locked in the issuing transaction (select_for_update; SQLite's IMMEDIATE transactions
hold the database's write lock from BEGIN), and the notice is written in the same transaction:
a refused or failed issue rolls the counter back, so numbers stay unique and gap-free.
Each action runs in one transaction and writes one audit entry; errors are `InspectionError`
with a Chinese message naming the rule.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from spotcheck.accounts.models import Role, Unit, User
from spotcheck.accounts.permissions import Actor, ensure_actor_agency, is_deployment_wide
from spotcheck.audit.models import actor_label, record
from spotcheck.inspections.actions.common import InspectionError
from spotcheck.inspections.models import Notice, NoticeCounter, Visit
from spotcheck.lib.docnumber import DocumentNumberError, DocumentNumberPattern
from spotcheck.lib.results import DELIVERY_METHODS, validate_delivery
from spotcheck.limits import LimitError, check_fields

ISSUERS = (Role.COORDINATOR, Role.ADMINISTRATOR, Role.UNIT_LEADER)


def _ensure_may_issue(actor: Actor, visit: Visit, what: str) -> None:
    """Coordinators and administrators of the plan's agency; unit leaders of the visit's
    responsible unit; the console."""
    ensure_actor_agency(actor, visit.plan.agency_id)
    if not isinstance(actor, User) or is_deployment_wide(actor):
        return
    if not actor.has_role(*ISSUERS):
        raise InspectionError(f"只有统筹协调员或责任单位负责人可以{what}")
    if actor.role == Role.UNIT_LEADER and actor.unit_id != visit.responsible_unit_id:
        raise InspectionError(f"只有责任单位（{visit.responsible_unit.name}）的负责人可以{what}")


def _locked_counter(unit: Unit, year: int) -> NoticeCounter:
    """The unit's counter for the year, locked until the transaction ends (created at 0 when
    the unit issues its first notice of the year; a concurrent creation waits and retries)."""
    counters = NoticeCounter.objects.select_for_update()
    counter = counters.filter(unit=unit, year=year).first()
    if counter is not None:
        return counter
    try:
        with transaction.atomic():
            NoticeCounter.objects.create(unit=unit, year=year, last=0)
    except IntegrityError:
        pass  # another transaction created it first; the lock below waits for it
    return counters.get(unit=unit, year=year)


@transaction.atomic
def issue_notice(*, visit: Visit, actor: Actor, now: datetime | None = None) -> Notice:
    """Give the visit its 检查通知书 number: the next number of the responsible unit this year
    (the year of `now`, default the current time), rendered with the agency's pattern. The team
    must be matched; one current notice a visit."""
    visit = (
        Visit.objects.select_for_update()
        .select_related("plan__agency", "responsible_unit")
        .get(pk=visit.pk)
    )
    _ensure_may_issue(actor, visit, "签发检查通知书")
    if visit.status != Visit.Status.MATCHED:
        raise InspectionError("检查组尚未匹配，不能签发检查通知书（通知书须列明检查人员）")
    current = visit.current_notice()
    if current is not None:
        raise InspectionError(f"本检查任务已签发检查通知书{current.number}，不能重复签发")
    agency = visit.plan.agency
    try:
        pattern = DocumentNumberPattern.parse_pattern(agency.notice_number_pattern)
    except DocumentNumberError as error:
        raise InspectionError(f"{agency.name}的检查通知书编号格式有误：{error}") from None
    now = now or timezone.now()
    year = timezone.localtime(now).year
    counter = _locked_counter(visit.responsible_unit, year)
    n = counter.last + 1
    number = pattern.render(year=year, n=n)
    try:
        check_fields(Notice, {"number": number}, where="检查通知书")
    except LimitError as error:
        raise InspectionError(str(error)) from None
    counter.last = n
    counter.save(update_fields=["last"])
    notice = Notice.objects.create(
        visit=visit,
        unit=visit.responsible_unit,
        year=year,
        n=n,
        number=number,
        issued_at=now,
        issued_by=actor if isinstance(actor, User) else None,
        issued_by_label=actor_label(actor)[:150],
    )
    record(
        actor=actor,
        action="inspections.issue_notice",
        obj=notice,
        details={
            "visit": visit.visit_key,
            "unit": visit.responsible_unit.name,
            "year": year,
            "n": n,
        },
        at=now,
    )
    return notice


@transaction.atomic
def record_delivery(
    *,
    notice: Notice,
    method: str,
    delivered_at: datetime | None,
    actor: Actor,
    now: datetime | None = None,
) -> Notice:
    """How and when the notice reached the entity (当场, 邮寄, 电话, 短信), or 不予通知 for an
    unannounced check (then without a time). May be corrected; every record is audited. `now`
    (default the current time) is when it is recorded."""
    now = now or timezone.now()
    notice = (
        Notice.objects.select_for_update()
        .select_related("visit__plan", "visit__responsible_unit")
        .get(pk=notice.pk)
    )
    _ensure_may_issue(actor, notice.visit, "登记通知送达情况")
    if notice.voided_at is not None:
        raise InspectionError(f"检查通知书{notice.number}已作废，不能登记送达")
    delivered_on = timezone.localtime(delivered_at).date() if delivered_at else None
    problems = validate_delivery(method, delivered_on, None)
    # times are entered to the minute: the minute of issue itself is fine
    if delivered_at is not None and delivered_at < notice.issued_at.replace(
        second=0, microsecond=0
    ):
        problems.append("通知时间：早于通知书签发时间")
    if delivered_at is not None and delivered_at > now:
        problems.append("通知时间：不能晚于现在")
    if problems:
        raise InspectionError("；".join(problems))
    before = {
        "method": notice.delivery_method,
        "delivered_at": notice.delivered_at.isoformat() if notice.delivered_at else None,
    }
    notice.delivery_method = method
    notice.delivered_at = delivered_at
    notice.delivery_recorded_by = actor_label(actor)[:150]
    notice.save(update_fields=["delivery_method", "delivered_at", "delivery_recorded_by"])
    record(
        actor=actor,
        action="inspections.record_delivery",
        obj=notice,
        details={
            "before": before,
            "after": {
                "method": method,
                "label": DELIVERY_METHODS[method],
                "delivered_at": delivered_at.isoformat() if delivered_at else None,
            },
        },
        at=now,
    )
    return notice
