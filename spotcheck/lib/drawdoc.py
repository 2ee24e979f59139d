"""The draw document (`draw.json`): everything needed to re-check a stratified draw by hand.

Pipeline: fix the population (per risk stratum) and publish its hash -> witnesses roll dice ->
compose the seed -> allocate per stratum -> draw the lowest consistent-sampling tickets per stratum
-> record replacements of out-of-scope targets (next ticket of the same stratum).

Strata (信用风险分类) in their fixed order: low 低, medium_low 中低, medium 中, high 高, and unknown
未分级 for entities with no risk level.

Population canonical text ("spotcheck-population/1")
----------------------------------------------------
For every non-empty stratum, in the fixed order above:

    stratum<TAB><key><TAB><count><LF>
    <id><LF>                      (one line per id)

Ids are NFC-normalised and sorted by Unicode code point (Python's `sorted`). Every line ends with
LF, including the last one; an empty population is the empty text. The population hash is the
lowercase hex SHA-256 of this text encoded as UTF-8. Ids must be non-empty, distinct across all
strata, free of control/line-separator characters and of leading/trailing whitespace.

Seed (compose_seed)
-------------------
Each witness rolls decimal dice and writes down the digits (0-9 only). seed = the witnesses' digit
strings concatenated in the order they were entered, then "|" + beacon if a public beacon value is
used. At least two witnesses and at least 20 digits in total.

Allocation (allocate)
---------------------
n_h = min(N_h, ceil(r_h * N_h / 100)) with r_h = max(r, policy_h): the published ratio r (percent)
is a floor, a per-stratum policy ratio may only raise it. Exact arithmetic, no floats.

Selection (select)
------------------
In each stratum, the n_h ids with the lowest tickets (spotcheck.lib.sampling), ranked 1..n_h.
A target found out of scope is replaced by the next-lowest ticket of its stratum that has not been
taken yet (next_in_stratum / add_replacement), so replacements are as verifiable as the draw.

Document layout (format "spotcheck-draw", version 1), JSON object keys:
    format, format_version
    item        plan_title, year, item_number, item_name, target_type
                (item_number: the item's key in the visits, its number or, for an item
                without one, "p" and its position; before this rule such an item's documents
                carried the bare position)
    options     exclude_recently_inspected, exclusion_months, excluded_count
                (the population is the pool after the exclusion)
    population  canonical_format, hash, counts {stratum: N_h}, strata {stratum: [ids]}
    allocation  ratio_percent, stratum_ratio_percent, effective_ratio_percent, formula, sizes
    seed        value, witnesses [{name, digits}], beacon (string or null), rule
    sampling    method, ticket, reference (how to re-check with consistent-sampler)
    selection   [{stratum, rank, ticket, id}] grouped by stratum in the fixed order, rank order
    replacements [{original_id, replacement_id, stratum, rank, ticket, reason}] in the order made
    teams       OPTIONAL: the inspector teams of the round (attach_teams). Absent = "not present".
                It is the round's matching document (spotcheck.lib.matching.matching_document,
                format "spotcheck.matching/1"), identical in every draw document of the round:
                seed, pools {seats, eligible, cap}, visits in fill order with their published
                eligibility lists and teams, replacements. Its seed must be this draw's seed; the
                visits whose items include this draw's item_number must be exactly one per
                active target. So every draw of a round shares the seed, and each visit's ticket
                is ticket(seed, entity_id).
Ratios are decimal strings (exact); counts, sizes and ranks are integers.
"""

from __future__ import annotations

import copy
import hashlib
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from spotcheck.lib.matching import DOCUMENT_FORMAT as MATCHING_FORMAT
from spotcheck.lib.matching import Seat, recompute_document, seats_follow_the_plan
from spotcheck.lib.matching_public import PUBLIC_FORMAT as PUBLIC_MATCHING_FORMAT
from spotcheck.lib.matching_public import public_problems
from spotcheck.lib.sampling import Seed, draw_lowest, normalize_id
from spotcheck.lib.sampling import ticket as entity_ticket
from spotcheck.lib.visits import item_order

FORMAT_NAME = "spotcheck-draw"
FORMAT_VERSION = 1
POPULATION_FORMAT = "spotcheck-population/1"
TEAMS_KEY = "teams"
"""The optional top-level section holding the round's matching document (attach_teams)."""

STRATA: tuple[str, ...] = ("low", "medium_low", "medium", "high", "unknown")
STRATUM_NAMES: dict[str, str] = {
    "low": "低",
    "medium_low": "中低",
    "medium": "中",
    "high": "高",
    "unknown": "未分级",
}
MIN_WITNESSES = 2
MIN_SEED_DIGITS = 20
MAX_BEACON_CHARS = 200  # a NIST beacon output is 128 hex digits
ALLOCATION_FORMULA = "n_h = min(N_h, ceil(r_h * N_h / 100)), r_h = max(r, policy_h)"
SEED_RULE = "seed = witnesses' digit strings concatenated in entry order, then '|' + beacon if any"
TICKET_RULE = (
    "S = sha256_hex(seed); ticket(id) = '0.' + reversed('{:064d}'.format(int(sha256_hex(S + id),"
    " 16))); lowest tickets first within each stratum"
)
REFERENCE_RULE = "consistent_sampler.sampler(ids_of_stratum, seed=SEED, take=n_h, digits=78)"

_FORBIDDEN_ID_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


@dataclass(frozen=True)
class Selection:
    stratum: str
    rank: int
    """1-based position of the ticket within its stratum."""
    ticket: str
    id: str
    """The NFC public identifier (e.g. the unified social credit code)."""


@dataclass(frozen=True)
class Witness:
    name: str
    digits: str


@dataclass(frozen=True)
class DrawItem:
    plan_title: str
    year: int
    item_number: str
    item_name: str
    target_type: str


@dataclass(frozen=True)
class DrawOptions:
    exclude_recently_inspected: bool = False
    exclusion_months: int | None = None
    excluded_count: int = 0


CheckStatus = Literal["ok", "mismatch", "info"]


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: CheckStatus
    detail: str

    @property
    def ok(self) -> bool:
        return self.status != "mismatch"


# --- seed -------------------------------------------------------------------------------------


def compose_seed(dice_digits: list[str], beacon: str | None) -> str:
    """Concatenate the witnesses' digit strings in entry order, then "|" + beacon if given."""
    if len(dice_digits) < MIN_WITNESSES:
        raise ValueError(
            f"种子须由至少 {MIN_WITNESSES} 名见证人分别掷骰产生，当前只有 {len(dice_digits)} 名"
        )
    for position, digits in enumerate(dice_digits, start=1):
        if not _is_ascii_digits(digits):
            raise ValueError(f"第 {position} 名见证人的骰子结果只能包含数字 0–9，且不能为空")
    total = sum(len(digits) for digits in dice_digits)
    if total < MIN_SEED_DIGITS:
        raise ValueError(f"骰子数字合计至少 {MIN_SEED_DIGITS} 位，当前只有 {total} 位")
    seed = "".join(dice_digits)
    if beacon is not None:
        if not beacon.strip() or any(unicodedata.category(c) == "Cc" for c in beacon):
            raise ValueError("公共随机信标值不能为空，也不能包含控制字符")
        if len(beacon) > MAX_BEACON_CHARS:
            raise ValueError(
                f"公共随机信标值最多{MAX_BEACON_CHARS}个字符，现有{len(beacon)}个"
                "（信标值通常是一串十六进制数字）"
            )
        seed += "|" + beacon
    return seed


def _is_ascii_digits(text: str) -> bool:
    # str.isdigit() also accepts full-width and superscript digits; dice only give 0-9.
    return bool(text) and text.isascii() and text.isdigit()


# --- population -------------------------------------------------------------------------------


def canonical_strata(strata: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Non-empty strata in the fixed order, ids NFC and sorted; rejects bad or duplicate ids."""
    unknown = [key for key in strata if key not in STRATA]
    if unknown:
        raise ValueError(
            f"未知的风险分层：{', '.join(map(str, unknown))}（可用：{', '.join(STRATA)}）"
        )
    seen: dict[str, str] = {}
    result: dict[str, list[str]] = {}
    for stratum in STRATA:
        ids = [normalize_id(entity_id) for entity_id in strata.get(stratum, ())]
        for entity_id in ids:
            _check_id(entity_id)
            if entity_id in seen:
                raise ValueError(
                    f"对象标识重复：{entity_id}（{seen[entity_id]} 与 {stratum} 分层）"
                )
            seen[entity_id] = stratum
        if ids:
            result[stratum] = sorted(ids)
    return result


def _check_id(entity_id: str) -> None:
    if not entity_id:
        raise ValueError("对象标识不能为空")
    if entity_id != entity_id.strip():
        raise ValueError(f"对象标识首尾不能有空白：{entity_id!r}")
    if any(unicodedata.category(c) in _FORBIDDEN_ID_CATEGORIES for c in entity_id):
        raise ValueError(f"对象标识不能包含控制字符或换行：{entity_id!r}")


def population_canonical_text(strata: Mapping[str, Sequence[str]]) -> str:
    """The canonical text described in the module docstring."""
    lines: list[str] = []
    for stratum, ids in canonical_strata(strata).items():
        lines.append(f"stratum\t{stratum}\t{len(ids)}")
        lines.extend(ids)
    return "".join(line + "\n" for line in lines)


def population_hash(strata: Mapping[str, Sequence[str]]) -> str:
    """SHA-256 (lowercase hex) of the UTF-8 canonical text: publish it before the dice are rolled."""
    return hashlib.sha256(population_canonical_text(strata).encode("utf-8")).hexdigest()


# --- allocation -------------------------------------------------------------------------------


def effective_ratios(
    strata: Iterable[str],
    ratio_percent: Decimal,
    stratum_ratio_percent: Mapping[str, Decimal] | None = None,
) -> dict[str, Decimal]:
    """r_h = max(r, policy_h): the published ratio is a floor that a policy can only raise."""
    floor = _checked_ratio(ratio_percent, "最低抽查比例", allow_zero=False)
    policies = dict(stratum_ratio_percent or {})
    unknown = [key for key in policies if key not in STRATA]
    if unknown:
        raise ValueError(f"未知的风险分层：{', '.join(map(str, unknown))}")
    result: dict[str, Decimal] = {}
    for stratum in strata:
        if stratum not in STRATA:
            raise ValueError(f"未知的风险分层：{stratum}")
        policy = policies.get(stratum)
        if policy is None:
            result[stratum] = floor
        else:
            label = f"{STRATUM_NAMES[stratum]}风险分层的抽查比例"
            result[stratum] = max(floor, _checked_ratio(policy, label, allow_zero=True))
    return result


def allocate(
    stratum_sizes: Mapping[str, int],
    ratio_percent: Decimal,
    stratum_ratio_percent: Mapping[str, Decimal] | None = None,
) -> dict[str, int]:
    """n_h = min(N_h, ceil(r_h × N_h / 100)) per stratum, in exact rational arithmetic."""
    ordered = [s for s in STRATA if s in stratum_sizes]
    ratios = effective_ratios(stratum_sizes, ratio_percent, stratum_ratio_percent)
    sizes: dict[str, int] = {}
    for stratum in ordered:
        population = stratum_sizes[stratum]
        if isinstance(population, bool) or not isinstance(population, int) or population < 0:
            raise ValueError(f"{stratum} 分层的对象数必须是非负整数")
        numerator, denominator = ratios[stratum].as_integer_ratio()
        # ceil(a / b) == -((-a) // b) for integers; no rounding anywhere.
        wanted = -((-population * numerator) // (100 * denominator))
        sizes[stratum] = min(population, wanted)
    return sizes


def _checked_ratio(value: Decimal, label: str, *, allow_zero: bool) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{label}必须是 Decimal（不接受浮点数），收到 {type(value).__name__}")
    ratio = Decimal(value)
    if not ratio.is_finite() or ratio > 100 or ratio < 0 or (ratio == 0 and not allow_zero):
        bounds = "0–100" if allow_zero else "大于 0 且不超过 100"
        raise ValueError(f"{label}必须在 {bounds} 之间（百分比），收到 {value}")
    return ratio


# --- selection --------------------------------------------------------------------------------


def select(
    seed: Seed, strata: Mapping[str, Sequence[str]], allocation: Mapping[str, int]
) -> list[Selection]:
    """The allocation[h] lowest tickets of every stratum h, in stratum order then rank order."""
    population = canonical_strata(strata)
    for stratum, size in allocation.items():
        available = len(population.get(stratum, ()))
        if stratum not in STRATA or not 0 <= size <= available:
            raise ValueError(f"{stratum} 分层的抽取数 {size} 超出范围（该层共 {available} 户）")
    selections: list[Selection] = []
    for stratum, ids in population.items():
        drawn = draw_lowest(seed, ids, allocation.get(stratum, 0))
        selections.extend(
            Selection(stratum, rank, ticket, entity_id)
            for rank, (ticket, entity_id) in enumerate(drawn, start=1)
        )
    return selections


def next_in_stratum(
    seed: Seed,
    strata: Mapping[str, Sequence[str]],
    stratum: str,
    already_taken: Collection[str],
) -> Selection | None:
    """The lowest ticket of `stratum` not in `already_taken` (None if the stratum is exhausted)."""
    ids = canonical_strata(strata).get(stratum, [])
    taken = {normalize_id(entity_id) for entity_id in already_taken}
    # The answer is among the lowest (number of taken ids in this stratum + 1) tickets.
    depth = len(taken.intersection(ids)) + 1
    for rank, (ticket, entity_id) in enumerate(draw_lowest(seed, ids, depth), start=1):
        if entity_id not in taken:
            return Selection(stratum, rank, ticket, entity_id)
    return None


# --- the document -----------------------------------------------------------------------------


def build_draw_document(
    *,
    item: DrawItem,
    strata: Mapping[str, Sequence[str]],
    ratio_percent: Decimal,
    witnesses: Sequence[Witness],
    beacon: str | None = None,
    stratum_ratio_percent: Mapping[str, Decimal] | None = None,
    options: DrawOptions | None = None,
) -> dict[str, Any]:
    """Draw and return the JSON-ready document; replacements are appended by add_replacement."""
    options = options or DrawOptions()
    _check_options(options)
    for position, witness in enumerate(witnesses, start=1):
        if not witness.name.strip():
            raise ValueError(f"第 {position} 名见证人的姓名不能为空")
    seed = compose_seed([w.digits for w in witnesses], beacon)
    population = canonical_strata(strata)
    if not population:
        raise ValueError("抽查对象名录为空，不能摇号")
    counts = {stratum: len(ids) for stratum, ids in population.items()}
    ratios = effective_ratios(counts, ratio_percent, stratum_ratio_percent)
    sizes = allocate(counts, ratio_percent, stratum_ratio_percent)
    policies = stratum_ratio_percent or {}
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "item": {
            "plan_title": item.plan_title,
            "year": item.year,
            "item_number": item.item_number,
            "item_name": item.item_name,
            "target_type": item.target_type,
        },
        "options": {
            "exclude_recently_inspected": options.exclude_recently_inspected,
            "exclusion_months": options.exclusion_months,
            "excluded_count": options.excluded_count,
        },
        "population": {
            "canonical_format": POPULATION_FORMAT,
            "hash": population_hash(population),
            "counts": counts,
            "strata": population,
        },
        "allocation": {
            "ratio_percent": _ratio_text(ratio_percent),
            "stratum_ratio_percent": {s: _ratio_text(policies[s]) for s in STRATA if s in policies},
            "effective_ratio_percent": {s: _ratio_text(r) for s, r in ratios.items()},
            "formula": ALLOCATION_FORMULA,
            "sizes": sizes,
        },
        "seed": {
            "value": seed,
            "witnesses": [{"name": w.name, "digits": w.digits} for w in witnesses],
            "beacon": beacon,
            "rule": SEED_RULE,
        },
        "sampling": {
            "method": "consistent sampling (Rivest), stratified",
            "ticket": TICKET_RULE,
            "reference": REFERENCE_RULE,
        },
        "selection": [_selection_json(s) for s in select(seed, population, sizes)],
        "replacements": [],
    }


def add_replacement(document: Mapping[str, Any], original_id: str, reason: str) -> dict[str, Any]:
    """A copy of the document with `original_id` replaced by the next ticket of its stratum."""
    if not reason.strip():
        raise ValueError("替换须写明原因")
    original_id = normalize_id(original_id)
    updated = copy.deepcopy(dict(document))
    strata: dict[str, list[str]] = updated["population"]["strata"]
    stratum = next((s for s, ids in strata.items() if original_id in ids), None)
    if stratum is None:
        raise ValueError(f"{original_id} 不在本次抽查对象名录中")
    active, taken = _active_targets(updated)
    if original_id not in active:
        raise ValueError(f"{original_id} 不是当前的抽中对象，不能替换")
    successor = next_in_stratum(updated["seed"]["value"], strata, stratum, taken[stratum])
    if successor is None:
        raise ValueError(f"{STRATUM_NAMES[stratum]}风险分层已无可替补的对象")
    updated["replacements"].append(
        {
            "original_id": original_id,
            "replacement_id": successor.id,
            "stratum": stratum,
            "rank": successor.rank,
            "ticket": successor.ticket,
            "reason": reason,
        }
    )
    return updated


def active_targets(document: Mapping[str, Any]) -> list[str]:
    """Ids to inspect now: the selection with every replaced target swapped for its successor."""
    active, _ = _active_targets(document)
    return active


def attach_teams(document: Mapping[str, Any], matching_doc: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the draw document with the round's matching document as its `teams` section.

    The same matching document goes into every draw document of the round. Refuses one that
    would not verify: another seed, a visit of this item for an entity that is not an active
    target, an active target without exactly one visit of this item, or teams that do not
    follow from the published lists.
    """
    updated = copy.deepcopy(dict(document))
    updated[TEAMS_KEY] = copy.deepcopy(dict(matching_doc))
    try:
        problems = [r.detail for r in _check_teams(updated) if not r.ok]
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        problems = [f"malformed or invalid: {error!r}"]
    if problems:
        raise ValueError("检查组与本次摇号不符：" + "；".join(problems))
    return updated


def _active_targets(document: Mapping[str, Any]) -> tuple[list[str], dict[str, set[str]]]:
    active = [entry["id"] for entry in document["selection"]]
    taken: dict[str, set[str]] = {stratum: set() for stratum in STRATA}
    for entry in document["selection"]:
        taken[entry["stratum"]].add(entry["id"])
    for replacement in document["replacements"]:
        position = active.index(replacement["original_id"])
        active[position] = replacement["replacement_id"]
        taken[replacement["stratum"]].add(replacement["replacement_id"])
    return active, taken


def _selection_json(selection: Selection) -> dict[str, Any]:
    return {
        "stratum": selection.stratum,
        "rank": selection.rank,
        "ticket": selection.ticket,
        "id": selection.id,
    }


def _ratio_text(value: Decimal) -> str:
    return format(Decimal(value), "f")


def _check_options(options: DrawOptions) -> None:
    if options.excluded_count < 0:
        raise ValueError("排除的对象数不能为负数")
    if options.exclude_recently_inspected:
        if options.exclusion_months is None or options.exclusion_months < 1:
            raise ValueError("排除近期已检查对象时须给出月数（至少 1 个月）")
    elif options.exclusion_months is not None or options.excluded_count:
        raise ValueError("未选择排除近期已检查对象时，不应填写排除月数或排除数")


# --- verification (library side; tools/verify_draw.py re-implements this independently) -------


def verify_draw_document(
    document: Mapping[str, Any], *, published_population_hash: str | None = None
) -> list[CheckResult]:
    """Recompute every derived part of the document; one CheckResult per check."""
    results: list[CheckResult] = []

    def run(name: str, check: Callable[[], CheckResult | list[CheckResult]]) -> None:
        try:
            outcome = check()
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
            results.append(CheckResult(name, "mismatch", f"malformed or invalid: {error!r}"))
            return
        if isinstance(outcome, list):
            results.extend(outcome)
        else:
            results.append(outcome)

    run("format", lambda: _check_format(document))
    run("population", lambda: _check_population(document, published_population_hash))
    run("allocation", lambda: _check_allocation(document))
    run("seed", lambda: _check_seed(document))
    run("selection", lambda: _check_selection(document))
    run("replacements", lambda: _check_replacements(document))
    if TEAMS_KEY in document:
        run("teams", lambda: _check_teams(document))
    else:
        results.append(CheckResult("teams", "info", "not present"))
    return results


def _check_format(document: Mapping[str, Any]) -> CheckResult:
    if document.get("format") == FORMAT_NAME and document.get("format_version") == FORMAT_VERSION:
        return CheckResult("format", "ok", f"{FORMAT_NAME} version {FORMAT_VERSION}")
    found = f"{document.get('format')!r} version {document.get('format_version')!r}"
    return CheckResult("format", "mismatch", f"unsupported format {found}")


def _check_population(document: Mapping[str, Any], published_hash: str | None) -> list[CheckResult]:
    population = document["population"]
    strata = population["strata"]
    canonical = canonical_strata(strata)
    results: list[CheckResult] = []
    counts = {stratum: len(ids) for stratum, ids in canonical.items()}
    listed_as_canonical = {s: list(ids) for s, ids in strata.items() if ids} == canonical
    if population["counts"] != counts or not listed_as_canonical:
        results.append(
            CheckResult("population ids", "mismatch", "counts or id order differ from the ids")
        )
    else:
        results.append(CheckResult("population ids", "ok", f"{sum(counts.values())} ids"))
    recomputed = population_hash(canonical)
    if recomputed != population["hash"]:
        detail = f"recomputed {recomputed}, document says {population['hash']}"
        results.append(CheckResult("population hash", "mismatch", detail))
    else:
        results.append(CheckResult("population hash", "ok", recomputed))
    if published_hash is not None:
        status: CheckStatus = "ok" if published_hash.lower() == recomputed else "mismatch"
        results.append(CheckResult("published hash", status, f"published {published_hash}"))
    return results


def _check_allocation(document: Mapping[str, Any]) -> CheckResult:
    allocation = document["allocation"]
    counts = {s: len(ids) for s, ids in canonical_strata(document["population"]["strata"]).items()}
    ratio = Decimal(allocation["ratio_percent"])
    policies = {s: Decimal(v) for s, v in allocation["stratum_ratio_percent"].items()}
    expected_sizes = allocate(counts, ratio, policies)
    expected_ratios = effective_ratios(counts, ratio, policies)
    stated_ratios = {s: Decimal(v) for s, v in allocation["effective_ratio_percent"].items()}
    if allocation["sizes"] != expected_sizes or stated_ratios != expected_ratios:
        return CheckResult("allocation", "mismatch", f"expected sizes {expected_sizes}")
    total = sum(expected_sizes.values())
    return CheckResult("allocation", "ok", f"{total} targets, floor {allocation['ratio_percent']}%")


def _check_seed(document: Mapping[str, Any]) -> CheckResult:
    seed = document["seed"]
    composed = compose_seed([w["digits"] for w in seed["witnesses"]], seed["beacon"])
    if composed != seed["value"]:
        return CheckResult("seed", "mismatch", "seed value is not composed from the dice")
    beacon = " and a beacon" if seed["beacon"] is not None else ""
    return CheckResult("seed", "ok", f"composed from {len(seed['witnesses'])} witnesses{beacon}")


def _check_selection(document: Mapping[str, Any]) -> list[CheckResult]:
    strata = canonical_strata(document["population"]["strata"])
    sizes = document["allocation"]["sizes"]
    expected = select(document["seed"]["value"], strata, sizes)
    stated = document["selection"]
    results: list[CheckResult] = []
    for stratum in strata:
        want = [_selection_json(s) for s in expected if s.stratum == stratum]
        got = [entry for entry in stated if entry.get("stratum") == stratum]
        name = f"selection (stratum {stratum})"
        status: CheckStatus = "ok" if got == want else "mismatch"
        results.append(CheckResult(name, status, f"{len(want)} of {len(strata[stratum])}"))
    if len(stated) != len(expected) or any(e.get("stratum") not in strata for e in stated):
        results.append(CheckResult("selection", "mismatch", "entries outside the population"))
    return results


def _check_replacements(document: Mapping[str, Any]) -> list[CheckResult]:
    replayed = {key: value for key, value in document.items() if key != "replacements"}
    replayed["replacements"] = []
    results: list[CheckResult] = []
    for number, stated in enumerate(document["replacements"], start=1):
        name = f"replacement {number}"
        try:
            replayed = add_replacement(replayed, stated["original_id"], stated["reason"])
        except ValueError as error:
            results.append(CheckResult(name, "mismatch", str(error)))
            return results
        recomputed = replayed["replacements"][-1]
        status: CheckStatus = "ok" if recomputed == stated else "mismatch"
        detail = f"{stated['original_id']} -> {recomputed['replacement_id']}"
        results.append(CheckResult(name, status, detail))
    if not results:
        results.append(CheckResult("replacements", "info", "none"))
    return results


def _check_teams_link(document: Mapping[str, Any]) -> list[CheckResult]:
    """The teams section belongs to this draw: format, seed, and one visit per active target."""
    teams = document[TEAMS_KEY]
    formats = (PUBLIC_MATCHING_FORMAT, MATCHING_FORMAT)
    if not isinstance(teams, Mapping) or teams.get("format") not in formats:
        found = teams.get("format") if isinstance(teams, Mapping) else type(teams).__name__
        return [
            CheckResult("teams format", "mismatch", f"not a {MATCHING_FORMAT} section: {found!r}")
        ]
    results = [CheckResult("teams format", "ok", str(teams["format"]))]
    if teams["seed"] == document["seed"]["value"]:
        results.append(CheckResult("teams seed", "ok", "the seed of this draw"))
    else:
        results.append(CheckResult("teams seed", "mismatch", "differs from the seed of this draw"))
    # Every draw of the round has this seed, so a visit's ticket (the lowest of its targets'
    # tickets) is its entity's ticket under the seed.
    seed = document["seed"]["value"]
    stray = [
        v["visit_id"] for v in teams["visits"] if v["ticket"] != entity_ticket(seed, v["entity_id"])
    ]
    if stray:
        detail = "not the entity's ticket under this seed: " + ", ".join(stray)
        results.append(CheckResult("teams tickets", "mismatch", detail))
    else:
        results.append(CheckResult("teams tickets", "ok", "visit tickets follow from the seed"))
    item_key = str(document["item"]["item_number"])
    active = active_targets(document)
    problems: list[str] = []
    covered: dict[str, int] = {}
    for visit in teams["visits"]:
        if item_key not in visit["items"]:
            continue
        visit_id, entity_id = visit["visit_id"], visit["entity_id"]
        covered[entity_id] = covered.get(entity_id, 0) + 1
        if entity_id not in active:
            problems.append(
                f"visit {visit_id}: {entity_id} is not an active target of item {item_key}"
            )
    for entity_id in active:
        if covered.get(entity_id, 0) != 1:
            problems.append(
                f"target {entity_id} of item {item_key} is in {covered.get(entity_id, 0)} visits"
            )
    if problems:
        results.append(CheckResult("teams targets", "mismatch", "; ".join(problems)))
    else:
        detail = f"{len(active)} targets of item {item_key}, one visit each"
        results.append(CheckResult("teams targets", "ok", detail))
    return results


def _check_teams(document: Mapping[str, Any]) -> list[CheckResult]:
    """Recompute the round's teams from the published eligibility lists (docs/matching.md)."""
    results = _check_teams_link(document)
    if results[0].status == "mismatch":
        return results
    teams = document[TEAMS_KEY]
    if teams["format"] == PUBLIC_MATCHING_FORMAT:
        # Lists committed, not published (docs/matching.md §14): what the public can check.
        problems = _team_shape_problems(document, lists=False) + public_problems(teams)
        if problems:
            results.append(CheckResult("teams public", "mismatch", "; ".join(problems)))
        else:
            detail = "tickets, leaders, pools, caps and replacements follow (lists committed)"
            results.append(CheckResult("teams public", "ok", detail))
        return results
    problems = _team_list_problems(document)
    if problems:
        results.append(CheckResult("teams lists", "mismatch", "; ".join(problems)))
        return results
    results.append(CheckResult("teams lists", "ok", "well-formed"))
    try:
        recomputed = recompute_document(teams)
    except ValueError as error:
        results.append(CheckResult("teams matching", "mismatch", str(error)))
        return results
    for pool in sorted(set(recomputed["pools"]) | set(teams["pools"])):
        want, got = recomputed["pools"].get(pool), teams["pools"].get(pool)
        if want is None:
            results.append(CheckResult(f"teams cap {pool}", "mismatch", "pool without seats"))
            continue
        status: CheckStatus = "ok" if want == got else "mismatch"
        detail = f"{want['seats']} seats / {want['eligible']} eligible -> cap {want['cap']}"
        results.append(CheckResult(f"teams cap {pool}", status, detail))
    order = [visit["visit_id"] for visit in recomputed["visits"]]
    if [visit["visit_id"] for visit in teams["visits"]] != order:
        results.append(CheckResult("teams order", "mismatch", "visits are not in fill order"))
    published = {visit["visit_id"]: visit for visit in teams["visits"]}
    for visit in recomputed["visits"]:
        name = f"team {visit['visit_id']}"
        stated = published[visit["visit_id"]]
        if stated["team"] != visit["team"]:
            want = {m["seat"]: m["inspector_id"] for m in visit["team"]}
            got = {m.get("seat"): m.get("inspector_id") for m in stated["team"]}
            seats = sorted(set(want) | set(got), key=str)
            detail = next(
                (
                    f"seat {seat}: expected {want.get(seat)}, found {got.get(seat)}"
                    for seat in seats
                    if want.get(seat) != got.get(seat)
                ),
                "roles, tickets or member order differ",
            )
            results.append(CheckResult(name, "mismatch", detail))
        elif stated["excluded"] != visit["excluded"]:
            results.append(CheckResult(name, "mismatch", "unqualified or capped counts differ"))
        else:
            results.append(CheckResult(name, "ok", f"{len(visit['team'])} members recomputed"))
    stated_records = teams["replacements"]
    for number, want in enumerate(recomputed["replacements"], start=1):
        status = "ok" if stated_records[number - 1] == want else "mismatch"
        detail = f"{want['visit_id']} seat {want['seat']}: {want['removed']} -> {want['added']}"
        results.append(CheckResult(f"team replacement {number}", status, detail))
    return results


def _team_list_problems(document: Mapping[str, Any]) -> list[str]:
    """The published lists are well-formed: visit ids year/entity/items, days in the plan year,
    seats shaped like a seat plan, eligibility lists sorted and distinct, holders of each seat
    qualification among the eligible, and no inspector in two pools."""
    return _team_shape_problems(document, lists=True)


def _team_shape_problems(document: Mapping[str, Any], *, lists: bool) -> list[str]:
    teams = document[TEAMS_KEY]
    item_key, year = str(document["item"]["item_number"]), str(document["item"]["year"])
    problems: list[str] = []
    ids = [visit["visit_id"] for visit in teams["visits"]]
    if len(set(ids)) != len(ids):
        problems.append("duplicate visit ids")
    pool_of: dict[str, str] = {}
    for visit in teams["visits"]:
        visit_id, items = visit["visit_id"], list(visit["items"])
        prefix = year if item_key in items else visit_id.split("/")[0]
        ordered = sorted(set(items), key=item_order)
        if (
            not items
            or items != ordered
            or visit_id != f"{prefix}/{visit['entity_id']}/" + "+".join(items)
        ):
            problems.append(f"visit {visit_id}: id is not year/entity/items")
        first, last = (date.fromisoformat(day) for day in visit["days"])
        if not first <= last or not str(first.year) == str(last.year) == prefix:
            problems.append(f"visit {visit_id}: days are not within the plan year")
        seats = [Seat(seat["pool"], seat["qualification"]) for seat in visit["seats"]]
        if not seats_follow_the_plan(visit["unit"], visit["cooperating"], seats):
            problems.append(f"visit {visit_id}: seats are not shaped like a seat plan")
        pools = {seat.pool for seat in seats}
        if not lists:
            continue
        if set(visit["eligible"]) != pools or set(visit["qualified"]) != pools:
            problems.append(f"visit {visit_id}: lists are not given for exactly the seat pools")
            continue
        for pool in sorted(pools):
            eligible = visit["eligible"][pool]
            required = {seat.qualification for seat in seats if seat.pool == pool}
            required.discard(None)
            holders = visit["qualified"][pool]
            if (
                not _sorted_distinct(eligible)
                or set(holders) != required
                or not all(
                    _sorted_distinct(h) and set(h) <= set(eligible) for h in holders.values()
                )
            ):
                problems.append(f"visit {visit_id}: lists of {pool} are not sorted or consistent")
            for inspector_id in eligible:
                if pool_of.setdefault(inspector_id, pool) != pool:
                    problems.append(f"{inspector_id} is listed in two pools")
    return problems


def _sorted_distinct(ids: Any) -> bool:
    return isinstance(ids, list) and ids == sorted(set(ids))
