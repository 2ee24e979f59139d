"""`spotcheck audit verify`, second half: the stored records against the verified documents.

The hash chain proves the audit log was not rewritten; it says nothing about the draw and
matching rows themselves. This recomputes every executed draw (from its frozen population and
seed) and every team matching (from its seed and lists) and compares them with the stored rows
(spotcheck.draws.integrity, spotcheck.inspections.integrity), and each matching's public record
as served with the digest this log recorded last for it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordsReport:
    draws: int
    matchings: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_stored_records() -> RecordsReport:
    # Imported here: the audit app is below the apps whose records it checks.
    from spotcheck.draws.integrity import all_draw_problems
    from spotcheck.inspections.integrity import all_matching_problems

    draws, draw_problems = all_draw_problems()
    matchings, matching_problems = all_matching_problems()
    return RecordsReport(draws, matchings, draw_problems + matching_problems)
