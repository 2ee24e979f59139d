"""Inspection workflows: visits from draws, joint proposals, events, team matching, replacement.

Each action runs in one transaction and writes one audit entry (a replacement that had to skip a
pick who is no longer eligible lists every step in its entry). Errors are `InspectionError` with a Chinese message
that names the rule; nothing is saved when one is raised.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from spotcheck.accounts.models import Agency, Role, Unit
from spotcheck.accounts.permissions import Actor, ensure_actor_agency
from spotcheck.audit.models import record
from spotcheck.inspections import sources
from spotcheck.inspections.models import (
    Event,
    ItemSetting,
    JointProposal,
    TeamMatching,
    TeamMember,
    Visit,
    VisitItem,
    item_qualifications,
    item_team_size,
    window_days,
)
from spotcheck.lib import drawdoc, matching, matching_public
from spotcheck.lib.visits import DrawnTarget, group_visits, item_order, visit_id_for
from spotcheck.lib.visits import Visit as LibVisit
from spotcheck.limits import LimitError, check_fields
from spotcheck.plans.models import Plan, PlanItem
from spotcheck.registry.models import Entity, InspectionRecord, Inspector, Recusal

ROUND_SEED_RULE = (
    "round seed = the distinct published seeds of the round's executed draws, in item-number "
    "order of first use, joined by LF ('\\n'); one ceremony for the round (one seed) gives "
    "that seed unchanged"
)
EVENT_SEED_RULE = drawdoc.SEED_RULE
RULE_LABELS = {
    matching.RULE_TOO_FEW: "每组至少需要的执法人员人数",
    matching.RULE_QUALIFICATION: "事项的资格要求",
    matching.RULE_LOAD_CAP: "工作量上限",
    matching.RULE_NO_REPLACEMENT: "替换须从符合条件的人员中按顺序产生",
}


class InspectionError(Exception):
    """A workflow step that cannot be done as asked; the message names the rule."""


# --- pools: which inspectors can sit on which seats ------------------------------------------


@dataclass(frozen=True)
class Pools:
    """Pool names used in the matching document: a responsible unit is named by the unit's
    name (units of the plan's agency), a cooperating department by its agency name."""

    plan: Plan

    @staticmethod
    def unit_pool(unit: Unit) -> str:
        return unit.name

    @staticmethod
    def agency_pool(agency: Agency) -> str:
        return agency.name

    def inspector_pool(self, inspector: Inspector, cooperating: set[int]) -> str | None:
        if inspector.agency_id == self.plan.agency_id:
            return inspector.unit.name if inspector.unit is not None else None
        if inspector.agency_id in cooperating:
            return inspector.agency.name
        return None


def _window(item: PlanItem) -> tuple[int, int]:
    start, end = item.window_start_month, item.window_end_month
    if start and end and 1 <= start <= end <= 12:
        return start, end
    return 1, 12


def _item_key(item: PlanItem) -> str:
    return str(item.number) if item.number is not None else f"p{item.position}"


def _required_items(plan: Plan, round: int) -> list[PlanItem]:
    """Items whose targets are drawn: not event-driven and drawn at least `round` times a
    year (an item without a responsible unit is refused once its draw is read)."""
    items = plan.items.filter(event_driven=False).select_related("responsible_unit")
    return [item for item in items if (item.times_per_year or 1) >= round]


def round_seed(draws: Sequence[sources.RoundDraw]) -> str:
    """The round's matching seed, composed (never typed) from the draws' published seeds:
    the distinct seeds in item-number order of first use, joined by LF. Draw seeds contain no
    line breaks (digits, then '|' and a beacon without control characters), so the
    composition is unambiguous; a round drawn at one ceremony keeps its one seed."""
    ordered = sorted(draws, key=lambda d: item_order(_item_key(d.item)))
    return "\n".join(dict.fromkeys(d.seed for d in ordered))


def _executed_draws(plan: Plan, round: int) -> list[sources.RoundDraw]:
    draws = sources.round_draws(plan, round)
    have = {d.item.pk for d in draws}
    missing = [item for item in _required_items(plan, round) if item.pk not in have]
    if missing:
        names = "、".join(f"事项{_item_key(i)}" for i in missing)
        raise InspectionError(
            f"第{round}轮还有抽取未执行：{names}。须全部抽取执行后才能生成检查任务和匹配检查组"
            "（同一对象的多个事项要合并为一次检查）"
        )
    for draw in draws:
        if draw.item.responsible_unit is None:
            raise InspectionError(f"事项{_item_key(draw.item)}没有责任单位，无法安排检查")
    return sorted(draws, key=lambda d: item_order(_item_key(d.item)))


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
                    item_key=_item_key(item),
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


def _round_locked(plan: Plan, round: int) -> bool:
    return TeamMatching.objects.filter(plan=plan, round=round, event__isnull=True).exists()


def _lock_plan(plan: Plan) -> Plan:
    return Plan.objects.select_for_update().get(pk=plan.pk)


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
def build_visits(*, plan: Plan, round: int, actor: Actor) -> BuildResult:
    """(Re)build the round's visits from its executed draws; accepted joint proposals are
    merged, the others stored for coordinators. Refused once the round's teams are matched."""
    plan = _lock_plan(plan)
    ensure_actor_agency(actor, plan.agency_id)
    result = _rebuild(plan, round)
    record(
        actor=actor,
        action="inspections.build_visits",
        obj=plan,
        details={"round": round, **asdict(result)},
    )
    return result


def _rebuild(plan: Plan, round: int) -> BuildResult:
    if _round_locked(plan, round):
        raise InspectionError(f"第{round}轮检查组已匹配，检查任务已锁定，不能重新生成")
    draws = _executed_draws(plan, round)
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
    old = {v.visit_key: v for v in Visit.objects.filter(plan=plan, round=round, event__isnull=True)}
    keep = {v.visit_id for v in grouped.visits}
    VisitItem.objects.filter(visit__in=list(old.values())).delete()
    Visit.objects.filter(pk__in=[v.pk for k, v in old.items() if k not in keep]).delete()
    JointProposal.objects.filter(plan=plan, round=round, accepted_at__isnull=True).delete()

    entities = {e.public_id: e for draw in draws for e in (drawn.entity for drawn in draw.targets)}
    drawn_by_key = {
        (drawn.entity.public_id, _item_key(draw.item)): drawn
        for draw in draws
        for drawn in draw.targets
    }
    items = {_item_key(draw.item): draw.item for draw in draws}
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
            plan=plan, round=round, visit_key=lib_visit.visit_id
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
    for proposal in grouped.proposals:
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
        )
    return BuildResult(
        visits=len(grouped.visits), merged_items=merged_items, proposals=len(grouped.proposals)
    )


@transaction.atomic
def accept_joint_visit(*, proposal: JointProposal, actor: Actor) -> Visit:
    """Accept a proposed joint visit: its single-unit visits are merged into one."""
    plan = _lock_plan(proposal.plan)
    ensure_actor_agency(actor, plan.agency_id)
    proposal = JointProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.is_accepted:
        raise InspectionError("该联合检查建议已经接受")
    if _round_locked(plan, proposal.round):
        raise InspectionError(f"第{proposal.round}轮检查组已匹配，不能再合并检查任务")
    proposal.accepted_at = timezone.now()
    proposal.accepted_by = actor if getattr(actor, "pk", None) else None
    proposal.save(update_fields=["accepted_at", "accepted_by"])
    _rebuild(plan, proposal.round)
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
) -> Event:
    """Register an event of an event-driven item; every registered event gets a visit."""
    ensure_actor_agency(actor, item.plan.agency_id)
    if not item.event_driven:
        raise InspectionError(f"事项{_item_key(item)}不是按实际执行的事项，其检查对象须摇号抽取")
    if item.responsible_unit is None:
        raise InspectionError(f"事项{_item_key(item)}没有责任单位，无法安排检查")
    organiser, place, scale = organiser.strip(), place.strip(), scale.strip()
    if not organiser or not place or not scale:
        raise InspectionError("须填写主办/承办单位、地点和规模")
    try:
        check_fields(Event, {"organiser": organiser, "place": place, "scale": scale})
    except LimitError as exc:
        raise InspectionError(str(exc)) from exc
    if date.year != item.plan.year:
        raise InspectionError(f"活动日期须在计划年度{item.plan.year}年内")
    # Only the plan's agency's directory: another agency's entity is never linked.
    entity = Entity.objects.filter(agency=item.plan.agency, name=organiser).first()
    event = Event.objects.create(
        item=item,
        organiser=organiser,
        organiser_entity=entity,
        place=place,
        date=date,
        scale=scale,
        registered_by=actor if getattr(actor, "pk", None) else None,
    )
    key = _item_key(item)
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
    )
    visit.cooperating_agencies.set(item.cooperating_agencies.all())
    VisitItem.objects.create(visit=visit, item=item)
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
    )
    return event


# --- matching ----------------------------------------------------------------------------------


def lib_visit(visit: Visit) -> LibVisit:
    items = list(visit.visit_items.all())  # callers prefetch visit_items__item
    keys = tuple(sorted((_item_key(vi.item) for vi in items), key=item_order))
    return LibVisit(
        visit_id=visit.visit_key,
        plan_year=visit.plan.year,
        entity_id=visit.entity_key,
        entity_name=visit.entity_name,
        item_keys=keys,
        unit=Pools.unit_pool(visit.responsible_unit),
        cooperating=tuple(visit.cooperating_pools),
        window=(visit.window_start_month, visit.window_end_month),
        ticket=visit.ticket,
        team_size=visit.team_size,
        requirements=tuple((pool, q) for pool, q in visit.requirements),
        merged_from=tuple(visit.merged_from),
    )


@dataclass
class _Inputs:
    visits: list[Visit]
    lib_visits: list[LibVisit]
    inspectors: dict[str, Inspector]  # certificate number -> row
    roster: list[matching.Inspector]
    recusals: list[matching.Recusal]
    previous: dict[tuple[str, str], set[str]]
    days: dict[str, matching.DateRange]

    def match(self, seed: str) -> matching.MatchingResult:
        """Match teams for these visits; an impossible rule becomes an `InspectionError`."""
        try:
            return matching.match_teams(
                self.lib_visits,
                self.roster,
                seed=seed,
                days=self.days,
                recusals=self.recusals,
                previous_inspectors=self.previous,
            )
        except matching.MatchingImpossible as exc:
            raise _impossible(exc) from exc


def _inputs(plan: Plan, visits: Sequence[Visit]) -> _Inputs:
    pools = Pools(plan)
    unit_ids = {v.responsible_unit_id for v in visits}
    # Units of merged joint visits cooperate as pools too.
    unit_names = {p for v in visits for p in v.cooperating_pools}
    agency_ids = {a.pk for v in visits for a in v.cooperating_agencies.all()}
    rows = Inspector.objects.select_related("unit", "agency").filter(
        Q(agency=plan.agency, unit_id__in=unit_ids)
        | Q(agency=plan.agency, unit__name__in=unit_names)
        | Q(agency_id__in=agency_ids)
    )
    inspectors: dict[str, Inspector] = {}
    roster = []
    for row in rows:
        pool = pools.inspector_pool(row, agency_ids)
        if pool is None:
            continue
        inspectors[row.certificate_number] = row
        roster.append(
            matching.Inspector(
                inspector_id=row.certificate_number,
                unit=pool,
                certificate_valid_until=row.certificate_valid_until,
                active=row.is_active,
                qualifications=frozenset(row.qualifications),
            )
        )
    entity_ids = [v.entity_id for v in visits if v.entity_id is not None]
    recusals = [
        matching.Recusal(
            inspector_id=r.inspector.certificate_number,
            entity_id=r.entity.public_id,
            valid_from=r.valid_from,
            valid_until=r.valid_until,
        )
        for r in Recusal.objects.select_related("inspector", "entity").filter(
            entity_id__in=entity_ids, inspector__in=list(inspectors.values())
        )
    ]
    # The last inspection of each (entity, item) before the visit: one query for the round.
    names = {vi.item.name for v in visits for vi in v.visit_items.all()}
    records: dict[tuple[int, str], list[InspectionRecord]] = {}
    for row in InspectionRecord.objects.filter(
        entity_id__in=entity_ids, item_name__in=names
    ).order_by("-inspected_on", "-pk"):
        records.setdefault((row.entity_id, row.item_name), []).append(row)
    previous: dict[tuple[str, str], set[str]] = {}
    for visit in visits:
        if visit.entity_id is None:
            continue
        for vi in visit.visit_items.all():
            last = next(
                (
                    r
                    for r in records.get((visit.entity_id, vi.item.name), [])
                    if r.inspected_on < visit.planned_start
                ),
                None,
            )
            if last is not None and last.inspector_ids:
                previous[(visit.entity_key, _item_key(vi.item))] = set(last.inspector_ids)
    return _Inputs(
        visits=list(visits),
        lib_visits=[lib_visit(v) for v in visits],
        inspectors=inspectors,
        roster=roster,
        recusals=recusals,
        previous=previous,
        days={v.visit_key: (v.planned_start, v.planned_end) for v in visits},
    )


def _impossible(exc: matching.MatchingImpossible) -> InspectionError:
    label = RULE_LABELS.get(exc.rule, exc.rule)
    return InspectionError(f"{exc}。受阻规则：{label}（{exc.rule}），未保存任何匹配结果")


def _save_teams(match: TeamMatching, inputs: _Inputs, result: matching.MatchingResult) -> int:
    by_key = {v.visit_key: v for v in inputs.visits}
    count = 0
    for team in result.teams:
        visit = by_key[team.visit.visit_id]
        for member in team.members:
            seat = team.listing.seats[member.seat]
            TeamMember.objects.create(
                matching=match,
                visit=visit,
                inspector=inputs.inspectors[member.inspector_id],
                role=member.role,
                seat=member.seat,
                pool=member.pool,
                qualification=seat.qualification or "",
                ticket=member.ticket,
                eligibility=member.eligibility,
            )
            count += 1
        visit.status = Visit.Status.MATCHED
        visit.save(update_fields=["status"])
    return count


@transaction.atomic
def match_teams_for_round(*, plan: Plan, round: int, actor: Actor) -> TeamMatching:
    """Match a team to every visit of the round from the round seed; all or nothing."""
    plan = _lock_plan(plan)
    ensure_actor_agency(actor, plan.agency_id)
    if _round_locked(plan, round):
        raise InspectionError(f"第{round}轮检查组已经匹配，结果已锁定")
    draws = _executed_draws(plan, round)
    visits = list(
        Visit.objects.filter(plan=plan, round=round, event__isnull=True)
        .select_related("plan", "responsible_unit", "entity")
        .prefetch_related("cooperating_agencies", "visit_items__item")
    )
    if not visits:
        raise InspectionError(f"第{round}轮还没有检查任务，请先生成检查任务")
    drawn = {
        (drawn.entity.public_id, _item_key(draw.item)) for draw in draws for drawn in draw.targets
    }
    planned = {(v.entity_key, _item_key(vi.item)) for v in visits for vi in v.visit_items.all()}
    if drawn != planned:
        raise InspectionError(
            "抽取结果在生成检查任务后有变化（如替换了对象），请先重新生成检查任务"
        )
    seed = round_seed(draws)
    inputs = _inputs(plan, visits)
    result = inputs.match(seed)
    document = matching.matching_document(result)
    match = TeamMatching.objects.create(
        plan=plan,
        round=round,
        seed=seed,
        seed_source={
            "rule": ROUND_SEED_RULE,
            "draws": [
                {
                    "item": _item_key(d.item),
                    "draw_id": getattr(d.draw, "pk", None),
                    "seed": d.seed,
                }
                for d in draws
            ],
        },
        document=document,
        commitment_salt=matching_public.new_salt(),
        matched_by=actor if getattr(actor, "pk", None) else None,
    )
    members = _save_teams(match, inputs, result)
    record(
        actor=actor,
        action="inspections.match_teams",
        obj=match,
        details={
            "round": round,
            "visits": len(visits),
            "members": members,
            "pools": document["pools"],
            "fallback_pools": list(result.fallback_pools),
            "public_sha256": public_digest(match),
        },
    )
    return match


@transaction.atomic
def match_event_team(
    *, event: Event, witnesses: Sequence[tuple[str, str]], beacon: str | None, actor: Actor
) -> TeamMatching:
    """Match the team of an event's visit from a seed rolled at a ceremony (no draw exists)."""
    event = (
        Event.objects.select_for_update(of=("self",)).select_related("item__plan").get(pk=event.pk)
    )
    ensure_actor_agency(actor, event.item.plan.agency_id)
    if TeamMatching.objects.filter(event=event).exists():
        raise InspectionError("该活动的检查组已经匹配，结果已锁定")
    names = [name.strip() for name, _ in witnesses]
    if any(not name for name in names):
        raise InspectionError("每名见证人都须填写姓名")
    if len(witnesses) < settings.SPOTCHECK_MIN_WITNESSES:
        raise InspectionError(f"种子须由至少{settings.SPOTCHECK_MIN_WITNESSES}名见证人分别掷骰产生")
    digits = [d.strip() for _, d in witnesses]
    if sum(len(d) for d in digits) < settings.SPOTCHECK_MIN_SEED_DIGITS:
        raise InspectionError(f"骰子数字合计至少{settings.SPOTCHECK_MIN_SEED_DIGITS}位")
    try:
        seed = drawdoc.compose_seed(digits, beacon or None)
    except ValueError as exc:
        raise InspectionError(str(exc)) from exc
    visit = (
        Visit.objects.select_related("plan", "responsible_unit", "entity")
        .prefetch_related("cooperating_agencies", "visit_items__item")
        .get(event=event)
    )
    inputs = _inputs(visit.plan, [visit])
    result = inputs.match(seed)
    match = TeamMatching.objects.create(
        plan=visit.plan,
        round=None,
        event=event,
        seed=seed,
        seed_source={
            "rule": EVENT_SEED_RULE,
            "witnesses": [{"name": n, "digits": d} for n, d in zip(names, digits, strict=True)],
            "beacon": beacon or None,
        },
        document=matching.matching_document(result),
        commitment_salt=matching_public.new_salt(),
        matched_by=actor if getattr(actor, "pk", None) else None,
    )
    members = _save_teams(match, inputs, result)
    record(
        actor=actor,
        action="inspections.match_event_team",
        obj=match,
        details={
            "event": event.pk,
            "visit": visit.visit_key,
            "members": members,
            "public_sha256": public_digest(match),
        },
    )
    return match


# --- replacement -------------------------------------------------------------------------------


_REPLACEMENT_FIELDS = {f.name for f in fields(matching.Replacement)}


def result_from_document(match: TeamMatching) -> matching.MatchingResult:
    """Rebuild the matching result from the stored (published) document and the directory,
    so that the library's replacement rule runs on exactly what was published."""
    document = match.document
    visits = {
        v.visit_key: v
        for v in Visit.objects.filter(visit_key__in=[d["visit_id"] for d in document["visits"]])
        .filter(plan=match.plan)
        .select_related("plan", "responsible_unit")
        .prefetch_related("visit_items__item")
    }
    ids = {i for d in document["visits"] for ids in d["eligible"].values() for i in ids}
    rows = Inspector.objects.filter(certificate_number__in=ids)
    roster = {
        row.certificate_number: matching.Inspector(
            inspector_id=row.certificate_number,
            unit="",
            certificate_valid_until=row.certificate_valid_until,
            active=row.is_active,
            qualifications=frozenset(row.qualifications),
        )
        for row in rows
    }
    explanations = {
        (m.visit.visit_key, m.inspector.certificate_number): m.eligibility
        for m in match.members.filter(replaced_at__isnull=True).select_related("visit", "inspector")
    }
    teams = []
    for entry in document["visits"]:
        seats = tuple(matching.Seat(s["pool"], s["qualification"]) for s in entry["seats"])
        listing = matching.SeatListing(
            visit_id=entry["visit_id"],
            seats=seats,
            eligible={p: tuple(ids) for p, ids in entry["eligible"].items()},
            qualified={
                p: {q: tuple(ids) for q, ids in by_q.items()}
                for p, by_q in entry["qualified"].items()
            },
        )
        members = tuple(
            matching.TeamMember(
                inspector_id=m["inspector_id"],
                role=m["role"],
                seat=m["seat"],
                pool=seats[m["seat"]].pool,
                ticket=m["ticket"],
                eligibility=explanations.get((entry["visit_id"], m["inspector_id"]), ""),
            )
            for m in entry["team"]
        )
        teams.append(
            matching.VisitTeam(
                visit=lib_visit(visits[entry["visit_id"]]),
                days=(date.fromisoformat(entry["days"][0]), date.fromisoformat(entry["days"][1])),
                listing=listing,
                members=members,
                excluded=matching.ExclusionCounts(**entry["excluded"]),
            )
        )
    return matching.MatchingResult(
        seed=document["seed"],
        teams=tuple(teams),
        caps={
            pool: matching.PoolCap(pool=pool, **values)
            for pool, values in document["pools"].items()
        },
        fallback_pools=(),
        inspectors=roster,
        replacements=tuple(
            matching.Replacement(**{k: v for k, v in r.items() if k in _REPLACEMENT_FIELDS})
            for r in document["replacements"]
        ),
    )


def still_eligible(inspector: Inspector, visit: Visit) -> str:
    """Why an inspector picked from the published list can no longer serve ("" if they can)."""
    if not inspector.is_active:
        return "不在岗"
    if inspector.certificate_valid_until < visit.planned_end:
        return "执法证已过期"
    if visit.entity_id is not None:
        for recusal in Recusal.objects.filter(inspector=inspector, entity_id=visit.entity_id):
            starts = recusal.valid_from <= visit.planned_end
            if starts and (
                recusal.valid_until is None or recusal.valid_until >= visit.planned_start
            ):
                return "回避"
    return ""


@transaction.atomic
def replace_team_member(*, member: TeamMember, reason: str, actor: Actor) -> TeamMember:
    """Replace a member with the next eligible inspector by ticket; no free choice.

    If the inspector picked by the rule is no longer eligible (left, certificate expired, new
    recusal), that pick is replaced in turn with the reason recorded, and so on."""
    reason = reason.strip()
    if not reason:
        raise InspectionError("替换须写明原因（如：因病、出差、回避；不要写个人隐私细节）")
    try:
        check_fields(TeamMember, {"replaced_reason": reason}, multi_line=["replaced_reason"])
    except LimitError as exc:
        raise InspectionError(str(exc)) from exc
    match = TeamMatching.objects.select_for_update().get(pk=member.matching_id)
    member = TeamMember.objects.select_related("visit", "visit__plan", "inspector").get(
        pk=member.pk
    )
    ensure_actor_agency(actor, member.visit.plan.agency_id)
    if not member.is_current:
        raise InspectionError("该成员已被替换")
    visit = member.visit
    result = result_from_document(match)
    current = member
    leaving_id, why = member.inspector.certificate_number, reason
    made = []
    while True:
        try:
            result = matching.replace_member(result, visit.visit_key, leaving_id, why)
        except matching.MatchingImpossible as exc:
            raise _impossible(exc) from exc
        made.append(result.replacements[-1])
        added_id = result.replacements[-1].added
        added = Inspector.objects.get(certificate_number=added_id)
        blocked = still_eligible(added, visit)
        team = result.team(visit.visit_key)
        new_member = next(m for m in team.members if m.inspector_id == added_id)
        seat = team.listing.seats[new_member.seat]
        replacement = TeamMember.objects.create(
            matching=match,
            visit=visit,
            inspector=added,
            role=new_member.role,
            seat=new_member.seat,
            pool=new_member.pool,
            qualification=seat.qualification or "",
            ticket=new_member.ticket,
            eligibility=new_member.eligibility,
        )
        current.replaced_at = timezone.now()
        current.replaced_reason = why
        current.replacement = replacement
        current.save(update_fields=["replaced_at", "replaced_reason", "replacement"])
        current = replacement
        if not blocked:
            break
        leaving_id, why = added_id, f"按顺序递补的人员已不符合条件（{blocked}），继续递补"
    team = result.team(visit.visit_key)
    roles = {m.inspector_id: m.role for m in team.members}
    for row in visit.current_members():
        role = roles[row.inspector.certificate_number]
        if row.role != role:
            row.role = role
            row.save(update_fields=["role"])
    match.document = matching.matching_document(result)
    match.save(update_fields=["document"])
    record(
        actor=actor,
        action="inspections.replace_member",
        obj=visit,
        details={"replacements": [asdict(r) for r in made], "public_sha256": public_digest(match)},
    )
    return current


# --- the public record and the supervisors' kit -------------------------------------------------


def public_digest(match: TeamMatching) -> str:
    """SHA-256 of the published record (sorted keys, no spaces; the verifier's `section
    sha256`), kept in the audit log so that its commitments cannot be swapped later."""
    text = json.dumps(
        match.public_document(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@transaction.atomic
def issue_verification_kit(*, match: TeamMatching, actor: Actor) -> dict[str, Any]:
    """The supervisors' verification kit of a matching (docs/matching.md §14): the salt and
    every visit's eligibility lists. It discloses recusals, so only supervisors receive it and
    every issue is audited."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_role(Role.SUPERVISOR):
        raise InspectionError("核验包含回避等信息，只提供给纪检监督员")
    ensure_actor_agency(actor, match.plan.agency_id)
    if not match.commitment_salt:
        raise InspectionError("该匹配记录没有名单承诺，无需核验包")
    kit = match.verification_kit()
    record(
        actor=actor,
        action="inspections.verification_kit",
        obj=match,
        details={"visits": len(kit["visits"]), "public_sha256": public_digest(match)},
    )
    return kit
