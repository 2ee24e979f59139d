from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from spotcheck.lib.workdays import (
    Deadline,
    Overrides,
    WorkdayCalendarError,
    add_workdays,
    covered_years,
    is_covered,
    is_workday,
    publication_deadline,
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


# --- agency overrides and publication deadlines ----------------------------------------------


def test_deadline_across_2022_national_day_with_make_up_weekend() -> None:
    # Wednesday 2022-09-28: Sep 29-30 (2), Sat Oct 8 and Sun Oct 9 made working days (4),
    # Oct 10-14 (9), Oct 17-21 (14), Oct 24-28 (19), Mon Oct 31 (20).
    deadline = publication_deadline(date(2022, 9, 28))
    assert deadline.due == date(2022, 10, 31)
    assert deadline.warnings == () and not deadline.estimated
    assert is_workday(date(2022, 10, 8)) and is_workday(date(2022, 10, 9))
    assert publication_deadline(date(2022, 9, 28), workdays=3).due == date(2022, 10, 8)
    assert publication_deadline(date(2022, 9, 28), workdays=0).due == date(2022, 9, 28)
    with pytest.raises(ValueError, match="不能为负数"):
        publication_deadline(date(2022, 9, 28), workdays=-1)


OVERRIDES_2027 = Overrides.of(
    holidays=[date(2027, 2, 8) + timedelta(days=i) for i in range(5)],  # Mon-Fri
    workdays=[date(2027, 2, 20)],  # a Saturday
)


def test_2027_from_the_override_table() -> None:
    assert LAST_YEAR < 2027, "chinesecalendar now covers 2027: move this test to a later year"
    # Fri 2027-01-29: Feb 1-5 (5), Feb 8-12 off, Feb 15-19 (10), Sat Feb 20 (11),
    # Feb 22-26 (16), Mar 1-4 (20).
    deadline = publication_deadline(date(2027, 1, 29), overrides=OVERRIDES_2027)
    assert deadline == Deadline(date(2027, 3, 4))
    assert add_workdays(date(2027, 1, 29), 20, OVERRIDES_2027) == date(2027, 3, 4)
    assert workdays_between(date(2027, 1, 29), date(2027, 3, 4), OVERRIDES_2027) == 20
    assert is_workday(date(2027, 2, 20), OVERRIDES_2027)
    assert not is_workday(date(2027, 2, 10), OVERRIDES_2027)
    assert not is_workday(date(2027, 2, 21), OVERRIDES_2027)  # ordinary Sunday
    assert is_covered(date(2027, 7, 1), OVERRIDES_2027)
    assert not is_covered(date(2028, 7, 1), OVERRIDES_2027)


def test_a_year_covered_by_neither_warns_and_never_raises() -> None:
    year = LAST_YEAR + 1
    start = date(year, 3, 1)
    deadline = publication_deadline(start)
    assert deadline.estimated
    (warning,) = deadline.warnings
    assert f"{year}年的节假日安排尚未录入" in warning and "周一至周五估算" in warning
    assert deadline.due.weekday() < 5
    with pytest.raises(WorkdayCalendarError, match="自定义节假日表"):
        add_workdays(start, 20)


def test_deadline_from_december_warns_only_for_the_next_year() -> None:
    deadline = publication_deadline(date(LAST_YEAR, 12, 21))
    assert [w[:4] for w in deadline.warnings] == [str(LAST_YEAR + 1)]
    declared = Overrides.of(years=[LAST_YEAR + 1])
    assert publication_deadline(date(LAST_YEAR, 12, 21), overrides=declared).warnings == ()


def test_overrides_win_inside_covered_years() -> None:
    local_holiday = Overrides.of(holidays=[date(2024, 10, 14)])
    assert not is_workday(date(2024, 10, 14), local_holiday)
    assert is_workday(date(2024, 10, 14))
    # 2024-09-23 + 20 is 2024-10-24 (see above); one more holiday pushes it a day.
    assert publication_deadline(date(2024, 9, 23), overrides=local_holiday).due == date(
        2024, 10, 25
    )
    with pytest.raises(ValueError, match="既是节假日又是调休工作日：2024-10-14"):
        Overrides.of(holidays=[date(2024, 10, 14)], workdays=[date(2024, 10, 14)])


@given(covered_days, st.integers(min_value=0, max_value=45))
def test_deadline_agrees_with_add_workdays_where_covered(start: date, count: int) -> None:
    deadline = publication_deadline(start, workdays=count)
    if deadline.estimated:
        assume(False)
    assert deadline.due == add_workdays(start, count)
