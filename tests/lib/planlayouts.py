"""Plan layouts seen in plans that agencies publish, built in code (xlsx, docx, tsv, csv).

Each layout is generated deterministically and comes with the items it must import as:
(label, name, target, unit, sampling rule text, window text), the texts as written in the source.
The tables imitate published police, culture and tourism, market regulation, ecology, fire and
medical insurance plans: group headers over two header rows, numbers spanning rows, other words
for the columns, ratios and windows written every which way, notes rows and section rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import docx
import openpyxl
from openpyxl.utils import get_column_letter

# (label, name, target, unit, sampling rule as written, window as written)
Expected = tuple[str, str, str, str, str, str]


@dataclass(frozen=True)
class Layout:
    key: str
    filename: str
    data: bytes
    expected: list[Expected]
    column_notes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # texts of notes rows, in order
    agency: str | None = None
    year: int | None = None


Rows = list[list[object]]
Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (1-based)


def xlsx(
    rows: Rows,
    merges: list[Merge] = (),  # type: ignore[assignment]
    formats: dict[tuple[int, int], str] | None = None,
    sheets: list[tuple[str, Rows, list[Merge]]] | None = None,
) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, sheet_rows, sheet_merges in sheets or [("Sheet1", rows, list(merges))]:
        sheet = workbook.create_sheet(title)
        for r, row in enumerate(sheet_rows, start=1):
            for c, value in enumerate(row, start=1):
                if value not in ("", None):
                    sheet.cell(row=r, column=c, value=value)
        for top, left, bottom, right in sheet_merges:
            sheet.merge_cells(f"{get_column_letter(left)}{top}:{get_column_letter(right)}{bottom}")
        for (r, c), number_format in (formats or {}).items():
            sheet.cell(row=r, column=c).number_format = number_format
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def docx_file(paragraphs: list[str], tables: list[tuple[Rows, list[Merge]]]) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    for rows, merges in tables:
        width = max(len(row) for row in rows)
        table = document.add_table(rows=len(rows), cols=width)
        covered: set[tuple[int, int]] = set()
        for top, left, bottom, right in merges:
            table.cell(top - 1, left - 1).merge(table.cell(bottom - 1, right - 1))
            covered |= {
                (r, c)
                for r in range(top, bottom + 1)
                for c in range(left, right + 1)
                if (r, c) != (top, left)
            }
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if (r, c) not in covered and value not in ("", None):
                    table.cell(r - 1, c - 1).text = str(value)
        document.add_paragraph("")
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


def text_file(rows: Rows, delimiter: str = "\t") -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\n")
    writer.writerows([["" if v is None else str(v) for v in row] for row in rows])
    return stream.getvalue().encode("utf-8")


def across(row: int, width: int) -> Merge:
    return (row, 1, row, width)


def down(top: int, bottom: int, column: int) -> Merge:
    return (top, column, bottom, column)


# --- the layouts -------------------------------------------------------------------------------


def police_group_header_xlsx() -> Layout:
    """Title and subtitle merged across; 抽查项目 over 抽查类别 | 抽查事项; others merged down."""
    rows: Rows = [
        ["淄川区公安分局2023年度“双随机、一公开”抽查工作计划"],
        ["（按照市局统一部署制定）"],
        ["序号", "抽查项目", "", "检查对象", "抽查比例和频次", "检查时间", "责任单位"],
        ["", "抽查类别", "抽查事项", "", "", "", ""],
        [1, "治安管理", "旅馆业治安管理检查", "旅馆", "不低于5%，每年1次", "3月-11月", "治安大队"],
        [2, "治安管理", "公章刻制业检查", "公章刻制企业", "3%；2次/年", "全年", "治安大队"],
        [
            3,
            "网络安全",
            "网络安全等级保护检查",
            "网络运营者",
            "25%，不少于1次/年",
            "5月—10月",
            "网安大队",
        ],
    ]
    merges = [across(1, 7), across(2, 7), (3, 2, 3, 3)] + [down(3, 4, c) for c in (1, 4, 5, 6, 7)]
    return Layout(
        "police_group_header_xlsx",
        "police.xlsx",
        xlsx(rows, merges),
        [
            ("1", "旅馆业治安管理检查", "旅馆", "治安大队", "不低于5%，每年1次", "3月-11月"),
            ("2", "公章刻制业检查", "公章刻制企业", "治安大队", "3%；2次/年", "全年"),
            (
                "3",
                "网络安全等级保护检查",
                "网络运营者",
                "网安大队",
                "25%，不少于1次/年",
                "5月—10月",
            ),
        ],
        agency="淄川区公安分局",
        year=2023,
    )


def police_group_header_docx() -> Layout:
    rows: Rows = [
        ["序号", "抽查项目", "", "抽查对象", "抽查比例", "抽查时间", "责任部门"],
        ["", "抽查类别", "抽查事项", "", "", "", ""],
        [1, "消防", "单位消防安全检查", "社会单位", "5%", "3月—12月", "防火监督科"],
        [2, "交通", "驾培机构检查", "驾驶人培训机构", "10-20%", "上半年", "车管所"],
    ]
    merges = [(1, 2, 1, 3)] + [down(1, 2, c) for c in (1, 4, 5, 6, 7)]
    return Layout(
        "police_group_header_docx",
        "police.docx",
        docx_file(["附件1", "博山区公安分局2023年度随机抽查事项清单"], [(rows, merges)]),
        [
            ("1", "单位消防安全检查", "社会单位", "防火监督科", "5%", "3月—12月"),
            ("2", "驾培机构检查", "驾驶人培训机构", "车管所", "10-20%", "上半年"),
        ],
        agency="博山区公安分局",
        year=2023,
    )


def number_merged_down_xlsx() -> Layout:
    """Several 抽查事项 under one number and 领域, both merged down."""
    rows: Rows = [
        ["某县市场监督管理局2023年度部门抽查计划"],
        ["编号", "抽查领域", "抽查事项", "检查对象", "抽查比例", "检查时间", "责任单位"],
        [1, "食品安全", "食品生产企业监督检查", "食品生产企业", "5%", "4月-10月", "食品股"],
        ["", "", "食品销售者监督检查", "食品经营者", "2%-5%", "4月-10月", "食品股"],
        ["", "", "餐饮服务监督检查", "餐饮服务提供者", "3%", "4月-10月", "餐饮股"],
        [2, "特种设备", "特种设备使用单位检查", "使用单位", "5%", "全年", "特设股"],
    ]
    merges = [across(1, 7), down(3, 5, 1), down(3, 5, 2)]
    return Layout(
        "number_merged_down_xlsx",
        "market.xlsx",
        xlsx(rows, merges),
        [
            ("1", "食品生产企业监督检查", "食品生产企业", "食品股", "5%", "4月-10月"),
            ("1.1", "食品销售者监督检查", "食品经营者", "食品股", "2%-5%", "4月-10月"),
            ("1.2", "餐饮服务监督检查", "餐饮服务提供者", "餐饮股", "3%", "4月-10月"),
            ("2", "特种设备使用单位检查", "使用单位", "特设股", "5%", "全年"),
        ],
        agency="某县市场监督管理局",
        year=2023,
    )


def number_repeated_xlsx() -> Layout:
    """One 事项 with several target types, the number and 事项 repeated on every row."""
    rows: Rows = [
        ["序号", "抽查事项", "抽查对象", "抽查比例", "抽查时间", "责任单位"],
        [1, "危险化学品安全检查", "生产企业", "10%", "5月-9月", "危化科"],
        [1, "危险化学品安全检查", "经营企业", "5%", "5月-9月", "危化科"],
        [1, "危险化学品安全检查", "使用单位", "3%", "5月-9月", "危化科"],
        [2, "烟花爆竹经营检查", "批发企业", "100%", "12月", "危化科"],
    ]
    return Layout(
        "number_repeated_xlsx",
        "repeated.xlsx",
        xlsx(rows),
        [
            ("1", "危险化学品安全检查", "生产企业", "危化科", "10%", "5月-9月"),
            ("1.1", "危险化学品安全检查", "经营企业", "危化科", "5%", "5月-9月"),
            ("1.2", "危险化学品安全检查", "使用单位", "危化科", "3%", "5月-9月"),
            ("2", "烟花爆竹经营检查", "批发企业", "危化科", "100%", "12月"),
        ],
    )


def number_blank_tsv() -> Layout:
    """Number blank on continuation rows; 事项 blank on a row adding only a target and ratio."""
    rows: Rows = [
        ["某区生态环境分局2023年度双随机抽查计划"],
        ["序号", "抽查领域", "抽查事项", "抽查对象", "抽查比例", "检查时间", "实施层级"],
        ["1", "环境影响评价", "建设项目环评执行情况检查", "建设单位", "5%", "3月-11月", "区级"],
        ["", "", "", "环评机构", "10%", "", ""],
        ["2", "排污许可", "排污许可证执行情况检查", "重点排污单位", "20%", "全年", "区级"],
        ["", "", "", "简化管理单位", "5%", "", ""],
        ["", "", "", "登记管理单位", "1%", "", ""],
    ]
    return Layout(
        "number_blank_tsv",
        "ecology.tsv",
        text_file(rows),
        [
            ("1", "建设项目环评执行情况检查", "建设单位", "区级", "5%", "3月-11月"),
            ("1.1", "建设项目环评执行情况检查", "环评机构", "区级", "10%", "3月-11月"),
            ("2", "排污许可证执行情况检查", "重点排污单位", "区级", "20%", "全年"),
            ("2.1", "排污许可证执行情况检查", "简化管理单位", "区级", "5%", "全年"),
            ("2.2", "排污许可证执行情况检查", "登记管理单位", "区级", "1%", "全年"),
        ],
        agency="某区生态环境分局",
        year=2023,
    )


def number_and_item_merged_docx() -> Layout:
    rows: Rows = [
        ["编号", "抽查事项", "检查对象", "抽查比例和频次", "检查时间", "责任单位"],
        [1, "娱乐场所治安管理检查", "歌舞娱乐场所", "不低于10%", "6月-8月", "治安大队"],
        ["", "", "游艺娱乐场所", "不低于5%", "", ""],
        [2, "保安服务公司检查", "保安服务公司", "每年1次", "9月", "治安大队"],
    ]
    merges = [down(2, 3, 1), down(2, 3, 2), down(2, 3, 5), down(2, 3, 6)]
    return Layout(
        "number_and_item_merged_docx",
        "entertainment.docx",
        docx_file(["某县公安局2024年度“双随机、一公开”抽查工作计划"], [(rows, merges)]),
        [
            ("1", "娱乐场所治安管理检查", "歌舞娱乐场所", "治安大队", "不低于10%", "6月-8月"),
            ("1.1", "娱乐场所治安管理检查", "游艺娱乐场所", "治安大队", "不低于5%", "6月-8月"),
            ("2", "保安服务公司检查", "保安服务公司", "治安大队", "每年1次", "9月"),
        ],
        agency="某县公安局",
        year=2024,
    )


def market_task_and_codes_xlsx() -> Layout:
    """Market regulation style: task name and item both name-like; plan and task codes."""
    rows: Rows = [
        ["某市市场监督管理局2024年度双随机抽查工作计划表"],
        [
            "抽查计划编号",
            "抽查任务编号",
            "序号",
            "抽查任务名称",
            "抽查事项",
            "抽查对象范围",
            "抽查比例",
            "抽查检查起止时间",
            "发起处室",
            "联合处室",
        ],  # fmt: skip
        [
            "JH2024-01",
            "RW01",
            1,
            "产品质量监督抽查",
            "电线电缆产品质量抽查",
            "生产企业",
            "60-70家",
            "2024年4月至10月",
            "质量处",
            "标准处、计量处",
        ],  # fmt: skip
        [
            "JH2024-01",
            "RW02",
            2,
            "广告监督检查",
            "广告发布行为检查",
            "广告经营者",
            "3%",
            "10月底",
            "广告处",
            "",
        ],  # fmt: skip
    ]
    return Layout(
        "market_task_and_codes_xlsx",
        "market-tasks.xlsx",
        xlsx(rows, [across(1, 10)]),
        [
            ("1", "电线电缆产品质量抽查", "生产企业", "", "60-70家", "2024年4月至10月"),
            ("2", "广告发布行为检查", "广告经营者", "", "3%", "10月底"),
        ],
        column_notes=["“抽查事项”列作为抽查事项，“抽查任务名称”列作为其所属的抽查领域（任务）"],
        agency="某市市场监督管理局",
        year=2024,
    )


def culture_content_as_item_docx() -> Layout:
    """Culture and tourism style: 检查内容 is the item, 股室 the unit, 计划开展时间 the window."""
    rows: Rows = [
        ["序号", "抽查领域", "检查内容", "抽查对象范围", "抽查比例", "计划开展时间", "股室"],
        [1, "文化市场", "1.演出场所经营单位营业性演出检查", "演出场所", "1户（实际以当年登记数为准）", "2023年10月至11月", "市场股"],
        [2, "旅游市场", "2.旅行社经营行为检查", "旅行社", "0.05", "3月—12月", "产业股"],
        [3, "文物", "3.文物保护单位安全检查", "文物保护单位", "对低风险、中风险、高风险单位分别按3%、5%、10%比例抽查", "全年", "文物股"],
    ]  # fmt: skip
    return Layout(
        "culture_content_as_item_docx",
        "culture.docx",
        docx_file(["某县文化和旅游局2023年度“双随机、一公开”抽查计划"], [(rows, [])]),
        [
            (
                "1",
                "1.演出场所经营单位营业性演出检查",
                "演出场所",
                "市场股",
                "1户（实际以当年登记数为准）",
                "2023年10月至11月",
            ),
            ("2", "2.旅行社经营行为检查", "旅行社", "产业股", "0.05", "3月—12月"),
            (
                "3",
                "3.文物保护单位安全检查",
                "文物保护单位",
                "文物股",
                "对低风险、中风险、高风险单位分别按3%、5%、10%比例抽查",
                "全年",
            ),
        ],  # fmt: skip
        column_notes=["“检查内容”列作为抽查事项（表中没有更具体的事项列）"],
        agency="某县文化和旅游局",
        year=2023,
    )


def ecology_plan_name_xlsx() -> Layout:
    """年度计划名称 and 抽查事项名称: the item is the more specific one."""
    rows: Rows = [
        ["序号", "年度计划名称", "抽查事项名称", "检查对象范围", "抽查比例和频次", "完成时限", "实施层级及说明"],
        [1, "2023年生态环境执法检查", "固体废物污染防治检查", "产废单位", "5%，每年1次", "11月底", "市级"],
        [2, "2023年生态环境执法检查", "机动车排放检验机构检查", "检验机构", "100%", "6月", "县级（市局指导）"],
    ]  # fmt: skip
    return Layout(
        "ecology_plan_name_xlsx",
        "ecology.xlsx",
        xlsx(rows),
        [
            ("1", "固体废物污染防治检查", "产废单位", "市级", "5%，每年1次", "11月底"),
            ("2", "机动车排放检验机构检查", "检验机构", "县级（市局指导）", "100%", "6月"),
        ],
        column_notes=["“抽查事项名称”列作为抽查事项，“年度计划名称”列作为其所属的抽查领域（任务）"],
    )


def fire_task_only_xlsx() -> Layout:
    """Fire services: 抽查任务名称 is the only name-like column; 联络股室（单位）."""
    rows: Rows = [
        ["序号", "抽查任务名称", "抽查对象", "抽查比例", "完成时限", "联络股室（单位）"],
        [1, "人员密集场所消防安全检查", "商场、市场", "2%", "10月31日前", "防火监督股"],
        [2, "高层建筑消防安全检查", "高层公共建筑", "=1", "全年", "防火监督股"],
    ]
    return Layout(
        "fire_task_only_xlsx",
        "fire.xlsx",
        xlsx(rows),
        [
            ("1", "人员密集场所消防安全检查", "商场、市场", "防火监督股", "2%", "10月31日前"),
            ("2", "高层建筑消防安全检查", "高层公共建筑", "防火监督股", "=1", "全年"),
        ],
        column_notes=["“抽查任务名称”列作为抽查事项（表中没有更具体的事项列）"],
    )


def percent_cells_xlsx() -> Layout:
    """A decimal fraction in a percent-formatted cell reads as the percent Excel shows."""
    rows: Rows = [
        ["序号", "抽查事项", "检查对象", "抽查比例", "检查时间", "责任单位"],
        [1, "计量器具检查", "加油站", 0.05, "5月-6月", "计量股"],
        [2, "商品条码检查", "生产企业", 0.025, "7月", "标准股"],
    ]
    return Layout(
        "percent_cells_xlsx",
        "percent.xlsx",
        xlsx(rows, formats={(2, 4): "0%", (3, 4): "0.0%"}),
        [
            ("1", "计量器具检查", "加油站", "计量股", "5%", "5月-6月"),
            ("2", "商品条码检查", "生产企业", "标准股", "2.5%", "7月"),
        ],
    )


def medical_free_text_csv() -> Layout:
    """Medical insurance: a ratio written as a sentence is kept verbatim and flagged."""
    rows: Rows = [
        ["某市医疗保障局2024年度双随机抽查计划"],
        ["序号", "抽查事项", "抽查对象", "抽查比例", "抽查时间", "责任部门"],
        ["1", "定点医药机构检查", "定点医疗机构", "市级医疗保障部门每年对定点医疗机构抽查不少于10%", "全年", "基金监管科"],
        ["2", "医保经办机构检查", "经办机构", "25%，不少于1次/年", "下半年", "基金监管科"],
    ]  # fmt: skip
    return Layout(
        "medical_free_text_csv",
        "medical.csv",
        text_file(rows, ","),
        [
            (
                "1",
                "定点医药机构检查",
                "定点医疗机构",
                "基金监管科",
                "市级医疗保障部门每年对定点医疗机构抽查不少于10%",
                "全年",
            ),
            ("2", "医保经办机构检查", "经办机构", "基金监管科", "25%，不少于1次/年", "下半年"),
        ],  # fmt: skip
        agency="某市医疗保障局",
        year=2024,
    )


def risk_rule_column_xlsx() -> Layout:
    """智慧监管（信用风险分类）要求 column with per-level ratios; 发起处室 / 联合处室."""
    rows: Rows = [
        ["序号", "抽查事项", "抽查对象", "抽查比例", "智慧监管（信用风险分类）要求", "检查时间", "发起处室", "联合处室"],
        [1, "企业公示信息检查", "企业", "3%", "对低风险、中风险、高风险企业分别按2%、5%、10%比例抽查", "全年", "信用监管科", "各业务科室"],
        [2, "个体工商户公示信息检查", "个体工商户", "1%", "按信用风险分类结果确定", "全年", "信用监管科", ""],
    ]  # fmt: skip
    return Layout(
        "risk_rule_column_xlsx",
        "risk.xlsx",
        xlsx(rows),
        [
            ("1", "企业公示信息检查", "企业", "", "3%", "全年"),
            ("2", "个体工商户公示信息检查", "个体工商户", "", "1%", "全年"),
        ],
    )


def notes_and_blank_rows_docx() -> Layout:
    rows: Rows = [
        ["序号", "抽查事项", "检查对象", "抽查比例", "检查时间", "责任单位"],
        [1, "道路运输企业检查", "客运企业", "5%", "4月-6月", "运管所"],
        ["", "", "", "", "", ""],
        [2, "机动车维修企业检查", "维修企业", "3%", "8月-9月", "运管所"],
        ["备注：1.抽查比例为最低比例；2.检查时间可根据工作实际调整。", "", "", "", "", ""],
    ]
    return Layout(
        "notes_and_blank_rows_docx",
        "transport.docx",
        docx_file(["某县交通运输局2023年度抽查计划"], [(rows, [across(5, 6)])]),
        [
            ("1", "道路运输企业检查", "客运企业", "运管所", "5%", "4月-6月"),
            ("2", "机动车维修企业检查", "维修企业", "运管所", "3%", "8月-9月"),
        ],
        notes=["备注：1.抽查比例为最低比例；2.检查时间可根据工作实际调整。"],
        agency="某县交通运输局",
        year=2023,
    )


def notes_merged_xlsx() -> Layout:
    rows: Rows = [
        ["某县应急管理局2023年度双随机抽查计划"],
        ["序号", "抽查事项", "抽查对象", "抽查比例和频次", "抽查时间", "股室"],
        [1, "非煤矿山安全检查", "非煤矿山企业", "100%", "3月-5月", "监管股"],
        [],
        [2, "工贸企业安全检查", "工贸企业", "10%", "6月-11月", "监管股"],
        ["备注：检查中发现重大隐患的，依法立案查处。"],
        ["注：本计划由县应急管理局负责解释。"],
    ]
    return Layout(
        "notes_merged_xlsx",
        "emergency.xlsx",
        xlsx(rows, [across(1, 6), across(6, 6), across(7, 6)]),
        [
            ("1", "非煤矿山安全检查", "非煤矿山企业", "监管股", "100%", "3月-5月"),
            ("2", "工贸企业安全检查", "工贸企业", "监管股", "10%", "6月-11月"),
        ],
        notes=["备注：检查中发现重大隐患的，依法立案查处。", "注：本计划由县应急管理局负责解释。"],
        agency="某县应急管理局",
        year=2023,
    )


def sections_and_prefixes_tsv() -> Layout:
    """Section rows ("一、…") between items; numbering prefixes inside names kept."""
    rows: Rows = [
        ["序号", "抽查事项", "检查对象", "抽查比例", "检查时间", "责任单位"],
        ["一、部门联合抽查", "", "", "", "", ""],
        ["1", "1.学校招生收费行为检查", "民办学校", "10%", "9月", "教育股"],
        ["二、本部门抽查", "", "", "", "", ""],
        ["2", "（二）校外培训机构检查", "培训机构", "5%", "7月-8月", "教育股"],
    ]
    return Layout(
        "sections_and_prefixes_tsv",
        "education.tsv",
        text_file(rows),
        [
            ("1", "1.学校招生收费行为检查", "民办学校", "教育股", "10%", "9月"),
            ("2", "（二）校外培训机构检查", "培训机构", "教育股", "5%", "7月-8月"),
        ],
        notes=["一、部门联合抽查", "二、本部门抽查"],
    )


def windows_and_levels_xlsx() -> Layout:
    rows: Rows = [
        ["编号", "抽查事项", "检查对象", "抽查比例", "抽查时间", "抽查层级"],
        [1, "农药经营检查", "农药经营者", "5%", "3月—12月", "县级"],
        [2, "种子生产经营检查", "种子企业", "10%", "10月底", "县级"],
        [3, "兽药经营检查", "兽药经营企业", "5%", "2023年10月至11月", "市县两级"],
    ]
    return Layout(
        "windows_and_levels_xlsx",
        "agriculture.xlsx",
        xlsx(rows),
        [
            ("1", "农药经营检查", "农药经营者", "县级", "5%", "3月—12月"),
            ("2", "种子生产经营检查", "种子企业", "县级", "10%", "10月底"),
            ("3", "兽药经营检查", "兽药经营企业", "市县两级", "5%", "2023年10月至11月"),
        ],
    )


def two_sheets_xlsx() -> Layout:
    joint: Rows = [
        ["部门联合抽查事项"],
        ["序号", "抽查事项", "抽查对象", "抽查比例", "检查时间", "发起部门", "配合部门"],
        [1, "成品油市场检查", "加油站", "10%", "5月-6月", "商务局", "市场监管局、应急局"],
    ]
    internal: Rows = [
        ["本部门抽查事项"],
        ["序号", "抽查事项", "抽查对象", "抽查比例", "检查时间", "责任单位"],
        [2, "单用途预付卡检查", "发卡企业", "5%", "9月", "市场科"],
    ]
    return Layout(
        "two_sheets_xlsx",
        "commerce.xlsx",
        xlsx([], sheets=[("联合", joint, [across(1, 7)]), ("内部", internal, [across(1, 6)])]),
        [
            ("1", "成品油市场检查", "加油站", "", "10%", "5月-6月"),
            ("2", "单用途预付卡检查", "发卡企业", "市场科", "5%", "9月"),
        ],
    )


def repeated_header_docx() -> Layout:
    """The header row repeated in the middle of a long table (a page break in Word)."""
    header = ["序号", "抽查事项", "检查对象", "抽查比例", "检查时间", "责任单位"]
    rows: Rows = [
        header,
        [1, "出版物经营检查", "出版物发行单位", "5%", "4月", "新闻出版股"],
        header,
        [2, "印刷企业检查", "印刷企业", "5%", "5月", "新闻出版股"],
    ]
    return Layout(
        "repeated_header_docx",
        "publishing.docx",
        docx_file(["某县委宣传部2024年度双随机抽查计划"], [(rows, [])]),
        [
            ("1", "出版物经营检查", "出版物发行单位", "新闻出版股", "5%", "4月"),
            ("2", "印刷企业检查", "印刷企业", "新闻出版股", "5%", "5月"),
        ],
        agency="某县委宣传部",
        year=2024,
    )


def wrapped_headers_xlsx() -> Layout:
    """Headers with line breaks and remarks, under an 附件 line and a title."""
    rows: Rows = [
        ["附件2"],
        ["某区卫生健康局2023年度“双随机、一公开”监督抽查计划"],
        ["序\n号", "抽查\n事项", "检查对象\n（单位类型）", "抽查比例\n（%）", "检查时间\n（月份）", "责任\n单位"],
        [1, "公共场所卫生监督检查", "住宿场所", "5%", "4月-6月", "卫生监督所"],
        [2, "生活饮用水卫生监督检查", "供水单位", "10%", "7月", "卫生监督所"],
    ]  # fmt: skip
    return Layout(
        "wrapped_headers_xlsx",
        "health.xlsx",
        xlsx(rows, [across(1, 6), across(2, 6)]),
        [
            ("1", "公共场所卫生监督检查", "住宿场所", "卫生监督所", "5%", "4月-6月"),
            ("2", "生活饮用水卫生监督检查", "供水单位", "卫生监督所", "10%", "7月"),
        ],
        agency="某区卫生健康局",
        year=2023,
    )


def mode_merged_down_xlsx() -> Layout:
    """抽查方式 merged down over its items, columns in another order."""
    rows: Rows = [
        ["抽查方式", "检查时间", "编号", "抽查事项", "检查对象", "抽查比例和频次", "责任单位"],
        ["部门联合", "6月", 1, "校园周边治安检查", "学校周边商户", "10%", "治安大队"],
        ["", "8月", 2, "寄递物流安全检查", "寄递企业", "5%", "治安大队"],
        ["公安内部", "全年", 3, "剧毒化学品购买检查", "购买单位", "100%", "治安大队"],
    ]
    return Layout(
        "mode_merged_down_xlsx",
        "modes.xlsx",
        xlsx(rows, [down(2, 3, 1)]),
        [
            ("1", "校园周边治安检查", "学校周边商户", "治安大队", "10%", "6月"),
            ("2", "寄递物流安全检查", "寄递企业", "治安大队", "5%", "8月"),
            ("3", "剧毒化学品购买检查", "购买单位", "治安大队", "100%", "全年"),
        ],
    )


def risk_in_ratio_cell_csv() -> Layout:
    rows: Rows = [
        ["序号", "抽查事项", "抽查对象", "抽查比例和频次", "检查时间", "责任单位"],
        ["1", "药品零售企业检查", "药品零售企业", "低风险企业抽查比例不低于3%，高风险企业抽查比例不低于10%", "全年", "药品股"],
        ["2", "医疗器械经营检查", "经营企业", "2%-5%", "5月-9月", "器械股"],
    ]  # fmt: skip
    return Layout(
        "risk_in_ratio_cell_csv",
        "drugs.csv",
        text_file(rows, ","),
        [
            (
                "1",
                "药品零售企业检查",
                "药品零售企业",
                "药品股",
                "低风险企业抽查比例不低于3%，高风险企业抽查比例不低于10%",
                "全年",
            ),
            ("2", "医疗器械经营检查", "经营企业", "器械股", "2%-5%", "5月-9月"),
        ],  # fmt: skip
    )


def target_and_ratio_only_rows_xlsx() -> Layout:
    """No number column: a row with only another target and ratio adds to the item above."""
    rows: Rows = [
        ["抽查领域", "抽查事项", "抽查对象", "抽查比例", "检查时间", "责任单位"],
        ["水利", "取水许可检查", "取水单位", "5%", "5月-9月", "水资源股"],
        ["", "", "自备井用户", "2%", "", ""],
        ["水利", "河道采砂检查", "采砂企业", "100%", "全年", "河湖股"],
    ]
    return Layout(
        "target_and_ratio_only_rows_xlsx",
        "water.xlsx",
        xlsx(rows),
        [
            ("", "取水许可检查", "取水单位", "水资源股", "5%", "5月-9月"),
            ("", "取水许可检查", "自备井用户", "水资源股", "2%", "5月-9月"),
            ("", "河道采砂检查", "采砂企业", "河湖股", "100%", "全年"),
        ],
    )


LAYOUTS: list[Callable[[], Layout]] = [
    police_group_header_xlsx,
    police_group_header_docx,
    number_merged_down_xlsx,
    number_repeated_xlsx,
    number_blank_tsv,
    number_and_item_merged_docx,
    market_task_and_codes_xlsx,
    culture_content_as_item_docx,
    ecology_plan_name_xlsx,
    fire_task_only_xlsx,
    percent_cells_xlsx,
    medical_free_text_csv,
    risk_rule_column_xlsx,
    notes_and_blank_rows_docx,
    notes_merged_xlsx,
    sections_and_prefixes_tsv,
    windows_and_levels_xlsx,
    two_sheets_xlsx,
    repeated_header_docx,
    wrapped_headers_xlsx,
    mode_merged_down_xlsx,
    risk_in_ratio_cell_csv,
    target_and_ratio_only_rows_xlsx,
]
