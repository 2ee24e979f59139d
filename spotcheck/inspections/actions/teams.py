"""Inspection workflows, teams: matching teams for a round or an event, member replacement,
and the supervisors' verification kit.

Each action runs in one transaction and writes one audit entry (a replacement that had to skip a
pick who is no longer eligible lists every step in its entry). Errors are `InspectionError` with a Chinese message
that names the rule; nothing is saved when one is raised.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from spotcheck.accounts.models import Role
from spotcheck.accounts.permissions import Actor, ensure_actor_agency
from spotcheck.audit.models import record
from spotcheck.inspections import sources
from spotcheck.inspections.actions.common import (
    InspectionError,
    Pools,
    executed_draws,
    item_key,
    lock_plan,
    round_locked,
)
from spotcheck.inspections.expectations import record_expectations
from spotcheck.inspections.models import (
    Event,
    TeamMatching,
    TeamMember,
    Visit,
)
from spotcheck.lib import ceremony, drawdoc, matching, matching_public
from spotcheck.lib.visits import Visit as LibVisit
from spotcheck.lib.visits import item_order
from spotcheck.limits import LimitError, check_fields
from spotcheck.plans.models import Plan
from spotcheck.public.models import note_public_change
from spotcheck.registry.models import Inspector, Recusal
from spotcheck.results.selectors import inspection_history

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


def round_seed(draws: Sequence[sources.RoundDraw]) -> str:
    """The round's matching seed, composed (never typed) from the draws' published seeds:
    the distinct seeds in item-number order of first use, joined by LF. Draw seeds contain no
    line breaks (digits, then '|' and a beacon without control characters), so the
    composition is unambiguous; a round drawn at one ceremony keeps its one seed."""
    ordered = sorted(draws, key=lambda d: item_order(item_key(d.item)))
    return "\n".join(dict.fromkeys(d.seed for d in ordered))


# --- matching ----------------------------------------------------------------------------------


def lib_visit(visit: Visit) -> LibVisit:
    items = list(visit.visit_items.all())  # callers prefetch visit_items__item
    keys = tuple(sorted((item_key(vi.item) for vi in items), key=item_order))
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
    # The last approved inspection of each (entity, item) before the visit (results.selectors):
    # a fixed number of queries for the round.
    names = {vi.item.name for v in visits for vi in v.visit_items.all()}
    history = inspection_history(entity_ids, item_names=names)
    previous: dict[tuple[str, str], set[str]] = {}
    for visit in visits:
        if visit.entity_id is None:
            continue
        for vi in visit.visit_items.all():
            last = next(
                (
                    r
                    for r in history.get((visit.entity_id, vi.item.name), [])
                    if r.inspected_on < visit.planned_start and r.visit_id != visit.pk
                ),
                None,
            )
            if last is not None and last.certificates:
                previous[(visit.entity_key, item_key(vi.item))] = set(last.certificates)
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


def _save_teams(
    match: TeamMatching, inputs: _Inputs, result: matching.MatchingResult, now: datetime
) -> int:
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
                created_at=now,
            )
            count += 1
        visit.status = Visit.Status.MATCHED
        visit.save(update_fields=["status"])
    return count


def _save_matching(
    *,
    plan: Plan,
    round: int | None,
    event: Event | None,
    inputs: _Inputs,
    result: matching.MatchingResult,
    document: dict[str, Any],
    seed: str,
    seed_source: dict[str, Any],
    actor: Actor,
    action: str,
    details: dict[str, Any],
    now: datetime | None,
) -> TeamMatching:
    """Store a matching (round, event or re-check) with its teams, matched at `now` (default
    the current time), and audit it: one place, so the three ways of matching cannot drift
    apart in what they keep or publish."""
    now = now or timezone.now()
    match = TeamMatching.objects.create(
        plan=plan,
        round=round,
        event=event,
        seed=seed,
        seed_source=seed_source,
        document=document,
        commitment_salt=matching_public.new_salt(),
        matched_by=actor if getattr(actor, "pk", None) else None,
        matched_at=now,
    )
    members = _save_teams(match, inputs, result, now)
    record_expectations(match)  # what the fairness statistics read
    record(
        actor=actor,
        action=action,
        obj=match,
        details={**details, "members": members, "public_sha256": public_digest(match)},
        at=now,
    )
    note_public_change(now=now)  # the matching is public (its plan is)
    return match


@transaction.atomic
def match_teams_for_round(
    *,
    plan: Plan,
    round: int,
    actor: Actor,
    now: datetime | None = None,
) -> TeamMatching:
    """Match a team to every visit of the round from the round seed; all or nothing."""
    plan = lock_plan(plan)
    ensure_actor_agency(actor, plan.agency_id)
    if round_locked(plan, round):
        raise InspectionError(f"第{round}轮检查组已经匹配，结果已锁定")
    draws = executed_draws(plan, round)
    visits = list(
        Visit.objects.filter(plan=plan, round=round, event__isnull=True, recheck_of__isnull=True)
        .select_related("plan", "responsible_unit", "entity")
        .prefetch_related("cooperating_agencies", "visit_items__item")
    )
    if not visits:
        raise InspectionError(f"第{round}轮还没有检查任务，请先生成检查任务")
    drawn = {
        (drawn.entity.public_id, item_key(draw.item)) for draw in draws for drawn in draw.targets
    }
    planned = {(v.entity_key, item_key(vi.item)) for v in visits for vi in v.visit_items.all()}
    if drawn != planned:
        raise InspectionError(
            "抽取结果在生成检查任务后有变化（如替换了对象），请先重新生成检查任务"
        )
    seed = round_seed(draws)
    inputs = _inputs(plan, visits)
    result = inputs.match(seed)
    document = matching.matching_document(result)
    return _save_matching(
        plan=plan,
        round=round,
        event=None,
        inputs=inputs,
        result=result,
        document=document,
        seed=seed,
        seed_source={
            "rule": ROUND_SEED_RULE,
            "draws": [
                {
                    "item": item_key(d.item),
                    "draw_id": getattr(d.draw, "pk", None),
                    "seed": d.seed,
                }
                for d in draws
            ],
        },
        actor=actor,
        action="inspections.match_teams",
        details={
            "round": round,
            "visits": len(visits),
            "pools": document["pools"],
            "fallback_pools": list(result.fallback_pools),
        },
        now=now,
    )


@transaction.atomic
def match_event_team(
    *,
    event: Event,
    witnesses: Sequence[tuple[str, str]],
    beacon: str | None,
    actor: Actor,
    now: datetime | None = None,
) -> TeamMatching:
    """Match the team of an event's visit from a seed rolled at a ceremony (no draw exists)."""
    event = (
        Event.objects.select_for_update(of=("self",)).select_related("item__plan").get(pk=event.pk)
    )
    ensure_actor_agency(actor, event.item.plan.agency_id)
    if TeamMatching.objects.filter(event=event).exists():
        raise InspectionError("该活动的检查组已经匹配，结果已锁定")
    if event.is_cancelled:
        raise InspectionError(f"该活动登记已取消（{event.cancel_reason}），不能匹配检查组")
    try:
        checked = ceremony.check_ceremony(
            witnesses,
            beacon,
            min_witnesses=settings.SPOTCHECK_MIN_WITNESSES,
            min_digits=settings.SPOTCHECK_MIN_SEED_DIGITS,
        )
        seed = checked.seed
    except ValueError as exc:
        raise InspectionError(str(exc)) from exc
    visit = (
        Visit.objects.select_related("plan", "responsible_unit", "entity")
        .prefetch_related("cooperating_agencies", "visit_items__item")
        .get(event=event)
    )
    inputs = _inputs(visit.plan, [visit])
    result = inputs.match(seed)
    return _save_matching(
        plan=visit.plan,
        round=None,
        event=event,
        inputs=inputs,
        result=result,
        document=matching.matching_document(result),
        seed=seed,
        seed_source={
            "rule": EVENT_SEED_RULE,
            "witnesses": [{"name": w.name, "digits": w.digits} for w in checked.witnesses],
            "beacon": checked.beacon,
        },
        actor=actor,
        action="inspections.match_event_team",
        details={"event": event.pk, "visit": visit.visit_key},
        now=now,
    )


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
    record_expectations(match)
    record(
        actor=actor,
        action="inspections.replace_member",
        obj=visit,
        details={"replacements": [asdict(r) for r in made], "public_sha256": public_digest(match)},
    )
    note_public_change()  # the public record changed
    return current


# --- the public record and the supervisors' kit -------------------------------------------------


def public_digest(match: TeamMatching) -> str:
    """SHA-256 of the published record (sorted keys, no spaces; the verifier's `section
    sha256`), kept in the audit log so that its commitments cannot be swapped later."""
    return matching_public.public_sha256(match.public_document())


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


# --- re-checks (复查) ----------------------------------------------------------------------------

RECHECK_SEED_RULE = (
    "re-check seed = lowercase hex SHA-256 of (the seed of the matching that seated the original "
    "visit's team, LF, the re-check visit key); the re-check visit is matched alone with the "
    "round's rules, the original visit's current members counting as the last inspectors of "
    "the entity for its items"
)


def recheck_seed(original_seed: str, visit_key: str) -> str:
    """The re-check's matching seed (RECHECK_SEED_RULE): fixed by the original matching's
    published seed and the re-check's key, so nobody chooses it and anyone can recompute it."""
    return hashlib.sha256(f"{original_seed}\n{visit_key}".encode()).hexdigest()


@transaction.atomic
def match_recheck_team(*, visit: Visit, actor: Actor, now: datetime | None = None) -> TeamMatching:
    """Match the team of a re-check (复查) visit by the round's rules: active officers of the
    responsible unit (and cooperating departments) with a certificate valid through the
    window, no recusal, the qualifications, the team size; the original visit's current
    members count as the last inspectors (not-the-last-inspector rule). Seed: recheck_seed."""
    visit = (
        Visit.objects.select_related("plan", "responsible_unit", "entity", "recheck_of")
        .prefetch_related("cooperating_agencies", "visit_items__item")
        .get(pk=visit.pk)
    )
    original = visit.recheck_of
    if original is None:
        raise InspectionError(f"检查任务{visit.visit_key}不是复查任务")
    ensure_actor_agency(actor, visit.plan.agency_id)
    if visit.members.exists():
        raise InspectionError("该复查任务的检查组已经匹配，结果已锁定")
    seated = original.current_members().select_related("matching").order_by("pk")
    source = seated.first()
    if source is None:
        raise InspectionError(f"原检查任务{original.visit_key}尚未匹配检查组，无法确定复查种子")
    inputs = _inputs(visit.plan, [visit])
    last_team = {m.inspector.certificate_number for m in seated}
    for vi in visit.visit_items.all():
        inputs.previous[(visit.entity_key, item_key(vi.item))] = set(last_team)
    seed = recheck_seed(source.matching.seed, visit.visit_key)
    result = inputs.match(seed)
    return _save_matching(
        plan=visit.plan,
        round=None,
        event=None,
        inputs=inputs,
        result=result,
        document=matching.matching_document(result),
        seed=seed,
        seed_source={
            "rule": RECHECK_SEED_RULE,
            "original_visit": original.visit_key,
            "original_seed": source.matching.seed,
        },
        actor=actor,
        action="inspections.match_recheck_team",
        details={"visit": visit.visit_key, "original": original.visit_key},
        now=now,
    )
