"""The scheduling rule, the month grid and a visit's stage (spotcheck.lib.schedule)."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from spotcheck.lib.schedule import (
    Stage,
    month_weeks,
    schedule_problem,
    shift_month,
    visit_stage,
)

WINDOW = (date(2022, 5, 1), date(2022, 6, 30))


def problem(start: date, end: date, max_days: int = 5) -> str | None:
    return schedule_problem(start, end, window=WINDOW, window_label="5月—6月", max_days=max_days)


def test_a_day_or_a_short_range_inside_the_window_is_accepted():
    assert problem(date(2022, 5, 1), date(2022, 5, 1)) is None
    assert problem(date(2022, 6, 26), date(2022, 6, 30)) is None


def test_outside_the_window_is_refused_naming_the_window():
    message = problem(date(2022, 4, 30), date(2022, 5, 2))
    assert message is not None
    assert "5月—6月" in message and "2022-05-01至2022-06-30" in message
    assert "2022-04-30" in message
    assert problem(date(2022, 6, 30), date(2022, 7, 1)) is not None


def test_a_range_longer_than_the_setting_is_refused():
    message = problem(date(2022, 5, 1), date(2022, 5, 6))
    assert message is not None and "最多安排连续5天" in message and "共6天" in message
    assert problem(date(2022, 5, 1), date(2022, 5, 6), max_days=6) is None


def test_an_end_before_the_start_is_refused():
    assert "不能晚于" in (problem(date(2022, 5, 3), date(2022, 5, 2)) or "")


@given(
    start=st.dates(date(2022, 1, 1), date(2022, 12, 31)),
    length=st.integers(0, 10),
    max_days=st.integers(1, 7),
)
def test_accepted_exactly_when_inside_and_short_enough(start, length, max_days):
    end = start + timedelta(days=length)
    inside = WINDOW[0] <= start and end <= WINDOW[1]
    assert (problem(start, end, max_days) is None) == (inside and length + 1 <= max_days)


def test_month_grid_starts_on_monday_and_holds_every_day_once():
    weeks = month_weeks(2022, 5)  # 1 May 2022 was a Sunday
    assert weeks[0][:6] == [None] * 6 and weeks[0][6] == date(2022, 5, 1)
    days = [d for week in weeks for d in week if d is not None]
    assert days == [date(2022, 5, n) for n in range(1, 32)]
    assert all(len(week) == 7 for week in weeks)


def test_shift_month_crosses_years():
    assert shift_month(2022, 12, 1) == (2023, 1)
    assert shift_month(2022, 1, -1) == (2021, 12)


def test_stage_follows_the_years_work():
    assert visit_stage(matched=False, notified=False, result_state=None) is Stage.PLANNED
    assert visit_stage(matched=True, notified=False, result_state=None) is Stage.MATCHED
    assert visit_stage(matched=True, notified=False, result_state="not_entered") is Stage.MATCHED
    assert visit_stage(matched=True, notified=True, result_state=None) is Stage.NOTIFIED
    assert visit_stage(matched=True, notified=True, result_state="pending").label == "已录入"
    assert visit_stage(matched=True, notified=True, result_state="approved") is Stage.REVIEWED
    assert visit_stage(matched=True, notified=True, result_state="published").done
    assert not Stage.NOTIFIED.done
