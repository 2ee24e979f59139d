"""Hostile or damaged plan files: bounded work, clear errors naming the place (issue 14)."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

import spotcheck
from spotcheck.lib import planfile
from spotcheck.lib.planfile import PlanFileError, read_plan, read_plan_bytes, write_plan_xlsx

SEED = Path(spotcheck.__file__).resolve().parent / "data" / "2022-county-police-plan.txt"


def seed_workbook() -> openpyxl.Workbook:
    stream = io.BytesIO()
    write_plan_xlsx(read_plan(SEED), stream)
    return openpyxl.load_workbook(io.BytesIO(stream.getvalue()))


def saved(workbook: openpyxl.Workbook) -> bytes:
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def read_bounded(data: bytes, tmp_path: Path) -> str:
    """Read in a child process with 1.5 GB of address space and 60 s: a reader that walks the
    claimed grid fails here instead of taking the machine down. Returns the outcome as text."""
    path = tmp_path / "plan.xlsx"
    path.write_bytes(data)
    script = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024,) * 2)
        from spotcheck.lib.planfile import PlanFileError, read_plan
        try:
            plan = read_plan({str(path)!r})
        except PlanFileError as error:
            print("error:", error)
        else:
            print("items:", len(plan.items))
        """
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    return (done.stdout + done.stderr).strip()


def test_a_value_at_xfd1048576_is_refused_quickly(tmp_path: Path) -> None:
    workbook = seed_workbook()
    workbook.active["XFD1048576"] = "x"
    data = saved(workbook)
    assert len(data) < 50_000
    outcome = read_bounded(data, tmp_path)
    assert outcome.startswith("error:"), outcome
    assert "1048576" in outcome and f"上限{planfile.MAX_ROWS}行" in outcome


def test_a_formatted_empty_cell_far_away_is_ignored(tmp_path: Path) -> None:
    workbook = seed_workbook()
    workbook.active["XFD1048576"].font = Font(bold=True)  # stored, but holds no value
    outcome = read_bounded(saved(workbook), tmp_path)
    assert outcome == f"items: {len(read_plan(SEED).items)}"


def with_merge(data: bytes, ref: str) -> bytes:
    """The workbook with one more merged range, written into the sheet XML (openpyxl itself
    would make an object per merged cell)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                merge = f'<mergeCell ref="{ref}"/>'.encode()
                if b"<mergeCells" in body:
                    body = body.replace(b"</mergeCells>", merge + b"</mergeCells>")
                else:
                    body = body.replace(
                        b"</sheetData>", b"</sheetData><mergeCells>" + merge + b"</mergeCells>"
                    )
            target.writestr(info, body)
    return out.getvalue()


def test_a_merge_over_the_whole_grid_is_refused(tmp_path: Path) -> None:
    outcome = read_bounded(with_merge(saved(seed_workbook()), "A200:XFD1048576"), tmp_path)
    assert outcome.startswith("error:"), outcome
    assert "合并单元格A200:XFD1048576超出上限" in outcome


def test_merges_covering_too_many_cells_are_refused() -> None:
    data = saved(seed_workbook())
    for top in range(300, 1300, 100):  # ten merges of 100 x 200 cells
        data = with_merge(data, f"A{top}:GR{top + 99}")
    with pytest.raises(PlanFileError, match="合并单元格共覆盖2\\d{5}个单元格"):
        read_plan_bytes(data, "plan.xlsx")


def test_too_many_columns_names_the_column() -> None:
    workbook = seed_workbook()
    workbook.active.cell(row=3, column=planfile.MAX_COLUMNS + 1, value="x")
    with pytest.raises(PlanFileError, match=r"第201列（GS列），超过上限200列"):
        read_plan_bytes(saved(workbook), "plan.xlsx")


def test_a_zip_bomb_is_refused_before_parsing() -> None:
    stream = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(saved(seed_workbook()))) as source,
        zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for info in source.infolist():
            bomb.writestr(info, source.read(info))
        bomb.writestr("xl/padding.xml", b" " * (planfile.MAX_XLSX_UNPACKED_BYTES + 1))
    assert len(stream.getvalue()) < 200_000
    with pytest.raises(PlanFileError, match="解压后超过32 MB"):
        read_plan_bytes(stream.getvalue(), "plan.xlsx")


def test_items_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planfile, "MAX_ITEMS", 3)
    with pytest.raises(PlanFileError, match="抽查事项超过上限3项"):
        read_plan(SEED)


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x85"])
def test_control_characters_in_a_cell_name_row_and_column(character: str) -> None:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    row = next(i for i, line in enumerate(lines) if "治安大队" in line)
    lines[row] = lines[row].replace("治安大队", f"治安{character}大队", 1)
    with pytest.raises(PlanFileError, match=rf"^第{row + 1}行：第\d+列第3个字符是控制字符"):
        read_plan_bytes("\n".join(lines).encode("utf-8"), "plan.txt")


def test_control_characters_in_an_xlsx_cell_name_the_cell() -> None:
    workbook = seed_workbook()
    sheet = workbook.active
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == "治安大队")
    cell.value = "治安\x7f大队"  # NUL cannot even be written into an xlsx; DEL can
    with pytest.raises(PlanFileError, match=rf"单元格 {cell.coordinate}第3个字符是控制字符"):
        read_plan_bytes(saved(workbook), "plan.xlsx")


def test_line_breaks_and_tabs_inside_cells_stay_allowed() -> None:
    workbook = seed_workbook()
    cell = next(c for row in workbook.active.iter_rows() for c in row if c.value == "治安大队")
    row = cell.row
    workbook.active.cell(row=row, column=2).value = "第一\n第二\t第三\r\n第四"
    plan = read_plan_bytes(saved(workbook), "plan.xlsx")
    assert any("第一\n第二\t第三" in "".join(i.original.values()) for i in plan.items)
