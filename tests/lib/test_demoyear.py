"""The demo year's decisions (spotcheck.lib.demoyear): seeded, complete, and consistent with the
result rules they will be played through."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.lib import demoyear
from spotcheck.lib.results import (
    CheckpointFinding,
    Finding,
    ItemResult,
    VisitRecord,
    validate_measure,
    validate_visit,
)
from spotcheck.lib.workdays import is_workday, publication_deadline


def county_visits(count: int = 42) -> list[demoyear.VisitFacts]:
    visits = []
    for n in range(count):
        if n % 7 == 0:
            items = (("8", 1), ("9", 1), ("10", 1), ("11", 13))
            first, last = date(2022, 1, 1), date(2022, 12, 31)
        else:
            items = ((str(1 + n % 4), 3),)
            first, last = date(2022, 5, 1), date(2022, 10, 31)
        visits.append(demoyear.VisitFacts(f"2022/E{n:03d}", items, first, last))
    for n, day in enumerate((date(2022, 6, 18), date(2022, 10, 1))):
        visits.append(demoyear.VisitFacts(f"2022/event-{n}", (("5", 3),), day, day, event=True))
    return visits


def plan(seed: int, visits: list[demoyear.VisitFacts] | None = None) -> list[demoyear.PlannedVisit]:
    return demoyear.plan_year(
        visits or county_visits(), seed=seed, year=2022, earliest=date(2022, 3, 15)
    )


def test_same_seed_same_year_and_another_seed_another():
    assert plan(5) == plan(5)
    assert plan(5) != plan(6)


def test_every_ending_and_every_follow_up_is_played():
    planned = plan(2022)
    endings = [p.ending for p in planned if p.ending]
    assert sorted(endings) == sorted(demoyear.ENDING_CODES)
    kinds = {m.measure.kind for p in planned for m in p.measures}
    assert {"correction", "penalty", "notify", "transfer", "other"} <= set(kinds)
    assert any(m.measure.closed_on for p in planned for m in p.measures)
    assert any(not m.measure.closed_on and not m.recheck_on for p in planned for m in p.measures)
    assert sum(1 for p in planned if p.return_opinion) == 1
    events = [p for p in planned if p.key.startswith("2022/event")]
    assert events and not any(p.ending for p in events)
    assert [p.inspected_on for p in events] == [date(2022, 6, 18), date(2022, 10, 1)]


def test_too_few_visits_are_refused_with_the_number_needed():
    with pytest.raises(ValueError, match=f"至少{demoyear.minimum_visits()}个检查任务"):
        plan(1, county_visits(5))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_every_planned_record_passes_the_result_rules(seed):
    visits = {v.key: v for v in county_visits()}
    late = 0
    for entry in plan(seed):
        facts = visits[entry.key]
        assert facts.first_day <= entry.inspected_on <= facts.last_day
        assert entry.inspected_on >= min(facts.first_day, date(2022, 3, 15)) or facts.event
        due = publication_deadline(entry.inspected_on, workdays=20).due
        assert entry.published_on is not None and is_workday(entry.published_on)
        assert entry.published_on > entry.inspected_on
        assert (entry.published_on > due) == entry.overdue
        late += entry.overdue
        items = ()
        if not entry.ending:
            items = tuple(
                ItemResult(
                    item_key=key,
                    findings=tuple(
                        CheckpointFinding(
                            number=f.number, finding=f.finding, reason=f.reason, problem=f.problem
                        )
                        for f in (entry.findings or {})[key]
                    ),
                    # As submitted for review: the measures as taken, still open.
                    measures=tuple(m.opened for m in entry.measures if m.item == key),
                )
                for key, _ in facts.items
            )
        record = VisitRecord(
            inspected_on=entry.inspected_on,
            way=entry.way,
            present=("a", "b"),
            team=("a", "b"),
            representative="" if entry.ending else "负责人",
            ending=entry.ending or None,
            items=items,
        )
        checkpoints = {key: ["要点"] * count for key, count in facts.items}
        assert validate_visit(record, checkpoints, today=date(2026, 1, 1)) == []
        for m in entry.measures:
            assert validate_measure(m.measure) == [] and validate_measure(m.opened) == []
            if m.recheck_on is not None:
                assert m.measure.deadline is not None and m.recheck_on > m.measure.deadline
        if entry.findings:
            problems = [
                f for fs in entry.findings.values() for f in fs if f.finding is Finding.PROBLEM
            ]
            assert bool(problems) == bool(entry.measures)
    assert 1 <= late <= 2


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_each_step_is_dated_in_order_within_the_year(seed):
    """Notices, submissions, returns, approvals and publications happen on the year's days, in
    the order the actions require, the approval on or before the publication day; the same
    seed gives the same moments."""
    matched = datetime(2022, 3, 1, 14, 0)
    for entry in plan(seed):
        times = demoyear.timeline(entry, seed=seed, not_before=matched)
        assert times == demoyear.timeline(entry, seed=seed, not_before=matched)
        steps = [
            times.notice_at,
            times.delivered_at,
            times.submitted_at,
            times.returned_at,
            times.resubmitted_at,
            times.approved_at,
            times.published_at,
        ]
        moments = [m for m in steps if m is not None]
        assert moments == sorted(moments) and len(set(moments)) == len(moments)
        # a December inspection may be published in the new year, as it would be
        assert matched < moments[0] and moments[-1] < datetime(2023, 3, 1)
        assert times.notice_at.date() <= entry.inspected_on == times.submitted_at.date()
        assert (times.returned_at is not None) == bool(entry.return_opinion)
        assert times.approved_at.date() <= entry.published_on == times.published_at.date()
        assert is_workday(times.approved_at.date())
        if entry.announced:
            assert times.notice_at.date() < entry.inspected_on


@pytest.mark.parametrize("year", [2022, 2023, 2024])
def test_the_groundwork_is_dated_on_working_days_before_round_one(year):
    """setup-demo's accounts and directory, then the plan's import and publication, each on a
    working day of the plan's year in that order, before round 1's draw."""
    times = demoyear.groundwork(year)
    moments = [times.directory_at, times.plan_imported_at, times.plan_published_at]
    assert moments == sorted(moments) and len(set(moments)) == 3
    assert moments[-1] < demoyear.round_one(year).prepared_at
    assert all(m.year == year and is_workday(m.date()) for m in moments)
