"""What the fairness statistics compare each inspector's seats with, stored when a matching is
saved and again after a member is replaced (ExpectedLoad, MatchingTally), so that a view sums a
few stored rows instead of re-reading every visit's eligibility lists; their sums per plan
(stats.FairnessLoad, FairnessTally) move with them.

Per visit of the matching record and per pool, the pool's seats are shared equally among its
eligible inspectors (lib.stats.expected_loads: seats / eligible each, at most 1). The figures
are grouped by the visit's responsible unit, once for the visit as a whole (item empty) and once
under each item it covers, so the dashboard's unit and item filters read their own rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spotcheck.inspections.models import (
    ExpectedLoad,
    MatchingTally,
    TeamMatching,
    TeamMember,
    VisitItem,
)
from spotcheck.lib import stats
from spotcheck.registry.models import Inspector
from spotcheck.stats.fairness_totals import WHOLE_VISIT, move_matching_totals

Group = tuple[int, int | None]
"""(responsible unit id, item id or None for the visit as a whole)"""


@dataclass
class Expectations:
    """A matching's figures per group: per inspector (certificate number) the visits where
    they were eligible, the seats expected and the seats held; counts per (kind, reason)."""

    loads: dict[Group, dict[str, list[float]]] = field(default_factory=dict)
    tallies: dict[Group, Counter[tuple[str, str]]] = field(default_factory=dict)


def visit_expectation(entry: Mapping[str, Any]) -> dict[str, float]:
    """Expected seats per inspector for one visit entry of a matching record."""
    seats: Counter[str] = Counter(seat["pool"] for seat in entry["seats"])
    eligible = entry.get("eligible", {})
    return stats.expected_loads([{p: (n, eligible.get(p, [])) for p, n in seats.items()}])


def compute_expectations(
    document: Mapping[str, Any],
    visits: Mapping[str, tuple[int, Sequence[int]]],
    seats: Iterable[tuple[str, str]],
    replaced: Iterable[tuple[str, str]],
) -> Expectations:
    """The figures of one matching record. `visits`: visit key -> (responsible unit id, item
    ids) for every visit of the record; `seats`: (visit key, certificate number) of the members
    seated now; `replaced`: (visit key, reason written) of each replaced seat."""

    def groups(visit_key: str) -> list[Group]:
        if visit_key not in visits:
            raise ValueError(f"visit {visit_key} of the matching record is not stored")
        unit, items = visits[visit_key]
        return [(unit, None), *((unit, item) for item in sorted(set(items)))]

    found = Expectations()

    def load(group: Group, inspector: str) -> list[float]:
        return found.loads.setdefault(group, {}).setdefault(inspector, [0, 0.0, 0])

    def tally(group: Group, kind: str, reason: str, n: int = 1) -> None:
        found.tallies.setdefault(group, Counter())[(kind, reason)] += n

    for entry in document.get("visits", []):
        expected = visit_expectation(entry)
        for group in groups(entry["visit_id"]):
            for inspector, share in expected.items():
                row = load(group, inspector)
                row[0] += 1
                row[1] += share
            # zero counts too: the table lists every reason the records name
            for reason, n in entry.get("excluded", {}).items():
                tally(group, MatchingTally.Kind.EXCLUDED, reason, n)
    for record in document.get("replacements", []):
        if record.get("over_cap"):
            for group in groups(record["visit_id"]):
                tally(group, MatchingTally.Kind.OVER_CAP, "")
    for visit_key, inspector in seats:
        for group in groups(visit_key):
            load(group, inspector)[2] += 1
    for visit_key, reason in replaced:
        for group in groups(visit_key):
            tally(group, MatchingTally.Kind.REPLACED, reason)
    return found


def record_expectations(match: TeamMatching) -> int:
    """Store (replace) the matching's ExpectedLoad and MatchingTally rows from its record and
    its members; returns the number of load rows."""
    members = TeamMember.objects.filter(matching=match)
    visits: dict[str, tuple[int, list[int]]] = {}
    for key, unit, item in (
        VisitItem.objects.filter(visit__in=members.values("visit"))
        .values_list("visit__visit_key", "visit__responsible_unit_id", "item_id")
        .order_by()
    ):
        visits.setdefault(key, (unit, []))[1].append(item)
    found = compute_expectations(
        match.document,
        visits,
        members.filter(replaced_at__isnull=True).values_list(
            "visit__visit_key", "inspector__certificate_number"
        ),
        members.filter(replaced_at__isnull=False).values_list(
            "visit__visit_key", "replaced_reason"
        ),
    )
    numbers = {number for by in found.loads.values() for number in by}
    people = dict(
        Inspector.objects.filter(certificate_number__in=numbers).values_list(
            "certificate_number", "pk"
        )
    )
    unknown = numbers - set(people)
    if unknown:
        raise ValueError(f"matching {match.pk}: unknown inspectors {sorted(unknown)[:5]}")
    loads_before = {
        (unit, item or WHOLE_VISIT, inspector): (eligible, expected, seats)
        for unit, item, inspector, eligible, expected, seats in ExpectedLoad.objects.filter(
            matching=match
        ).values_list("unit_id", "item_id", "inspector_id", "eligible", "expected", "seats")
    }
    tallies_before = {
        (unit, item or WHOLE_VISIT, kind, reason): n
        for unit, item, kind, reason, n in MatchingTally.objects.filter(matching=match).values_list(
            "unit_id", "item_id", "kind", "reason", "count"
        )
    }
    ExpectedLoad.objects.filter(matching=match).delete()
    MatchingTally.objects.filter(matching=match).delete()
    loads = ExpectedLoad.objects.bulk_create(
        (
            ExpectedLoad(
                matching=match,
                unit_id=unit,
                item_id=item,
                inspector_id=people[number],
                eligible=int(eligible),
                expected=expected,
                seats=int(held),
            )
            for (unit, item), by in found.loads.items()
            for number, (eligible, expected, held) in by.items()
        ),
        batch_size=2000,
    )
    MatchingTally.objects.bulk_create(
        (
            MatchingTally(
                matching=match, unit_id=unit, item_id=item, kind=kind, reason=reason, count=n
            )
            for (unit, item), counts in found.tallies.items()
            for (kind, reason), n in counts.items()
        ),
        batch_size=2000,
    )
    if match.round is not None or match.event_id is not None:  # re-checks are not counted
        move_matching_totals(
            plan_id=match.plan_id,
            loads_before=loads_before,
            loads_after={
                (unit, item or WHOLE_VISIT, people[number]): (int(eligible), expected, int(held))
                for (unit, item), by in found.loads.items()
                for number, (eligible, expected, held) in by.items()
            },
            tallies_before=tallies_before,
            tallies_after={
                (unit, item or WHOLE_VISIT, kind, reason): n
                for (unit, item), counts in found.tallies.items()
                for (kind, reason), n in counts.items()
            },
        )
    return len(loads)
