"""A parsed plan shown before anything is written: each item's fields as read beside the
cells they were read from, with every flag (the upload preview and `import-plan --dry-run`)."""

from dataclasses import dataclass, field

from spotcheck.lib import planfile

# Field key -> how the parsed value reads in a preview (the original text is shown beside it).
_PREVIEW_FIELDS = (
    "mode",
    "number",
    "domain",
    "name",
    "target_type",
    "category",
    "sampling_rule",
    "initiating_department",
    "cooperating_departments",
    "inspection_body",
    "window",
    "responsible_unit",
    "estimated_targets",
    "estimated_risk",
    "legal_basis",
    "method",
    "risk_rule",
    "content",
)
_MULTI_LINE = frozenset(("content", "legal_basis", "method", "risk_rule"))
_MODES = {"joint": "部门联合", "internal": "公安内部"}
_CATEGORIES = {"general": "一般检查事项", "key": "重点检查事项"}
_LEVELS = {"low": "低风险", "medium_low": "中低风险", "medium": "中风险", "high": "高风险"}


def _percent(value: object) -> str:
    text = f"{value:f}" if value is not None else ""
    return text.rstrip("0").rstrip(".") if "." in text else text


def rule_text(item: planfile.PlanItemData) -> str:
    if item.event_driven:
        return "按实际执行"
    parts = []
    if item.ratio_percent is not None:
        ratio = _percent(item.ratio_percent)
        if item.ratio_max_percent is not None:
            ratio += f"—{_percent(item.ratio_max_percent)}"
        parts.append(f"比例{ratio}%")
    if item.sample_count_min is not None:
        count = str(item.sample_count_min)
        if item.sample_count_max not in (None, item.sample_count_min):
            count += f"—{item.sample_count_max}"
        parts.append(f"{count}家")
    if item.times_per_year:
        parts.append(f"每年{item.times_per_year}次")
    if item.risk_ratios:
        parts.append(
            "；".join(f"{_LEVELS.get(k, k)}{_percent(v)}%" for k, v in item.risk_ratios.items())
        )
    return "，".join(parts)


def parsed_value(item: planfile.PlanItemData, key: str) -> str:
    """The field as the system read it, as text."""
    if key == "mode":
        return _MODES.get(item.mode or "", "")
    if key == "number":
        return planfile.item_label(item)
    if key == "category":
        return _CATEGORIES.get(item.category or "", "")
    if key in ("sampling_rule", "risk_rule"):
        return rule_text(item) if key == "sampling_rule" else item.risk_rule
    if key == "cooperating_departments":
        return "、".join(item.cooperating_departments)
    if key == "window":
        if item.window_start_month and item.window_end_month:
            return f"{item.window_start_month}月—{item.window_end_month}月"
        return ""
    if key == "estimated_targets":
        return "" if item.estimated_targets is None else str(item.estimated_targets)
    if key == "estimated_risk":
        risk = item.estimated_risk
        values = {"low": risk.low, "medium_low": risk.medium_low, "medium": risk.medium}
        values["high"] = risk.high
        if all(v is None for v in values.values()):
            return ""
        return "；".join(f"{_LEVELS[k]}{'?' if v is None else v}家" for k, v in values.items())
    if key == "content":
        return f"{len(item.checkpoints)}项检查要点" if item.checkpoints else ""
    return str(getattr(item, key) or "")


@dataclass
class PreviewField:
    key: str
    label: str
    parsed: str
    original: str
    corrected: bool = False
    multiline: bool = False


@dataclass
class PreviewItem:
    index: int
    label: str
    source: str
    name: str
    item: planfile.PlanItemData
    fields: list[PreviewField] = field(default_factory=list)
    extra: list[tuple[str, str]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def preview_items(parsed: planfile.ParsedPlan) -> list[PreviewItem]:
    corrected = {(cell["source"], cell["field"]) for cell in parsed.applied_cells}
    rows = []
    for index, item in enumerate(parsed.items, start=1):
        row = PreviewItem(
            index=index,
            label=planfile.item_label(item),
            source=item.source,
            name=item.name,
            item=item,
            extra=list(item.extra.items()),
            flags=list(item.review_flags),
        )
        for key in _PREVIEW_FIELDS:
            value = parsed_value(item, key)
            original = item.original.get(key, "")
            if value or original or (item.source, key) in corrected:
                row.fields.append(
                    PreviewField(
                        key=key,
                        label=planfile.FIELD_HEADERS[key],
                        parsed=value,
                        original=original,
                        corrected=(item.source, key) in corrected,
                        multiline="\n" in original or key in _MULTI_LINE,
                    )
                )
        rows.append(row)
    return rows


def preview_lines(parsed: planfile.ParsedPlan) -> list[str]:
    """The preview as text lines (the CLI's --dry-run): the columns and how each was read,
    then one line per item, its flags under it, then the notes."""
    lines = [f"标题：{parsed.title or '（未识别）'}"]
    lines.append(f"制定机构：{parsed.agency or '（未识别）'}　年度：{parsed.year or '（未识别）'}")
    lines.append("列：")
    for header, key in parsed.columns.items():
        meaning = planfile.FIELD_HEADERS[key] if key else "其他列（原样保留）"
        lines.append(f"  {header} → {meaning}")
    for note in parsed.column_notes:
        lines.append(f"  说明：{note}")
    heads = ("编号", "来源", "抽查事项", "检查对象", "抽查比例和频次", "检查时间", "责任单位")
    lines.append("\t".join(heads))
    for row in preview_items(parsed):
        item = row.item
        cells = (
            row.label,
            row.source,
            item.name,
            item.target_type,
            parsed_value(item, "sampling_rule") or item.original.get("sampling_rule", ""),
            parsed_value(item, "window") or item.original.get("window", ""),
            item.responsible_unit,
        )
        lines.append("\t".join(" ".join(str(c).split()) for c in cells))
        for flag in row.flags:
            lines.append(f"  待复核：{flag}")
    for cell in parsed.applied_cells:
        name = planfile.FIELD_HEADERS[cell["field"]]
        lines.append(f"更正：{cell['source']}“{name}”由“{cell['was']}”改为“{cell['now']}”")
    for note in parsed.notes:
        lines.append(f"备注：{note}")
    flagged = sum(1 for item in parsed.items if item.review_flags)
    lines.append(f"共{len(parsed.items)}个抽查事项，{flagged}个待复核")
    return lines
