import csv
import io

import openpyxl
import pytest
from django.core.management import call_command

from spotcheck.registry.actions import import_entities, update_entity
from spotcheck.registry.exports import ENTITY_HEADER, export_entities, export_inspectors
from spotcheck.registry.models import Entity, Inspector

pytestmark = pytest.mark.django_db
HOSTILE = {
    "name": '=HYPERLINK("http://evil.example","点我")',
    "address": "+86 沂源县",
    "legal_representative": "@SUM(1,2)",
    "contact": "-1+1",
    "tags": ["=cmd|' /C calc'!A0"],
}


@pytest.fixture
def hostile(demo_directory):
    entity = Entity.objects.first()
    update_entity(entity=entity, actor="coord", values=HOSTILE)
    return Entity.objects.filter(pk=entity.pk)


def test_csv_export_neutralises_formulas(hostile):
    stream = io.BytesIO()
    assert export_entities(stream, "csv", hostile) == 1
    rows = list(csv.reader(io.StringIO(stream.getvalue().decode("utf-8-sig"))))
    assert rows[0] == ENTITY_HEADER
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["名称"] == "'" + HOSTILE["name"]
    assert cells["地址"] == "'+86 沂源县"
    assert cells["法定代表人"] == "'@SUM(1,2)"
    assert cells["联系电话"] == "'-1+1"
    assert cells["标签"].startswith("'=")


def test_xlsx_export_keeps_formulas_as_text(hostile):
    stream = io.BytesIO()
    export_entities(stream, "xlsx", hostile)
    sheet = openpyxl.load_workbook(io.BytesIO(stream.getvalue())).active
    values = [cell.value for cell in sheet[2]]
    assert values[0] == "'" + HOSTILE["name"]
    assert all(cell.data_type != "f" for cell in sheet[2])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_imports_back_unchanged(demo_directory, tmp_path, fmt):
    path = tmp_path / f"entities.{fmt}"
    call_command("export_entities", "--format", fmt, "-o", str(path))
    report = import_entities(source=path, filename=path.name, agency_name="沂源县公安局", actor="t")
    assert report.ok and report.unchanged == Entity.objects.count() == 120
    assert report.created == report.updated == 0


def test_inspector_export_round_trips(demo_directory, tmp_path):
    from spotcheck.registry.actions import import_inspectors

    path = tmp_path / "inspectors.csv"
    with path.open("wb") as stream:
        export_inspectors(stream, "csv", Inspector.objects.all())
    report = import_inspectors(source=path, filename=path.name, actor="t")
    assert report.unchanged == Inspector.objects.count() and report.updated == 0
