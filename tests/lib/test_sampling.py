"""The sampling core against the reference `consistent-sampler`, plus its own exactness claims."""

from __future__ import annotations

import os
import random
import unicodedata
from fractions import Fraction

import consistent_sampler
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spotcheck.lib import sampling
from spotcheck.lib.sampling import draw_lowest, iter_sample, ticket, ticket_from_hash_value

# Why 78: a 256-bit number has at most 78 decimal digits, and the reference keeps `digits`
# significant digits after any leading 9s, so 78 always returns the untrimmed ticket.
FULL_DIGITS = 78

# Unicode ids with CJK, combining marks and other scripts; NFC-normalised as the system stores them.
id_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from("统一社会信用代码东方红饭店a\u0301e\u0308\u0327\u4e00\u9fa5"),
    ),
    min_size=0,
    max_size=12,
).map(lambda text: unicodedata.normalize("NFC", text))
id_lists = st.lists(id_text, min_size=0, max_size=40, unique=True)
seeds = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30),
)


def reference(seed: object, ids: list[str], take: int | None = None) -> list[tuple[str, str]]:
    kwargs = {"take": take} if take is not None else {}
    drawn = consistent_sampler.sampler(ids, seed=seed, digits=FULL_DIGITS, **kwargs)
    return [(number, entity_id) for number, entity_id, _generation in drawn]


def credit_codes(count: int, rng_seed: int = 7) -> list[str]:
    rng = random.Random(rng_seed)
    return list(dict.fromkeys(f"91{rng.randrange(10**16):016d}" for _ in range(count)))


def test_ticket_matches_the_reference_documentation_example() -> None:
    expected = "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"
    assert ticket("01382438112797316654", "AB-130") == expected
    assert (
        consistent_sampler.first_ticket("AB-130", "01382438112797316654").ticket_number == expected
    )


def test_digits_78_gives_full_tickets_and_the_default_trims() -> None:
    ids = credit_codes(50)
    full = reference("20240101", ids)
    assert [t for t, _ in full] == sorted(ticket("20240101", i) for i in ids)
    trimmed = list(consistent_sampler.sampler(ids, seed="20240101"))
    assert all(len(t) < len(f) for (t, _, _), (f, _) in zip(trimmed, full, strict=True))


@settings(max_examples=150, deadline=None)
@given(seed=seeds, ids=id_lists, take=st.integers(min_value=0, max_value=45))
def test_draw_lowest_equals_the_reference(seed: str | int, ids: list[str], take: int) -> None:
    assert draw_lowest(seed, ids, take) == reference(seed, ids, take)


@settings(max_examples=60, deadline=None)
@given(seed=seeds, ids=id_lists)
def test_iter_sample_without_take_is_the_full_reference_order(
    seed: str | int, ids: list[str]
) -> None:
    assert list(iter_sample(seed, ids)) == reference(seed, ids)
    assert list(iter_sample(seed, ids, take=3)) == reference(seed, ids, 3)


def test_int_seed_is_its_decimal_string() -> None:
    ids = credit_codes(30)
    assert draw_lowest(314159, ids, 5) == draw_lowest("314159", ids, 5) == reference(314159, ids, 5)


@settings(max_examples=80, deadline=None)
@given(seed=seeds, ids=id_lists, others=id_lists)
def test_other_ids_never_change_an_ids_ticket(
    seed: str | int, ids: list[str], others: list[str]
) -> None:
    union = list(dict.fromkeys(ids + others))
    alone = dict((i, t) for t, i in iter_sample(seed, ids))
    together = dict((i, t) for t, i in iter_sample(seed, union))
    assert all(together[i] == alone[i] for i in ids)
    # Consistency: the sample of a subset is the superset's order filtered to the subset.
    subset = set(ids)
    assert list(iter_sample(seed, ids)) == [p for p in iter_sample(seed, union) if p[1] in subset]


@pytest.mark.parametrize(
    ("size", "k"),
    [(1, 1), (7, 0), (7, 3), (7, 7), (7, 50), (999, 50), (2_000, 100), (2_000, 1), (30_000, 1_500)],
)
def test_bottom_k_equals_the_first_k_of_a_full_sort(size: int, k: int) -> None:
    ids = credit_codes(size, rng_seed=size)
    full = sorted((ticket("73549184032", i), i) for i in ids)
    assert draw_lowest("73549184032", ids, k) == full[:k]


@settings(max_examples=40, deadline=None)
@given(
    seed=seeds,
    size=st.integers(min_value=100, max_value=3_000),
    share=st.fractions(min_value=0, max_value=1),
    rng_seed=st.integers(min_value=0, max_value=2**32),
)
def test_prefix_filtered_draws_equal_a_full_sort(
    seed: str | int, size: int, share: Fraction, rng_seed: int
) -> None:
    ids = credit_codes(size, rng_seed)
    k = int(len(ids) * share)
    assert draw_lowest(seed, ids, k) == sorted((ticket(seed, i), i) for i in ids)[:k]


def test_bottom_k_accepts_any_iterable() -> None:
    ids = credit_codes(300)
    assert (
        draw_lowest("5", iter(ids), 20)
        == draw_lowest("5", tuple(ids), 20)
        == reference("5", ids, 20)
    )


@pytest.mark.parametrize(
    "hash_value",
    [0, 1, 9, 10, 123456789, 10**63 - 1, 10**63, 10**64, 10**77, 2**256 - 1, 7 * 10**76 + 5],
)
def test_ticket_prefix_is_the_low_digits_reversed(hash_value: int) -> None:
    """The filter's premise: the first q ticket digits depend only on h mod 10**q."""
    full = ticket_from_hash_value(hash_value)
    digits = f"{hash_value:064d}"
    assert full == "0." + digits[::-1] and len(full) == 2 + max(64, len(str(hash_value)))
    for prefix_digits in range(1, sampling.MAX_PREFIX_DIGITS + 1):
        residue = hash_value % 10**prefix_digits
        assert (
            int(full[2 : 2 + prefix_digits]) == sampling._reversed_prefixes(prefix_digits)[residue]
        )


def test_prefix_filter_agrees_with_ticket_strings() -> None:
    rng = random.Random(11)
    for prefix_digits, limit in [(1, 1), (1, 7), (2, 37), (3, 52), (4, 9), (5, 5072)]:
        table = sampling._prefix_filter(prefix_digits, limit)
        by_last_byte = sampling._last_byte_filter(prefix_digits, limit)
        for _ in range(2_000):
            value = rng.getrandbits(256)
            expected = int(ticket_from_hash_value(value)[2 : 2 + prefix_digits]) < limit
            assert bool(table[value % 10**prefix_digits]) == expected
            # The last-byte pre-filter may only reject ids that the full filter rejects too.
            assert by_last_byte[value.to_bytes(32, "big")[-1]] or not expected
    assert sum(sampling._last_byte_filter(5, 5072)) == 128  # share < 10 %: only even hashes


def test_a_too_narrow_filter_is_widened_and_stays_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = credit_codes(5_000)
    expected = sorted((ticket("42", i), i) for i in ids)[:400]
    monkeypatch.setattr(sampling, "_candidate_target", lambda size, k: 1)
    assert draw_lowest("42", ids, 400) == expected


def test_equal_tickets_break_by_id_and_prefixes_sort_first() -> None:
    pairs = [("0.5", "b"), ("0.12", "x"), ("0.5", "a"), ("0.120", "c"), ("0.1", "z")]
    assert sampling._sorted_without_duplicates(pairs) == [
        ("0.1", "z"),
        ("0.12", "x"),
        ("0.120", "c"),
        ("0.5", "a"),
        ("0.5", "b"),
    ]


def test_duplicate_ids_that_matter_are_rejected() -> None:
    ids = credit_codes(100)
    winner = draw_lowest("1", ids, 1)[0][1]
    with pytest.raises(ValueError, match="duplicate"):
        draw_lowest("1", [*ids, winner], 10)
    with pytest.raises(ValueError, match="duplicate"):
        list(iter_sample("1", [*ids, ids[50]]))


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        draw_lowest("1", ["a"], -1)
    with pytest.raises(ValueError):
        draw_lowest("1", ["a"], 1, processes=0)
    assert draw_lowest("1", [], 5) == [] and draw_lowest("1", ["a"], 0) == []


# --- the multiprocess path ---------------------------------------------------------------------


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=seeds, ids=id_lists, take=st.integers(min_value=0, max_value=45))
def test_multiprocess_equals_single_process(seed: str | int, ids: list[str], take: int) -> None:
    # Hypothesis ids include newlines and empty strings, exercising the workers' fallback path.
    assert draw_lowest(seed, ids, take, processes=2) == draw_lowest(seed, ids, take, processes=1)


@pytest.mark.parametrize("processes", [2, 3])
def test_multiprocess_on_a_larger_population(processes: int) -> None:
    ids = credit_codes(40_000) + ["东方红饭店", "Café", "a\u0301", "line\nbreak", ""]
    single = draw_lowest("2718281828", ids, 2_000, processes=1)
    assert draw_lowest("2718281828", ids, 2_000, processes=processes) == single
    assert single == sorted((ticket("2718281828", i), i) for i in ids)[:2_000]


def test_automatic_parallelism_above_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = credit_codes(3_000)
    expected = draw_lowest("99", ids, 150, processes=1)
    monkeypatch.setattr(sampling, "PARALLEL_THRESHOLD", 1_000)
    monkeypatch.setattr(sampling, "idle_cores", lambda: 2)
    assert sampling._worker_count(len(ids), None) == 2
    assert sampling._worker_count(999, None) == 1
    assert draw_lowest("99", ids, 150) == expected


def test_idle_cores_discounts_other_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sampling, "available_cores", lambda: 2)
    for load, expected in [(0.0, 2), (1.0, 2), (1.6, 1), (2.0, 1), (9.0, 1)]:
        monkeypatch.setattr(os, "getloadavg", lambda load=load: (load, load, load))
        assert sampling.idle_cores() == expected


def test_duplicates_are_caught_across_workers() -> None:
    ids = credit_codes(2_000)
    winner = draw_lowest("3", ids, 1)[0][1]
    with pytest.raises(ValueError, match="duplicate"):
        draw_lowest("3", [winner, *ids], 5, processes=2)


@pytest.mark.parametrize("processes", [1, 2])
def test_unencodable_ids_fail_like_the_reference(processes: int) -> None:
    ids = ["a", "b", "lone surrogate \ud800"]  # the surrogate lands in the worker's chunk
    with pytest.raises(UnicodeEncodeError):
        list(consistent_sampler.sampler(ids, seed="1", take=1))
    with pytest.raises(UnicodeEncodeError):
        draw_lowest("1", ids, 1, processes=processes)


def test_batch_ticket_building_matches_the_single_one() -> None:
    rng = random.Random(3)
    values = [0, 5, 10**63 - 1, 10**63, 2**256 - 1, *(rng.getrandbits(256) for _ in range(50))]
    assert sampling._tickets_from_hash_values(values) == [ticket_from_hash_value(v) for v in values]
    big_only = values[4:]
    assert sampling._tickets_from_hash_values(big_only) == list(
        map(ticket_from_hash_value, big_only)
    )
