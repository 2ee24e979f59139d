"""Chinese working days, for deadlines such as "publish results within 20 working days".

A thin wrapper on `chinesecalendar`, which knows the State Council's yearly holiday arrangements,
including the weekend days turned into working days (调休). Its data stops at the last year the
package was released for; beyond it the library raises NotImplementedError, which we turn into a
clear error instead of silently counting Mondays to Fridays.

An agency may keep its own table (`Overrides`): extra holidays and make-up working days. The
table wins over chinesecalendar on the days it names, and a year it declares (by listing any date
of that year, or in `years`) counts as covered: its other days are Monday to Friday. That is how
administrators enter the arrangements for years after the package's data ends.

`publication_deadline` never raises for an uncovered year: it counts Monday to Friday there and
returns a warning saying so, for the page and the CLI to show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import chinese_calendar

DEFAULT_PUBLICATION_WORKDAYS = 20
"""Results are published within 20 working days of the check (domain.md); a setting."""


class WorkdayCalendarError(ValueError):
    """A date lies outside the years the holiday data covers; the message is Chinese."""


def covered_years() -> tuple[int, int]:
    """First and last year the installed chinesecalendar has holiday arrangements for."""
    years = [day.year for day in chinese_calendar.holidays]
    return min(years), max(years)


def _as_date(day: date) -> date:
    # datetime is a subclass of date; compare and step whole days only.
    return day.date() if isinstance(day, datetime) else day


@dataclass(frozen=True)
class Overrides:
    """An agency's own holidays and make-up working days, over or beyond chinesecalendar."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    """Weekend days that are working days (调休上班)."""
    years: frozenset[int] = field(default=frozenset())
    """Years the table fully describes; the years of its dates are always included."""

    def __post_init__(self) -> None:
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(
                "自定义节假日表中以下日期既是节假日又是调休工作日："
                + "、".join(day.isoformat() for day in both)
            )

    @classmethod
    def of(
        cls,
        *,
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        years: Iterable[int] = (),
    ) -> Overrides:
        return cls(
            frozenset(map(_as_date, holidays)), frozenset(map(_as_date, workdays)), frozenset(years)
        )

    def covered_years(self) -> frozenset[int]:
        return self.years | {day.year for day in self.holidays | self.workdays}


NO_OVERRIDES = Overrides()


def is_covered(day: date, overrides: Overrides = NO_OVERRIDES) -> bool:
    """Whether holiday data (chinesecalendar or the agency's table) exists for `day`'s year."""
    first, last = covered_years()
    return first <= day.year <= last or day.year in overrides.covered_years()


def _require_covered(*days: date, overrides: Overrides = NO_OVERRIDES) -> None:
    first, last = covered_years()
    for day in days:
        if not is_covered(day, overrides):
            raise WorkdayCalendarError(
                f"节假日数据仅覆盖{first}年至{last}年，无法计算{day.year}年的工作日"
                f"（{day.isoformat()}）；请升级chinesecalendar以取得国务院最新的放假安排，"
                "或由管理员在自定义节假日表中录入该年的节假日和调休工作日"
            )


def _is_workday(day: date, overrides: Overrides) -> bool:
    """Working day or not, for a day known to be covered."""
    if day in overrides.workdays:
        return True
    if day in overrides.holidays:
        return False
    first, last = covered_years()
    if first <= day.year <= last:
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def is_workday(day: date, overrides: Overrides = NO_OVERRIDES) -> bool:
    """True on a working day in mainland China, counting 调休 weekend working days."""
    day = _as_date(day)
    _require_covered(day, overrides=overrides)
    return _is_workday(day, overrides)


def add_workdays(start: date, count: int, overrides: Overrides = NO_OVERRIDES) -> date:
    """The `count`-th working day after `start` (before it when negative); `start` if 0.

    `start` itself is never counted, so a check completed on Friday with a 20-working-day
    publication limit is due on the 20th working day after that Friday.
    """
    day = _as_date(start)
    step = timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if is_workday(day, overrides):
            remaining -= 1
    return day


def workdays_between(start: date, end: date, overrides: Overrides = NO_OVERRIDES) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is earlier.

    Inverse of `add_workdays` for positive counts: workdays_between(d, add_workdays(d, n)) == n.
    """
    first, last = _as_date(start), _as_date(end)
    if last < first:
        return -workdays_between(last, first, overrides)
    days = [first + timedelta(days=offset) for offset in range(1, (last - first).days + 1)]
    _require_covered(*{day.year: day for day in days}.values(), overrides=overrides)
    return sum(1 for day in days if _is_workday(day, overrides))


@dataclass(frozen=True)
class Deadline:
    """A due date and, when it had to be estimated, why (Chinese, for the page and the CLI)."""

    due: date
    warnings: tuple[str, ...] = ()

    @property
    def estimated(self) -> bool:
        return bool(self.warnings)


def publication_deadline(
    inspected_on: date,
    *,
    workdays: int = DEFAULT_PUBLICATION_WORKDAYS,
    overrides: Overrides = NO_OVERRIDES,
) -> Deadline:
    """The day results of a check made on `inspected_on` are due for publication.

    The `workdays`-th working day after the check (the day itself is not counted). Days of a year
    that neither chinesecalendar nor `overrides` covers count Monday to Friday, and the deadline
    carries a warning naming the year; it never raises for that.
    """
    if workdays < 0:
        raise ValueError("公示期限的工作日数不能为负数")
    day = _as_date(inspected_on)
    remaining = workdays
    uncovered: list[int] = []
    while remaining:
        day += timedelta(days=1)
        if not is_covered(day, overrides) and day.year not in uncovered:
            uncovered.append(day.year)
        if _is_workday(day, overrides):
            remaining -= 1
    first, last = covered_years()
    warnings = tuple(
        f"{year}年的节假日安排尚未录入（chinesecalendar仅覆盖{first}年至{last}年，"
        f"自定义节假日表也没有{year}年），公示期限按周一至周五估算，请管理员补录后核对"
        for year in uncovered
    )
    return Deadline(day, warnings)
