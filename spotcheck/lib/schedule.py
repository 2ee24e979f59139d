"""Scheduling visits after their teams are matched: the rule for a scheduled day or range, the
month grid of the calendar, and the stage a visit has reached.

A visit is scheduled on one day or a short range of days. The range must lie inside the days the
team was matched for (the item's window, or the narrower planned days set before matching): the
matching checked certificates and recusals against those days, so a schedule inside them keeps
the team valid. The longest range is a setting (SPOTCHECK_SCHEDULE_MAX_DAYS).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum

DEFAULT_MAX_DAYS = 5


def schedule_problem(
    start: date, end: date, *, window: tuple[date, date], window_label: str, max_days: int
) -> str | None:
    """Why `start`–`end` cannot be a visit's schedule (a Chinese sentence naming the rule), or
    None when it can. `window` is the first and last day allowed; `window_label` names it."""
    first, last = window
    if start > end:
        return f"开始日期（{start:%Y-%m-%d}）不能晚于结束日期（{end:%Y-%m-%d}）"
    if start < first or end > last:
        return (
            f"检查日期{_span(start, end)}不在检查时间{window_label}"
            f"（{first:%Y-%m-%d}至{last:%Y-%m-%d}）内"
        )
    days = (end - start).days + 1
    if days > max_days:
        return f"检查日期最多安排连续{max_days}天，{_span(start, end)}共{days}天"
    return None


def _span(start: date, end: date) -> str:
    if start == end:
        return f"{start:%Y-%m-%d}"
    return f"{start:%Y-%m-%d}至{end:%Y-%m-%d}"


def month_weeks(year: int, month: int) -> list[list[date | None]]:
    """The month as weeks from Monday to Sunday; days of other months are None."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [[day if day.month == month else None for day in week] for week in weeks]


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def days_of(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


class Stage(StrEnum):
    """How far a visit has got, in the order of the year's work."""

    PLANNED = "planned"
    MATCHED = "matched"
    NOTIFIED = "notified"
    RECORDED = "recorded"
    REVIEWED = "reviewed"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return _STAGE_LABELS[self]

    @property
    def done(self) -> bool:
        """The inspection itself has taken place (its result is recorded)."""
        return self in (Stage.RECORDED, Stage.REVIEWED, Stage.PUBLISHED)


_STAGE_LABELS = {
    Stage.PLANNED: "待匹配",
    Stage.MATCHED: "已匹配",
    Stage.NOTIFIED: "已通知",
    Stage.RECORDED: "已录入",
    Stage.REVIEWED: "已审核",
    Stage.PUBLISHED: "已公示",
}


def visit_stage(*, matched: bool, notified: bool, result_state: str | None) -> Stage:
    """The stage from what exists: the team, a current notice, the result's review state
    (spotcheck.lib.results.ReviewState values; "not_entered" or None: nothing recorded)."""
    if result_state == "published":
        return Stage.PUBLISHED
    if result_state == "approved":
        return Stage.REVIEWED
    if result_state in ("pending", "returned"):
        return Stage.RECORDED
    if notified:
        return Stage.NOTIFIED
    return Stage.MATCHED if matched else Stage.PLANNED
