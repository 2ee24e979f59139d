"""Match inspector teams to the visits of one round, verifiably from the draw's seed.

docs/matching.md is the specification, written so that an independent re-implementation can
reproduce every team. In short:

* Each visit has a seat plan (`seat_plan`): qualification seats and open seats of the responsible
  unit, one seat (or one per required qualification) for each cooperating pool.
* Inspectors eligible for a visit: in the seat's pool, active, certificate valid through the last
  visit day, no recusal overlapping the visit, not the previous inspector of any of its items.
* Per pool, load cap = ceil(seats the pool fills this round / its inspectors eligible for at least
  one of those seats).
* Visits are served in ticket order, seats in plan order; a seat takes the candidate with the
  lowest current load, then the lowest team ticket, then the lowest id, *among the candidates
  that still leave every later seat fillable*. A plain greedy pass computes this directly when
  it succeeds; otherwise the same choices are made with a max-flow feasibility check.
"""

from __future__ import annotations

import calendar
import math
from collections import Counter, deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any, Literal

from spotcheck.lib.sampling import ticket
from spotcheck.lib.visits import Visit

DateRange = tuple[date, date]
"""First and last day of a visit."""

Role = Literal["leader", "member"]

RULE_TOO_FEW = "too_few_eligible"
RULE_QUALIFICATION = "qualification"
RULE_LOAD_CAP = "load_cap"
RULE_NO_REPLACEMENT = "no_replacement"

# Reasons that exclude an inspector of a seat pool from a visit, in the order they are tested;
# an inspector is counted under the first that applies.
EXCLUSION_LABELS = {
    "inactive": "不在岗",
    "certificate_expired": "执法证过期或缺失",
    "recused": "回避关系",
    "previous_inspector": "上次检查过该对象的同一事项",
}

DOCUMENT_FORMAT = "spotcheck.matching/1"


@dataclass(frozen=True, kw_only=True)
class Inspector:
    inspector_id: str
    unit: str  # the pool the inspector is drawn from (a unit or a cooperating department)
    certificate_valid_until: date | None
    active: bool = True
    qualifications: frozenset[str] = frozenset()


@dataclass(frozen=True, kw_only=True)
class Recusal:
    """An interest between an inspector and an entity; open-ended when a bound is None."""

    inspector_id: str
    entity_id: str
    valid_from: date | None = None
    valid_until: date | None = None

    def overlaps(self, days: DateRange) -> bool:
        first, last = days
        starts_in_time = self.valid_from is None or self.valid_from <= last
        return starts_in_time and (self.valid_until is None or self.valid_until >= first)


@dataclass(frozen=True)
class Seat:
    pool: str
    qualification: str | None = None  # the seat's holder must hold it


@dataclass(frozen=True, kw_only=True)
class TeamMember:
    inspector_id: str
    role: Role
    seat: int  # index into the visit's seat plan
    pool: str
    ticket: str  # team ticket: ticket(f"{seed}|team|{visit_id}", inspector_id)
    eligibility: str  # why the inspector may serve (Chinese, for the record)


@dataclass(frozen=True)
class ExclusionCounts:
    """Counts only, never names: these are published.

    The first four partition the excluded inspectors of the visit's pools. `unqualified` counts
    eligible inspectors lacking a qualification their pool must supply (they may still fill an
    open seat); `capped` counts eligible inspectors left out because they had already reached
    the load cap before the visit was served.
    """

    inactive: int = 0
    certificate_expired: int = 0
    recused: int = 0
    previous_inspector: int = 0
    unqualified: int = 0
    capped: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class PoolCap:
    pool: str
    seats: int  # seats the pool fills across the round
    eligible: int  # its inspectors eligible for at least one of those seats
    cap: int  # ceil(seats / eligible)


@dataclass(frozen=True, kw_only=True)
class Replacement:
    visit_id: str
    seat: int
    removed: str
    added: str
    reason: str
    over_cap: bool  # no candidate under the cap was left, so the cap was exceeded


@dataclass(frozen=True, kw_only=True)
class SeatListing:
    """What is published about one visit's seats: the plan and who may fill each seat."""

    visit_id: str
    seats: tuple[Seat, ...]
    eligible: Mapping[str, tuple[str, ...]]  # pool -> ids eligible for the visit, sorted
    qualified: Mapping[str, Mapping[str, tuple[str, ...]]]  # pool -> qualification -> ids

    def candidates(self, seat: Seat) -> tuple[str, ...]:
        if seat.qualification is None:
            return self.eligible[seat.pool]
        return self.qualified[seat.pool][seat.qualification]


@dataclass(frozen=True, kw_only=True)
class VisitTeam:
    visit: Visit
    days: DateRange
    listing: SeatListing
    members: tuple[TeamMember, ...]  # leader first, then by ticket
    excluded: ExclusionCounts

    def by_seat(self) -> tuple[str, ...]:
        """Inspector ids in seat-plan order."""
        holders = {member.seat: member.inspector_id for member in self.members}
        return tuple(holders[index] for index in range(len(self.listing.seats)))


@dataclass(frozen=True, kw_only=True)
class MatchingResult:
    seed: str
    teams: tuple[VisitTeam, ...]  # in the order the visits were served
    caps: Mapping[str, PoolCap]
    fallback_pools: tuple[str, ...]  # pools where the plain greedy pass got stuck
    inspectors: Mapping[str, Inspector] = field(repr=False)
    replacements: tuple[Replacement, ...] = ()

    def team(self, visit_id: str) -> VisitTeam:
        for team in self.teams:
            if team.visit.visit_id == visit_id:
                return team
        raise KeyError(visit_id)

    def loads(self) -> Counter[str]:
        return Counter(member.inspector_id for team in self.teams for member in team.members)


class MatchingImpossible(Exception):
    """No assignment satisfies the rules; names the visit, the pool and the blocking rule."""

    def __init__(self, visit: Visit, pool: str, rule: str, detail: str) -> None:
        self.visit_id = visit.visit_id
        self.pool = pool
        self.rule = rule
        self.detail = detail
        super().__init__(f"无法为{visit.describe()}配齐检查组：{detail}")


def team_ticket(seed: str, visit_id: str, inspector_id: str) -> str:
    return ticket(f"{seed}|team|{visit_id}", inspector_id)


def seat_plan(visit: Visit) -> tuple[Seat, ...]:
    """Seats in fill order: the responsible unit's qualification seats, then each cooperating
    pool's seats (one per qualification it must supply, else one open seat), then open seats of
    the unit up to the team size (at least one, so the unit can supply the leader)."""
    required: dict[str, list[str]] = {}
    for pool, qualification in visit.requirements:  # already sorted
        required.setdefault(pool, []).append(qualification)
    seats = [Seat(visit.unit, q) for q in required.get(visit.unit, [])]
    for pool in visit.cooperating:
        seats.extend([Seat(pool, q) for q in required.get(pool, [])] or [Seat(pool)])
    open_seats = max(visit.team_size - len(seats), 0 if visit.unit in required else 1)
    return (*seats, *[Seat(visit.unit)] * open_seats)


def match_teams(
    visits: Sequence[Visit],
    inspectors: Sequence[Inspector],
    *,
    seed: str,
    days: Mapping[str, DateRange],
    recusals: Iterable[Recusal] = (),
    previous_inspectors: Mapping[tuple[str, str], Collection[str]] | None = None,
) -> MatchingResult:
    """Teams for every visit of the round, or MatchingImpossible. Pure: nothing is saved."""
    roster = _roster(inspectors)
    ordered = sorted(visits, key=lambda visit: (visit.ticket, visit.visit_id))
    if len({visit.visit_id for visit in ordered}) != len(ordered):
        raise ValueError("duplicate visit ids")
    recused: dict[str, list[Recusal]] = {}
    for recusal in recusals:
        recused.setdefault(recusal.entity_id, []).append(recusal)
    previous = previous_inspectors or {}

    screenings = [
        _screen(visit, _days_of(visit, days), roster, recused, previous) for visit in ordered
    ]
    for screening in screenings:
        _check_alone(screening, seed)
    listings = [screening.listing for screening in screenings]
    slots = _slots(seed, listings)
    caps = _caps(slots)
    try:
        chosen, fallback_pools = _solve(slots, caps, listings)
    except _CapBlocks as blocked:
        pool_cap = blocked.pool_cap
        raise MatchingImpossible(
            next(visit for visit in ordered if visit.visit_id == blocked.visit_id),
            pool_cap.pool,
            RULE_LOAD_CAP,
            f"{pool_cap.pool}：工作量上限为每人{pool_cap.cap}次（本轮该单位共{pool_cap.seats}个"
            f"席位，可参与的执法人员{pool_cap.eligible}名，上限=⌈{pool_cap.seats}/"
            f"{pool_cap.eligible}⌉），在上限内无法为本组配齐人员",
        ) from None

    loads: Counter[str] = Counter()
    teams = []
    for screening in screenings:
        listing = screening.listing
        team = chosen[listing.visit_id]
        capped = {
            inspector_id
            for pool, ids in listing.eligible.items()
            for inspector_id in ids
            if inspector_id not in team and loads[inspector_id] >= caps[pool].cap
        }
        loads.update(team)
        teams.append(
            VisitTeam(
                visit=screening.visit,
                days=screening.days,
                listing=listing,
                members=_members(
                    screening.visit, screening.days, listing.seats, team, seed, roster
                ),
                excluded=replace(screening.excluded, capped=len(capped)),
            )
        )
    return MatchingResult(
        seed=seed,
        teams=tuple(teams),
        caps=caps,
        fallback_pools=fallback_pools,
        inspectors=roster,
    )


def replace_member(
    result: MatchingResult, visit_id: str, inspector_id: str, reason: str
) -> MatchingResult:
    """Replace one member: the seat goes to the eligible candidate with the lowest team ticket
    who is not on the team and was never removed from this visit, preferring candidates under
    the load cap. There is no free choice; the reason is recorded."""
    if not reason.strip():
        raise ValueError("a replacement needs a reason")
    team = result.team(visit_id)
    removed = next((m for m in team.members if m.inspector_id == inspector_id), None)
    if removed is None:
        raise ValueError(f"{inspector_id} is not on the team of {visit_id}")
    seat = team.listing.seats[removed.seat]
    loads = result.loads()
    loads[inspector_id] -= 1
    never_again = {r.removed for r in result.replacements if r.visit_id == visit_id}
    pick = _pick_replacement(
        result.seed,
        visit_id,
        team.listing.candidates(seat),
        exclude={m.inspector_id for m in team.members} | never_again,
        loads=loads,
        cap=result.caps[seat.pool].cap,
    )
    if pick is None:
        raise MatchingImpossible(
            team.visit,
            seat.pool,
            RULE_NO_REPLACEMENT,
            f"{seat.pool}：没有其他符合条件的执法人员可以替换{inspector_id}",
        )
    added, over_cap = pick
    by_seat = [
        added if index == removed.seat else holder for index, holder in enumerate(team.by_seat())
    ]
    new_team = replace(
        team,
        members=_members(
            team.visit, team.days, team.listing.seats, by_seat, result.seed, result.inspectors
        ),
    )
    record = Replacement(
        visit_id=visit_id,
        seat=removed.seat,
        removed=inspector_id,
        added=added,
        reason=reason.strip(),
        over_cap=over_cap,
    )
    return replace(
        result,
        teams=tuple(new_team if t.visit.visit_id == visit_id else t for t in result.teams),
        replacements=(*result.replacements, record),
    )


def matching_document(result: MatchingResult) -> dict[str, Any]:
    """Everything a verifier needs to recompute the teams, JSON-serialisable, no names."""
    return {
        "format": DOCUMENT_FORMAT,
        "seed": result.seed,
        "team_ticket": "ticket(seed + '|team|' + visit_id, inspector_id)",
        "pools": {
            pool: {"seats": cap.seats, "eligible": cap.eligible, "cap": cap.cap}
            for pool, cap in sorted(result.caps.items())
        },
        "visits": [
            {
                "visit_id": team.visit.visit_id,
                "ticket": team.visit.ticket,
                "entity_id": team.visit.entity_id,
                "items": list(team.visit.item_keys),
                "unit": team.visit.unit,
                "cooperating": list(team.visit.cooperating),
                "days": [team.days[0].isoformat(), team.days[1].isoformat()],
                "seats": [
                    {"pool": seat.pool, "qualification": seat.qualification}
                    for seat in team.listing.seats
                ],
                "eligible": {
                    pool: list(ids) for pool, ids in sorted(team.listing.eligible.items())
                },
                "qualified": {
                    pool: {q: list(ids) for q, ids in sorted(by_q.items())}
                    for pool, by_q in sorted(team.listing.qualified.items())
                },
                "excluded": team.excluded.as_dict(),
                "team": [
                    {
                        "inspector_id": member.inspector_id,
                        "role": member.role,
                        "seat": member.seat,
                        "ticket": member.ticket,
                    }
                    for member in team.members
                ],
            }
            for team in result.teams
        ],
        "replacements": [
            {**asdict(record), "ticket": team_ticket(result.seed, record.visit_id, record.added)}
            for record in result.replacements
        ],
    }


def teams_from_document(document: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Recompute every current team (ids in seat order) from a published document alone:
    the matching, then the recorded replacements replayed by the replacement rule."""
    recomputed = recompute_document(document)
    return {
        visit["visit_id"]: tuple(
            member["inspector_id"] for member in sorted(visit["team"], key=lambda m: m["seat"])
        )
        for visit in recomputed["visits"]
    }


def recompute_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document with every derived field recomputed from its published inputs (docs §11).

    Inputs, kept as published: the seed, each visit's id, ticket, entity, items, unit,
    cooperating pools, days, seats, eligibility lists and the four screening counts, and each
    replacement's visit, seat and reason. Recomputed: `pools`, the visits' order (fill order),
    each team with roles and tickets, the `unqualified` and `capped` counts, and each
    replacement's removed/added ids, `over_cap` and ticket. The document is consistent iff the
    result equals it. Raises ValueError if the inputs admit no teams or a replacement is void.
    """
    if document.get("format") != DOCUMENT_FORMAT:
        raise ValueError(f"not a {DOCUMENT_FORMAT} document")
    seed = str(document["seed"])
    visits = sorted(document["visits"], key=lambda visit: (visit["ticket"], visit["visit_id"]))
    listings = [
        SeatListing(
            visit_id=visit["visit_id"],
            seats=tuple(Seat(seat["pool"], seat["qualification"]) for seat in visit["seats"]),
            eligible={pool: tuple(sorted(ids)) for pool, ids in visit["eligible"].items()},
            qualified={
                pool: {q: tuple(sorted(ids)) for q, ids in by_q.items()}
                for pool, by_q in visit["qualified"].items()
            },
        )
        for visit in visits
    ]
    if len({listing.visit_id for listing in listings}) != len(listings):
        raise ValueError("duplicate visit ids")
    slots = _slots(seed, listings)
    caps = _caps(slots)
    try:
        chosen, _ = _solve(slots, caps, listings)
    except _CapBlocks as blocked:
        raise ValueError(f"the document's visit {blocked.visit_id} cannot be staffed") from None

    loads: Counter[str] = Counter()
    counts: dict[str, dict[str, int]] = {}
    for listing in listings:
        team = chosen[listing.visit_id]
        capped = {
            i
            for pool, ids in listing.eligible.items()
            for i in ids
            if i not in team and loads[i] >= caps[pool].cap
        }
        unqualified = sum(
            1
            for pool, ids in listing.eligible.items()
            for i in ids
            if any(i not in holders for holders in listing.qualified.get(pool, {}).values())
        )
        counts[listing.visit_id] = {"unqualified": unqualified, "capped": len(capped)}
        loads.update(team)

    by_id = {listing.visit_id: listing for listing in listings}
    removed_from: dict[str, set[str]] = {}
    records = []
    for record in document["replacements"]:
        visit_id, seat_index, reason = record["visit_id"], record["seat"], record["reason"]
        if not str(reason).strip():
            raise ValueError(f"a replacement on {visit_id} has no reason")
        team, listing = chosen[visit_id], by_id[visit_id]
        if not isinstance(seat_index, int) or not 0 <= seat_index < len(team):
            raise ValueError(f"a replacement on {visit_id} names no seat of its plan")
        leaving = team[seat_index]
        loads[leaving] -= 1
        removed_from.setdefault(visit_id, set()).add(leaving)
        seat = listing.seats[seat_index]
        pick = _pick_replacement(
            seed,
            visit_id,
            listing.candidates(seat),
            exclude=set(team) | removed_from[visit_id],
            loads=loads,
            cap=caps[seat.pool].cap,
        )
        if pick is None:
            raise ValueError(f"replacement on {visit_id} has no candidate")
        added, over_cap = pick
        team[seat_index] = added
        loads[added] += 1
        records.append(
            {
                "visit_id": visit_id,
                "seat": seat_index,
                "removed": leaving,
                "added": added,
                "reason": reason,
                "over_cap": over_cap,
                "ticket": team_ticket(seed, visit_id, added),
            }
        )

    return {
        **document,
        "pools": {
            pool: {"seats": cap.seats, "eligible": cap.eligible, "cap": cap.cap}
            for pool, cap in sorted(caps.items())
        },
        "visits": [
            {
                **visit,
                "excluded": {**visit["excluded"], **counts[visit["visit_id"]]},
                "team": [
                    {"inspector_id": i, "role": role, "seat": seat, "ticket": ticket_}
                    for i, role, seat, ticket_ in _roles(
                        seed,
                        visit["visit_id"],
                        visit["unit"],
                        by_id[visit["visit_id"]].seats,
                        chosen[visit["visit_id"]],
                    )
                ],
            }
            for visit in visits
        ],
        "replacements": records,
    }


def seats_follow_the_plan(unit: str, cooperating: Sequence[str], seats: Sequence[Seat]) -> bool:
    """Whether a published seat list has the shape of a seat plan (docs §3) for some team size:
    the unit's qualification seats, each cooperating pool's seats, then open seats of the unit."""
    if any(seat.pool != unit and seat.pool not in cooperating for seat in seats):
        return False
    requirements = tuple(sorted({(s.pool, s.qualification) for s in seats if s.qualification}))
    shape = Visit(
        visit_id="",
        plan_year=0,
        entity_id="",
        entity_name="",
        item_keys=(),
        unit=unit,
        cooperating=tuple(cooperating),
        window=(1, 12),
        ticket="",
        team_size=len(seats),
        requirements=requirements,
    )
    return list(seats) == list(seat_plan(shape)) and list(cooperating) == sorted(set(cooperating))


# ---------------------------------------------------------------------------------------------
# Screening: who may serve on each visit, and why the others may not.


@dataclass(frozen=True, kw_only=True)
class _Screening:
    visit: Visit
    days: DateRange
    listing: SeatListing
    excluded: ExclusionCounts
    excluded_by_pool: Mapping[str, Counter[str]]
    pool_sizes: Mapping[str, int]


def _roster(inspectors: Sequence[Inspector]) -> dict[str, Inspector]:
    roster = {inspector.inspector_id: inspector for inspector in inspectors}
    if len(roster) != len(inspectors):
        raise ValueError("duplicate inspector ids")
    return dict(sorted(roster.items()))


def _days_of(visit: Visit, days: Mapping[str, DateRange]) -> DateRange:
    if visit.visit_id not in days:
        raise ValueError(f"no visit days for {visit.visit_id}")
    first, last = days[visit.visit_id]
    start_month, end_month = visit.window
    window_start = date(visit.plan_year, start_month, 1)
    window_end = date(
        visit.plan_year, end_month, calendar.monthrange(visit.plan_year, end_month)[1]
    )
    if not window_start <= first <= last <= window_end:
        raise ValueError(f"days {first}..{last} of {visit.visit_id} are outside its window")
    return first, last


def _exclusion(
    inspector: Inspector,
    visit: Visit,
    days: DateRange,
    recused: Mapping[str, list[Recusal]],
    previous: Mapping[tuple[str, str], Collection[str]],
) -> str | None:
    """The first reason (EXCLUSION_LABELS order) that keeps the inspector off this visit."""
    if not inspector.active:
        return "inactive"
    valid_until = inspector.certificate_valid_until
    if valid_until is None or valid_until < days[1]:
        return "certificate_expired"
    if any(
        recusal.inspector_id == inspector.inspector_id and recusal.overlaps(days)
        for recusal in recused.get(visit.entity_id, ())
    ):
        return "recused"
    if any(
        inspector.inspector_id in previous.get((visit.entity_id, item), ())
        for item in visit.item_keys
    ):
        return "previous_inspector"
    return None


def _screen(
    visit: Visit,
    days: DateRange,
    roster: Mapping[str, Inspector],
    recused: Mapping[str, list[Recusal]],
    previous: Mapping[tuple[str, str], Collection[str]],
) -> _Screening:
    seats = seat_plan(visit)
    pools = list(dict.fromkeys(seat.pool for seat in seats))
    eligible: dict[str, tuple[str, ...]] = {}
    qualified: dict[str, dict[str, tuple[str, ...]]] = {}
    excluded_by_pool: dict[str, Counter[str]] = {}
    pool_sizes: dict[str, int] = {}
    unqualified = 0
    for pool in pools:
        members = [inspector for inspector in roster.values() if inspector.unit == pool]
        reasons = {m.inspector_id: _exclusion(m, visit, days, recused, previous) for m in members}
        eligible[pool] = tuple(i for i, reason in reasons.items() if reason is None)
        excluded_by_pool[pool] = Counter(r for r in reasons.values() if r is not None)
        pool_sizes[pool] = len(members)
        required = {
            seat.qualification
            for seat in seats
            if seat.pool == pool and seat.qualification is not None
        }
        qualified[pool] = {
            q: tuple(i for i in eligible[pool] if q in roster[i].qualifications)
            for q in sorted(required)
        }
        unqualified += sum(1 for i in eligible[pool] if required - roster[i].qualifications)
    total = sum(excluded_by_pool.values(), Counter[str]())
    return _Screening(
        visit=visit,
        days=days,
        listing=SeatListing(
            visit_id=visit.visit_id, seats=seats, eligible=eligible, qualified=qualified
        ),
        excluded=ExclusionCounts(**total, unqualified=unqualified),
        excluded_by_pool=excluded_by_pool,
        pool_sizes=pool_sizes,
    )


def _check_alone(screening: _Screening, seed: str) -> None:
    """Rules that block a visit on its own, whatever the rest of the round: too few eligible
    inspectors in a pool, or not enough holders of the qualifications it must supply."""
    visit, listing = screening.visit, screening.listing
    for pool, eligible in listing.eligible.items():
        needed = sum(1 for seat in listing.seats if seat.pool == pool)
        if len(eligible) < needed:
            scope = "每组" if pool == visit.unit else "本次联合检查"
            detail = f"{pool}：可参与的执法人员只有{len(eligible)}名，{scope}至少需要{needed}名"
            excluded = screening.excluded_by_pool[pool]
            reasons = "、".join(
                f"{label}排除了{excluded[reason]}名"
                for reason, label in EXCLUSION_LABELS.items()
                if excluded[reason]
            )
            if screening.pool_sizes[pool] == 0:
                detail += "（执法人员名录库中没有该单位的人员）"
            elif reasons:
                detail += f"（{reasons}）"
            raise MatchingImpossible(visit, pool, RULE_TOO_FEW, detail)
        for qualification, holders in listing.qualified[pool].items():
            if not holders:
                raise MatchingImpossible(
                    visit,
                    pool,
                    RULE_QUALIFICATION,
                    f"{pool}：可参与的执法人员中没有人持有“{qualification}”资格，"
                    "该检查事项要求至少1名",
                )
        alone = [slot for slot in _slots(seed, [listing]) if slot.pool == pool]
        if _complete(alone, 0, Counter(), {}, cap=len(alone)) is None:
            names = "、".join(listing.qualified[pool])
            raise MatchingImpossible(
                visit,
                pool,
                RULE_QUALIFICATION,
                f"{pool}：可参与的执法人员不足以让所需资格（{names}）各由一名持有人担任"
                f"并配齐{needed}名",
            )


def _explain(inspector: Inspector, seat: Seat, days: DateRange) -> str:
    assert inspector.certificate_valid_until is not None, "only eligible inspectors are explained"
    parts = [
        "在岗",
        f"执法证有效期至{inspector.certificate_valid_until.isoformat()}"
        f"（检查末日{days[1].isoformat()}）",
        f"属{seat.pool}",
        "与检查对象无回避关系",
        "未在上次检查中检查该对象的同一事项",
    ]
    if seat.qualification is not None:
        parts.append(f"持有“{seat.qualification}”资格（资格席位）")
    if inspector.qualifications:
        parts.append("资格：" + "、".join(sorted(inspector.qualifications)))
    return "；".join(parts)


def _members(
    visit: Visit,
    days: DateRange,
    seats: Sequence[Seat],
    by_seat: Sequence[str],
    seed: str,
    roster: Mapping[str, Inspector],
) -> tuple[TeamMember, ...]:
    return tuple(
        TeamMember(
            inspector_id=i,
            role=role,
            seat=index,
            pool=seats[index].pool,
            ticket=member_ticket,
            eligibility=_explain(roster[i], seats[index], days),
        )
        for i, role, index, member_ticket in _roles(
            seed, visit.visit_id, visit.unit, seats, by_seat
        )
    )


def _roles(
    seed: str, visit_id: str, unit: str, seats: Sequence[Seat], by_seat: Sequence[str]
) -> list[tuple[str, Role, int, str]]:
    """(id, role, seat, team ticket) of each member, leader first, then by ticket and id.
    Leader = the responsible unit's member with the lowest team ticket (then id)."""
    tickets = {i: team_ticket(seed, visit_id, i) for i in by_seat}
    unit_members = [i for seat, i in zip(seats, by_seat, strict=True) if seat.pool == unit]
    leader = min(unit_members, key=lambda i: (tickets[i], i))
    members: list[tuple[str, Role, int, str]] = [
        (i, "leader" if i == leader else "member", index, tickets[i])
        for index, i in enumerate(by_seat)
    ]
    members.sort(key=lambda m: (m[1] != "leader", m[3], m[0]))
    return members


# ---------------------------------------------------------------------------------------------
# Solving: the same choice rule for the greedy pass and the exact fallback.


@dataclass(frozen=True, kw_only=True)
class _Slot:
    """One seat of one visit, in fill order, with its candidates in team-ticket order."""

    visit_id: str
    seat: int
    pool: str
    candidates: tuple[str, ...]


def _slots(seed: str, listings: Sequence[SeatListing]) -> list[_Slot]:
    slots = []
    for listing in listings:
        tickets: dict[str, str] = {}
        for index, seat in enumerate(listing.seats):
            candidates = listing.candidates(seat)
            for i in candidates:
                if i not in tickets:
                    tickets[i] = team_ticket(seed, listing.visit_id, i)
            ordered = tuple(sorted(candidates, key=lambda i: (tickets[i], i)))
            slots.append(
                _Slot(visit_id=listing.visit_id, seat=index, pool=seat.pool, candidates=ordered)
            )
    return slots


def _caps(slots: Sequence[_Slot]) -> dict[str, PoolCap]:
    seats: Counter[str] = Counter(slot.pool for slot in slots)
    eligible: dict[str, set[str]] = {}
    for slot in slots:
        eligible.setdefault(slot.pool, set()).update(slot.candidates)
    return {
        pool: PoolCap(
            pool=pool,
            seats=seats[pool],
            eligible=len(eligible[pool]),
            cap=math.ceil(seats[pool] / len(eligible[pool])) if eligible[pool] else 0,
        )
        for pool in sorted(seats)
    }


def _solve(
    slots: Sequence[_Slot], caps: Mapping[str, PoolCap], listings: Sequence[SeatListing]
) -> tuple[dict[str, list[str]], tuple[str, ...]]:
    """Pools never share inspectors, so each pool is solved on its own (same result as
    interleaving them in fill order)."""
    chosen = {listing.visit_id: [""] * len(listing.seats) for listing in listings}
    fallback_pools = []
    for pool, pool_cap in caps.items():
        pool_slots = [slot for slot in slots if slot.pool == pool]
        greedy = _greedy(pool_slots, pool_cap.cap)
        picks: list[str] | None = greedy
        if len(greedy) < len(pool_slots):
            fallback_pools.append(pool)
            picks = _lookahead(pool_slots, pool_cap.cap, greedy)
        if picks is None:
            raise _cap_blocks(pool_slots, pool_cap)
        for slot, inspector_id in zip(pool_slots, picks, strict=True):
            chosen[slot.visit_id][slot.seat] = inspector_id
    return chosen, tuple(fallback_pools)


class _CapBlocks(Exception):
    """Raised by the solver; match_teams turns it into MatchingImpossible with the visit."""

    def __init__(self, visit_id: str, pool_cap: PoolCap) -> None:
        super().__init__(visit_id)
        self.visit_id = visit_id
        self.pool_cap = pool_cap


def _cap_blocks(pool_slots: Sequence[_Slot], pool_cap: PoolCap) -> _CapBlocks:
    """Name the first visit (in fill order) that cannot be staffed under the cap together with
    the visits served before it. Slots are grouped by visit, so each prefix ends at a visit."""
    witness: dict[int, str] | None = {}
    for end, slot in enumerate(pool_slots, start=1):
        if end < len(pool_slots) and pool_slots[end].visit_id == slot.visit_id:
            continue
        witness = _complete(pool_slots[:end], 0, Counter(), {}, pool_cap.cap, hint=witness)
        if witness is None:
            return _CapBlocks(slot.visit_id, pool_cap)
    raise AssertionError("the whole pool was infeasible, so some prefix is")


Teams = dict[str, set[str]]


def _options(slot: _Slot, loads: Counter[str], teams: Teams, cap: int) -> list[str]:
    """Candidates for the seat in choice order: lowest load, then team ticket, then id."""
    team = teams.get(slot.visit_id, set())
    free = [i for i in slot.candidates if loads[i] < cap and i not in team]
    return sorted(free, key=lambda i: loads[i])  # stable: keeps ticket order within a load


def _take(slot: _Slot, inspector_id: str, loads: Counter[str], teams: Teams) -> None:
    loads[inspector_id] += 1
    teams.setdefault(slot.visit_id, set()).add(inspector_id)


def _untake(slot: _Slot, inspector_id: str, loads: Counter[str], teams: Teams) -> None:
    loads[inspector_id] -= 1
    teams[slot.visit_id].discard(inspector_id)


def _greedy(slots: Sequence[_Slot], cap: int) -> list[str]:
    """Picks seat by seat without looking ahead; stops at the first seat left with no option."""
    loads: Counter[str] = Counter()
    teams: Teams = {}
    picks = []
    for slot in slots:
        options = _options(slot, loads, teams, cap)
        if not options:
            break
        _take(slot, options[0], loads, teams)
        picks.append(options[0])
    return picks


def _lookahead(slots: Sequence[_Slot], cap: int, greedy: Sequence[str]) -> list[str] | None:
    """The greedy rule restricted to choices after which every later seat can still be filled
    (checked by max flow). When the greedy pass succeeds this picks exactly the same. The
    stuck greedy pass's picks only seed the first flow (see `_complete`)."""
    loads: Counter[str] = Counter()
    teams: Teams = {}
    witness = _complete(slots, 0, loads, teams, cap, hint=dict(enumerate(greedy)))
    if witness is None:
        return None
    picks = []
    for index, slot in enumerate(slots):
        for option in _options(slot, loads, teams, cap):
            _take(slot, option, loads, teams)
            if witness[index] == option:  # the known completion already proves it feasible
                break
            trial = _complete(slots, index + 1, loads, teams, cap, hint=witness)
            if trial is not None:
                witness = trial
                break
            _untake(slot, option, loads, teams)
        else:
            raise AssertionError("the witness fills this seat, so some option is feasible")
        picks.append(option)
    return picks


Node = tuple[str, ...]


def _complete(
    slots: Sequence[_Slot],
    start: int,
    loads: Counter[str],
    teams: Teams,
    cap: int,
    hint: Mapping[int, str] | None = None,
) -> dict[int, str] | None:
    """Fill slots[start:] given the loads and teams so far, or None if impossible.

    Max flow: source -> seat (1) -> (visit, inspector) (1) -> inspector (cap - load) -> sink.
    The middle layer keeps one inspector to one seat per visit. The answer does not depend on
    `hint` (a previous completion): its still-valid picks only seed the flow, so that a small
    change needs a few augmenting paths instead of a whole new flow.
    """
    source, sink = ("source",), ("sink",)
    residual: dict[Node, dict[Node, int]] = {source: {}, sink: {}}

    def edge(tail: Node, head: Node, capacity: int) -> None:
        residual.setdefault(tail, {})[head] = capacity
        residual.setdefault(head, {}).setdefault(tail, 0)

    def seat_node(index: int) -> Node:
        return ("seat", str(index))

    for index in range(start, len(slots)):
        slot = slots[index]
        edge(source, seat_node(index), 1)
        for i in slot.candidates:
            if loads[i] < cap and i not in teams.get(slot.visit_id, ()):
                edge(seat_node(index), ("pair", slot.visit_id, i), 1)
                edge(("pair", slot.visit_id, i), ("inspector", i), 1)
                edge(("inspector", i), sink, cap - loads[i])
    flow = 0
    for index, i in (hint or {}).items():
        if index >= start:
            pair = ("pair", slots[index].visit_id, i)
            flow += _push(residual, [source, seat_node(index), pair, ("inspector", i), sink])
    if flow + _max_flow(residual, source, sink) < len(slots) - start:
        return None
    return {
        index: next(
            head[2]
            for head, left in residual[seat_node(index)].items()
            if head[0] == "pair" and left == 0
        )
        for index in range(start, len(slots))
    }


def _push(residual: dict[Node, dict[Node, int]], path: Sequence[Node]) -> bool:
    """Send one unit along the path if every edge on it has room."""
    edges = list(zip(path, path[1:], strict=False))
    if not all(residual.get(tail, {}).get(head, 0) > 0 for tail, head in edges):
        return False
    for tail, head in edges:
        residual[tail][head] -= 1
        residual[head][tail] += 1
    return True


def _max_flow(residual: dict[Node, dict[Node, int]], source: Node, sink: Node) -> int:
    """Edmonds-Karp from the current flow; each augmenting path carries 1 (seat edges are 1)."""
    flow = 0
    while True:
        parent = {source: source}
        queue = deque([source])
        while queue and sink not in parent:
            node = queue.popleft()
            for head, left in residual[node].items():
                if left > 0 and head not in parent:
                    parent[head] = node
                    queue.append(head)
        if sink not in parent:
            return flow
        path = [sink]
        while path[-1] != source:
            path.append(parent[path[-1]])
        _push(residual, path[::-1])
        flow += 1


def _pick_replacement(
    seed: str,
    visit_id: str,
    candidates: Iterable[str],
    *,
    exclude: Collection[str],
    loads: Mapping[str, int],
    cap: int,
) -> tuple[str, bool] | None:
    """Lowest team ticket among candidates under the cap; if none, among all (over_cap)."""
    free = sorted((team_ticket(seed, visit_id, i), i) for i in candidates if i not in exclude)
    under = [i for _, i in free if loads.get(i, 0) < cap]
    if under:
        return under[0], False
    return (free[0][1], True) if free else None
