"""Chinese working days, for deadlines such as "publish results within 20 working days".

A thin wrapper on `chinesecalendar`, which knows the State Council's yearly holiday arrangements,
including the weekend days turned into working days (调休). Its data stops at the last year the
package was released for; beyond it the library raises NotImplementedError, which we turn into a
clear error instead of silently counting Mondays to Fridays.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar


class WorkdayCalendarError(ValueError):
    """A date lies outside the years the holiday data covers; the message is Chinese."""


def covered_years() -> tuple[int, int]:
    """First and last year the installed chinesecalendar has holiday arrangements for."""
    years = [day.year for day in chinese_calendar.holidays]
    return min(years), max(years)


def _as_date(day: date) -> date:
    # datetime is a subclass of date; compare and step whole days only.
    return day.date() if isinstance(day, datetime) else day


def _require_covered(*days: date) -> None:
    first, last = covered_years()
    for day in days:
        if not first <= day.year <= last:
            raise WorkdayCalendarError(
                f"节假日数据仅覆盖{first}年至{last}年，无法计算{day.year}年的工作日"
                f"（{day.isoformat()}）；请升级chinesecalendar以取得国务院最新的放假安排"
            )


def is_workday(day: date) -> bool:
    """True on a working day in mainland China, counting 调休 weekend working days."""
    day = _as_date(day)
    _require_covered(day)
    return bool(chinese_calendar.is_workday(day))


def add_workdays(start: date, count: int) -> date:
    """The `count`-th working day after `start` (before it when negative); `start` if 0.

    `start` itself is never counted, so a check completed on Friday with a 20-working-day
    publication limit is due on the 20th working day after that Friday.
    """
    day = _as_date(start)
    step = timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if is_workday(day):
            remaining -= 1
    return day


def workdays_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is earlier.

    Inverse of `add_workdays` for positive counts: workdays_between(d, add_workdays(d, n)) == n.
    """
    first, last = _as_date(start), _as_date(end)
    if last < first:
        return -workdays_between(last, first)
    _require_covered(first, last)
    return sum(
        1
        for offset in range(1, (last - first).days + 1)
        if chinese_calendar.is_workday(first + timedelta(days=offset))
    )
