"""The 检查通知书 (inspection notice) and 检查记录表 (record form) of a visit, as .docx.

Built from plain dataclasses, so the Django app, the CLI and the tests fill them the same way:

- `Notice`: the entity, every merged item with its legal basis, the materials to prepare (listed
  once across merged items, `merged_materials`), the team with certificate numbers, the date
  window and the unit's contact.
- The record form lists every checkpoint of every merged item as a row with a result column
  (符合 / 不适用 / 发现问题) and a remarks column; an item without checkpoints gets its content as
  one row (`record_rows`). Signature lines for each member and the entity's representative; every
  page is numbered "第 X 页 共 Y 页".

`notice_docx` and `record_form_docx` return the file's bytes; python-docx re-opens them.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

__all__ = [
    "NoticeEntity",
    "NoticeItem",
    "RecordRow",
    "TeamMember",
    "UnitContact",
    "VisitPaper",
    "merged_materials",
    "notice_docx",
    "record_form_docx",
    "record_rows",
]

FONT = "宋体"
HEADING_FONT = "黑体"
RESULT_CHOICES = "□符合　□不适用　□发现问题"


@dataclass(frozen=True, kw_only=True)
class NoticeEntity:
    name: str
    credit_code: str = ""
    address: str = ""
    representative: str = ""
    """The legal representative or person in charge."""


@dataclass(frozen=True, kw_only=True)
class NoticeItem:
    number: str
    """The item's number in the plan, as printed ("11")."""
    name: str
    legal_basis: str = ""
    content: str = ""
    checkpoints: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    """Materials the entity must prepare for this item."""


@dataclass(frozen=True, kw_only=True)
class TeamMember:
    name: str
    certificate_number: str
    unit: str = ""
    leader: bool = False


@dataclass(frozen=True, kw_only=True)
class UnitContact:
    unit: str
    person: str = ""
    phone: str = ""
    address: str = ""


@dataclass(frozen=True, kw_only=True)
class VisitPaper:
    """What the notice and the record form of one visit print."""

    agency: str
    """The issuing agency (沂源县公安局), printed as the signature of the notice."""
    document_number: str
    entity: NoticeEntity
    items: tuple[NoticeItem, ...]
    team: tuple[TeamMember, ...]
    window: tuple[date, date]
    contact: UnitContact
    issued_on: date
    plan_title: str = ""
    unannounced: bool = False
    """不予通知: a record form without notice; the notice itself is then refused."""


@dataclass(frozen=True)
class RecordRow:
    item_number: str
    item_name: str
    number: int
    """1-based within the item."""
    text: str


def _material_key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).rstrip("。.;；")


def merged_materials(items: Iterable[NoticeItem]) -> list[str]:
    """Materials of all items, each once (first wording kept), in the order they first appear."""
    seen: set[str] = set()
    merged: list[str] = []
    for item in items:
        for material in item.materials:
            key = _material_key(material)
            if key and key not in seen:
                seen.add(key)
                merged.append(material.strip())
    return merged


def record_rows(items: Iterable[NoticeItem]) -> list[RecordRow]:
    """One row per checkpoint of each item; an item without checkpoints gets its content (or,
    failing that, its name) as its only row."""
    rows: list[RecordRow] = []
    for item in items:
        points = [p for p in item.checkpoints if p.strip()] or [item.content.strip() or item.name]
        rows += [
            RecordRow(item.number, item.name, number, text)
            for number, text in enumerate(points, start=1)
        ]
    return rows


# --- docx helpers --------------------------------------------------------------------------


def _set_font(run: Any, name: str, size: float | None = None, bold: bool = False) -> None:
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size is not None:
        run.font.size = Pt(size)
    run.bold = bold


def _new_document() -> Any:
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.2)
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    _page_numbers(section)
    return document


def _field(paragraph: Any, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and WPS update when the file is opened or printed."""
    run = paragraph.add_run()

    def append(tag: str, text: str | None = None, **attributes: str) -> None:
        element = OxmlElement(tag)
        for name, value in attributes.items():
            element.set(qn(name), value)
        if text is not None:
            element.text = text
        run._r.append(element)

    append("w:fldChar", **{"w:fldCharType": "begin"})
    append("w:instrText", f" {instruction} ", **{"xml:space": "preserve"})
    append("w:fldChar", **{"w:fldCharType": "separate"})
    append("w:t", "1")  # shown until the field is updated
    append("w:fldChar", **{"w:fldCharType": "end"})


def _page_numbers(section: Any) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("第 ")
    _field(paragraph, "PAGE")
    paragraph.add_run(" 页 共 ")
    _field(paragraph, "NUMPAGES")
    paragraph.add_run(" 页")


def _title(document: Any, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(paragraph.add_run(text), HEADING_FONT, 18, bold=True)


def _paragraph(document: Any, text: str, *, align: Any = None, bold: bool = False) -> Any:
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    _set_font(paragraph.add_run(text), FONT, None, bold=bold)
    return paragraph


def _table(document: Any, header: Sequence[str], rows: Iterable[Sequence[str]]) -> Any:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        _set_font(cell.paragraphs[0].add_run(text), FONT, 10.5, bold=True)
    _repeat_header(table.rows[0])
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            _set_font(cell.paragraphs[0].add_run(text), FONT, 10.5)
    return table


def _repeat_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)


def _window_text(window: tuple[date, date]) -> str:
    start, end = window
    return f"{_date_text(start)}至{_date_text(end)}"


def _date_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _save(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _check_paper(paper: VisitPaper) -> None:
    problems = []
    if not paper.items:
        problems.append("没有检查事项")
    if not paper.team:
        problems.append("没有检查组成员")
    missing = [m.name for m in paper.team if not m.certificate_number.strip()]
    if missing:
        problems.append(f"{'、'.join(missing)}没有执法证号")
    if paper.window[1] < paper.window[0]:
        problems.append("检查时间的结束日期早于开始日期")
    if problems:
        raise ValueError("无法生成文书：" + "；".join(problems))


# --- the two documents ---------------------------------------------------------------------


def notice_docx(paper: VisitPaper) -> bytes:
    """The 检查通知书 as .docx bytes."""
    if paper.unannounced:
        raise ValueError("本次检查不予通知，不生成检查通知书")
    _check_paper(paper)
    document = _new_document()
    _title(document, f"{paper.agency}\n检查通知书")
    _paragraph(document, paper.document_number, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, f"{paper.entity.name}：")
    basis = f"根据《{paper.plan_title}》，" if paper.plan_title else ""
    _paragraph(
        document,
        f"　　{basis}本机关定于{_window_text(paper.window)}期间，"
        f"对你单位开展“双随机、一公开”抽查，检查事项及依据如下：",
    )
    _table(
        document,
        ["编号", "检查事项", "检查依据"],
        [(item.number, item.name, item.legal_basis or "—") for item in paper.items],
    )
    materials = merged_materials(paper.items)
    _paragraph(document, "请准备以下材料：", bold=True)
    if materials:
        for index, material in enumerate(materials, start=1):
            _paragraph(document, f"{index}. {material}")
    else:
        _paragraph(document, "无需另行准备材料。")
    _paragraph(document, "检查组成员：", bold=True)
    _table(
        document,
        ["姓名", "单位", "执法证号", "职责"],
        [
            (m.name, m.unit, m.certificate_number, "组长" if m.leader else "组员")
            for m in paper.team
        ],
    )
    _paragraph(
        document,
        "　　检查人员将出示执法证件。请你单位予以配合，如实提供有关情况和材料；"
        "检查人员与你单位有利害关系的，你单位可以申请其回避。",
    )
    contact = paper.contact
    parts = [f"联系单位：{contact.unit}"]
    if contact.person:
        parts.append(f"联系人：{contact.person}")
    if contact.phone:
        parts.append(f"联系电话：{contact.phone}")
    if contact.address:
        parts.append(f"地址：{contact.address}")
    _paragraph(document, "　　".join(parts))
    _paragraph(document, paper.agency, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, _date_text(paper.issued_on), align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, "被检查单位签收：______________　　签收日期：______________")
    return _save(document)


def record_form_docx(paper: VisitPaper) -> bytes:
    """The 检查记录表 as .docx bytes: every checkpoint a row with a result column."""
    _check_paper(paper)
    document = _new_document()
    _title(document, "检查记录表")
    _paragraph(document, f"通知书编号：{paper.document_number or '（不予通知）'}")
    entity = paper.entity
    _table(
        document,
        ["被检查单位", "统一社会信用代码", "地址", "负责人"],
        [(entity.name, entity.credit_code, entity.address, entity.representative)],
    )
    _paragraph(
        document,
        f"检查时间：{_window_text(paper.window)}内　实际检查日期：____年__月__日　"
        "核查方式：□实地核查 □书面检查 □网络监测 □检验检测 □委托专业机构 □采信行政部门结果或专业意见",
    )
    rows = record_rows(paper.items)
    _table(
        document,
        ["事项", "序号", "检查要点", "检查结果", "问题描述 / 不适用理由"],
        [
            (f"{row.item_number}. {row.item_name}", str(row.number), row.text, RESULT_CHOICES, "")
            for row in rows
        ],
    )
    _paragraph(document, "检查结论：", bold=True)
    _table(
        document,
        ["事项", "抽查结果", "后续处置"],
        [(f"{item.number}. {item.name}", "", "") for item in paper.items],
    )
    _paragraph(document, "签名：", bold=True)
    for member in paper.team:
        _paragraph(
            document,
            f"检查人员：{member.name}（执法证号 {member.certificate_number}）"
            "　签名：______________　日期：____年__月__日",
        )
    _paragraph(
        document, "被检查单位在场人员：______________　签名：______________　日期：____年__月__日"
    )
    return _save(document)
