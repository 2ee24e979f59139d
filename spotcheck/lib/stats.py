"""The arithmetic of the statistics (issue 13), standard library only.

- `gini` and `max_mean_ratio`: how evenly inspectors' visits are spread within a unit.
- `wilson_interval`: a confidence interval for a proportion (problem rate per risk level) that
  behaves at 0 and n (unlike the normal approximation): Wilson, 1927; Newcombe, 1998.
- `chi_square`: Pearson's goodness-of-fit statistic and its p-value, the upper tail of the
  chi-square distribution computed with the regularized incomplete gamma function
  (Numerical Recipes §6.2: a series below a + 1, a continued fraction above).
- `expected_loads`: each inspector's expected number of seats when every seat of a visit goes to
  one of the inspectors eligible for it, all equally likely (the matching's eligibility lists).
- `expected_bins`: entities grouped by their expected number of draws, so that a chi-square over
  the groups has enough expected draws in each.
- `position_bins`: one stratum of one draw cut into consecutive groups of its (canonically
  ordered) population, expected against drawn per group: a draw's own goodness-of-fit, which
  independent draws can add up (statistics and degrees of freedom summed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054
"""The standard normal quantile of 0.975 (a two-sided 95 % interval)."""


def gini(values: Iterable[float]) -> float:
    """The Gini coefficient of non-negative values: 0 when all are equal, (n-1)/n when one holds
    everything. 0 for no values or an all-zero list."""
    xs = sorted(values)
    if any(x < 0 for x in xs):
        raise ValueError("Gini coefficient needs non-negative values")
    n = len(xs)
    total = math.fsum(xs)
    if n == 0 or total == 0:
        return 0.0
    weighted = math.fsum(rank * x for rank, x in enumerate(xs, start=1))
    return max(0.0, (2.0 * weighted) / (n * total) - (n + 1.0) / n)


def max_mean_ratio(values: Iterable[float]) -> float | None:
    """The largest value over the mean (1 when all are equal); None when the mean is 0."""
    xs = list(values)
    if not xs:
        return None
    mean = math.fsum(xs) / len(xs)
    if mean == 0:
        return None
    return max(xs) / mean


def wilson_interval(successes: int, n: int, *, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for `successes` out of `n` (95 % by default)."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 ≤ successes ≤ n, got {successes} of {n}")
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = (z / (1 + z2 / n)) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


# --- the chi-square distribution ------------------------------------------------------------

_EPSILON = 1e-15
_TINY = 1e-300
_MAX_ITERATIONS = 10_000


def _lower_series(a: float, x: float) -> float:
    """P(a, x) by its power series (converges fast for x < a + 1)."""
    term = total = 1.0 / a
    denominator = a
    for _ in range(_MAX_ITERATIONS):
        denominator += 1.0
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * _EPSILON:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_fraction(a: float, x: float) -> float:
    """Q(a, x) by its continued fraction, modified Lentz (for x ≥ a + 1)."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITERATIONS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPSILON:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def regularized_gamma_q(a: float, x: float) -> float:
    """Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function."""
    if a <= 0:
        raise ValueError("a must be positive")
    if x < 0:
        raise ValueError("x must not be negative")
    if x == 0:
        return 1.0
    if x < a + 1.0:
        return min(1.0, max(0.0, 1.0 - _lower_series(a, x)))
    return min(1.0, max(0.0, _upper_fraction(a, x)))


def chi_square_sf(statistic: float, df: int) -> float:
    """P(X ≥ statistic) for X chi-square distributed with `df` degrees of freedom."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if statistic <= 0:
        return 1.0
    return regularized_gamma_q(df / 2.0, statistic / 2.0)


@dataclass(frozen=True)
class ChiSquare:
    statistic: float
    df: int
    p_value: float


def chi_square(observed: Sequence[float], expected: Sequence[float]) -> ChiSquare | None:
    """Pearson's goodness-of-fit test of `observed` counts against `expected` ones (same
    categories, same order), df = categories − 1. None with fewer than two categories.
    A category expected 0 must be observed 0 (else the fit is impossible: statistic inf)."""
    if len(observed) != len(expected):
        raise ValueError("observed and expected need the same categories")
    if any(e < 0 for e in expected) or any(o < 0 for o in observed):
        raise ValueError("counts must not be negative")
    if len(observed) < 2:
        return None
    statistic = 0.0
    for o, e in zip(observed, expected, strict=True):
        if e == 0:
            if o != 0:
                return ChiSquare(math.inf, len(observed) - 1, 0.0)
            continue
        statistic += (o - e) ** 2 / e
    df = len(observed) - 1
    return ChiSquare(statistic, df, chi_square_sf(statistic, df))


# --- expectations -----------------------------------------------------------------------------


def expected_loads(visits: Iterable[Mapping[str, tuple[int, Sequence[str]]]]) -> dict[str, float]:
    """Each inspector's expected number of seats: per visit and pool, `seats` seats shared
    equally among the pool's eligible inspectors (seats / eligible each). `visits` gives per
    visit {pool: (seats, eligible ids)}."""
    loads: dict[str, float] = {}
    for pools in visits:
        for seats, eligible in pools.values():
            if not eligible:
                continue
            share = min(1.0, seats / len(eligible))
            for inspector in eligible:
                loads[inspector] = loads.get(inspector, 0.0) + share
    return loads


@dataclass(frozen=True)
class ExpectedBin:
    low: float
    high: float
    entities: int
    expected: float
    observed: int


def expected_bins(
    rows: Iterable[tuple[float, int]], *, min_expected: float = 5.0, max_bins: int = 10
) -> list[ExpectedBin]:
    """Entities (expected draws, observed draws) grouped, in order of expectation, into at most
    `max_bins` consecutive groups, each closed once its expected total reaches total / groups
    (at least `min_expected` where the total allows); the last group takes the remainder.
    Entities with the same expectation always share a group: splitting them would sort them
    by what was observed."""
    ordered = sorted(rows, key=lambda row: row[0])
    total = math.fsum(e for e, _ in ordered)
    if not ordered or total <= 0:
        return []
    count = max(1, min(max_bins, int(total // min_expected)))
    target = total / count
    bins: list[ExpectedBin] = []
    current: list[tuple[float, int]] = []
    running = 0.0
    for index, (expected, observed) in enumerate(ordered):
        current.append((expected, observed))
        running += expected
        tie_follows = index + 1 < len(ordered) and ordered[index + 1][0] == expected
        if running >= target - 1e-9 and len(bins) < count - 1 and not tie_follows:
            bins.append(_bin(current))
            current, running = [], 0.0
    if current:
        bins.append(_bin(current))
    return bins


def _bin(rows: list[tuple[float, int]]) -> ExpectedBin:
    return ExpectedBin(
        low=rows[0][0],
        high=rows[-1][0],
        entities=len(rows),
        expected=math.fsum(e for e, _ in rows),
        observed=sum(o for _, o in rows),
    )


# --- a draw's own goodness-of-fit ---------------------------------------------------------------


@dataclass(frozen=True)
class PositionBin:
    position: int
    population: int
    expected: float
    observed: int


def position_bins(
    population: Sequence[str],
    drawn: Iterable[str],
    probability: float,
    *,
    min_expected: float = 5.0,
    max_bins: int = 10,
) -> list[PositionBin]:
    """One stratum of one draw: its population (in the fixed canonical order, which the
    selection does not depend on) cut into k consecutive groups of (nearly) equal size, k as
    many as keep `min_expected` expected selections in each (at most `max_bins`, at least 1);
    per group the entities, the selections expected (entities x `probability`) and the ids of
    `drawn` that fall in it. The stratum's total is fixed by the allocation, so the groups give
    k - 1 degrees of freedom. Raises ValueError for a drawn id outside the population."""
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"probability {probability} is not between 0 and 1")
    size = len(population)
    if size == 0:
        return []
    count = max(1, min(max_bins, size, int(size * probability // min_expected)))
    while count > 1 and (size // count) * probability < min_expected:
        count -= 1  # the smaller groups (size // count entities) need enough expected too
    where = {entity_id: index for index, entity_id in enumerate(population)}
    observed = [0] * count
    for entity_id in drawn:
        index = where.get(entity_id)
        if index is None:
            raise ValueError(f"drawn id {entity_id!r} is not in the stratum's population")
        observed[index * count // size] += 1
    bins = []
    for k in range(count):
        # group k holds the positions i with i * count // size == k
        start, end = -(-k * size // count), -(-(k + 1) * size // count)
        bins.append(PositionBin(k, end - start, (end - start) * probability, observed[k]))
    return bins
