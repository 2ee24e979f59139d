import itertools
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.lib.stats import (
    chi_square,
    chi_square_sf,
    expected_bins,
    expected_loads,
    gini,
    max_mean_ratio,
    position_bins,
    regularized_gamma_q,
    wilson_interval,
)

counts = st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=60)


# --- Gini and max/mean --------------------------------------------------------------------------


def test_gini_known_values():
    assert gini([1, 2, 3, 4, 5]) == pytest.approx(4 / 15)
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)
    assert gini([7, 7, 7]) == 0
    assert gini([]) == 0
    assert gini([0, 0]) == 0
    with pytest.raises(ValueError):
        gini([1, -1])


def _gini_by_definition(xs):
    n, mean = len(xs), sum(xs) / len(xs)
    return sum(abs(a - b) for a in xs for b in xs) / (2 * n * n * mean)


@given(counts)
def test_gini_matches_the_mean_absolute_difference(xs):
    if sum(xs) == 0:
        assert gini(xs) == 0
        return
    assert gini(xs) == pytest.approx(_gini_by_definition(xs), abs=1e-9)
    assert 0 <= gini(xs) <= (len(xs) - 1) / len(xs) + 1e-12


@given(counts, st.integers(min_value=1, max_value=50), st.randoms(use_true_random=False))
def test_gini_ignores_order_and_scale(xs, factor, rnd):
    shuffled = list(xs)
    rnd.shuffle(shuffled)
    assert gini(shuffled) == pytest.approx(gini(xs), abs=1e-12)
    assert gini([x * factor for x in xs]) == pytest.approx(gini(xs), abs=1e-12)


@given(counts)
def test_max_mean_ratio(xs):
    ratio = max_mean_ratio(xs)
    if sum(xs) == 0:
        assert ratio is None
    else:
        assert ratio == pytest.approx(max(xs) * len(xs) / sum(xs))
        assert 1 - 1e-12 <= ratio <= len(xs) + 1e-12


# --- Wilson ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, table II, method 3 (Wilson score)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_published_figures(successes, n, low, high):
    got = wilson_interval(successes, n)
    assert got[0] == pytest.approx(low, abs=5e-5)
    assert got[1] == pytest.approx(high, abs=5e-5)


@given(st.integers(min_value=1, max_value=5000), st.data())
def test_wilson_contains_the_rate_and_stays_in_0_1(n, data):
    k = data.draw(st.integers(min_value=0, max_value=n))
    low, high = wilson_interval(k, n)
    assert 0 <= low <= k / n <= high <= 1
    # symmetric: failures mirror successes
    mirror = wilson_interval(n - k, n)
    assert mirror[0] == pytest.approx(1 - high, abs=1e-12)
    assert mirror[1] == pytest.approx(1 - low, abs=1e-12)


@given(st.integers(min_value=1, max_value=200), st.integers(min_value=2, max_value=20))
def test_wilson_narrows_with_more_observations(n, factor):
    k = n // 3
    small, large = wilson_interval(k, n), wilson_interval(k * factor, n * factor)
    assert large[1] - large[0] < small[1] - small[0]


def test_wilson_refuses_impossible_counts():
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    assert wilson_interval(0, 0) == (0.0, 1.0)


# --- chi-square -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statistic", "df", "p"),
    [
        # critical values of the chi-square table (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.4)
        (3.841, 1, 0.05),
        (6.635, 1, 0.01),
        (5.991, 2, 0.05),
        (11.070, 5, 0.05),
        (18.307, 10, 0.05),
        (23.209, 10, 0.01),
        (43.773, 30, 0.05),
        (124.342, 100, 0.05),
        (0.00393, 1, 0.95),
    ],
)
def test_chi_square_sf_matches_the_table(statistic, df, p):
    assert chi_square_sf(statistic, df) == pytest.approx(p, abs=2e-4)


def test_chi_square_sf_closed_forms():
    # df = 2: the survival function is exp(-x/2)
    for x in (0.1, 1, 5, 30, 200):
        assert chi_square_sf(x, 2) == pytest.approx(math.exp(-x / 2), rel=1e-10)
    # df = 1: erfc(sqrt(x/2))
    for x in (0.01, 0.5, 2, 9, 40):
        assert chi_square_sf(x, 1) == pytest.approx(math.erfc(math.sqrt(x / 2)), rel=1e-9)
    assert chi_square_sf(0, 3) == 1.0


@given(
    st.floats(min_value=0.5, max_value=200),
    st.floats(min_value=0, max_value=500),
    st.floats(min_value=0.001, max_value=50),
)
def test_incomplete_gamma_is_a_decreasing_probability(a, x, dx):
    q = regularized_gamma_q(a, x)
    assert 0 <= q <= 1
    assert regularized_gamma_q(a, x + dx) <= q + 1e-12


def test_chi_square_goodness_of_fit():
    # Mendel's peas (9:3:3:1): 315, 108, 101, 32 of 556; chi² = 0.470, p ≈ 0.925
    observed = [315, 108, 101, 32]
    expected = [556 * 9 / 16, 556 * 3 / 16, 556 * 3 / 16, 556 / 16]
    fit = chi_square(observed, expected)
    assert fit is not None
    assert fit.statistic == pytest.approx(0.470, abs=5e-4)
    assert fit.df == 3
    assert fit.p_value == pytest.approx(0.925, abs=1e-3)
    assert chi_square([5], [5]) is None
    assert chi_square([1, 0], [0, 1]).p_value == 0.0


@given(st.lists(st.integers(min_value=1, max_value=500), min_size=2, max_size=30))
def test_a_perfect_fit_has_p_one(expected):
    fit = chi_square(expected, expected)
    assert fit.statistic == 0 and fit.p_value == 1.0


def test_chi_square_p_values_are_uniform_under_the_null():
    """Multinomial samples from the expected shares: about 5 % of the p-values fall below 0.05."""
    rnd = random.Random(13)
    shares = [0.1, 0.2, 0.3, 0.4]
    below = 0
    trials = 2000
    for _ in range(trials):
        draws = rnd.choices(range(4), weights=shares, k=200)
        observed = [draws.count(i) for i in range(4)]
        fit = chi_square(observed, [200 * s for s in shares])
        below += fit.p_value < 0.05
    assert 0.03 < below / trials < 0.07


# --- expectations ------------------------------------------------------------------------------


def test_expected_loads_share_each_pools_seats():
    loads = expected_loads(
        [
            {"治安大队": (2, ["a", "b", "c", "d"]), "住建": (1, ["x"])},
            {"治安大队": (2, ["a", "b"])},
            {"治安大队": (2, [])},
        ]
    )
    assert loads == {"a": 1.5, "b": 1.5, "c": 0.5, "d": 0.5, "x": 1.0}


@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=4), st.sets(st.sampled_from("abcdefg"))),
        max_size=40,
    )
)
def test_expected_loads_add_up_to_the_seats_filled(visits):
    loads = expected_loads([{"P": (seats, sorted(ids))} for seats, ids in visits])
    filled = sum(min(seats, len(ids)) for seats, ids in visits)
    assert math.fsum(loads.values()) == pytest.approx(filled)


@given(
    st.lists(
        st.tuples(st.floats(min_value=0, max_value=3), st.integers(min_value=0, max_value=4)),
        max_size=300,
    )
)
def test_expected_bins_keep_every_entity_and_draw(rows):
    bins = expected_bins(rows)
    total = math.fsum(e for e, _ in rows)
    if total <= 0:
        assert bins == []
        return
    assert sum(b.entities for b in bins) == len(rows)
    assert sum(b.observed for b in bins) == sum(o for _, o in rows)
    assert math.fsum(b.expected for b in bins) == pytest.approx(total)
    assert len(bins) <= 10
    if total >= 10:
        # every group but possibly the last has at least the minimum expected draws
        assert all(b.expected >= 5 - 1e-6 for b in bins[:-1])
    # entities of equal expectation share a group
    assert all(a.high < b.low for a, b in itertools.pairwise(bins))


@settings(max_examples=200, deadline=None)
@given(
    size=st.integers(0, 400),
    share=st.floats(0.0, 1.0),
    seed=st.integers(0, 10**6),
)
def test_position_bins_split_the_stratum_in_consecutive_groups(size, share, seed):
    population = [f"E{n:04d}" for n in range(size)]
    drawn = random.Random(seed).sample(population, int(size * share))
    probability = len(drawn) / size if size else 0.0
    bins = position_bins(population, drawn, probability)
    if not size:
        assert bins == []
        return
    assert [b.position for b in bins] == list(range(len(bins)))
    assert sum(b.population for b in bins) == size
    assert max(b.population for b in bins) - min(b.population for b in bins) <= 1
    assert sum(b.observed for b in bins) == len(drawn)
    assert math.fsum(b.expected for b in bins) == pytest.approx(len(drawn))
    assert 1 <= len(bins) <= 10
    if len(bins) > 1:
        assert min(b.expected for b in bins) >= 5 - 1e-9
    # each drawn id is counted in the group holding its position
    start = 0
    for b in bins:
        run = set(population[start : start + b.population])
        assert b.observed == sum(1 for i in drawn if i in run)
        start += b.population


def test_position_bins_refuse_an_id_outside_the_population():
    with pytest.raises(ValueError, match="not in the stratum"):
        position_bins(["A", "B"], ["C"], 0.5)
