#!/usr/bin/env python3
"""Re-check a spotcheck draw document (draw.json) with nothing but the Python standard library.

    python3 verify_draw.py draw.json [--population-hash HASH_PUBLISHED_BEFORE_THE_DRAW]

This file is deliberately self-contained (Python 3.8+, no spotcheck import): it re-implements the
population hash, the seed composition, the allocation and the consistent-sampling selection from
their published definitions (see docs/verification.md), so it can be read and run on its own.

Prints one line per check, then VERIFIED (exit 0) or MISMATCH: <what> (exit 1).
An unreadable file or one that is not a spotcheck draw document exits with status 2.
"""

# Annotations are never evaluated (PEP 563), so list[str] / X | None in them run on 3.8.
from __future__ import annotations

import argparse
import hashlib
import heapq
import json
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


# --- driver ---------------------------------------------------------------------------------------


class Unreadable(Exception):
    """The file cannot be read as a draw document at all."""


def load(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise Unreadable(f"cannot read draw document {path}: {error}") from error
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
        raise Unreadable(f"{path} is not a spotcheck draw document")
    version = doc.get("format_version")
    if version != FORMAT_VERSION:
        raise Unreadable(
            f"{path} has format version {version!r}; this verifier reads {FORMAT_VERSION}"
        )
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Re-check a spotcheck draw document.")
    parser.add_argument("draw_json", help="the draw document (draw.json)")
    parser.add_argument("--population-hash", help="the population hash published before the draw")
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")  # e.g. Chinese names on a narrow console
    try:
        doc = load(args.draw_json)
    except Unreadable as error:
        print(f"ERROR {error}", file=sys.stderr)
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
    # Reserved for inspector team matching; format version 1 does not define its checks.
    print(
        "INFO teams: present, not checked by this version"
        if "teams" in doc
        else "INFO teams: not present"
    )
    if failed:
        print("MISMATCH: " + "; ".join(failed))
        return 1
    print("VERIFIED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
