"""Group drawn targets into visits: 进一次门、查多项事 (one visit, several items).

The rules, step by step, are in docs/matching.md ("Visits"). In short:

1. Targets are grouped by (plan year, entity). Within a group, items are taken in item-key order
   and each joins the first earlier visit of the same unit whose window still overlaps it; the
   visit's window is the intersection of its items' windows, so it is never empty.
2. Visits of different units on the same entity whose windows overlap are only *proposed* as a
   joint visit (same greedy rule, visits taken in the order of their first item). A proposal is
   merged only when a coordinator accepts it by passing its key back.
3. Visits come out ordered by their lowest target ticket, then by id.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace

Window = tuple[int, int]
"""An inspection window: first and last month (1-12, inclusive) of the plan year."""

DEFAULT_TEAM_SIZE = 2


@dataclass(frozen=True, kw_only=True)
class DrawnTarget:
    """One entity drawn for one inspection item of a plan year."""

    entity_id: str
    item_key: str
    unit: str
    window: Window
    ticket: str  # the target's ticket in the draw of its item
    plan_year: int
    cooperating: frozenset[str] = frozenset()  # 配合部门 of the item (joint checks)
    team_size: int = DEFAULT_TEAM_SIZE
    qualifications: frozenset[str] = frozenset()  # held by at least one member of the item's unit
    entity_name: str = ""


@dataclass(frozen=True, kw_only=True)
class Visit:
    """One trip to one entity covering one or more items."""

    visit_id: str
    plan_year: int
    entity_id: str
    entity_name: str
    item_keys: tuple[str, ...]  # in item-key order
    unit: str  # the responsible unit: provides the leader and the seats not reserved elsewhere
    cooperating: tuple[str, ...]  # other pools that must send someone, sorted
    window: Window
    ticket: str  # lowest ticket among the visit's targets: decides the order visits are served
    team_size: int
    requirements: tuple[tuple[str, str], ...]  # (pool, qualification) pairs, sorted
    merged_from: tuple[str, ...] = ()  # ids of the single-unit visits an accepted proposal merged

    def describe(self) -> str:
        """Chinese description used in messages: entity name/id and items."""
        name = f"{self.entity_name}（{self.entity_id}）" if self.entity_name else self.entity_id
        return f"检查对象{name}事项{'、'.join(self.item_keys)}"


@dataclass(frozen=True, kw_only=True)
class JointProposal:
    """Single-unit visits to one entity that could be done together; merged only if accepted."""

    key: frozenset[str]  # the visit ids; pass it back in `accepted_joint` to merge
    entity_id: str
    visit_ids: tuple[str, ...]  # sorted
    units: tuple[str, ...]  # sorted
    window: Window
    ticket: str


@dataclass(frozen=True, kw_only=True)
class VisitPlan:
    visits: tuple[Visit, ...]  # ordered by (ticket, visit_id)
    proposals: tuple[JointProposal, ...] = field(default=())  # not (yet) accepted


def item_order(item_key: str) -> tuple[tuple[tuple[int, int, str], ...], str]:
    """Natural order of item keys ("8" < "9" < "10"); the raw key breaks ties ("08" vs "8")."""
    # re.split with a group alternates text (even places) and digit runs (odd places).
    parts = re.split(r"(\d+)", item_key)
    natural = tuple(
        (0, int(part), "") if place % 2 else (1, 0, part)
        for place, part in enumerate(parts)
        if part
    )
    return natural, item_key


def visit_id_for(plan_year: int, entity_id: str, item_keys: Iterable[str]) -> str:
    """Stable visit id: "<plan year>/<entity id>/<item keys in item-key order joined by '+'>"."""
    return f"{plan_year}/{entity_id}/{'+'.join(sorted(item_keys, key=item_order))}"


def intersect(first: Window, second: Window) -> Window | None:
    start, end = max(first[0], second[0]), min(first[1], second[1])
    return (start, end) if start <= end else None


def group_visits(
    drawn: Sequence[DrawnTarget], accepted_joint: Collection[frozenset[str]] = ()
) -> VisitPlan:
    _check_targets(drawn)
    by_entity: dict[tuple[int, str], list[DrawnTarget]] = {}
    for target in drawn:
        by_entity.setdefault((target.plan_year, target.entity_id), []).append(target)

    visits: list[Visit] = []
    proposals: list[JointProposal] = []
    accepted = set(accepted_joint)
    for key in sorted(by_entity):
        for cluster in _overlapping_clusters(_merge_same_unit(by_entity[key])):
            singles = [_visit(group) for group in cluster]
            if len(singles) == 1:
                visits.extend(singles)
                continue
            proposal = _proposal(singles)
            if proposal.key in accepted:
                accepted.discard(proposal.key)
                visits.append(_joint_visit(cluster, singles, proposal.window))
            else:
                visits.extend(singles)
                proposals.append(proposal)
    if accepted:
        # A stale acceptance (e.g. one made before a redraw) must not be silently ignored.
        unknown = sorted("、".join(sorted(key)) for key in accepted)
        raise ValueError(f"accepted joint visits that were not proposed: {unknown}")
    visits.sort(key=lambda visit: (visit.ticket, visit.visit_id))
    proposals.sort(key=lambda proposal: (proposal.ticket, proposal.visit_ids))
    return VisitPlan(visits=tuple(visits), proposals=tuple(proposals))


def _check_targets(drawn: Sequence[DrawnTarget]) -> None:
    seen: set[tuple[int, str, str]] = set()
    for target in drawn:
        start, end = target.window
        if not 1 <= start <= end <= 12:
            raise ValueError(f"window {target.window} of item {target.item_key} is not 1..12")
        if target.team_size < 1:
            raise ValueError(f"team size of item {target.item_key} must be at least 1")
        key = (target.plan_year, target.entity_id, target.item_key)
        if key in seen:
            raise ValueError(f"entity {target.entity_id} drawn twice for item {target.item_key}")
        seen.add(key)


_Group = tuple[Window, list[DrawnTarget]]


def _merge_same_unit(targets: list[DrawnTarget]) -> list[_Group]:
    """Greedy in item-key order: join the first same-unit group whose window still overlaps."""
    groups: list[_Group] = []
    for target in sorted(targets, key=lambda target: item_order(target.item_key)):
        for index, (window, members) in enumerate(groups):
            common = intersect(window, target.window)
            if members[0].unit == target.unit and common is not None:
                groups[index] = (common, [*members, target])
                break
        else:
            groups.append((target.window, [target]))
    return groups


def _overlapping_clusters(groups: list[_Group]) -> list[list[_Group]]:
    """The same greedy rule across units, groups taken in the order of their first item. Two
    groups of one unit never overlap (step 1 would have merged them), so a cluster has at most
    one group per unit."""
    clusters: list[tuple[Window, list[_Group]]] = []
    for group in groups:
        for index, (window, members) in enumerate(clusters):
            common = intersect(window, group[0])
            if common is not None:
                clusters[index] = (common, [*members, group])
                break
        else:
            clusters.append((group[0], [group]))
    return [members for _, members in clusters]


def _visit(group: _Group) -> Visit:
    window, targets = group
    first = min(targets, key=lambda target: (target.ticket, item_order(target.item_key)))
    responsible = first.unit
    item_keys = tuple(sorted((target.item_key for target in targets), key=item_order))
    pools = {target.unit for target in targets}
    pools.update(pool for target in targets for pool in target.cooperating)
    return Visit(
        visit_id=visit_id_for(first.plan_year, first.entity_id, item_keys),
        plan_year=first.plan_year,
        entity_id=first.entity_id,
        entity_name=next((target.entity_name for target in targets if target.entity_name), ""),
        item_keys=item_keys,
        unit=responsible,
        cooperating=tuple(sorted(pools - {responsible})),
        window=window,
        ticket=first.ticket,
        team_size=max(target.team_size for target in targets),
        requirements=tuple(
            sorted({(target.unit, q) for target in targets for q in target.qualifications})
        ),
    )


def _proposal(singles: list[Visit]) -> JointProposal:
    window = singles[0].window
    for visit in singles[1:]:
        common = intersect(window, visit.window)
        assert common is not None, "clusters only hold overlapping visits"
        window = common
    return JointProposal(
        key=frozenset(visit.visit_id for visit in singles),
        entity_id=singles[0].entity_id,
        visit_ids=tuple(sorted(visit.visit_id for visit in singles)),
        units=tuple(sorted(visit.unit for visit in singles)),
        window=window,
        ticket=min(visit.ticket for visit in singles),
    )


def _joint_visit(cluster: list[_Group], singles: list[Visit], window: Window) -> Visit:
    """The unit of the target drawn first (lowest ticket) leads; the other units cooperate."""
    targets = [target for _, members in cluster for target in members]
    joint = _visit((window, targets))
    return replace(joint, merged_from=tuple(sorted(visit.visit_id for visit in singles)))
