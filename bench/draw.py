"""Benchmark the draw: spotcheck's draw_lowest against a bare SHA-256 loop and the reference.

    python bench/draw.py [--sizes 1000000,10000000] [--quick] [--reference-max N]

For each size N: generate N distinct ids shaped like 18-character unified social credit codes
(deterministic), then time, in this same process,
  (a) bare:      for i in ids: sha256((S + i).encode()).digest()   -- one core, same digests
  (b) draw:      spotcheck.lib.sampling.draw_lowest(seed, ids, k), k = 5 % of N, forced to one
                 and to two processes, then as callers get it (workers chosen automatically)
  (c) reference: consistent_sampler.sampler(ids, seed, take=k, digits=78)  (78 = untrimmed tickets)
assert (b) == (c) exactly (ids and full tickets), and print draw/bare (target <= 1.3) and
reference/draw (target >= 5). The reference runs only up to --reference-max ids; above that the
ratio is reported against the largest size where it ran. Peak memory is the process's maximum
resident set size so far (and that of finished worker processes), from resource.getrusage.
The machine may be shared: the load average is printed with each size.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

import consistent_sampler  # noqa: E402

from spotcheck.lib.sampling import (  # noqa: E402
    PARALLEL_THRESHOLD,
    available_cores,
    draw_lowest,
    idle_cores,
    seed_hash,
)

SEED = "31415926535897932384|bench"
SHARE_PERCENT = 5
# Registration authority + entity type, and six-digit administrative division codes.
CODE_PREFIXES = ("91", "92", "93", "52", "12", "11")
AREAS = ("110105", "310115", "440300", "370323", "410102", "510107", "330106", "420111")
CHECK_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # the GB 32100 alphabet (no I, O, S, V, Z)

Result = TypeVar("Result")


def credit_codes(count: int) -> list[str]:
    """`count` distinct, deterministic ids like 91370323MA3C4X5Y6K (18 characters)."""
    # An affine map n -> (a*n + b) mod 10**9 with a coprime to 10 is a bijection, so bodies are
    # distinct and look scrambled; prefix and check character are decorative.
    multiplier, offset, modulus = 387_420_489, 123_456_789, 10**9
    prefixes = [p + a for p in CODE_PREFIXES for a in AREAS]
    return [
        f"{prefixes[n % len(prefixes)]}{(multiplier * n + offset) % modulus:09d}"
        f"{CHECK_CHARACTERS[n % 31]}"
        for n in range(count)
    ]


def timed(action: Callable[[], Result], repeat: int = 1) -> tuple[float, Result]:
    """The best wall-clock time of `repeat` runs, and the last result."""
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        durations.append(time.perf_counter() - start)
    return min(durations), result


def bare_loop(ids: list[str]) -> bool:
    seed_hex = seed_hash(SEED)
    sha256 = hashlib.sha256
    for i in ids:
        sha256((seed_hex + i).encode()).digest()
    return True


def reference_draw(ids: list[str], k: int) -> list[tuple[str, str]]:
    drawn = consistent_sampler.sampler(ids, seed=SEED, take=k, digits=78)
    return [(number, entity_id) for number, entity_id, _generation in drawn]


def peak_memory_mib() -> str:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return f"peak RSS {own:,.0f} MiB (largest worker {children:,.0f} MiB)"


def run(size: int, repeat: int, reference_max: int) -> float | None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\n== N = {size:,} ids, k = {SHARE_PERCENT} % | load average {load} ==")
    ids = credit_codes(size)
    k = -(-size * SHARE_PERCENT // 100)
    print(f"ids generated, e.g. {ids[0]}, {ids[1]}; {peak_memory_mib()}")

    bare_seconds, _ = timed(lambda: bare_loop(ids), repeat)
    print(
        f"(a) bare sha256 loop      {bare_seconds:8.3f} s  ({bare_seconds / size * 1e9:.0f} ns/id)"
    )
    forced: dict[int, float] = {}
    results = []
    for processes in (1, 2):
        draw = partial(draw_lowest, SEED, ids, k, processes=processes)
        forced[processes], result = timed(draw, repeat)
        results.append(result)
        print(
            f"(b{processes}) draw, {processes} process{'es' if processes > 1 else '  '} "
            f"{forced[processes]:8.3f} s  = {forced[processes] / bare_seconds:.2f} x bare  "
            f"{peak_memory_mib()}"
        )
    chosen = idle_cores() if size >= PARALLEL_THRESHOLD else 1
    draw_seconds, drawn = timed(lambda: draw_lowest(SEED, ids, k), repeat)
    print(f"(b) draw_lowest, automatic {draw_seconds:8.3f} s  ({chosen} process(es) chosen)")
    assert drawn == results[0] == results[1], "single-process and multiprocess draws differ"
    print(f"draw/bare = {draw_seconds / bare_seconds:.2f}   (target <= 1.3)")

    if size > reference_max:
        print(f"(c) reference skipped above {reference_max:,} ids (see --reference-max)")
        return None
    reference_seconds, expected = timed(lambda: reference_draw(ids, k))
    print(f"(c) consistent_sampler     {reference_seconds:8.3f} s  {peak_memory_mib()}")
    assert drawn == expected, "draw_lowest differs from consistent_sampler"
    print(f"identical output: {len(drawn):,} ids and full tickets")
    print(f"reference/draw = {reference_seconds / draw_seconds:.1f}   (target >= 5)")
    return reference_seconds / draw_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated id counts")
    parser.add_argument("--quick", action="store_true", help="only 100,000 ids (best of 3)")
    parser.add_argument(
        "--reference-max",
        type=int,
        default=10_000_000,
        help="largest N on which to run the (slow, memory-hungry) reference",
    )
    args = parser.parse_args()
    sizes = [100_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    repeat = 3 if args.quick else 1
    print(
        f"Python {sys.version.split()[0]}, {available_cores()} cores available, "
        f"OpenSSL-backed hashlib: {hashlib.sha256().name}"
    )
    for size in sizes:
        run(size, repeat, args.reference_max)


if __name__ == "__main__":
    main()
