from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from spotcheck.lib.workdays import (
    WorkdayCalendarError,
    add_workdays,
    covered_years,
    is_workday,
    workdays_between,
)

FIRST_YEAR, LAST_YEAR = covered_years()


def test_coverage_includes_recent_years() -> None:
    assert FIRST_YEAR <= 2022 and LAST_YEAR >= 2025


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 2, 4), True),  # Sunday made a working day for the Spring Festival
        (date(2024, 2, 12), False),  # Monday in the Spring Festival holiday
        (date(2024, 9, 29), True),  # Sunday made a working day for National Day
        (date(2024, 10, 7), False),
        (date(2024, 10, 12), True),  # Saturday made a working day
        (date(2024, 10, 13), False),  # ordinary Sunday
        (date(2024, 10, 14), True),  # ordinary Monday
        (datetime(2024, 5, 1, 9, 0), False),  # Labour Day, datetime accepted
    ],
)
def test_is_workday(day: date, expected: bool) -> None:
    assert is_workday(day) is expected


def test_add_workdays_skips_holidays_and_counts_adjusted_weekends() -> None:
    friday = date(2024, 9, 27)
    assert add_workdays(friday, 0) == friday
    assert add_workdays(friday, 1) == date(2024, 9, 29)
    assert add_workdays(friday, 2) == date(2024, 9, 30)
    assert add_workdays(friday, 3) == date(2024, 10, 8)
    assert add_workdays(date(2024, 10, 8), -1) == date(2024, 9, 30)


def test_twenty_working_days_for_publication() -> None:
    # Check completed Monday 2024-09-23: Sep 24-27 (4), Sun Sep 29 (5), Sep 30 (6),
    # Oct 8-11 (10), Sat Oct 12 (11), Oct 14-18 (16), Oct 21-24 (20).
    assert add_workdays(date(2024, 9, 23), 20) == date(2024, 10, 24)
    assert workdays_between(date(2024, 9, 23), date(2024, 10, 24)) == 20


def test_outside_coverage_is_a_clear_error() -> None:
    with pytest.raises(WorkdayCalendarError, match=f"仅覆盖{FIRST_YEAR}年至{LAST_YEAR}年"):
        is_workday(date(LAST_YEAR + 1, 1, 5))
    with pytest.raises(WorkdayCalendarError, match=str(LAST_YEAR + 1)):
        add_workdays(date(LAST_YEAR, 12, 20), 30)
    with pytest.raises(WorkdayCalendarError):
        workdays_between(date(FIRST_YEAR - 1, 6, 1), date(FIRST_YEAR, 6, 1))


covered_days = st.dates(min_value=date(FIRST_YEAR, 1, 1), max_value=date(LAST_YEAR, 12, 31))


@given(covered_days, st.integers(min_value=0, max_value=45))
def test_workdays_between_inverts_add_workdays(start: date, count: int) -> None:
    try:
        end = add_workdays(start, count)
    except WorkdayCalendarError:
        assume(False)
        raise
    assert workdays_between(start, end) == count
    assert count == 0 or is_workday(end)


@given(covered_days, st.integers(min_value=0, max_value=40))
def test_workdays_between_is_antisymmetric(start: date, days: int) -> None:
    end = start + timedelta(days=days)
    assume(end.year <= LAST_YEAR)
    assert workdays_between(end, start) == -workdays_between(start, end)
