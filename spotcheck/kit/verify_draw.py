#!/usr/bin/env python3
"""Re-check a spotcheck draw document (draw.json) with nothing but the Python standard library.

    python3 verify_draw.py draw.json [--population-hash HASH_PUBLISHED_BEFORE_THE_DRAW]

This file is deliberately self-contained (Python 3.8+, no spotcheck import): it re-implements the
population hash, the seed composition, the allocation and the consistent-sampling selection from
their published definitions (see docs/verification.md), so it can be read and run on its own.
When the document carries the round's inspector teams (`teams`), it also checks them
(docs/matching.md): a public record (spotcheck.matching/2) commits to each visit's eligibility
lists without disclosing them (they would reveal recusals), so alone it checks what follows from
the seed (team tickets, leaders, pools, load caps, replacements); with the supervisors' kit

    python3 verify_draw.py draw.json --kit teams-kit.json

it opens every commitment and re-runs the whole team matching from the lists, as it does for an
older record (spotcheck.matching/1) that published the lists in clear.

A matching record on its own (teams.json: a round's, an event's or a re-check's) is checked the
same way (`--kit` too); its `seed_source` gives the seed, recomputed here: a round's from its
draws' seeds, an event's from its dice ceremony, a re-check's from the original matching's seed
and the re-check's visit id (with --original, that seed is compared with the original record's).

    python3 verify_draw.py teams.json [--original ORIGINAL_TEAMS_OR_DRAW_JSON]

Prints one line per check, then VERIFIED (exit 0) or MISMATCH: <what> (exit 1).
An unreadable file, or one that is neither a draw document nor a matching record with a
`seed_source`, exits with status 2.
"""

# Annotations are never evaluated (PEP 563), so list[str] / X | None in them run on 3.8.
from __future__ import annotations

import argparse
import datetime
import hashlib
import heapq
import hmac
import json
import re
import sys
import unicodedata
from collections.abc import Callable
from fractions import Fraction
from typing import Any

FORMAT_NAME = "spotcheck-draw"
FORMAT_VERSION = 1
STRATA = ("low", "medium_low", "medium", "high", "unknown")
MIN_WITNESSES = 2
MIN_SEED_DIGITS = 20
MATCHING_FORMAT = "spotcheck.matching/1"
PUBLIC_MATCHING_FORMAT = "spotcheck.matching/2"
KIT_FORMAT = "spotcheck.matching-kit/1"
FULL_VISIT_KEYS = (
    "visit_id",
    "ticket",
    "entity_id",
    "items",
    "unit",
    "cooperating",
    "days",
    "seats",
    "eligible",
    "qualified",
    "excluded",
    "team",
)


class Mismatch(Exception):
    """A check failed; the message says what differs."""


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ticket(seed_hex: str, entity_id: str) -> str:
    """Rivest's ticket: the decimal digits of SHA-256(S + id), reversed, after "0."."""
    return "0." + f"{int(sha256_hex(seed_hex + entity_id), 16):064d}"[::-1]


def lowest_tickets(seed: str, ids: list[str], count: int) -> list[tuple[str, str]]:
    """The `count` lowest (ticket, id) pairs; equal tickets would be ordered by id."""
    seed_hex = sha256_hex(seed)
    return heapq.nsmallest(count, ((ticket(seed_hex, i), i) for i in ids))


# --- the checks ---------------------------------------------------------------------------------


def canonical_population(strata: dict[str, list[str]]) -> dict[str, list[str]]:
    """Non-empty strata in the fixed order, ids NFC-normalised, distinct, sorted by code point."""
    if not isinstance(strata, dict):
        raise Mismatch("population strata is not an object")
    unknown = [key for key in strata if key not in STRATA]
    if unknown:
        raise Mismatch("unknown strata: " + ", ".join(unknown))
    seen: set[str] = set()
    result: dict[str, list[str]] = {}
    for stratum in STRATA:
        ids = [unicodedata.normalize("NFC", i) for i in strata.get(stratum, [])]
        for entity_id in ids:
            if not entity_id or entity_id != entity_id.strip():
                raise Mismatch(f"empty id or id with surrounding whitespace: {entity_id!r}")
            if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in entity_id):
                raise Mismatch(f"id with a control or line-break character: {entity_id!r}")
            if entity_id in seen:
                raise Mismatch(f"duplicate id: {entity_id}")
            seen.add(entity_id)
        if ids:
            result[stratum] = sorted(ids)
    return result


def population_hash(population: dict[str, list[str]]) -> str:
    """SHA-256 of: per stratum "stratum<TAB>key<TAB>count" then one id per line, LF-terminated."""
    lines: list[str] = []
    for stratum, ids in population.items():
        lines.append(f"stratum\t{stratum}\t{len(ids)}")
        lines.extend(ids)
    return sha256_hex("".join(line + "\n" for line in lines))


def check_population(doc: dict[str, Any], published: str | None) -> list[str]:
    section = doc["population"]
    population = canonical_population(section["strata"])
    counts = {s: len(ids) for s, ids in population.items()}
    as_listed = {s: list(ids) for s, ids in section["strata"].items() if ids}
    if section["counts"] != counts or as_listed != population:
        raise Mismatch("population counts or id order differ from the listed ids")
    recomputed = population_hash(population)
    if recomputed != section["hash"]:
        raise Mismatch(f"population hash: recomputed {recomputed}, document says {section['hash']}")
    total = sum(counts.values())
    lines = [f"population hash {recomputed} ({total} ids in {len(counts)} strata)"]
    if published is not None:
        if published.strip().lower() != recomputed:
            raise Mismatch(f"population hash differs from the published {published}")
        lines.append("population hash equals the published one")
    return lines


def ratio(text: str) -> Fraction:
    value = Fraction(text)  # exact: Fraction("5.5") == 11/2
    if not 0 <= value <= 100:
        raise Mismatch(f"ratio out of range: {text}")
    return value


def check_allocation(doc: dict[str, Any]) -> list[str]:
    section = doc["allocation"]
    population = canonical_population(doc["population"]["strata"])
    floor = ratio(section["ratio_percent"])
    if floor == 0:
        raise Mismatch("the minimum ratio must be above 0")
    policies = section["stratum_ratio_percent"]
    if any(key not in STRATA for key in policies):
        raise Mismatch("policy for an unknown stratum")
    sizes: dict[str, int] = {}
    effective: dict[str, Fraction] = {}
    for stratum, ids in population.items():
        # r_h = max(r, policy_h); n_h = min(N_h, ceil(r_h * N_h / 100))
        r_h = max(floor, ratio(policies[stratum])) if stratum in policies else floor
        effective[stratum] = r_h
        wanted = -((-len(ids) * r_h.numerator) // (100 * r_h.denominator))
        sizes[stratum] = min(len(ids), wanted)
    stated_effective = {s: Fraction(v) for s, v in section["effective_ratio_percent"].items()}
    if stated_effective != effective:
        raise Mismatch("allocation: effective ratios differ from max(floor, policy)")
    if section["sizes"] != sizes:
        raise Mismatch(f"allocation: recomputed sizes {sizes}, document says {section['sizes']}")
    detail = ", ".join(f"{s} {sizes[s]}/{len(population[s])}" for s in population)
    return [f"allocation {detail} (floor {section['ratio_percent']}%)"]


def check_seed(doc: dict[str, Any]) -> list[str]:
    section = doc["seed"]
    witnesses = section["witnesses"]
    if len(witnesses) < MIN_WITNESSES:
        raise Mismatch(f"seed: fewer than {MIN_WITNESSES} witnesses")
    for witness in witnesses:
        digits = witness["digits"]
        if not (digits and all(c in "0123456789" for c in digits)):
            raise Mismatch(f"seed: witness {witness.get('name')} gave a non-digit string")
        if not str(witness.get("name", "")).strip():
            raise Mismatch("seed: a witness has no name")
    total = sum(len(w["digits"]) for w in witnesses)
    if total < MIN_SEED_DIGITS:
        raise Mismatch(f"seed: only {total} dice digits, at least {MIN_SEED_DIGITS} needed")
    composed = "".join(w["digits"] for w in witnesses)
    beacon = section["beacon"]
    if beacon is not None:
        if not beacon.strip() or any(unicodedata.category(c) == "Cc" for c in beacon):
            raise Mismatch("seed: empty beacon value or one with control characters")
        composed += "|" + beacon
    if composed != section["value"]:
        raise Mismatch("seed value is not the witnesses' digits (and beacon) concatenated")
    names = ", ".join(str(w["name"]) for w in witnesses)
    with_beacon = " and a beacon" if beacon is not None else ""
    return [f"seed composed from {len(witnesses)} witnesses ({names}){with_beacon}, {total} digits"]


def check_selection(doc: dict[str, Any]) -> list[str]:
    population = canonical_population(doc["population"]["strata"])
    sizes = doc["allocation"]["sizes"]
    seed = doc["seed"]["value"]
    stated = doc["selection"]
    if any(entry["stratum"] not in population for entry in stated):
        raise Mismatch("selection: an entry names a stratum outside the population")
    lines: list[str] = []
    for stratum, ids in population.items():
        size = sizes.get(stratum, 0)
        expected = [
            {"stratum": stratum, "rank": rank, "ticket": t, "id": i}
            for rank, (t, i) in enumerate(lowest_tickets(seed, ids, size), start=1)
        ]
        got = [entry for entry in stated if entry["stratum"] == stratum]
        if got != expected:
            raise Mismatch(
                f"selection (stratum {stratum}) differs from the recomputed lowest tickets"
            )
        lines.append(f"selection (stratum {stratum}) {size} of {len(ids)}")
    return lines


def check_replacements(doc: dict[str, Any]) -> list[str]:
    population = canonical_population(doc["population"]["strata"])
    seed = doc["seed"]["value"]
    active = [entry["id"] for entry in doc["selection"]]
    taken: dict[str, set[str]] = {s: set() for s in population}
    for entry in doc["selection"]:
        taken[entry["stratum"]].add(entry["id"])
    lines: list[str] = []
    for number, replacement in enumerate(doc["replacements"], start=1):
        original = replacement["original_id"]
        stratum = replacement["stratum"]
        if original not in active or original not in population.get(stratum, []):
            raise Mismatch(
                f"replacement {number}: {original} is not an active target of stratum {stratum}"
            )
        if not str(replacement.get("reason", "")).strip():
            raise Mismatch(f"replacement {number}: no reason given")
        # The next ticket of the stratum that has not been taken (selected or used before).
        depth = len(taken[stratum]) + 1
        ranked = lowest_tickets(seed, population[stratum], depth)
        successor = next(
            (
                (rank, t, i)
                for rank, (t, i) in enumerate(ranked, start=1)
                if i not in taken[stratum]
            ),
            None,
        )
        if successor is None:
            raise Mismatch(f"replacement {number}: stratum {stratum} has no untaken id left")
        rank, next_ticket, next_id = successor
        stated = (replacement["rank"], replacement["ticket"], replacement["replacement_id"])
        if stated != (rank, next_ticket, next_id):
            raise Mismatch(
                f"replacement {number}: the next ticket of stratum {stratum} is {next_id} (rank {rank})"
            )
        active[active.index(original)] = next_id
        taken[stratum].add(next_id)
        lines.append(
            f"replacement {number}: {original} -> {next_id} (stratum {stratum}, rank {rank})"
        )
    return lines or ["replacements: none"]


# --- inspector teams (docs/matching.md) -----------------------------------------------------------
#
# Everything below starts from the published `teams` section alone: the eligibility lists per
# visit and pool are taken as published (whether they are right is a matter for the directories,
# not the seed); caps, fill order, every seat, leaders, tickets, the `capped`/`unqualified` counts
# and the replacements are recomputed and compared.


def team_ticket(seed: str, visit_id: str, inspector_id: str) -> str:
    """ticket(seed + "|team|" + visit_id, inspector_id)."""
    return ticket(sha256_hex(seed + "|team|" + visit_id), inspector_id)


def item_order(key: str) -> tuple:
    """Natural order of item keys: digit runs as numbers, before text; the raw key breaks ties."""
    parts = re.split(r"(\d+)", key)
    natural = tuple(
        (0, int(part), "") if place % 2 else (1, 0, part)
        for place, part in enumerate(parts)
        if part
    )
    return natural, key


class Slot:
    """One seat of one visit, in fill order, with the inspectors who may take it."""

    def __init__(self, visit_id: str, seat: int, pool: str, candidates: list[str]) -> None:
        self.visit_id = visit_id
        self.seat = seat
        self.pool = pool
        self.candidates = candidates


def seat_candidates(visit: dict, seat: dict) -> list[str]:
    """qualified[pool][q] for a qualification seat, else eligible[pool]."""
    if seat["qualification"] is None:
        return list(visit["eligible"][seat["pool"]])
    return list(visit["qualified"][seat["pool"]][seat["qualification"]])


class Filler:
    """The fill rule of one pool: slots in fill order; each takes the first option, by
    (load, team ticket, id), after which every later slot of the pool can still be filled."""

    def __init__(self, seed: str, slots: list[Slot], cap: int) -> None:
        self.slots = slots
        self.cap = cap
        self.tickets: dict[tuple[str, str], str] = {}
        for slot in slots:
            for inspector_id in slot.candidates:
                key = (slot.visit_id, inspector_id)
                if key not in self.tickets:
                    self.tickets[key] = team_ticket(seed, slot.visit_id, inspector_id)

    def options(self, slot: Slot, loads: dict[str, int], teams: dict[str, set[str]]) -> list[str]:
        on_team = teams.get(slot.visit_id, set())
        free = [i for i in slot.candidates if loads.get(i, 0) < self.cap and i not in on_team]
        return sorted(free, key=lambda i: (loads.get(i, 0), self.tickets[(slot.visit_id, i)], i))

    def fill(self) -> list[str] | None:
        """The picks, or None if the slots cannot all be filled under the cap."""
        loads: dict[str, int] = {}
        teams: dict[str, set[str]] = {}
        picks: list[str] = []
        # First option everywhere: if that never gets stuck, each pick had a completion (the
        # rest of this very pass), so it is the result.
        for slot in self.slots:
            options = self.options(slot, loads, teams)
            if not options:
                break
            self.take(slot, options[0], loads, teams)
            picks.append(options[0])
        else:
            return picks
        loads, teams, picks = {}, {}, []
        witness = self.completion(0, loads, teams)
        if witness is None:
            return None
        for index, slot in enumerate(self.slots):
            for option in self.options(slot, loads, teams):
                self.take(slot, option, loads, teams)
                if witness.get(index) == option:  # the known completion proves it feasible
                    break
                trial = self.completion(index + 1, loads, teams, hint=witness)
                if trial is not None:
                    witness = trial
                    break
                self.untake(slot, option, loads, teams)
            else:
                raise AssertionError("a completion exists, so some option is feasible")
            picks.append(option)
        return picks

    def first_blocked_visit(self) -> str:
        """The first visit (fill order) that cannot be staffed together with those before it."""
        slots = self.slots
        for end in range(1, len(slots) + 1):
            if end < len(slots) and slots[end].visit_id == slots[end - 1].visit_id:
                continue
            if self.completion(0, {}, {}, end) is None:
                return slots[end - 1].visit_id
        return slots[-1].visit_id

    @staticmethod
    def take(
        slot: Slot, inspector_id: str, loads: dict[str, int], teams: dict[str, set[str]]
    ) -> None:
        loads[inspector_id] = loads.get(inspector_id, 0) + 1
        teams.setdefault(slot.visit_id, set()).add(inspector_id)

    @staticmethod
    def untake(
        slot: Slot, inspector_id: str, loads: dict[str, int], teams: dict[str, set[str]]
    ) -> None:
        loads[inspector_id] -= 1
        teams[slot.visit_id].discard(inspector_id)

    def completion(
        self,
        start: int,
        loads: dict[str, int],
        teams: dict[str, set[str]],
        end: int | None = None,
        hint: dict[int, str] | None = None,
    ) -> dict[int, str] | None:
        """A filling of slots[start:end] given the choices so far, or None. Flow network:
        source -> slot (1) -> (visit, inspector) (1) -> inspector (cap - load) -> sink;
        maximum flow by depth-first augmenting paths. `hint` (an earlier filling) only starts
        the flow from its picks that still fit: the answer does not depend on it."""
        # graph[tail][head] = room left; every edge has its reverse (room 0 at first).
        graph: dict[Any, dict[Any, int]] = {"s": {}, "t": {}}
        end = len(self.slots) if end is None else end
        for index in range(start, end):
            slot = self.slots[index]
            seat: dict[Any, int] = {"s": 0}
            graph["s"][("slot", index)] = 1
            graph[("slot", index)] = seat
            on_team = teams.get(slot.visit_id, set())
            for i in slot.candidates:
                if loads.get(i, 0) >= self.cap or i in on_team:
                    continue
                pair, person = ("pair", slot.visit_id, i), ("inspector", i)
                seat[pair] = 1
                if pair not in graph:
                    graph[pair] = {person: 1}
                    if person not in graph:
                        graph[person] = {"t": self.cap - loads.get(i, 0)}
                        graph["t"][person] = 0
                    graph[person][pair] = 0
                graph[pair][("slot", index)] = 0
        needed = end - start
        flow = 0
        for index, i in sorted((hint or {}).items()):
            if start <= index < end:
                path = ["s", ("slot", index), ("pair", self.slots[index].visit_id, i)]
                path += [("inspector", i), "t"]
                steps = [(path[k], path[k + 1]) for k in range(len(path) - 1)]
                if all(graph.get(tail, {}).get(head, 0) > 0 for tail, head in steps):
                    for tail, head in steps:
                        graph[tail][head] -= 1
                        graph[head][tail] += 1
                    flow += 1
        while flow < needed:
            parent: dict[Any, Any] = {"s": None}
            stack: list[Any] = ["s"]
            while stack and "t" not in parent:
                node = stack.pop()
                for head, room in graph[node].items():
                    if room > 0 and head not in parent:
                        parent[head] = node
                        stack.append(head)
            if "t" not in parent:
                return None
            node = "t"
            while parent[node] is not None:
                graph[parent[node]][node] -= 1
                graph[node][parent[node]] += 1
                node = parent[node]
            flow += 1
        result: dict[int, str] = {}
        for index in range(start, end):
            for head, room in graph[("slot", index)].items():
                if head[0] == "pair" and room == 0:
                    result[index] = head[2]
        return result


def recompute_teams(section: dict) -> dict:
    """Re-run the matching of a `teams` section from its published lists.

    Returns {"order": visit ids in fill order, "caps": {pool: (seats, eligible, cap)},
    "matched": {visit: ids by seat} before replacements, "capped"/"unqualified": {visit: n},
    "replacements": [recomputed records], "teams": {visit: ids by seat} now,
    "problems": [replacement records that do not follow the rule]}.
    Raises Mismatch if the published lists cannot staff the round."""
    seed = section["seed"]
    visits = sorted(section["visits"], key=lambda v: (v["ticket"], v["visit_id"]))
    by_id = {v["visit_id"]: v for v in visits}
    slots = [
        Slot(v["visit_id"], index, seat["pool"], seat_candidates(v, seat))
        for v in visits
        for index, seat in enumerate(v["seats"])
    ]
    caps: dict[str, tuple[int, int, int]] = {}
    for pool in sorted(set(slot.pool for slot in slots)):
        pool_slots = [slot for slot in slots if slot.pool == pool]
        eligible = set(i for slot in pool_slots for i in slot.candidates)
        seats = len(pool_slots)
        # cap = ceil(seats / eligible), in integers
        caps[pool] = (seats, len(eligible), -(-seats // len(eligible)) if eligible else 0)
    matched = {v["visit_id"]: [""] * len(v["seats"]) for v in visits}
    for pool, (_, _, cap) in caps.items():
        filler = Filler(seed, [slot for slot in slots if slot.pool == pool], cap)
        picks = filler.fill()
        if picks is None:
            blocked = filler.first_blocked_visit()
            raise Mismatch(
                f"teams: the published lists cannot staff visit {blocked} ({pool}, cap {cap})"
            )
        for index, slot in enumerate(filler.slots):
            matched[slot.visit_id][slot.seat] = picks[index]

    loads: dict[str, int] = {}
    capped: dict[str, int] = {}
    unqualified: dict[str, int] = {}
    for v in visits:
        team = matched[v["visit_id"]]
        capped[v["visit_id"]] = len(
            set(
                i
                for pool, ids in v["eligible"].items()
                for i in ids
                if i not in team and loads.get(i, 0) >= caps[pool][2]
            )
        )
        unqualified[v["visit_id"]] = sum(
            1
            for pool, ids in v["eligible"].items()
            for i in ids
            if any(i not in holders for holders in v["qualified"].get(pool, {}).values())
        )
        for i in team:
            loads[i] = loads.get(i, 0) + 1

    current = {visit_id: list(team) for visit_id, team in matched.items()}
    removed_from: dict[str, set[str]] = {}
    records: list[dict] = []
    problems: list[str] = []
    for number, stated in enumerate(section["replacements"], start=1):
        name = f"team replacement {number}"
        visit_id, seat = stated["visit_id"], stated["seat"]
        if visit_id not in by_id:
            raise Mismatch(f"{name}: no visit {visit_id}")
        team = current[visit_id]
        if isinstance(seat, bool) or not isinstance(seat, int) or not 0 <= seat < len(team):
            raise Mismatch(f"{name}: {visit_id} has no seat {seat!r}")
        if not str(stated.get("reason", "")).strip():
            problems.append(f"{name}: no reason given")
        leaving = team[seat]
        loads[leaving] -= 1
        removed_from.setdefault(visit_id, set()).add(leaving)
        seat_spec = by_id[visit_id]["seats"][seat]
        cap = caps[seat_spec["pool"]][2]
        ranked = sorted(
            (team_ticket(seed, visit_id, i), i)
            for i in seat_candidates(by_id[visit_id], seat_spec)
            if i not in team and i not in removed_from[visit_id]
        )
        under = [(t, i) for t, i in ranked if loads.get(i, 0) < cap]
        if not ranked:
            raise Mismatch(f"{name}: nobody is left to take seat {seat} of {visit_id}")
        added_ticket, added = under[0] if under else ranked[0]
        record = {
            "visit_id": visit_id,
            "seat": seat,
            "removed": leaving,
            "added": added,
            "over_cap": not under,
            "ticket": added_ticket,
        }
        for key in ("removed", "added", "over_cap", "ticket"):
            if stated.get(key) != record[key]:
                problems.append(
                    f"{name}: {visit_id} seat {seat} {key} expected {record[key]}, "
                    f"found {stated.get(key)}"
                )
        records.append(record)
        team[seat] = added
        loads[added] = loads.get(added, 0) + 1
    return {
        "order": [v["visit_id"] for v in visits],
        "caps": caps,
        "matched": matched,
        "capped": capped,
        "unqualified": unqualified,
        "replacements": records,
        "teams": current,
        "problems": problems,
    }


def expected_members(seed: str, visit: dict, by_seat: list[str]) -> list[dict]:
    """Leader = the responsible unit's member with the lowest team ticket (then id); the list is
    the leader, then the others by team ticket and id."""
    members = [
        {
            "inspector_id": i,
            "role": "member",
            "seat": index,
            "ticket": team_ticket(seed, visit["visit_id"], i),
        }
        for index, i in enumerate(by_seat)
    ]
    unit_members = [m for m in members if visit["seats"][m["seat"]]["pool"] == visit["unit"]]
    leader = min(unit_members, key=lambda m: (m["ticket"], m["inspector_id"]))
    leader["role"] = "leader"
    members.sort(key=lambda m: (m["role"] != "leader", m["ticket"], m["inspector_id"]))
    return members


def is_sorted_set(ids: Any) -> bool:
    return (
        isinstance(ids, list) and all(isinstance(i, str) for i in ids) and ids == sorted(set(ids))
    )


def shape_problems(visit: dict, year: str) -> list[str]:
    """The published lists of one visit are well-formed and its seats have the shape of a seat
    plan: the unit's qualification seats (sorted), then per cooperating pool (sorted) its
    qualification seats (sorted) or one open seat, then open seats of the unit (at least one if
    the unit has no qualification seat)."""
    visit_id, unit, cooperating = visit["visit_id"], visit["unit"], visit["cooperating"]
    problems = []
    items = visit["items"]
    if not items or items != sorted(set(items), key=item_order):
        problems.append("items are not distinct and in item order")
    if visit_id != f"{year}/{visit['entity_id']}/" + "+".join(items):
        problems.append("visit id is not year/entity/items")
    first, last = (datetime.date.fromisoformat(day) for day in visit["days"])
    if not (first <= last and str(first.year) == str(last.year) == year):
        problems.append("days are not an ordered pair within the plan year")
    seats = [(seat["pool"], seat["qualification"]) for seat in visit["seats"]]
    if not is_sorted_set(cooperating) or unit in cooperating:
        problems.append("cooperating pools are not sorted, distinct and other than the unit")
    unit_quals = sorted(q for p, q in seats if p == unit and q is not None)
    wanted = [(unit, q) for q in unit_quals]
    for pool in cooperating:
        quals = sorted(q for p, q in seats if p == pool and q is not None)
        wanted += [(pool, q) for q in quals] if quals else [(pool, None)]
    if not unit_quals:
        wanted.append((unit, None))  # the unit supplies the leader: one open seat at least
    wanted += [(unit, None)] * (len(seats) - len(wanted))
    if seats != wanted:
        problems.append("seats do not have the shape of a seat plan")
    pools = set(p for p, _ in seats)
    if set(visit["eligible"]) != pools or set(visit["qualified"]) != pools:
        problems.append("eligibility lists are not given for exactly the seat pools")
    else:
        for pool in sorted(pools):
            eligible = visit["eligible"][pool]
            quals = set(q for p, q in seats if p == pool and q is not None)
            if not is_sorted_set(eligible) or set(visit["qualified"][pool]) != quals:
                problems.append(f"{pool}: eligibility list not sorted or qualifications differ")
                continue
            for q, holders in visit["qualified"][pool].items():
                if not is_sorted_set(holders) or not set(holders) <= set(eligible):
                    problems.append(f"{pool}: holders of {q} not sorted or not eligible")
    return [f"visit {visit_id}: {problem}" for problem in problems]


Outcome = tuple  # (passed: bool, line: str)


def ok(line: str) -> Outcome:
    return (True, line)


def fail(line: str) -> Outcome:
    return (False, line)


def commitment(salt: str, visit_id: str, eligible: Any, qualified: Any) -> str:
    """hex HMAC-SHA256(salt, canonical JSON of the visit's lists)."""
    data = {"eligible": eligible, "qualified": qualified, "visit_id": visit_id}
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(salt.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def open_with_kit(section: dict, kit: dict) -> dict:
    """The section with every visit's lists from the kit, after checking that each opens the
    visit's published commitment; as a spotcheck.matching/1 section (lists in clear)."""
    if kit.get("format") != KIT_FORMAT:
        raise Mismatch(f"teams: the kit is not a {KIT_FORMAT} file")
    if kit.get("seed") != section["seed"]:
        raise Mismatch("teams: the kit is for another matching (its seed differs)")
    lists = kit["visits"]
    if set(lists) != set(v["visit_id"] for v in section["visits"]):
        raise Mismatch("teams: the kit does not list exactly the published visits")
    visits = []
    for visit in section["visits"]:
        visit_id = visit["visit_id"]
        eligible, qualified = lists[visit_id]["eligible"], lists[visit_id]["qualified"]
        want = commitment(str(kit["salt"]), visit_id, eligible, qualified)
        if not hmac.compare_digest(want, str(visit.get("commitment", ""))):
            raise Mismatch(f"teams: visit {visit_id}: the kit's lists do not open its commitment")
        if visit.get("eligible_count") != {pool: len(ids) for pool, ids in eligible.items()}:
            raise Mismatch(f"teams: visit {visit_id}: eligible counts differ from the kit's lists")
        full = dict(visit, eligible=eligible, qualified=qualified)
        visits.append({key: full[key] for key in FULL_VISIT_KEYS})
    opened = {k: v for k, v in section.items() if k not in ("visits", "commitment")}
    opened.update(format=MATCHING_FORMAT, visits=visits)
    return opened


def check_teams(doc: dict, kit: dict | None = None) -> list[Outcome]:
    """(passed, line) per check of the `teams` section."""
    section = doc["teams"]
    formats = (MATCHING_FORMAT, PUBLIC_MATCHING_FORMAT)
    if not isinstance(section, dict) or section.get("format") not in formats:
        found = section.get("format") if isinstance(section, dict) else type(section).__name__
        return [fail(f"teams: not a {' or '.join(formats)} section (format {found!r})")]
    visits, records = section["visits"], section["replacements"]
    plural = "" if len(records) == 1 else "s"
    out = [
        ok(f"teams: {section['format']}, {len(visits)} visits, {len(records)} replacement{plural}")
    ]
    if isinstance(section.get("seed_source"), dict):  # published since seed sources were
        seed, lines = record_seed(section)
        out += lines
        if seed and seed != section["seed"]:
            out.append(fail("teams: the seed does not follow from its seed_source"))
    if section["format"] == PUBLIC_MATCHING_FORMAT:
        if kit is None:
            return out + check_public_teams(doc, section)
        try:
            section = open_with_kit(section, kit)
        except Mismatch as error:
            return out + [fail(str(error))]
        out.append(ok(f"teams: the kit opens all {len(visits)} commitments"))
    elif kit is not None:
        out.append(ok("teams: lists published in clear (the kit is not needed)"))
    if section["seed"] == doc["seed"]["value"]:
        out.append(ok("teams: seed is the seed of this draw"))
    else:
        seed, found = doc["seed"]["value"], section["seed"]
        out.append(fail(f"teams: seed expected {seed} (this draw's), found {found}"))
    lists = check_team_lists(doc, section)
    out += lists
    if not all(passed for passed, _ in lists):
        return out  # the recomputation needs well-formed lists
    out += check_team_targets(doc, section)
    try:
        out += check_team_matching(doc, section)
    except Mismatch as error:  # the published lists cannot give the published teams at all
        out.append(fail(str(error)))
    return out


def check_public_teams(doc: dict, section: dict) -> list[Outcome]:
    """What anyone can check without the lists (docs/matching.md §14)."""
    out: list[Outcome] = []
    if section["seed"] == doc["seed"]["value"]:
        out.append(ok("teams: seed is the seed of this draw"))
    else:
        seed, found = doc["seed"]["value"], section["seed"]
        out.append(fail(f"teams: seed expected {seed} (this draw's), found {found}"))
    item_key, year = str(doc["item"]["item_number"]), str(doc["item"]["year"])
    problems: list[str] = []
    for visit in section["visits"]:
        plan_year = year if item_key in visit["items"] else visit["visit_id"].split("/")[0]
        problems += [
            p
            for p in shape_problems(dict(visit, eligible={}, qualified={}), plan_year)
            if "eligibility lists" not in p
        ]
    if problems:
        return out + [fail("teams: " + problem) for problem in problems]
    out += check_team_targets(doc, section)
    problems = public_team_problems(section)
    if problems:
        return out + [fail("teams: " + problem) for problem in problems]
    seats = sum(len(v["seats"]) for v in section["visits"])
    out.append(
        ok(
            f"teams: {seats} seats: team tickets, leaders, pools, caps and "
            f"{len(section['replacements'])} replacements follow from the seed"
        )
    )
    out.append(
        ok(
            "teams: eligibility lists committed, not published; "
            "who was eligible (and so each choice) is checked with the supervisors' kit (--kit)"
        )
    )
    return out


def public_team_problems(section: dict) -> list[str]:
    """Fill order; a commitment and eligible counts per visit; one member per seat, tickets,
    leader and order; one pool per inspector; seats, caps and loads per pool; replacements."""
    seed = section["seed"]
    visits = section["visits"]
    problems: list[str] = []
    order = sorted(visits, key=lambda v: (v["ticket"], v["visit_id"]))
    if [v["visit_id"] for v in visits] != [v["visit_id"] for v in order]:
        problems.append("visits are not in fill order (visit ticket, visit id)")
    pool_of: dict[str, str] = {}
    seats_of: dict[str, int] = {}
    most: dict[str, int] = {}
    teams: dict[str, list[str]] = {}
    seat_pools: dict[str, list[str]] = {}
    for visit in visits:
        visit_id = visit["visit_id"]
        pools = [seat["pool"] for seat in visit["seats"]]
        seat_pools[visit_id] = pools
        for pool in pools:
            seats_of[pool] = seats_of.get(pool, 0) + 1
        if not re.fullmatch(r"[0-9a-f]{64}", str(visit.get("commitment", ""))):
            problems.append(f"visit {visit_id}: no commitment to its eligibility lists")
        counts = visit.get("eligible_count")
        if not isinstance(counts, dict) or set(counts) != set(pools):
            problems.append(f"visit {visit_id}: eligible counts not given for its seat pools")
        else:
            for pool in set(pools):
                count, needed = counts[pool], pools.count(pool)
                if isinstance(count, bool) or not isinstance(count, int) or count < needed:
                    problems.append(f"visit {visit_id}: {pool} has {count!r} eligible for {needed}")
                else:
                    most[pool] = max(most.get(pool, 0), count)
        excluded = visit.get("excluded")
        if not isinstance(excluded, dict) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in excluded.values()
        ):
            problems.append(f"visit {visit_id}: excluded counts are not counts")
        members = visit["team"]
        by_seat = {m.get("seat"): str(m.get("inspector_id")) for m in members}
        if len(members) != len(pools) or set(by_seat) != set(range(len(pools))):
            problems.append(
                f"team {visit_id}: expected one member in each of its {len(pools)} seats"
            )
            continue
        team = [by_seat[index] for index in range(len(pools))]
        if len(set(team)) != len(team):
            problems.append(f"team {visit_id}: an inspector holds two seats")
            continue
        teams[visit_id] = team
        for index, inspector_id in enumerate(team):
            if pool_of.setdefault(inspector_id, pools[index]) != pools[index]:
                problems.append(f"{inspector_id} sits for two pools")
        want = expected_members(seed, visit, team)
        if members != want:
            for member in want:
                found = next(m for m in members if m["inspector_id"] == member["inspector_id"])
                if found.get("ticket") != member["ticket"]:
                    problems.append(
                        f"team {visit_id}: member {member['inspector_id']} ticket expected "
                        f"{member['ticket']}, found {found.get('ticket')}"
                    )
            problems.append(
                f"team {visit_id}: expected leader {want[0]['inspector_id']}, then the others "
                "by team ticket, with the published tickets"
            )
    caps: dict[str, int] = {}
    for pool in sorted(set(seats_of) | set(section["pools"])):
        stated = section["pools"].get(pool)
        seats = seats_of.get(pool, 0)
        if not isinstance(stated, dict) or stated.get("seats") != seats:
            problems.append(f"cap {pool}: expected {seats} seats")
            continue
        eligible = stated.get("eligible")
        if (
            isinstance(eligible, bool)
            or not isinstance(eligible, int)
            or eligible < max(most.get(pool, 0), 1)
        ):
            problems.append(f"cap {pool}: {eligible!r} eligible, fewer than a visit lists")
            continue
        caps[pool] = -(-seats // eligible)
        if stated.get("cap") != caps[pool]:
            problems.append(f"cap {pool}: expected ceil({seats}/{eligible}) = {caps[pool]}")
    if problems:
        return problems
    # Undo the replacements, newest first: the teams as matched; every load within its cap.
    records = section["replacements"]
    matched = {visit_id: list(team) for visit_id, team in teams.items()}
    for number, record in reversed(list(enumerate(records, start=1))):
        team = matched.get(record["visit_id"])
        seat = record["seat"]
        if team is None or isinstance(seat, bool) or not isinstance(seat, int):
            return [f"team replacement {number}: names no seat of a published visit"]
        if not 0 <= seat < len(team) or team[seat] != record["added"]:
            return [f"team replacement {number}: {record['added']} is not in seat {seat} after it"]
        team[seat] = record["removed"]
    loads: dict[str, int] = {}
    pool_at: dict[str, str] = {}
    for visit_id, team in matched.items():
        for index, inspector_id in enumerate(team):
            loads[inspector_id] = loads.get(inspector_id, 0) + 1
            pool_at[inspector_id] = seat_pools[visit_id][index]
    for inspector_id in sorted(loads):
        cap = caps[pool_at[inspector_id]]
        if loads[inspector_id] > cap:
            problems.append(f"{inspector_id} was matched {loads[inspector_id]} times, cap {cap}")
    removed: dict[str, set[str]] = {}
    for number, record in enumerate(records, start=1):
        visit_id, seat, added = record["visit_id"], record["seat"], record["added"]
        team, name = matched[visit_id], f"team replacement {number}"
        cap = caps[seat_pools[visit_id][seat]]
        leaving = team[seat]
        removed.setdefault(visit_id, set()).add(leaving)
        loads[leaving] -= 1
        if added in team or added in removed[visit_id]:
            problems.append(f"{name}: {added} was on the team or removed from it before")
        if not str(record.get("reason", "")).strip():
            problems.append(f"{name}: no reason given")
        at_cap = loads.get(added, 0) >= cap
        if record.get("over_cap") is not at_cap:
            problems.append(f"{name}: over_cap expected {at_cap}")
        if record.get("ticket") != team_ticket(seed, visit_id, added):
            problems.append(f"{name}: ticket expected {team_ticket(seed, visit_id, added)}")
        team[seat] = added
        loads[added] = loads.get(added, 0) + 1
    return problems


def check_team_lists(doc: dict, section: dict) -> list[Outcome]:
    """Well-formed published lists; pools share no inspectors."""
    visits = section["visits"]
    item_key, year = str(doc["item"]["item_number"]), str(doc["item"]["year"])
    problems: list[str] = []
    ids = [v["visit_id"] for v in visits]
    if len(set(ids)) != len(ids):
        problems.append("duplicate visit ids")
    pool_of: dict[str, str] = {}
    for visit in visits:
        plan_year = year if item_key in visit["items"] else visit["visit_id"].split("/")[0]
        problems += shape_problems(visit, plan_year)
        for pool, eligible in visit["eligible"].items():
            for i in eligible:
                if pool_of.setdefault(i, pool) != pool:
                    problems.append(f"{i} is listed in two pools ({pool_of[i]}, {pool})")
    if problems:
        return [fail("teams: " + problem) for problem in problems]
    seats = sum(len(v["seats"]) for v in visits)
    pools = len(set(pool_of.values()))
    return [
        ok(f"teams: lists well-formed ({seats} seats; {len(pool_of)} inspectors, {pools} pools)")
    ]


def check_team_targets(doc: dict, section: dict) -> list[Outcome]:
    """The visits of this draw's item: one per active target, none for anything else. Every
    draw of the round has this seed (the section is the same in all of them), so a visit's
    ticket, the lowest of its targets' tickets, is its entity's ticket under this seed."""
    item_key = str(doc["item"]["item_number"])
    active = [entry["id"] for entry in doc["selection"]]
    for replacement in doc["replacements"]:
        if replacement["original_id"] in active:
            active[active.index(replacement["original_id"])] = replacement["replacement_id"]
    seed_hex = sha256_hex(doc["seed"]["value"])
    out: list[Outcome] = []
    for visit in section["visits"]:
        expected = ticket(seed_hex, visit["entity_id"])
        if visit["ticket"] != expected:
            out.append(
                fail(
                    f"teams: visit {visit['visit_id']}: ticket expected {expected}, "
                    f"found {visit['ticket']}"
                )
            )
    if not out:
        out.append(ok(f"teams: the {len(section['visits'])} visit tickets follow from the seed"))
    mine = [v for v in section["visits"] if item_key in v["items"]]
    wrong = len(out)
    for visit in mine:
        if visit["entity_id"] not in active:
            out.append(
                fail(
                    f"teams: visit {visit['visit_id']}: {visit['entity_id']} is not an active "
                    f"target of item {item_key}"
                )
            )
    for entity_id in active:
        found = sum(1 for v in mine if v["entity_id"] == entity_id)
        if found != 1:
            out.append(
                fail(
                    f"teams: target {entity_id} of item {item_key}: expected 1 visit, found {found}"
                )
            )
    if len(out) == wrong:
        out.append(
            ok(f"teams: each of the {len(active)} active targets of item {item_key} has one visit")
        )
    return out


def check_team_matching(doc: dict, section: dict) -> list[Outcome]:
    """Caps, fill order, every seat, leaders, tickets, counts and replacements, recomputed."""
    item_key, seed = str(doc["item"]["item_number"]), section["seed"]
    redone = recompute_teams(section)
    out: list[Outcome] = []
    stated_pools = section["pools"]
    for pool in sorted(set(redone["caps"]) | set(stated_pools)):
        if pool not in redone["caps"]:
            out.append(fail(f"teams: cap {pool}: expected no such pool (it has no seats)"))
            continue
        seats, eligible, cap = redone["caps"][pool]
        text = f"{seats} seats / {eligible} eligible -> cap {cap}"
        got = stated_pools.get(pool)
        if got == {"seats": seats, "eligible": eligible, "cap": cap}:
            out.append(ok(f"teams: cap {pool} {text}"))
        else:
            found = "nothing"
            if isinstance(got, dict):
                found = f"{got.get('seats')} seats / {got.get('eligible')} eligible -> cap {got.get('cap')}"
            out.append(fail(f"teams: cap {pool} expected {text}, found {found}"))
    if [v["visit_id"] for v in section["visits"]] == redone["order"]:
        out.append(ok("teams: visits listed in fill order (visit ticket, visit id)"))
    else:
        out.append(fail("teams: visits expected in fill order (visit ticket, visit id)"))

    others = 0
    for visit in section["visits"]:
        visit_id = visit["visit_id"]
        failures = team_problems(seed, visit, redone)
        if failures:
            out += [fail(f"team {visit_id}: {failure}") for failure in failures]
        elif item_key in visit["items"]:
            count, leader = len(visit["team"]), visit["team"][0]["inspector_id"]
            out.append(ok(f"team {visit_id}: {count} members recomputed, leader {leader}"))
        else:
            others += 1
    if others:
        out.append(ok(f"teams: the other {others} visits of the round recomputed"))

    out += [fail(problem) for problem in redone["problems"]]
    for number, record in enumerate(redone["replacements"], start=1):
        name = f"team replacement {number}:"
        if not any(problem.startswith(name) for problem in redone["problems"]):
            over = " (over the cap: nobody under it was left)" if record["over_cap"] else ""
            out.append(
                ok(
                    f"{name} {record['visit_id']} seat {record['seat']} "
                    f"{record['removed']} -> {record['added']}{over}"
                )
            )
    return out


def team_problems(seed: str, visit: dict, redone: dict) -> list[str]:
    """What differs between one published team and the recomputed one."""
    visit_id = visit["visit_id"]
    by_seat = redone["teams"][visit_id]
    want = expected_members(seed, visit, by_seat)
    got = visit["team"]
    failures: list[str] = []
    found_at: dict[Any, dict] = {}
    for member in got:
        seat = member.get("seat")
        if seat in found_at:
            failures.append(f"seat {seat} expected one member, found two or more")
        elif isinstance(seat, bool) or not isinstance(seat, int) or not 0 <= seat < len(want):
            failures.append(
                f"seat {seat!r} expected no member (seats 0..{len(want) - 1}), "
                f"found {member.get('inspector_id')}"
            )
        found_at[seat] = member
    for index, expected_id in enumerate(by_seat):
        member = found_at.get(index, {})
        found_id = member.get("inspector_id")
        if found_id != expected_id:
            note = ""
            if found_id not in seat_candidates(visit, visit["seats"][index]):
                note = " (not in the published list for this seat)"
            failures.append(f"seat {index} member expected {expected_id}, found {found_id}{note}")
        elif member.get("ticket") != want_ticket(want, expected_id):
            failures.append(
                f"member {found_id} ticket expected {want_ticket(want, expected_id)}, "
                f"found {member.get('ticket')}"
            )
    leaders = [m.get("inspector_id") for m in got if m.get("role") == "leader"]
    roles_known = all(m.get("role") in ("leader", "member") for m in got)
    if leaders != [want[0]["inspector_id"]] or not roles_known:
        found = ", ".join(map(str, leaders)) or "none"
        failures.append(f"leader expected {want[0]['inspector_id']}, found {found}")
    if not failures and [m.get("inspector_id") for m in got] != [m["inspector_id"] for m in want]:
        failures.append("members expected leader first, then by team ticket")
    excluded = visit["excluded"]
    for key in ("capped", "unqualified"):
        if excluded.get(key) != redone[key][visit_id]:
            failures.append(
                f"excluded {key} expected {redone[key][visit_id]}, found {excluded.get(key)}"
            )
    for key in ("inactive", "certificate_expired", "recused", "previous_inspector"):
        value = excluded.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            failures.append(f"excluded {key} expected a count, found {value!r}")
    return failures


def want_ticket(members: list[dict], inspector_id: str) -> str:
    return next(m["ticket"] for m in members if m["inspector_id"] == inspector_id)


def teams_digest(section: Any) -> str:
    """SHA-256 of the section as canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(section, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return sha256_hex(text)


# --- a matching record on its own (teams.json) ----------------------------------------------------
#
# A round's teams travel in its draw.json; every matching is also published alone as teams.json,
# whose `seed_source` says how its seed was made (docs/verification.md §4):
#   round    the distinct seeds of the round's draws, in item order of first use, joined by LF;
#   event    a dice ceremony: the witnesses' digits (and beacon), the draw seed rule;
#   recheck  lowercase hex SHA-256(original matching's seed + LF + the re-check's visit id).

RECHECK_MARK = "/复查"
EVERY_ITEM = {"item": {"item_number": None, "year": None}}  # no visit is "this draw's item"


def record_seed(section: dict) -> tuple[str, list[Outcome]]:
    """The seed recomputed from `seed_source`, and the outcome lines; the seed is "" when the
    source cannot give one."""
    source = section["seed_source"]
    kind = source.get("kind")
    visits = section["visits"]
    if kind == "round":
        draws = source["draws"]
        if not draws:
            return "", [fail("seed: the round's seed source lists no draws")]
        ordered = sorted(draws, key=lambda d: item_order(str(d["item"])))
        seeds = list(dict.fromkeys(str(d["seed"]) for d in ordered))
        if any("\n" in seed for seed in seeds):
            return "", [fail("seed: a draw seed contains a line break")]
        plural = "" if len(seeds) == 1 else "s"
        line = f"seed composed from {len(seeds)} draw seed{plural} of {len(draws)} draws"
        return "\n".join(seeds), [ok(line)]
    if kind == "event":
        if len(visits) != 1:
            return "", [fail(f"seed: an event's matching has one visit, found {len(visits)}")]
        ceremony = {"witnesses": source["witnesses"], "beacon": source["beacon"]}
        composed = "".join(str(w["digits"]) for w in source["witnesses"])
        if source["beacon"] is not None:
            composed += "|" + str(source["beacon"])
        try:
            lines = check_seed({"seed": dict(ceremony, value=composed)})
        except Mismatch as error:
            return "", [fail(str(error))]
        return composed, [ok(line + " (the event's ceremony)") for line in lines]
    if kind == "recheck":
        if len(visits) != 1:
            return "", [fail(f"seed: a re-check's matching has one visit, found {len(visits)}")]
        visit_id, original = visits[0]["visit_id"], str(source["original_visit"])
        number = visit_id[len(original) + len(RECHECK_MARK) :]
        if not (visit_id.startswith(original + RECHECK_MARK) and number.isdigit()):
            return "", [fail(f"seed: visit {visit_id} is not a re-check of {original}")]
        seed = sha256_hex(str(source["original_seed"]) + "\n" + visit_id)
        line = f"seed = sha256(seed of {original}'s matching + LF + {visit_id}) (re-check)"
        return seed, [ok(line)]
    return "", [fail(f"seed: unknown seed source kind {kind!r}")]


def round_visit_tickets(section: dict) -> list[Outcome]:
    """A round's visit tickets: each the lowest of its targets' tickets, a target's ticket being
    its entity's ticket under the seed of its item's draw."""
    seed_of = {str(d["item"]): sha256_hex(str(d["seed"])) for d in section["seed_source"]["draws"]}
    out: list[Outcome] = []
    for visit in section["visits"]:
        missing = [item for item in visit["items"] if item not in seed_of]
        if missing:
            out.append(fail(f"teams: visit {visit['visit_id']}: no draw of item {missing[0]}"))
            continue
        expected = min(ticket(seed_of[item], visit["entity_id"]) for item in visit["items"])
        if visit["ticket"] != expected:
            out.append(
                fail(
                    f"teams: visit {visit['visit_id']}: ticket expected {expected} (its lowest "
                    f"target ticket), found {visit['ticket']}"
                )
            )
    count = len(section["visits"])
    return out or [ok(f"teams: the {count} visit tickets follow from the draws' seeds")]


def check_original(section: dict, original: dict) -> list[Outcome]:
    """A re-check's `original_seed` is the seed its original matching published, and that
    matching seated the original visit. (Verify the original record itself separately.)"""
    source = section["seed_source"]
    if source.get("kind") != "recheck":
        return [fail("original: --original applies to a re-check's record only")]
    visit_id = str(source["original_visit"])
    if visit_id not in [v["visit_id"] for v in original["visits"]]:
        return [fail(f"original: the given record has no visit {visit_id}")]
    if original["seed"] != source["original_seed"]:
        return [fail(f"original: original_seed differs from the seed of {visit_id}'s matching")]
    return [ok(f"original: original_seed is the published seed of {visit_id}'s matching")]


def is_event_visit_id(visit_id: str, year: str, items: Any = None) -> bool:
    """An event's visit is named by the event, not by its organiser (one organiser may hold
    several events): year/event-N/items, even when the organiser is in the directory."""
    tail = r"[^/]+" if items is None else re.escape("+".join(items))
    return re.fullmatch(re.escape(year) + r"/event-[0-9]+/" + tail, visit_id) is not None


def record_shape_problems(section: dict, visit: dict, opened: bool) -> list[str]:
    """shape_problems for a visit of a record; a re-check's id is its original's id + /复查N;
    an event's is year/event-N/items."""
    plan_year = visit["visit_id"].split("/")[0]
    lists = visit if opened else dict(visit, eligible={}, qualified={})
    problems = shape_problems(lists, plan_year)
    if not opened:
        problems = [p for p in problems if "eligibility lists" not in p]
    kind = section["seed_source"].get("kind")
    if kind == "event" and is_event_visit_id(visit["visit_id"], plan_year, visit["items"]):
        problems = [p for p in problems if "visit id is not" not in p]
    if kind == "recheck":
        original = str(section["seed_source"]["original_visit"])
        problems = [p for p in problems if "visit id is not" not in p]
        if not (
            original.startswith(f"{plan_year}/{visit['entity_id']}/")
            or is_event_visit_id(original, plan_year)
        ):
            problems.append(f"visit {visit['visit_id']}: original visit is not year/entity/items")
    return problems


def check_record(section: dict, kit: dict | None) -> list[Outcome]:
    """(passed, line) per check of a matching record on its own."""
    visits, records = section["visits"], section["replacements"]
    plural = "" if len(records) == 1 else "s"
    kind = section["seed_source"].get("kind")
    out = [
        ok(
            f"teams: {section['format']} record ({kind}), {len(visits)} visits, "
            f"{len(records)} replacement{plural}"
        )
    ]
    seed, lines = record_seed(section)
    out += lines
    if seed and kind == "round":
        out += round_visit_tickets(section)
    if seed:
        if seed == section["seed"]:
            out.append(ok("teams: seed is the recomputed seed"))
        else:
            want, found = (json.dumps(str(s), ensure_ascii=False) for s in (seed, section["seed"]))
            out.append(fail(f"teams: seed expected {want} (recomputed), found {found}"))
    if section["format"] == PUBLIC_MATCHING_FORMAT and kit is None:
        problems = [p for v in visits for p in record_shape_problems(section, v, False)]
        if not problems:
            problems = public_team_problems(section)
        if problems:
            return out + [fail("teams: " + problem) for problem in problems]
        seats = sum(len(v["seats"]) for v in visits)
        return out + [
            ok(
                f"teams: {seats} seats: team tickets, leaders, pools, caps and "
                f"{len(records)} replacements follow from the seed"
            ),
            ok(
                "teams: eligibility lists committed, not published; "
                "who was eligible (and so each choice) is checked with the supervisors' kit (--kit)"
            ),
        ]
    if section["format"] == PUBLIC_MATCHING_FORMAT:
        try:
            section = dict(open_with_kit(section, kit or {}), seed_source=section["seed_source"])
        except Mismatch as error:
            return out + [fail(str(error))]
        out.append(ok(f"teams: the kit opens all {len(visits)} commitments"))
    elif kit is not None:
        out.append(ok("teams: lists published in clear (the kit is not needed)"))
    lists = check_team_lists(EVERY_ITEM, section)
    if section["seed_source"].get("kind") == "recheck":  # the id is checked by record_seed
        lists = [o for o in lists if "visit id is not" not in o[1]]
        extra = [p for v in section["visits"] for p in record_shape_problems(section, v, True)]
        lists += [fail("teams: " + problem) for problem in extra if "original visit" in problem]
    out += lists
    if not all(passed for passed, _ in lists):
        return out  # the recomputation needs well-formed lists
    try:
        outcomes = check_team_matching(EVERY_ITEM, section)
    except Mismatch as error:  # the published lists cannot give the published teams at all
        return out + [fail(str(error))]
    out += [o for o in outcomes if not o[1].startswith("teams: the other ")]
    if all(passed for passed, _ in outcomes):
        out.append(ok(f"teams: all {len(section['visits'])} team(s) recomputed from the lists"))
    return out


# --- driver ---------------------------------------------------------------------------------------


class Unreadable(Exception):
    """The file cannot be read as a draw document at all."""


def load(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise Unreadable(f"cannot read draw document {path}: {error}") from error
    if isinstance(doc, dict) and doc.get("format") in (MATCHING_FORMAT, PUBLIC_MATCHING_FORMAT):
        if not isinstance(doc.get("seed_source"), dict):
            raise Unreadable(
                f"{path} is a matching record without `seed_source` (how its seed was made); "
                "download teams.json again, or verify the round's draw.json that carries it"
            )
        return doc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
        raise Unreadable(f"{path} is not a spotcheck draw document")
    version = doc.get("format_version")
    if version != FORMAT_VERSION:
        raise Unreadable(
            f"{path} has format version {version!r}; this verifier reads {FORMAT_VERSION}"
        )
    return doc


def load_kit(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            kit = json.load(handle)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise Unreadable(f"cannot read kit {path}: {error}") from error
    if not isinstance(kit, dict) or kit.get("format") != KIT_FORMAT:
        raise Unreadable(f"{path} is not a {KIT_FORMAT} file")
    return kit


def load_original(path: str) -> dict[str, Any]:
    """The matching record in a teams.json, or the `teams` section of a draw.json."""
    doc = load(path)
    if doc.get("format") == FORMAT_NAME:
        if not isinstance(doc.get("teams"), dict):
            raise Unreadable(f"{path} is a draw document without teams")
        return dict(doc["teams"])
    return doc


def report_teams(
    outcomes: Callable[[], list[Outcome]],
    section: dict[str, Any],
    failed: list[str],
    malformed: str,
) -> None:
    """Print the teams checks' outcomes (OK or FAIL each, failures added to `failed`), then
    the section's digest; a mismatch that stops the checks, or a `malformed` record or
    section, is one FAIL."""
    try:
        for passed, line in outcomes():
            print(("OK   " if passed else "FAIL ") + line)
            if not passed:
                failed.append(line)
        print(f"INFO teams: section sha256 {teams_digest(section)}")
    except Mismatch as error:
        print("FAIL " + str(error))
        failed.append(str(error))
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        print(f"FAIL teams: malformed {malformed} ({error!r})")
        failed.append(f"teams: malformed {malformed}")


def verdict(failed: list[str]) -> int:
    """Print VERIFIED (exit status 0) or MISMATCH with what failed (1)."""
    if failed:
        print("MISMATCH: " + "; ".join(failed))
        return 1
    print("VERIFIED")
    return 0


def verify_record(
    section: dict[str, Any], kit: dict[str, Any] | None, original: dict[str, Any] | None = None
) -> int:
    """Print the checks of a matching record (teams.json), then VERIFIED or MISMATCH."""

    def outcomes() -> list[Outcome]:
        checked = check_record(section, kit)
        if original is None:
            return checked
        return checked[:1] + check_original(section, original) + checked[1:]

    failed: list[str] = []
    report_teams(outcomes, section, failed, "record")
    return verdict(failed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Re-check a spotcheck draw document or team matching record."
    )
    parser.add_argument(
        "draw_json", help="the draw document (draw.json) or a matching record (teams.json)"
    )
    parser.add_argument("--population-hash", help="the population hash published before the draw")
    parser.add_argument(
        "--kit", help="the supervisors' verification kit (opens the teams' list commitments)"
    )
    parser.add_argument(
        "--original",
        help="for a re-check's teams.json: the original visit's matching record (its teams.json, "
        "or a draw.json carrying its round's teams), whose seed the re-check's is derived from",
    )
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")  # e.g. Chinese names on a narrow console
    try:
        doc = load(args.draw_json)
        kit = load_kit(args.kit) if args.kit else None
        original = load_original(args.original) if args.original else None
    except Unreadable as error:
        print(f"ERROR {error}", file=sys.stderr)
        return 2

    if doc.get("format") != FORMAT_NAME:
        return verify_record(doc, kit, original)
    if original is not None:
        print(
            "ERROR --original is for a re-check's teams.json, not a draw document", file=sys.stderr
        )
        return 2
    checks: list[tuple[str, Callable[[], list[str]]]] = [
        ("population", lambda: check_population(doc, args.population_hash)),
        ("allocation", lambda: check_allocation(doc)),
        ("seed", lambda: check_seed(doc)),
        ("selection", lambda: check_selection(doc)),
        ("replacements", lambda: check_replacements(doc)),
    ]
    failed: list[str] = []
    for name, check in checks:
        try:
            for line in check():
                print("OK   " + line)
        except Mismatch as error:
            print("FAIL " + str(error))
            failed.append(str(error))
        except (
            KeyError,
            TypeError,
            ValueError,
            AttributeError,
            IndexError,
            ZeroDivisionError,
        ) as error:
            print(f"FAIL {name}: malformed section ({error!r})")
            failed.append(f"{name}: malformed section")
    if "teams" in doc:
        report_teams(lambda: check_teams(doc, kit), doc["teams"], failed, "section")
    else:
        print("INFO teams: not present")
    return verdict(failed)


if __name__ == "__main__":
    sys.exit(main())
