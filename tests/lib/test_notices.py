from __future__ import annotations

import io
from datetime import date
from importlib import resources

import docx
import pytest

from spotcheck.lib.notices import (
    NoticeEntity,
    NoticeItem,
    TeamMember,
    UnitContact,
    VisitPaper,
    merged_materials,
    notice_docx,
    record_form_docx,
    record_rows,
)
from spotcheck.lib.planfile import read_plan_bytes
from spotcheck.lib.plantext import split_checkpoints

SEED = resources.files("spotcheck.data").joinpath("2022-county-police-plan.txt").read_bytes()


def seed_items() -> dict[int, NoticeItem]:
    plan = read_plan_bytes(SEED, "2022-county-police-plan.txt")
    return {
        item.number: NoticeItem(
            number=str(item.number),
            name=item.name,
            legal_basis=f"《中华人民共和国网络安全法》（事项{item.number}）",
            content=item.content,
            checkpoints=tuple(item.checkpoints),
            materials=("网络安全管理制度", "营业执照副本复印件。"),
        )
        for item in plan.items
        if item.number is not None
    }


def paper(items: tuple[NoticeItem, ...], **kwargs: object) -> VisitPaper:
    base: dict[str, object] = {
        "agency": "沂源县公安局",
        "document_number": "沂公治检通字〔2022〕第0007号",
        "entity": NoticeEntity(
            name="沂源县悦来宾馆",
            credit_code="91370323MA3C000001",
            address="沂源县历山街道",
            representative="王五",
        ),
        "items": items,
        "team": (
            TeamMember(name="张三", certificate_number="37030001", unit="网安大队", leader=True),
            TeamMember(name="李四", certificate_number="37030002", unit="网安大队"),
        ),
        "window": (date(2022, 6, 1), date(2022, 6, 30)),
        "contact": UnitContact(unit="网安大队", person="赵六", phone="0533-3221234"),
        "issued_on": date(2022, 5, 25),
        "plan_title": "沂源县公安局2022年度“双随机、一公开”抽查工作计划",
    }
    base.update(kwargs)
    return VisitPaper(**base)  # type: ignore[arg-type]


def all_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def test_seed_checkpoints_agree_with_plantext() -> None:
    items = seed_items()
    assert len(items[11].checkpoints) == 13
    assert len(items[12].checkpoints) == 5
    assert list(items[11].checkpoints) == split_checkpoints(items[11].content)


def test_record_form_rows_for_items_11_and_12() -> None:
    items = seed_items()
    data = record_form_docx(paper((items[11], items[12])))
    document = docx.Document(io.BytesIO(data))
    checkpoint_table = document.tables[1]
    rows = checkpoint_table.rows[1:]
    assert len(rows) == 18
    by_item: dict[str, list[str]] = {}
    for row in rows:
        by_item.setdefault(row.cells[0].text, []).append(row.cells[1].text)
    assert by_item[f"11. {items[11].name}"] == [str(n) for n in range(1, 14)]
    assert by_item[f"12. {items[12].name}"] == [str(n) for n in range(1, 6)]
    assert rows[0].cells[2].text == items[11].checkpoints[0]
    assert all("发现问题" in row.cells[3].text for row in rows)
    text = all_text(data)
    assert "张三（执法证号 37030001）" in text and "李四（执法证号 37030002）" in text
    assert "被检查单位在场人员" in text
    footer = document.sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer


def test_item_without_checkpoints_is_one_row_of_its_content() -> None:
    bare = NoticeItem(number="3", name="对保安服务公司开展活动情况的检查", content="保安员管理情况")
    nameless = NoticeItem(number="4", name="只有名称")
    rows = record_rows([bare, nameless])
    assert [(r.item_number, r.number, r.text) for r in rows] == [
        ("3", 1, "保安员管理情况"),
        ("4", 1, "只有名称"),
    ]


def test_notice_lists_items_materials_once_team_window_and_contact() -> None:
    items = seed_items()
    data = notice_docx(paper((items[11], items[12])))
    text = all_text(data)
    assert "检查通知书" in text and "沂公治检通字〔2022〕第0007号" in text
    assert "沂源县悦来宾馆：" in text
    assert items[11].name in text and items[12].name in text
    assert "《中华人民共和国网络安全法》（事项11）" in text
    assert text.count("网络安全管理制度") == 1
    assert text.count("营业执照副本复印件") == 1
    assert "37030001" in text and "组长" in text
    assert "2022年6月1日至2022年6月30日" in text
    assert "联系人：赵六" in text and "0533-3221234" in text


def test_materials_merge_across_items_keeping_first_wording() -> None:
    a = NoticeItem(number="1", name="a", materials=("营业执照", "特种行业许可证；"))
    b = NoticeItem(number="2", name="b", materials=("营业执照。", " 旅客登记簿", ""))
    assert merged_materials([a, b]) == ["营业执照", "特种行业许可证；", "旅客登记簿"]


def test_documents_refuse_what_cannot_be_printed() -> None:
    items = seed_items()
    with pytest.raises(ValueError, match="不予通知"):
        notice_docx(paper((items[11],), unannounced=True))
    assert record_form_docx(paper((items[11],), unannounced=True, document_number=""))
    with pytest.raises(ValueError, match="李四没有执法证号"):
        notice_docx(paper((items[11],), team=(TeamMember(name="李四", certificate_number=" "),)))
    with pytest.raises(ValueError, match="没有检查事项"):
        record_form_docx(paper(()))
    with pytest.raises(ValueError, match="结束日期早于开始日期"):
        notice_docx(paper((items[11],), window=(date(2022, 6, 2), date(2022, 6, 1))))
