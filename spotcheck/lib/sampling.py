"""Rivest's consistent sampling, byte-compatible with the `consistent-sampler` package.

S = sha256_hex(str(seed)); ticket(id) = "0." + reversed("{:064d}".format(int(sha256_hex(S + id), 16))).
Lower tickets are drawn first. A ticket depends only on the seed and the id.

Ids are hashed exactly as given (like the reference). Public identifiers are NFC-normalised where
they enter the system (see `normalize_id` and `spotcheck.lib.drawdoc`), not here, so that anyone can
feed the very same strings to `consistent_sampler.sampler(ids, seed=SEED, digits=78)` and compare.

Ticket strings have a variable length: the decimal form of a 256-bit number has up to 78 digits and
`{:064d}` only pads, never truncates. Strings are compared as Python compares them (code point by
code point), which is what the reference's heap does; equal tickets would break by id.

Why `draw_lowest` is fast
-------------------------
Reversing the decimal digits means the first q digits of a ticket are the q lowest decimal digits of
the hash value h, read from the units digit upwards: they depend only on ``h mod 10**q``. So "the
ticket starts with a q-digit prefix below j" is a table look-up on ``h mod 10**q``; no ticket string
is needed to decide that an id cannot win. We pick j from the expected share k/n plus a wide safety
margin, keep the ids that pass (about k of them), and build full ticket strings only for those.

Exactness: let C be the kept ids. Any id x outside C has a q-digit prefix >= j, greater than the
prefix of every member of C, hence a strictly greater ticket than all of them. If |C| >= k, x is
beaten by at least k ids and cannot be among the lowest k, so the lowest k of C are the lowest k of
all. If |C| < k (astronomically rare with the margin used) we retry with a larger j, and j = 10**q
keeps everything. The result never depends on the margin, only the running time does.

Two more exact shortcuts: ids are hashed from a copy of the SHA-256 state after the seed hash (the
same digest as hashing S + id), and since 2**p divides 10**q, the last digest byte alone already
rules out ids whose h mod 2**p no passing residue has (half of all ids for shares below 10 %).

Large inputs use the idle cores: the ids are joined once into a UTF-8 buffer, forked workers scan
byte ranges of it and return their lowest k + 1, and the parent merges. Per-part bottom-k merged
is the overall bottom-k because a ticket depends only on its own id.
"""

from __future__ import annotations

import gc
import hashlib
import math
import multiprocessing
import os
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import compress, islice, pairwise
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from operator import eq, itemgetter

Seed = str | int
"""A seed is hashed through `str(seed)`, so an int seed and its decimal string are the same seed."""

TicketAndId = tuple[str, str]

PARALLEL_THRESHOLD = 500_000
"""Below this many ids, forking workers saves too little to be worth it."""

BATCH_BYTES = 1 << 20
"""Worker processes split the joined ids about this many bytes at a time."""

MAX_PREFIX_DIGITS = 5
"""Digits of the ticket prefix used to pre-filter; the look-up table has 10**q entries."""


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_id(entity_id: str) -> str:
    """Public identifiers are compared and hashed in NFC form."""
    return unicodedata.normalize("NFC", entity_id)


def seed_hash(seed: Seed) -> str:
    return sha256_hex(str(seed))


def ticket(seed: Seed, entity_id: str) -> str:
    """The full ticket string of one id, exactly as `consistent-sampler` prints it."""
    return ticket_from_hash_value(int(sha256_hex(seed_hash(seed) + entity_id), 16))


def ticket_from_hash_value(hash_value: int) -> str:
    """The ticket string for a SHA-256 value already converted to an int."""
    return "0." + format(hash_value, "064d")[::-1]


def iter_sample(seed: Seed, ids: Iterable[str], take: int | None = None) -> Iterator[TicketAndId]:
    """(ticket, id) pairs in drawing order: all ids when `take` is None, else the lowest `take`."""
    if take is not None:
        yield from draw_lowest(seed, ids, take)
        return
    prefix = seed_hash(seed)
    pairs = [(ticket_from_hash_value(int(sha256_hex(prefix + i), 16)), i) for i in ids]
    yield from _sorted_without_duplicates(pairs)


def draw_lowest(
    seed: Seed, ids: Iterable[str], k: int, *, processes: int | None = None
) -> list[TicketAndId]:
    """The k lowest (ticket, id) pairs, lowest first; equal to sorting all tickets and cutting.

    `processes`: None uses the idle cores (see idle_cores) for inputs of at least
    PARALLEL_THRESHOLD ids and stays in-process below it; an explicit number is used as given
    (1 = in-process). Workers are
    forked (POSIX only; elsewhere the draw stays in-process) and run only this module's hashing
    loop, but as with any fork, avoid calling it while other threads hold locks the loop needs.
    Ids must be distinct; a duplicate among the ids that pass the prefix filter (which always
    includes the winners) raises ValueError. Callers that need a full check do it themselves.
    """
    if k < 0:
        raise ValueError(f"k must not be negative, got {k}")
    population = ids if isinstance(ids, list | tuple) else list(ids)
    if k == 0 or not population:
        return []
    workers = _worker_count(len(population), processes)
    target = _candidate_target(len(population), k)
    while True:
        prefix_digits, prefix_limit = _prefix_cut(len(population), target)
        if workers > 1:
            candidates = _scan_in_workers(
                population, seed_hash(seed), prefix_digits, prefix_limit, k, workers
            )
        else:
            batches = [map(str.encode, population)]
            candidates = _scan(batches, seed_hash(seed), prefix_digits, prefix_limit, k)
        if len(candidates) >= k or prefix_limit >= 10**prefix_digits:
            return candidates[:k]  # already sorted and checked for duplicates
        target *= 2  # too few passed the prefix filter: widen it (exactness never depends on it)


def _candidate_target(population_size: int, k: int) -> int:
    """How many ids the prefix filter should let through: k plus ~7 standard deviations."""
    return k + 7 * math.isqrt(k) + 32 if k < population_size else population_size


def _prefix_cut(population_size: int, target: int) -> tuple[int, int]:
    """(q, j): keep ids whose first q ticket digits, as a number, are below j."""
    if target >= population_size // 2:
        return 0, 1  # a filter would save little: keep everything (10**0 == 1)
    # About size / 100 table entries: the prefix granularity then adds at most ~100 candidates.
    prefix_digits = max(1, min(MAX_PREFIX_DIGITS, len(str(population_size)) - 2))
    scale = 10**prefix_digits
    # ceil(scale * target / size): expected survivors are at least `target`.
    return prefix_digits, min(scale, -(-scale * target // population_size))


@lru_cache(maxsize=MAX_PREFIX_DIGITS + 1)
def _reversed_prefixes(prefix_digits: int) -> list[int]:
    """For each residue r = h mod 10**q, the first q ticket digits as a number (r's digits reversed)."""
    if prefix_digits == 0:
        return [0]
    # r = 10 m + d: its first ticket digit is d, followed by the q - 1 reversed digits of m.
    shorter, lead = _reversed_prefixes(prefix_digits - 1), 10 ** (prefix_digits - 1)
    return [d * lead + rest for rest in shorter for d in range(10)]


@lru_cache(maxsize=8)
def _prefix_filter(prefix_digits: int, prefix_limit: int) -> bytes:
    """Byte r is 1 when an id with h mod 10**q == r has a ticket prefix below the limit."""
    return bytes(map(prefix_limit.__gt__, _reversed_prefixes(prefix_digits)))


@lru_cache(maxsize=8)
def _last_byte_filter(prefix_digits: int, prefix_limit: int) -> bytes:
    """Byte b is 0 when no id whose digest ends in byte b can pass `_prefix_filter`.

    2**p divides 10**q for p <= q, so h mod 2**p (the low p bits of the digest's last byte, p <= 8)
    is determined by h mod 10**q. E.g. a share below 10 % needs ticket digit 1 == h mod 10 == 0,
    so h is even: half of all ids are rejected by their last byte alone. Exact, never lossy.
    """
    low_bits = 2 ** min(prefix_digits, 8)
    passes = _prefix_filter(prefix_digits, prefix_limit)
    possible = {residue % low_bits for residue in compress(range(len(passes)), passes)}
    return bytes(byte % low_bits in possible for byte in range(256))


def _scan(
    batches: Iterable[Iterable[bytes]], seed_hex: str, prefix_digits: int, prefix_limit: int, k: int
) -> list[TicketAndId]:
    """Hash every UTF-8 id once; the lowest k + 1 (ticket, id) among those passing the filter."""
    # Hashing from a copy of the state after the seed hash skips the costly per-id constructor;
    # the digest is the same as sha256((S + id).encode()) because S is ASCII.
    copy_seeded = hashlib.sha256(seed_hex.encode("ascii")).copy
    from_bytes = int.from_bytes
    kept_values: list[int] = []
    kept_ids: list[bytes] = []
    keep_value, keep_id = kept_values.append, kept_ids.append
    keep_all = prefix_limit >= 10**prefix_digits
    modulus = 10**prefix_digits
    passes = b"" if keep_all else _prefix_filter(prefix_digits, prefix_limit)
    last_byte_may_pass = b"" if keep_all else _last_byte_filter(prefix_digits, prefix_limit)
    for batch in batches:
        if keep_all:
            for encoded_id in batch:
                state = copy_seeded()
                state.update(encoded_id)
                keep_value(from_bytes(state.digest()))
                keep_id(encoded_id)
            continue
        for encoded_id in batch:
            state = copy_seeded()
            state.update(encoded_id)
            digest = state.digest()
            # A one-byte look-up rejects many ids before the costlier integer conversion.
            if last_byte_may_pass[digest[-1]]:
                hash_value = from_bytes(digest)  # big-endian by default (3.11+)
                if passes[hash_value % modulus]:
                    keep_value(hash_value)
                    keep_id(encoded_id)
    tickets = _tickets_from_hash_values(kept_values)
    ids = list(map(bytes.decode, kept_ids))
    # One more than k, so that a duplicate id straddling the cut is still detected after a merge.
    return _lowest_pairs(tickets, ids, k + 1)


def _joined_lines(joined: bytes, start: int, stop: int) -> Iterator[list[bytes]]:
    """The LF-separated items of joined[start:stop], split about BATCH_BYTES at a time.

    Splitting window by window keeps a worker's own memory small and reused.
    """
    while True:
        end = joined.find(b"\n", start + BATCH_BYTES, stop)
        if end < 0:
            yield joined[start:stop].split(b"\n")
            return
        yield joined[start:end].split(b"\n")
        start = end + 1


# Set in the parent just before forking: workers inherit it instead of receiving a pickled copy.
_forked_joined_ids = b""


def _scan_forked_range(
    byte_range: tuple[int, int], seed_hex: str, cut: tuple[int, int], k: int
) -> list[TicketAndId]:
    return _scan(_joined_lines(_forked_joined_ids, *byte_range), seed_hex, *cut, k)


def _worker_main(
    byte_range: tuple[int, int], seed_hex: str, cut: tuple[int, int], k: int, connection: Connection
) -> None:
    """Body of a forked worker: scan one range, send back its lowest pairs or the exception."""
    try:
        connection.send(("ok", _scan_forked_range(byte_range, seed_hex, cut, k)))
    except BaseException as error:  # every failure, even KeyboardInterrupt, must reach the parent
        connection.send(("error", error))
    finally:
        connection.close()


def _scan_in_workers(
    ids: Sequence[str], seed_hex: str, prefix_digits: int, prefix_limit: int, k: int, workers: int
) -> list[TicketAndId]:
    """Scan one part of the ids here and the others in forked worker processes, then merge.

    The ids are joined into one LF-separated UTF-8 buffer first, and every process reads its byte
    range of that buffer. Why: merely iterating or slicing the list of strs writes their reference
    counts, and after a fork every such write copies a memory page; the buffer is only read.
    """
    global _forked_joined_ids
    cut = (prefix_digits, prefix_limit)
    joined = "\n".join(ids).encode("utf-8")
    if joined.count(b"\n") != len(ids) - 1:  # an id contains a newline: stay in-process
        return _scan([map(str.encode, ids)], seed_hex, prefix_digits, prefix_limit, k)
    # Cut at separators near equal byte offsets; each range then holds whole ids only.
    cuts = sorted(
        {joined.find(b"\n", len(joined) * w // workers) for w in range(1, workers)} - {-1}
    )
    ranges = list(zip([0] + [c + 1 for c in cuts], cuts + [len(joined)], strict=True))
    if prefix_limit < 10**prefix_digits:
        _last_byte_filter(prefix_digits, prefix_limit)  # build the tables once, before forking
    context = multiprocessing.get_context("fork")
    running: list[tuple[BaseProcess, Connection]] = []
    _forked_joined_ids = joined
    gc.freeze()  # the workers' garbage collector then leaves the inherited objects (and pages) alone
    try:
        for byte_range in ranges[1:]:
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_worker_main, args=(byte_range, seed_hex, cut, k, sender), daemon=True
            )
            process.start()
            sender.close()
            running.append((process, receiver))
        parts = [_scan_forked_range(ranges[0], seed_hex, cut, k)]
        for worker, receiver in running:
            try:
                status, payload = receiver.recv()
            except EOFError:
                raise RuntimeError(f"draw worker {worker.pid} exited without a result") from None
            if status != "ok":
                raise payload
            parts.append(payload)
    finally:
        gc.unfreeze()
        _forked_joined_ids = b""
        for worker, receiver in running:
            receiver.close()
            if worker.is_alive():
                worker.terminate()
            worker.join()
    tickets = [ticket for part in parts for ticket, _ in part]
    ids_of_tickets = [entity_id for part in parts for _, entity_id in part]
    return _lowest_pairs(tickets, ids_of_tickets, k + 1)


def _worker_count(population_size: int, processes: int | None) -> int:
    if processes is None:
        if population_size < PARALLEL_THRESHOLD:
            return 1
        processes = idle_cores()
    if processes < 1:
        raise ValueError(f"processes must be at least 1, got {processes}")
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(processes, population_size)


def available_cores() -> int:
    """Cores this process may run on (respects CPU affinity, e.g. in containers)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def idle_cores() -> int:
    """Available cores minus other runnable work (1-minute load average, less our own process).

    Why: a worker forked onto a core that is already busy only adds fork and merge overhead.
    """
    cores = available_cores()
    try:
        others = max(0.0, os.getloadavg()[0] - 1.0)
    except (AttributeError, OSError):  # no load average on this platform
        return cores
    return max(1, min(cores, round(cores - others)))


def _lowest_pairs(tickets: list[str], ids: Sequence[str], limit: int) -> list[TicketAndId]:
    """The `limit` lowest (ticket, id) pairs of the parallel lists `tickets` (reused) and `ids`."""
    # Sorting bare ticket strings and looking ids up afterwards avoids building and comparing a
    # tuple per candidate. Equal tickets (duplicate ids) shrink the dict: take the careful path.
    id_of_ticket = dict(zip(tickets, ids, strict=True))
    if len(id_of_ticket) < len(tickets):
        return _sorted_without_duplicates(list(zip(tickets, ids, strict=True)))[:limit]
    tickets.sort()
    del tickets[limit:]
    return list(zip(tickets, map(id_of_ticket.__getitem__, tickets), strict=True))


_reverse = itemgetter(slice(None, None, -1))


def _tickets_from_hash_values(hash_values: list[int]) -> list[str]:
    """ticket_from_hash_value for many values, with the per-item work done by C-level maps."""
    digits = list(map(str, hash_values))
    if digits and min(map(len, digits)) < 64:  # h < 10**63: pad like "{:064d}" (p ~ 1e-14 per id)
        digits = [d.zfill(64) for d in digits]
    return list(map("0.".__add__, map(_reverse, digits)))


def _sorted_without_duplicates(pairs: list[TicketAndId]) -> list[TicketAndId]:
    """Sort in place by ticket, break (practically impossible) equal tickets by id.

    Equal tickets with equal ids are a duplicate id: ValueError.
    """
    pairs.sort(key=itemgetter(0))
    tickets = [t for t, _ in pairs]
    if not any(map(eq, tickets, islice(tickets, 1, None))):
        return pairs
    pairs.sort()  # rare path: equal tickets, order those by id
    for (t1, id1), (t2, id2) in pairwise(pairs):
        if t1 == t2 and id1 == id2:
            raise ValueError(f"duplicate id in population: {id1!r}")
    return pairs
