"""The public matching record without the eligibility lists (docs/matching.md §14).

The full matching document (`spotcheck.matching/1`, `matching.matching_document`) lists, per
visit, every inspector eligible for it. Published, that reveals recusals: the one officer of a
pool missing from one visit's list while every other visit lists them is the recused one. So
the public gets `spotcheck.matching/2`:

* per visit, instead of the lists, a keyed commitment to them
  (`commitment = HMAC-SHA256(salt, canonical JSON of {visit_id, eligible, qualified})`) and the
  number of eligible inspectors per pool; the team, the seat plan and the counts as before;
* the salt (a per-matching secret) and the lists go into the supervisors' verification kit
  (`spotcheck.matching-kit/1`), never to the public.

`open_document(public, kit)` checks every commitment against the kit and returns the full /1
document, which `matching.recompute_document` (or tools/verify_draw.py --kit) recomputes.
`public_problems(public)` is what anyone can check without the kit: the team tickets follow
from the seed, leaders, seat plans, one pool per inspector, the load caps' arithmetic and every
load within them, and the replacements' bookkeeping. Whether each seat took the right
inspector needs the lists, so the kit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from spotcheck.lib.matching import DOCUMENT_FORMAT as FULL_FORMAT
from spotcheck.lib.matching import team_ticket
from spotcheck.lib.publication import mask_phone_numbers

PUBLIC_FORMAT = "spotcheck.matching/2"
KIT_FORMAT = "spotcheck.matching-kit/1"
COMMITMENT_RULE = (
    "hex HMAC-SHA256, key = the kit's salt (UTF-8), message = UTF-8 JSON of "
    '{"eligible": …, "qualified": …, "visit_id": …} with sorted keys, separators "," and ":", '
    "non-ASCII characters as is"
)
_HEX64 = re.compile(r"[0-9a-f]{64}")
# The keys of a full visit entry, in the order matching_document writes them.
_FULL_VISIT_KEYS = (
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


def new_salt() -> str:
    """A fresh per-matching secret: 32 random bytes as hex."""
    return secrets.token_hex(32)


def canonical_lists(visit_id: str, eligible: Any, qualified: Any) -> bytes:
    data = {"eligible": eligible, "qualified": qualified, "visit_id": visit_id}
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


def lists_commitment(salt: str, visit_id: str, eligible: Any, qualified: Any) -> str:
    message = canonical_lists(visit_id, eligible, qualified)
    return hmac.new(salt.encode("utf-8"), message, hashlib.sha256).hexdigest()


def public_document(
    document: Mapping[str, Any], salt: str, seed_source: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The /2 document of a full /1 document: lists replaced by their commitments. A matching
    without a draw (an event's, a re-check's) publishes how its seed was made (`seed_source`),
    so that the verifier can recompute the seed from the record alone."""
    if document.get("format") != FULL_FORMAT:
        raise ValueError(f"not a {FULL_FORMAT} document")
    if len(salt) < 32:
        raise ValueError("the commitment salt is missing or too short")
    visits = []
    for visit in document["visits"]:
        entry = {k: v for k, v in visit.items() if k not in ("eligible", "qualified", "excluded")}
        entry["eligible_count"] = {pool: len(ids) for pool, ids in visit["eligible"].items()}
        entry["excluded"] = visit["excluded"]
        entry["commitment"] = lists_commitment(
            salt, visit["visit_id"], visit["eligible"], visit["qualified"]
        )
        visits.append(entry)
    public = {
        **{k: v for k, v in document.items() if k != "visits"},
        "format": PUBLIC_FORMAT,
        "commitment": COMMITMENT_RULE,
        "visits": visits,
    }
    if "replacements" in document:
        # A reason is published: never a phone number in it (the verifier only asks that
        # there is a reason; the full document keeps what was written).
        public["replacements"] = [
            {**record, "reason": mask_phone_numbers(str(record.get("reason", "")))}
            for record in document["replacements"]
        ]
    if seed_source is not None:
        public["seed_source"] = dict(seed_source)
    return public


def public_sha256(public: Mapping[str, Any]) -> str:
    """SHA-256 of a public record as canonical JSON (sorted keys, no spaces, UTF-8): what the
    audit log keeps as `public_sha256` and tools/verify_draw.py prints as `section sha256`."""
    text = json.dumps(public, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# What the public record gained since its digest was first audited (c75ff7b). A digest audited
# before a change is of the record without it; `earlier_forms` rebuilds those records.
SEED_SOURCE_PUBLISHED = "seed_source_published"  # 1bf5690: how the seed was made
REASONS_MASKED = "replacement_reasons_masked"  # ad55395: no phone number in a reason
EARLIER_RULES = (SEED_SOURCE_PUBLISHED, REASONS_MASKED)


def earlier_forms(
    public: Mapping[str, Any], document: Mapping[str, Any]
) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """The public record `public` (of the full `document`) as it was published before the
    changes named, for every non-empty set of EARLIER_RULES whose undoing changes it: without
    `seed_source`, and with the replacement reasons as written (the full document's). A
    change that altered nothing in this record gives no form of its own."""
    forms: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    seen = {public_sha256(public)}
    for undone in ((REASONS_MASKED,), (SEED_SOURCE_PUBLISHED,), EARLIER_RULES):
        earlier = dict(public)
        if SEED_SOURCE_PUBLISHED in undone:
            earlier.pop("seed_source", None)
        if REASONS_MASKED in undone and "replacements" in document:
            earlier["replacements"] = [dict(record) for record in document["replacements"]]
        digest = public_sha256(earlier)
        if digest not in seen:
            seen.add(digest)
            forms.append((undone, earlier))
    return forms


def verification_kit(document: Mapping[str, Any], salt: str) -> dict[str, Any]:
    """The supervisors' kit: the salt and every visit's lists (private: it names recusals)."""
    if document.get("format") != FULL_FORMAT:
        raise ValueError(f"not a {FULL_FORMAT} document")
    return {
        "format": KIT_FORMAT,
        "matching_format": PUBLIC_FORMAT,
        "seed": document["seed"],
        "salt": salt,
        "visits": {
            visit["visit_id"]: {"eligible": visit["eligible"], "qualified": visit["qualified"]}
            for visit in document["visits"]
        },
    }


def open_document(public: Mapping[str, Any], kit: Mapping[str, Any]) -> dict[str, Any]:
    """The full /1 document from a /2 document and its kit; ValueError if a commitment does
    not open (the kit's lists are not the ones committed to) or the kit is another round's."""
    if public.get("format") != PUBLIC_FORMAT:
        raise ValueError(f"not a {PUBLIC_FORMAT} document")
    if kit.get("format") != KIT_FORMAT:
        raise ValueError(f"not a {KIT_FORMAT} kit")
    if kit.get("seed") != public.get("seed"):
        raise ValueError("the kit is for another matching (seed differs)")
    salt, lists = str(kit["salt"]), kit["visits"]
    if set(lists) != {visit["visit_id"] for visit in public["visits"]}:
        raise ValueError("the kit does not list exactly the document's visits")
    visits = []
    for visit in public["visits"]:
        visit_id = visit["visit_id"]
        eligible, qualified = lists[visit_id]["eligible"], lists[visit_id]["qualified"]
        expected = lists_commitment(salt, visit_id, eligible, qualified)
        if not hmac.compare_digest(expected, str(visit.get("commitment", ""))):
            raise ValueError(f"visit {visit_id}: the kit's lists do not open the commitment")
        counts = {pool: len(ids) for pool, ids in eligible.items()}
        if visit.get("eligible_count") != counts:
            raise ValueError(f"visit {visit_id}: eligible counts differ from the kit's lists")
        full = {**visit, "eligible": eligible, "qualified": qualified}
        visits.append({key: full[key] for key in _FULL_VISIT_KEYS})
    # `seed_source` says how the seed was made; the stored full document never had it.
    opened = {k: v for k, v in public.items() if k not in ("visits", "commitment", "seed_source")}
    return {**opened, "format": FULL_FORMAT, "visits": visits}


def public_problems(public: Mapping[str, Any]) -> list[str]:
    """What anyone can check in a /2 document without the kit (docs/matching.md §14)."""
    if public.get("format") != PUBLIC_FORMAT:
        return [f"not a {PUBLIC_FORMAT} document"]
    seed = str(public["seed"])
    visits: Sequence[Mapping[str, Any]] = public["visits"]
    problems: list[str] = []
    order = sorted(visits, key=lambda v: (v["ticket"], v["visit_id"]))
    if [v["visit_id"] for v in visits] != [v["visit_id"] for v in order]:
        problems.append("visits are not in fill order (visit ticket, visit id)")
    pool_of: dict[str, str] = {}
    seats_of: Counter[str] = Counter()
    most_eligible: Counter[str] = Counter()
    teams: dict[str, list[str]] = {}
    for visit in visits:
        visit_id = visit["visit_id"]
        seats = visit["seats"]
        pools = Counter(seat["pool"] for seat in seats)
        seats_of.update(pools)
        if not _HEX64.fullmatch(str(visit.get("commitment", ""))):
            problems.append(f"visit {visit_id}: no commitment to its eligibility lists")
        counts = visit.get("eligible_count")
        if not isinstance(counts, Mapping) or set(counts) != set(pools):
            problems.append(f"visit {visit_id}: eligible counts not given for its seat pools")
        else:
            for pool, needed in pools.items():
                count = counts[pool]
                if isinstance(count, bool) or not isinstance(count, int) or count < needed:
                    problems.append(f"visit {visit_id}: {pool} has {count!r} eligible for {needed}")
                else:
                    most_eligible[pool] = max(most_eligible[pool], count)
        excluded = visit.get("excluded")
        if not isinstance(excluded, Mapping) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in excluded.values()
        ):
            problems.append(f"visit {visit_id}: excluded counts are not counts")
        by_seat = _team_by_seat(visit, problems)
        if by_seat is None:
            continue
        teams[visit_id] = by_seat
        for index, inspector_id in enumerate(by_seat):
            pool = seats[index]["pool"]
            if pool_of.setdefault(inspector_id, pool) != pool:
                problems.append(
                    f"{inspector_id} sits for two pools ({pool_of[inspector_id]}, {pool})"
                )
        problems += [f"team {visit_id}: {p}" for p in _member_problems(seed, visit, by_seat)]

    caps: dict[str, int] = {}
    for pool in sorted(set(seats_of) | set(public["pools"])):
        stated = public["pools"].get(pool)
        if not isinstance(stated, Mapping) or stated.get("seats") != seats_of[pool]:
            problems.append(f"cap {pool}: expected {seats_of[pool]} seats")
            continue
        eligible = stated.get("eligible")
        if not isinstance(eligible, int) or eligible < most_eligible[pool] or eligible < 1:
            problems.append(f"cap {pool}: {eligible!r} eligible is fewer than one visit lists")
            continue
        caps[pool] = math.ceil(seats_of[pool] / eligible)
        if stated.get("cap") != caps[pool]:
            problems.append(f"cap {pool}: expected ⌈{seats_of[pool]}/{eligible}⌉ = {caps[pool]}")
    if problems:
        return problems
    return _replacement_problems(seed, visits, teams, pool_of, caps, public["replacements"])


def _team_by_seat(visit: Mapping[str, Any], problems: list[str]) -> list[str] | None:
    visit_id, size = visit["visit_id"], len(visit["seats"])
    seats = [member.get("seat") for member in visit["team"]]
    if sorted(s for s in seats if isinstance(s, int)) != list(range(size)) or len(seats) != size:
        problems.append(f"team {visit_id}: expected one member in each of its {size} seats")
        return None
    by_seat = [""] * size
    for member in visit["team"]:
        by_seat[member["seat"]] = str(member["inspector_id"])
    if len(set(by_seat)) != size:
        problems.append(f"team {visit_id}: an inspector holds two seats")
        return None
    return by_seat


def _member_problems(seed: str, visit: Mapping[str, Any], by_seat: Sequence[str]) -> list[str]:
    """Team tickets from the seed; the leader is the responsible unit's lowest ticket; the list
    is the leader, then the others by team ticket and id."""
    visit_id, seats = visit["visit_id"], visit["seats"]
    tickets = {i: team_ticket(seed, visit_id, i) for i in by_seat}
    problems = [
        f"member {m['inspector_id']} ticket expected {tickets[m['inspector_id']]}"
        for m in visit["team"]
        if m.get("ticket") != tickets[m["inspector_id"]]
    ]
    unit_members = [
        i for seat, i in zip(seats, by_seat, strict=True) if seat["pool"] == visit["unit"]
    ]
    if not unit_members:
        return [*problems, "no member of the responsible unit"]
    leader = min(unit_members, key=lambda i: (tickets[i], i))
    want = [leader] + sorted((i for i in by_seat if i != leader), key=lambda i: (tickets[i], i))
    roles = ["leader" if m["inspector_id"] == leader else "member" for m in visit["team"]]
    if [m["inspector_id"] for m in visit["team"]] != want or [
        m.get("role") for m in visit["team"]
    ] != roles:
        problems.append(f"leader expected {leader}, then the others by team ticket")
    return problems


def _replacement_problems(
    seed: str,
    visits: Sequence[Mapping[str, Any]],
    teams: dict[str, list[str]],
    pool_of: Mapping[str, str],
    caps: Mapping[str, int],
    records: Sequence[Mapping[str, Any]],
) -> list[str]:
    """Undo the replacements (newest first) to get the teams as matched; every load was then
    within its pool's cap. Redo them: each added inspector was not on the team nor removed from
    it before, `over_cap` says whether they were at the cap, and the ticket is theirs."""
    problems: list[str] = []
    original = {visit_id: list(team) for visit_id, team in teams.items()}
    for number, record in reversed(list(enumerate(records, start=1))):
        team = original.get(record["visit_id"])
        seat = record["seat"]
        if team is None or not isinstance(seat, int) or not 0 <= seat < len(team):
            return [f"team replacement {number}: names no seat of a published visit"]
        if team[seat] != record["added"]:
            return [f"team replacement {number}: {record['added']} is not in seat {seat} after it"]
        team[seat] = record["removed"]
    loads: Counter[str] = Counter(i for team in original.values() for i in team)
    pools = {v["visit_id"]: [s["pool"] for s in v["seats"]] for v in visits}
    for inspector_id, load in sorted(loads.items()):
        pool = pool_of.get(inspector_id)
        if pool is None:
            pool = next(
                pools[visit_id][team.index(inspector_id)]
                for visit_id, team in original.items()
                if inspector_id in team
            )
        if load > caps[pool]:
            problems.append(f"{inspector_id} was matched {load} times, over the cap {caps[pool]}")
    removed: dict[str, set[str]] = {}
    for number, record in enumerate(records, start=1):
        visit_id, seat, added = record["visit_id"], record["seat"], record["added"]
        team = original[visit_id]
        pool = pools[visit_id][seat]
        name = f"team replacement {number}"
        if team[seat] != record["removed"]:
            problems.append(f"{name}: {record['removed']} was not in seat {seat}")
        removed.setdefault(visit_id, set()).add(team[seat])
        loads[team[seat]] -= 1
        if added in team or added in removed[visit_id]:
            problems.append(f"{name}: {added} was on the team or removed from it before")
        if not str(record.get("reason", "")).strip():
            problems.append(f"{name}: no reason recorded")
        if record.get("over_cap") is not (loads[added] >= caps[pool]):
            problems.append(f"{name}: over_cap expected {loads[added] >= caps[pool]}")
        if record.get("ticket") != team_ticket(seed, visit_id, added):
            problems.append(f"{name}: ticket expected {team_ticket(seed, visit_id, added)}")
        team[seat] = added
        loads[added] += 1
    return problems
