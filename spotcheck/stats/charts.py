"""What the statistics pages hand to stats.js for each table's chart (the table keeps every
column; the chart draws the series worth comparing), shared by the dashboard and the public
statistics page."""

from __future__ import annotations

from typing import Any

from spotcheck.stats.tables import Table

# What each chart draws (the table keeps every column): the series worth comparing.
CHART_SERIES: dict[str, list[str]] = {
    "progress_items": ["计划", "已抽取", "已检查", "已审核", "已公示", "逾期未公示"],
    "progress_units": ["计划", "已抽取", "已检查", "已审核", "已公示", "逾期未公示"],
    "coverage_types": ["近1年占比（%）", "近2年占比（%）", "近3年占比（%）"],
    "coverage_towns": ["近1年占比（%）", "近2年占比（%）", "近3年占比（%）"],
    "coverage_risk": ["近1年占比（%）", "近2年占比（%）", "近3年占比（%）"],
    "findings_items": ["未发现问题", "发现问题", "未能检查（结束情形）"],
    "findings_types": ["未发现问题", "发现问题", "未能检查（结束情形）"],
    "findings_towns": ["未发现问题", "发现问题", "未能检查（结束情形）"],
    "findings_risk": ["未发现问题", "发现问题", "未能检查（结束情形）"],
    "problem_rate": ["问题率（%）", "95%下限（%）", "95%上限（%）"],
    "measures": ["办理中", "已办结"],
    "fairness_inspectors": ["实际次数", "期望次数"],
    "fairness_units": ["最多/平均", "基尼系数", "期望的基尼系数"],
    "draw_fairness_bins": ["期望抽中", "实际抽中"],
    "public_items": ["未发现问题", "发现问题", "未能检查（结束情形）"],
    "public_types": ["未发现问题", "发现问题", "未能检查（结束情形）"],
    "public_risk": ["问题率（%）", "95%下限（%）", "95%上限（%）"],
}

# Colours that carry meaning wherever the series appears (the others take the palette).
SERIES_COLORS = {
    "未发现问题": "#1b7f3b",
    "发现问题": "#b71c1c",
    "未能检查（结束情形）": "#94a3b8",
    "办理中": "#b45309",
    "已办结": "#1b7f3b",
    "逾期未公示": "#b71c1c",
    "期望次数": "#94a3b8",
    "期望抽中": "#94a3b8",
    "期望的基尼系数": "#94a3b8",
}


def chart_entries(tables: list[Table]) -> list[dict[str, Any]]:
    """Per table what the template `stats/_table.html` takes: the table, its chart, an id."""
    return [{"table": t, "chart": chart_spec(t), "chart_id": f"chart-{t.key}"} for t in tables]


def chart_spec(table: Table) -> dict[str, Any]:
    """What stats.js draws: the chart kind, the category labels and the chosen series."""
    series = CHART_SERIES.get(table.key) or [
        name
        for index, name in enumerate(table.columns[1:], start=1)
        if name != "合计" and all(isinstance(row[index], int | float | None) for row in table.rows)
    ]
    indexes = [table.columns.index(name) for name in series]
    return {
        "chart": table.chart,
        "title": table.title,
        "labels": [str(row[0]) for row in table.rows],
        "series": [
            {"name": table.columns[i], "data": [row[i] for row in table.rows]} for i in indexes
        ],
        "percent": all("%" in table.columns[i] for i in indexes) if indexes else False,
        "colors": SERIES_COLORS,
    }
