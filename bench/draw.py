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


class Timing:
    """Best wall-clock and best CPU time (this process plus finished workers) over several runs."""

    def __init__(self) -> None:
        self.wall = float("inf")
        self.cpu = float("inf")

    def measure(self, action: Callable[[], Result]) -> Result:
        cpu_before, start = cpu_seconds(), time.perf_counter()
        result = action()
        self.wall = min(self.wall, time.perf_counter() - start)
        self.cpu = min(self.cpu, cpu_seconds() - cpu_before)
        return result


def cpu_seconds() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


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
    # A forked worker's RSS counts the pages it shares with the parent, so it overstates.
    return f"peak RSS {own:,.0f} MiB (largest worker {children:,.0f} MiB incl. shared pages)"


def run(size: int, repeat: int, reference_max: int) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\n== N = {size:,} ids, k = {SHARE_PERCENT} % | load average {load} ==")
    ids = credit_codes(size)
    k = -(-size * SHARE_PERCENT // 100)
    print(f"ids generated, e.g. {ids[0]}, {ids[1]}; {peak_memory_mib()}")

    # Interleaved best-of-`repeat`, so that a burst of load elsewhere hits every variant alike.
    bare, one, two, auto = Timing(), Timing(), Timing(), Timing()
    chosen: set[int] = set()
    for _ in range(repeat):
        bare.measure(lambda: bare_loop(ids))
        drawn_one = one.measure(partial(draw_lowest, SEED, ids, k, processes=1))
        drawn_two = two.measure(partial(draw_lowest, SEED, ids, k, processes=2))
        chosen.add(idle_cores() if size >= PARALLEL_THRESHOLD else 1)
        drawn = auto.measure(partial(draw_lowest, SEED, ids, k))
        assert drawn == drawn_one == drawn_two, "single-process and multiprocess draws differ"
    print(f"best of {repeat}, wall clock (CPU time incl. workers):")
    print(
        f"(a) bare sha256 loop        {bare.wall:7.3f} s ({bare.cpu:6.3f})  {size / bare.wall / 1e6:.2f} M ids/s"
    )
    for label, timing in (("(b1) draw, 1 process", one), ("(b2) draw, 2 processes", two)):
        print(
            f"{label:27s} {timing.wall:7.3f} s ({timing.cpu:6.3f})  = {timing.wall / bare.wall:.2f} x bare"
            f" (CPU {timing.cpu / bare.cpu:.2f} x)"
        )
    workers = "/".join(str(c) for c in sorted(chosen))
    print(
        f"(b) draw_lowest, automatic  {auto.wall:7.3f} s ({auto.cpu:6.3f})  [{workers} process(es)]"
    )
    print(f"{peak_memory_mib()}")
    print(f"draw/bare = {auto.wall / bare.wall:.2f}   (target <= 1.3)")

    if size > reference_max:
        print(f"(c) reference skipped above {reference_max:,} ids (see --reference-max)")
        return
    reference = Timing()
    expected = reference.measure(lambda: reference_draw(ids, k))
    print(
        f"(c) consistent_sampler      {reference.wall:7.3f} s ({reference.cpu:6.3f})  {peak_memory_mib()}"
    )
    assert drawn == expected, "draw_lowest differs from consistent_sampler"
    print(f"identical output: {len(drawn):,} ids and full tickets")
    print(f"reference/draw = {reference.wall / auto.wall:.1f}   (target >= 5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated id counts")
    parser.add_argument("--quick", action="store_true", help="only 100,000 ids")
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant (best is kept)")
    parser.add_argument(
        "--reference-max",
        type=int,
        default=10_000_000,
        help="largest N on which to run the (slow, memory-hungry) reference",
    )
    args = parser.parse_args()
    sizes = [100_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    print(
        f"Python {sys.version.split()[0]}, {available_cores()} cores available, "
        f"OpenSSL-backed hashlib: {hashlib.sha256().name}"
    )
    for size in sizes:
        run(size, args.repeat, args.reference_max)


if __name__ == "__main__":
    main()
