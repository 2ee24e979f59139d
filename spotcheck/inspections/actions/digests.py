"""Inspection workflows, corrections: the audit log told why a matching's public record is
served otherwise than its digest was recorded.

The audit entries of a matching, of each replacement and of each kit issued keep the SHA-256 of
the public record as it was then (`public_sha256`). Two changes of what the public record holds
came after digests were first recorded: `seed_source` is published (1bf5690) and phone numbers
in replacement reasons are masked (ad55395). The record of an earlier matching is served in the
new form, so its digest no longer equals the one recorded, and `spotcheck audit verify` names
it. `correct_matching_digests` records, for each such matching, that the old digest is that of
the record in its earlier form and which new digest replaces it; a record that no earlier rule
explains is left as it is, reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from spotcheck.accounts.permissions import Actor
from spotcheck.audit.models import record
from spotcheck.inspections.integrity import CORRECTION_ACTION, recorded_digests, served_digest
from spotcheck.inspections.models import TeamMatching
from spotcheck.kit.verify_draw import record_seed
from spotcheck.lib import matching_public

EARLIER_RULE_LABELS = {
    matching_public.SEED_SOURCE_PUBLISHED: "公开记录还没有种子来源（seed_source）时",
    matching_public.REASONS_MASKED: "替换原因按原文公开（现遮蔽其中的电话号码）时",
}


@dataclass(frozen=True)
class DigestCorrection:
    """One matching's correction: the digest recorded (and the entry that recorded it), the
    digest of the record served, the earlier rules that explain the old one, the entry written."""

    old_sha256: str
    old_entry: int
    new_sha256: str
    rules: tuple[str, ...]
    entry: int


@dataclass(frozen=True)
class CorrectedDigests:
    """What `correct_matching_digests` did: the matchings with a recorded digest it read, the
    correction of each matching corrected (by id, in order), and the matchings whose served
    record no earlier rule explains (left for audit verify)."""

    matchings: int
    corrected: dict[int, DigestCorrection]
    unexplained: list[int]


def correct_matching_digests(*, actor: Actor, now: datetime | None = None) -> CorrectedDigests:
    """For every matching whose public record, as served, differs from the digest the audit
    log recorded last for it: when that digest is the record's under earlier rules
    (`matching_public.earlier_forms`: without `seed_source`, reasons as written), one audit
    entry on the matching with the old digest (and the entry that recorded it), the new one
    (`public_sha256`, what `spotcheck audit verify` compares from then on) and the rules. Any
    other difference is not explained away: the matching is listed as unexplained and audit
    verify keeps naming it. Nothing served changes. Idempotent: once corrected, a matching's
    last digest is the served one and a second run writes nothing. One transaction; the
    matchings are locked, so no replacement records a digest meanwhile."""
    now = now or timezone.now()
    with transaction.atomic():
        matchings = list(
            TeamMatching.objects.select_for_update(of=("self",))
            .select_related("plan", "event")
            .order_by("pk")
        )
        recorded = recorded_digests()  # read under the locks: nothing recorded since
        corrected: dict[int, DigestCorrection] = {}
        unexplained: list[int] = []
        read = 0
        for match in matchings:
            last = recorded.get(match.pk)
            if last is None:
                continue
            read += 1
            served = served_digest(match)
            if served == last.sha256:
                continue
            public = match.public_document()
            undone = next(
                (
                    rules
                    for rules, earlier in matching_public.earlier_forms(public, match.document)
                    if matching_public.public_sha256(earlier) == last.sha256
                ),
                None,
            )
            if undone is not None and matching_public.SEED_SOURCE_PUBLISHED in undone:
                # the recorded digest covered no seed source: the one served now must give the
                # seed that digest did cover, as a verifier recomputes it, or it explains nothing
                seed, _ = record_seed(public)
                if seed != public.get("seed"):
                    undone = None
            if undone is None:
                unexplained.append(match.pk)
                continue
            entry = record(
                actor=actor,
                action=CORRECTION_ACTION,
                obj=match,
                details={
                    "old_sha256": last.sha256,
                    "old_entry": last.seq,
                    "public_sha256": served,
                    "earlier_rules": list(undone),
                },
                at=now,
            )
            corrected[match.pk] = DigestCorrection(last.sha256, last.seq, served, undone, entry.seq)
    return CorrectedDigests(matchings=read, corrected=corrected, unexplained=unexplained)
