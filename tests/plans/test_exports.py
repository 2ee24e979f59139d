"""A plan's downloads (spotcheck.plans.exports: JSON, TSV, Excel; staff, portal, CLI) say which
items a published revision withdrew and when, as the plan's pages do: the day and the
revision's number, never the revision's reason (free text that may name a person or a phone)."""

import csv
import io
import json
from datetime import date

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from spotcheck.lib import planfile
from spotcheck.plans.actions import (
    import_plan,
    publish_plan,
    publish_revision,
    read_plan_upload,
    start_revision,
    withdraw_item,
)
from spotcheck.plans.exports import EXPORT_TYPES, export_plan_bytes

pytestmark = pytest.mark.django_db

REASON = "经办人王小明（13812345678）报请撤回"
WITHDRAWN_TEXT = "已于2022-07-01经第1次计划调整撤回"


@pytest.fixture
def withdrawn(published_plan, coordinator):
    """Item 2 of the published 2022 plan withdrawn by its first revision from 1 July."""
    revision = start_revision(
        plan=published_plan, actor=coordinator, reason=REASON, effective_date=date(2022, 7, 1)
    )
    item = published_plan.items.get(number=2)
    withdraw_item(revision=revision, actor=coordinator, item=item)
    publish_revision(revision=revision, actor=coordinator)
    item.refresh_from_db()
    assert item.is_withdrawn and revision.number == 1
    return item


def tsv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter="\t"))


def xlsx_rows(data: bytes) -> list[list[str]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def test_every_format_marks_the_withdrawn_item_with_its_day_and_revision(withdrawn):
    plan = withdrawn.plan
    items = json.loads(export_plan_bytes(plan, "json"))
    marks = {
        i["number"]: (i["withdrawn"], i["withdrawn_on"], i["withdrawn_by_revision"]) for i in items
    }
    assert marks.pop(2) == (True, "2022-07-01", 1)
    assert set(marks.values()) == {(False, None, None)}
    for fmt, rows_of in (("tsv", tsv_rows), ("xlsx", xlsx_rows)):
        rows = rows_of(export_plan_bytes(plan, fmt))
        header_at = next(n for n, row in enumerate(rows) if "抽查事项" in row)
        header, body = rows[header_at], rows[header_at + 1 :]
        assert header[-1] == planfile.WITHDRAWN_HEADER, fmt
        number, name = header.index("编号"), header.index("抽查事项")
        marked = {row[name]: row[-1] for row in body if row[-1]}
        assert marked == {withdrawn.name: WITHDRAWN_TEXT}, fmt
        assert len(body) == plan.items.count() and body[1][number] == "2", fmt
    for fmt in EXPORT_TYPES:
        data = export_plan_bytes(plan, fmt)
        assert b"13812345678" not in data and "王小明".encode() not in data, fmt


def test_a_plan_without_withdrawals_keeps_its_published_layout(published_plan):
    header = next(
        row for row in tsv_rows(export_plan_bytes(published_plan, "tsv")) if "抽查事项" in row
    )
    assert planfile.WITHDRAWN_HEADER not in header
    items = json.loads(export_plan_bytes(published_plan, "json"))
    assert {(i["withdrawn"], i["withdrawn_on"]) for i in items} == {(False, None)}


def test_the_staff_download_the_cli_and_the_api_say_it_too(
    client, coordinator, withdrawn, tmp_path
):
    plan = withdrawn.plan
    client.force_login(coordinator)
    staff = client.get(reverse("plans:export", args=[plan.pk, "tsv"]))
    assert staff.status_code == 200 and WITHDRAWN_TEXT in staff.content.decode()
    out = tmp_path / "plan.json"
    call_command("export_plan", str(plan.pk), "--format", "json", "-o", str(out))
    (item,) = [i for i in json.loads(out.read_text(encoding="utf-8")) if i["withdrawn"]]
    assert (item["number"], item["withdrawn_on"]) == (2, "2022-07-01")
    client.logout()
    listed = client.get(f"/api/v1/plans/{plan.pk}/items").json()
    marks = {i["number"]: (i["withdrawn"], i["withdrawn_on"]) for i in listed if i["withdrawn"]}
    assert marks == {2: (True, "2022-07-01")}
    assert [i["withdrawn_by_revision"] for i in listed if i["withdrawn"]] == [1]


def withdrawal_headers(data: bytes, fmt: str) -> int:
    rows = tsv_rows(data) if fmt == "tsv" else xlsx_rows(data)
    header = next(row for row in rows if "抽查事项" in row)
    return header.count(planfile.WITHDRAWN_HEADER)


@pytest.mark.parametrize("fmt", ["tsv", "xlsx"])
def test_an_export_imported_again_withdraws_nothing(withdrawn, coordinator, fmt):
    """docs/open-data.md: the exports import again. A withdrawal is made by a published
    revision only, so the 撤回情况 column is dropped on import: the copy has every item in
    force, its export no such column, and a withdrawal in the copy one header, not two."""
    exported = export_plan_bytes(withdrawn.plan, fmt)
    parsed = read_plan_upload(data=exported, filename=f"plan.{fmt}")
    assert not any(planfile.WITHDRAWN_HEADER in i.extra for i in parsed.items)
    assert {i.withdrawn_on for i in parsed.items} == {None}
    assert any("撤回情况" in note for note in parsed.column_notes)
    copy = import_plan(parsed=parsed, actor=coordinator, year=2023, source_filename=f"p.{fmt}")
    assert [i.extra for i in copy.items.order_by("position")] == [
        i.extra for i in withdrawn.plan.items.order_by("position")
    ]
    again = export_plan_bytes(copy, fmt)
    assert withdrawal_headers(again, fmt) == 0 and WITHDRAWN_TEXT.encode() not in again
    publish_plan(plan=copy, actor=coordinator)
    revision = start_revision(
        plan=copy, actor=coordinator, reason="调整", effective_date=date(2023, 8, 1)
    )
    withdraw_item(revision=revision, actor=coordinator, item=copy.items.get(number=3))
    publish_revision(revision=revision, actor=coordinator)
    rows_of = tsv_rows if fmt == "tsv" else xlsx_rows
    rows = rows_of(export_plan_bytes(copy, fmt))
    header_at = next(n for n, row in enumerate(rows) if "抽查事项" in row)
    assert rows[header_at].count(planfile.WITHDRAWN_HEADER) == 1
    marked = [row[-1] for row in rows[header_at + 1 :] if row[-1]]
    assert marked == ["已于2023-08-01经第1次计划调整撤回"]


def test_a_withdrawal_note_kept_by_an_earlier_import_is_not_exported(published_plan):
    """Items imported before the reader dropped the column may still carry it in `extra`."""
    item = published_plan.items.get(number=3)
    item.extra = {planfile.WITHDRAWN_HEADER: WITHDRAWN_TEXT}
    item.save(update_fields=["extra"])
    for fmt in ("tsv", "xlsx"):
        data = export_plan_bytes(published_plan, fmt)
        assert withdrawal_headers(data, fmt) == 0 and WITHDRAWN_TEXT.encode() not in data, fmt
