"""The annual summary workbook of a plan (年度抽查工作总结数据表): the dashboard's tables for the
plan's year, written by spotcheck.lib.report with a 概要 sheet and native Excel charts. Read by
`spotcheck report PLAN -o summary.xlsx` and the coordinators' download; the tables are exactly
the dashboard's (`selectors.dashboard_tables`), so the two cannot disagree."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import IO

from django.utils import timezone

from spotcheck.accounts.models import Unit
from spotcheck.lib.report import write_report
from spotcheck.plans.models import Plan
from spotcheck.stats.charts import CHART_SERIES
from spotcheck.stats.selectors import dashboard_tables
from spotcheck.stats.tables import Table

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

DEFINITIONS = (
    "统计口径：检查任务不含复查任务；“已检查”指检查结果已填写检查日期，“已录入”指结果已提交"
    "（待审核、退回、已审核、已公示），“已审核”含已公示，“逾期未公示”指超过公示期限仍未公示；"
    "检查结果、问题发现率按已审核的事项检查统计；名录覆盖按在营对象统计。"
)


def summary_title(plan: Plan) -> str:
    return f"{plan.agency.name}{plan.year}年度“双随机、一公开”抽查工作总结（统计数据）"


def summary_filename(plan: Plan, unit: Unit | None = None) -> str:
    scope = f"-{unit.name}" if unit is not None else ""
    return f"抽查工作总结-{plan.year}{scope}.xlsx"


def summary_tables(
    *, plan: Plan, unit: Unit | None = None, today: date | None = None
) -> list[Table]:
    return dashboard_tables(agency=plan.agency, unit=unit, year=plan.year, plan=plan, today=today)


def write_summary(
    stream: IO[bytes],
    *,
    plan: Plan,
    unit: Unit | None = None,
    today: date | None = None,
    step: Callable[[str], None] | None = None,
) -> list[Table]:
    """Gather the tables and write the workbook; returns the tables written. `step(text)` is
    told when each stage starts (the CLI's progress)."""
    if step is not None:
        step("统计")
    tables = summary_tables(plan=plan, unit=unit, today=today)
    if step is not None:
        step("写入工作簿")
    metadata = [
        ("制定机构", plan.agency.name),
        ("抽查计划", plan.title),
        ("年度", plan.year),
        ("统计范围", unit.name if unit is not None else "全部责任单位"),
        ("统计日期", today or timezone.localdate()),
        ("生成时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]
    # each chart draws what the dashboard's chart of the table draws
    series = {
        t.key: [c for c in CHART_SERIES[t.key] if c in t.columns]
        for t in tables
        if t.key in CHART_SERIES
    }
    write_report(
        stream,
        title=summary_title(plan),
        metadata=metadata,
        tables=tables,
        note=DEFINITIONS,
        series=series,
    )
    return tables
