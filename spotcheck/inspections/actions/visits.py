"""Inspection workflows, visits and events: item settings, visits built from a round's draws,
joint proposals, scheduling, and events registered for event-driven items.

Each action runs in one transaction and writes one audit entry. Errors are `InspectionError` with a
Chinese message that names the rule; nothing is saved when one is raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from spotcheck.accounts.permissions import Actor, ensure_actor_agency
from spotcheck.audit.models import actor_label, record
from spotcheck.inspections import sources
from spotcheck.inspections.actions.common import (
    InspectionError,
    Pools,
    executed_draws,
    item_key,
    lock_plan,
    round_locked,
)
from spotcheck.inspections.actions.teams import match_recheck_team
from spotcheck.inspections.models import (
    Event,
    ItemSetting,
    JointProposal,
    TeamMatching,
    Visit,
    VisitItem,
    item_qualifications,
    item_team_size,
    window_days,
)
from spotcheck.lib.visits import DrawnTarget, group_visits, visit_id_for
from spotcheck.limits import LimitError, check_fields
from spotcheck.plans.models import Plan, PlanItem
from spotcheck.registry.models import Entity
from spotcheck.stats.facts import refresh_visits


def _window(item: PlanItem) -> tuple[int, int]:
    start, end = item.window_start_month, item.window_end_month
    if start and end and 1 <= start <= end <= 12:
        return start, end
    return 1, 12


def _drawn_targets(plan: Plan, draws: Sequence[sources.RoundDraw]) -> list[DrawnTarget]:
    targets = []
    for draw in draws:
        item = draw.item
        cooperating = frozenset(Pools.agency_pool(a) for a in item.cooperating_agencies.all())
        assert item.responsible_unit is not None
        for drawn in draw.targets:
            targets.append(
                DrawnTarget(
                    entity_id=drawn.entity.public_id,
                    item_key=item_key(item),
                    unit=Pools.unit_pool(item.responsible_unit),
                    window=_window(item),
                    ticket=drawn.ticket,
                    plan_year=plan.year,
                    cooperating=cooperating,
                    team_size=item_team_size(item),
                    qualifications=frozenset(item_qualifications(item)),
                    entity_name=drawn.entity.name,
                )
            )
    return targets


# --- item settings -----------------------------------------------------------------------------


@transaction.atomic
def set_item_setting(
    *, item: PlanItem, team_size: int, qualifications: Sequence[str], actor: Actor
) -> ItemSetting:
    """Team size and required qualifications of an item; read when visits are (re)built, so
    they apply to rounds whose teams are not matched yet."""
    ensure_actor_agency(actor, item.plan.agency_id)
    if team_size < 1:
        raise InspectionError("每组人数至少为1")
    wanted = sorted({q.strip() for q in qualifications if q.strip()})
    setting, _ = ItemSetting.objects.select_for_update().get_or_create(item=item)
    before = {"team_size": setting.team_size, "qualifications": list(setting.qualifications)}
    setting.team_size, setting.qualifications = team_size, wanted
    setting.save()
    record(
        actor=actor,
        action="inspections.item_setting",
        obj=item,
        details={"before": before, "after": {"team_size": team_size, "qualifications": wanted}},
    )
    return setting


# --- visits ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildResult:
    visits: int
    merged_items: int  # items that share a visit with another item
    proposals: int


@transaction.atomic
def build_visits(
    *,
    plan: Plan,
    round: int,
    actor: Actor,
    now: datetime | None = None,
) -> BuildResult:
    """(Re)build the round's visits from its executed draws; accepted joint proposals are
    merged, the others stored for coordinators. Refused once the round's teams are matched.
    `now` (default the current time) stamps what it creates."""
    now = now or timezone.now()
    plan = lock_plan(plan)
    ensure_actor_agency(actor, plan.agency_id)
    result = _rebuild(plan, round, now)
    record(
        actor=actor,
        action="inspections.build_visits",
        obj=plan,
        details={"round": round, **asdict(result)},
        at=now,
    )
    return result


def _rebuild(plan: Plan, round: int, now: datetime) -> BuildResult:
    if round_locked(plan, round):
        raise InspectionError(f"第{round}轮检查组已匹配，检查任务已锁定，不能重新生成")
    draws = executed_draws(plan, round)
    targets = _drawn_targets(plan, draws)
    accepted_rows = list(
        JointProposal.objects.filter(plan=plan, round=round, accepted_at__isnull=False)
    )
    accepted = {frozenset(p.visit_keys) for p in accepted_rows}
    try:
        grouped = group_visits(targets, accepted_joint=accepted)
    except ValueError as exc:
        raise InspectionError(f"已接受的联合检查建议与当前抽取结果不符：{exc}") from exc

    # Visits whose key survives keep their row (and so their address and schedule); the
    # others go. Unmatched visits have no team yet, so nothing else refers to them.
    old = {
        v.visit_key: v
        for v in Visit.objects.filter(
            plan=plan, round=round, event__isnull=True, recheck_of__isnull=True
        )
    }
    keep = {v.visit_id for v in grouped.visits}
    VisitItem.objects.filter(visit__in=list(old.values())).delete()
    Visit.objects.filter(pk__in=[v.pk for k, v in old.items() if k not in keep]).delete()
    JointProposal.objects.filter(
        plan=plan, round=round, accepted_at__isnull=True, declined_at__isnull=True
    ).delete()
    declined = {
        p.key: p
        for p in JointProposal.objects.filter(plan=plan, round=round, declined_at__isnull=False)
    }

    entities = {e.public_id: e for draw in draws for e in (drawn.entity for drawn in draw.targets)}
    drawn_by_key = {
        (drawn.entity.public_id, item_key(draw.item)): drawn
        for draw in draws
        for drawn in draw.targets
    }
    items = {item_key(draw.item): draw.item for draw in draws}
    units = {
        Pools.unit_pool(i.responsible_unit): i.responsible_unit
        for i in items.values()
        if i.responsible_unit
    }
    agencies = {
        Pools.agency_pool(a): a for item in items.values() for a in item.cooperating_agencies.all()
    }
    merged_items = 0
    for lib_visit in grouped.visits:
        first, last = window_days(plan.year, *lib_visit.window)
        visit = old.get(lib_visit.visit_id) or Visit(
            plan=plan, round=round, visit_key=lib_visit.visit_id, created_at=now
        )
        if visit.pk is not None and first <= visit.planned_start and visit.planned_end <= last:
            first, last = visit.planned_start, visit.planned_end  # the schedule still fits
        fields = dict(
            entity=entities[lib_visit.entity_id],
            entity_key=lib_visit.entity_id,
            entity_name=lib_visit.entity_name or entities[lib_visit.entity_id].name,
            responsible_unit=units[lib_visit.unit],
            cooperating_pools=list(lib_visit.cooperating),
            window_start_month=lib_visit.window[0],
            window_end_month=lib_visit.window[1],
            planned_start=first,
            planned_end=last,
            ticket=lib_visit.ticket,
            team_size=lib_visit.team_size,
            requirements=[list(r) for r in lib_visit.requirements],
            merged_from=list(lib_visit.merged_from),
        )
        for name, value in fields.items():
            setattr(visit, name, value)
        visit.save()
        visit.cooperating_agencies.set(
            [agencies[p] for p in lib_visit.cooperating if p in agencies]
        )
        for key in lib_visit.item_keys:
            drawn = drawn_by_key[(lib_visit.entity_id, key)]
            VisitItem.objects.create(
                visit=visit, item=items[key], ticket=drawn.ticket, selection=drawn.selection
            )
        if len(lib_visit.item_keys) > 1:
            merged_items += len(lib_visit.item_keys)
    proposed = {JointProposal.key_for(p.visit_ids) for p in grouped.proposals}
    JointProposal.objects.filter(
        pk__in=[p.pk for key, p in declined.items() if key not in proposed]
    ).delete()
    for proposal in grouped.proposals:
        if JointProposal.key_for(proposal.visit_ids) in declined:
            continue  # declined once: the visits stay separate and it is not proposed again
        JointProposal.objects.create(
            plan=plan,
            round=round,
            key=JointProposal.key_for(proposal.visit_ids),
            visit_keys=list(proposal.visit_ids),
            entity=entities[proposal.entity_id],
            units=list(proposal.units),
            window_start_month=proposal.window[0],
            window_end_month=proposal.window[1],
            ticket=proposal.ticket,
            created_at=now,
        )
    refresh_visits(
        [v.pk for v in old.values()]
        + list(
            Visit.objects.filter(
                plan=plan, round=round, event__isnull=True, recheck_of__isnull=True
            ).values_list("pk", flat=True)
        )
    )
    return BuildResult(
        visits=len(grouped.visits), merged_items=merged_items, proposals=len(grouped.proposals)
    )


@transaction.atomic
def accept_joint_visit(*, proposal: JointProposal, actor: Actor) -> Visit:
    """Accept a proposed joint visit: its single-unit visits are merged into one."""
    plan = lock_plan(proposal.plan)
    ensure_actor_agency(actor, plan.agency_id)
    proposal = JointProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.is_accepted:
        raise InspectionError("该联合检查建议已经接受")
    if proposal.is_declined:
        raise InspectionError("该联合检查建议已决定不予合并")
    if round_locked(plan, proposal.round):
        raise InspectionError(f"第{proposal.round}轮检查组已匹配，不能再合并检查任务")
    proposal.accepted_at = timezone.now()
    proposal.accepted_by = actor if getattr(actor, "pk", None) else None
    proposal.save(update_fields=["accepted_at", "accepted_by"])
    _rebuild(plan, proposal.round, proposal.accepted_at)
    visit = next(
        v
        for v in Visit.objects.filter(plan=plan, round=proposal.round, entity=proposal.entity)
        if sorted(v.merged_from) == sorted(proposal.visit_keys)
    )
    record(
        actor=actor,
        action="inspections.accept_joint_visit",
        obj=visit,
        details={"proposal": proposal.key, "units": proposal.units},
    )
    return visit


@transaction.atomic
def decline_joint_visit(*, proposal: JointProposal, actor: Actor) -> JointProposal:
    """Decline a proposed joint visit: the units' visits stay separate; the proposal is kept as
    declined and not proposed again when the round's visits are rebuilt."""
    plan = lock_plan(proposal.plan)
    ensure_actor_agency(actor, plan.agency_id)
    proposal = JointProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.is_accepted:
        raise InspectionError("该联合检查建议已经接受，已合并为联合检查")
    if proposal.is_declined:
        raise InspectionError("该联合检查建议已决定不予合并")
    if round_locked(plan, proposal.round):
        raise InspectionError(f"第{proposal.round}轮检查组已匹配，检查任务已锁定")
    proposal.declined_at = timezone.now()
    proposal.declined_by = actor_label(actor)
    proposal.save(update_fields=["declined_at", "declined_by"])
    record(
        actor=actor,
        action="inspections.decline_joint_visit",
        obj=proposal.entity,
        details={"proposal": proposal.key, "units": proposal.units},
    )
    return proposal


@transaction.atomic
def schedule_visit(*, visit: Visit, start: date, end: date, actor: Actor) -> Visit:
    """Set a visit's planned days inside its window, before its team is matched (matching
    checks certificates and recusals against these days)."""
    visit = Visit.objects.select_for_update().select_related("plan").get(pk=visit.pk)
    ensure_actor_agency(actor, visit.plan.agency_id)
    if visit.status != Visit.Status.PLANNED:
        raise InspectionError(
            "检查组已匹配，检查日期已锁定（匹配时据此判断执法证有效期和回避关系）"
        )
    if start > end:
        raise InspectionError("开始日期不能晚于结束日期")
    first, last = window_days(visit.plan.year, visit.window_start_month, visit.window_end_month)
    if start < first or end > last:
        raise InspectionError(
            f"检查日期须在检查时间{visit.window_summary}内（{first:%Y-%m-%d}至{last:%Y-%m-%d}）"
        )
    before = [visit.planned_start.isoformat(), visit.planned_end.isoformat()]
    visit.planned_start, visit.planned_end = start, end
    visit.save(update_fields=["planned_start", "planned_end"])
    record(
        actor=actor,
        action="inspections.schedule_visit",
        obj=visit,
        details={"before": before, "after": [start.isoformat(), end.isoformat()]},
    )
    return visit


# --- events ------------------------------------------------------------------------------------


@transaction.atomic
def register_event(
    *,
    item: PlanItem,
    organiser: str,
    place: str,
    date: date,
    scale: str,
    actor: Actor,
    organiser_entity: Entity | None = None,
    now: datetime | None = None,
) -> Event:
    """Register an event of an event-driven item; every registered event gets a visit. The
    organiser is a unit of the directory (`organiser_entity`, or the directory unit of exactly
    that name) or a new one entered by name. The date must lie inside the item's window.
    `now` (default the current time) is when it is registered."""
    now = now or timezone.now()
    ensure_actor_agency(actor, item.plan.agency_id)
    if not item.event_driven:
        raise InspectionError(f"事项{item_key(item)}不是按实际执行的事项，其检查对象须摇号抽取")
    if item.withdrawn_on is not None:  # by a revision of the plan (计划调整)
        raise InspectionError(f"事项{item_key(item)}已于{item.withdrawn_on}经计划调整撤回")
    if item.responsible_unit is None:
        raise InspectionError(f"事项{item_key(item)}没有责任单位，无法安排检查")
    if organiser_entity is not None:
        if organiser_entity.agency_id != item.plan.agency_id:
            raise InspectionError("只能选择本机构名录中的单位")
        organiser = organiser_entity.name
    organiser, place, scale = organiser.strip(), place.strip(), scale.strip()
    if not organiser or not place or not scale:
        raise InspectionError("须填写主办/承办单位、地点和规模")
    try:
        check_fields(Event, {"organiser": organiser, "place": place, "scale": scale})
    except LimitError as exc:
        raise InspectionError(str(exc)) from exc
    first, last = window_days(item.plan.year, *_window(item))
    if date.year != item.plan.year:
        raise InspectionError(
            f"活动日期{date:%Y-%m-%d}须在计划年度{item.plan.year}年内，且在事项{item_key(item)}的"
            f"检查时间{first.month}月—{last.month}月（{first:%Y-%m-%d}至{last:%Y-%m-%d}）内"
        )
    if not first <= date <= last:
        raise InspectionError(
            f"活动日期{date:%Y-%m-%d}不在事项{item_key(item)}的检查时间"
            f"{first.month}月—{last.month}月（{first:%Y-%m-%d}至{last:%Y-%m-%d}）内"
        )
    # Only the plan's agency's directory: another agency's entity is never linked.
    entity = organiser_entity or (
        Entity.objects.filter(agency=item.plan.agency, name=organiser).order_by("pk").first()
    )
    event = Event.objects.create(
        item=item,
        organiser=organiser,
        organiser_entity=entity,
        place=place,
        date=date,
        scale=scale,
        registered_by=actor if getattr(actor, "pk", None) else None,
        registered_at=now,
    )
    key = item_key(item)
    visit = Visit.objects.create(
        plan=item.plan,
        round=1,
        # The key names the event, not the organiser: one organiser may hold several events.
        visit_key=visit_id_for(item.plan.year, f"event-{event.pk}", [key]),
        entity=entity,
        event=event,
        entity_key=event.entity_key,
        entity_name=organiser,
        responsible_unit=item.responsible_unit,
        cooperating_pools=sorted(Pools.agency_pool(a) for a in item.cooperating_agencies.all()),
        window_start_month=date.month,
        window_end_month=date.month,
        planned_start=date,
        planned_end=date,
        ticket="0",
        team_size=item_team_size(item),
        requirements=[[item.responsible_unit.name, q] for q in item_qualifications(item)],
        created_at=now,
    )
    visit.cooperating_agencies.set(item.cooperating_agencies.all())
    VisitItem.objects.create(visit=visit, item=item)
    refresh_visits([visit.pk])
    record(
        actor=actor,
        action="inspections.register_event",
        obj=event,
        details={
            "item": key,
            "organiser": organiser,
            "in_directory": entity is not None,
            "place": place,
            "date": date.isoformat(),
            "scale": scale,
            "visit": visit.visit_key,
        },
        at=now,
    )
    return event


@transaction.atomic
def create_recheck_visit(
    *,
    original: Visit,
    items: Sequence[PlanItem],
    after: date,
    actor: Actor,
    now: datetime | None = None,
) -> Visit:
    """A re-check (复查) of `original`: the same entity, the given items of it, in the window of
    SPOTCHECK_RECHECK_WINDOW_DAYS days from the day after `after` (a correction deadline). Its
    team is matched at once (match_recheck_team); when no team can be matched the visit waits
    (待匹配检查组) and the audit entry says which rule blocked it. `now` (default the current
    time) is when it is created and matched."""
    now = now or timezone.now()
    ensure_actor_agency(actor, original.plan.agency_id)
    covered = {vi.item_id for vi in original.visit_items.all()}
    strangers = [item for item in items if item.pk not in covered]
    if strangers or not items:
        raise InspectionError("复查只能针对原检查任务的事项")
    start = after + timedelta(days=1)
    end = after + timedelta(days=max(1, settings.SPOTCHECK_RECHECK_WINDOW_DAYS))
    number = Visit.objects.filter(recheck_of=original).count() + 1
    visit = Visit.objects.create(
        plan=original.plan,
        round=original.round,
        visit_key=f"{original.visit_key}/复查{number}",
        entity=original.entity,
        entity_key=original.entity_key,
        entity_name=original.entity_name,
        responsible_unit=original.responsible_unit,
        cooperating_pools=list(original.cooperating_pools),
        window_start_month=start.month,
        window_end_month=end.month if end.year == start.year else 12,
        planned_start=start,
        planned_end=end,
        ticket=original.ticket,
        team_size=original.team_size,
        requirements=list(original.requirements),
        recheck_of=original,
        created_at=now,
    )
    visit.cooperating_agencies.set(original.cooperating_agencies.all())
    for item in sorted(items, key=lambda i: i.pk):
        VisitItem.objects.create(visit=visit, item=item)
    details: dict[str, Any] = {
        "original": original.visit_key,
        "visit": visit.visit_key,
        "items": [item_key(item) for item in items],
        "window": [start.isoformat(), end.isoformat()],
    }
    try:
        match_recheck_team(visit=visit, actor=actor, now=now)
        details["matched"] = True
    except InspectionError as exc:
        details["matched"] = False
        details["unmatched_reason"] = str(exc)
    visit.refresh_from_db(fields=["status"])
    record(
        actor=actor,
        action="inspections.create_recheck_visit",
        obj=visit,
        details=details,
        at=now,
    )
    return visit


@transaction.atomic
def cancel_event(*, event: Event, reason: str, actor: Actor) -> Event:
    """Cancel a mistaken event registration before its seed ceremony: the event is kept,
    marked cancelled with the reason; its visit (no team yet) is removed."""
    event = Event.objects.select_for_update().select_related("item__plan").get(pk=event.pk)
    ensure_actor_agency(actor, event.item.plan.agency_id)
    reason = reason.strip()
    if not reason:
        raise InspectionError("取消活动登记须写明原因")
    try:
        check_fields(Event, {"cancel_reason": reason})
    except LimitError as exc:
        raise InspectionError(str(exc)) from exc
    if event.is_cancelled:
        raise InspectionError("该活动登记已经取消")
    if TeamMatching.objects.filter(event=event).exists():
        raise InspectionError("该活动的检查组已经匹配（仪式已举行），不能再取消登记")
    visit = Visit.objects.filter(event=event).first()
    visit_key = visit.visit_key if visit is not None else ""
    if visit is not None:
        visit_id = visit.pk
        visit.delete()
        refresh_visits([visit_id])
    event.cancelled_at = timezone.now()
    event.cancelled_by = actor_label(actor)
    event.cancel_reason = reason
    event.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    record(
        actor=actor,
        action="inspections.cancel_event",
        obj=event,
        details={"reason": reason, "visit": visit_key},
    )
    return event
