"""The open-data encodings: CSV for Excel (BOM, CRLF, lists joined, one row per result item),
JSON with exact decimals and ISO dates, and the generated schema tables."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from spotcheck.lib import opendata as spec


def record(**extra):
    row = {
        "record_id": 7,
        "entity_name": '某某"歌厅",分店',
        "published_on": date(2022, 10, 12),
        "cooperating_agencies": ["甲局", "乙局"],
        "withheld": False,
        "withdrawn_at": None,
        "items": [
            {"item_number": 8, "category": "no_problem"},
            {"item_number": 9, "category": "corrected"},
        ],
    }
    return {**row, **extra}


def test_csv_is_excel_friendly_and_flat():
    data, count = spec.encode_csv(spec.RESULTS, [record(), record(record_id=8, items=[])])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert count == len(rows) == 3  # two items, and a record without items keeps one row
    assert rows[0]["entity_name"] == '某某"歌厅",分店'
    assert rows[0]["cooperating_agencies"] == "甲局;乙局"
    assert rows[0]["withheld"] == "false" and rows[0]["withdrawn_at"] == ""
    assert [r["item_number"] for r in rows] == ["8", "9", ""]
    assert "items" not in rows[0]


def test_json_keeps_types_and_only_declared_fields():
    tz = timezone(timedelta(hours=8))
    row = {
        "draw_id": 3,
        "ratio_percent": Decimal("5.000"),
        "executed_at": datetime(2022, 5, 1, 10, 0, tzinfo=tz),
        "allocation": {"low": 3},
        "secret": "never",
    }
    data = json.loads(spec.encode_json(spec.DRAWS, 2022, [row]))
    assert data["schema"] == spec.SCHEMA and data["year"] == 2022 and data["count"] == 1
    (out,) = data["rows"]
    assert out["ratio_percent"] == "5" and out["executed_at"] == "2022-05-01T10:00:00+08:00"
    assert out["allocation"] == {"low": 3} and "secret" not in out
    assert out["seed"] is None
    csv_bytes, _ = spec.encode(spec.DRAWS, 2022, [row], "csv")
    assert b"allocation" not in csv_bytes.split(b"\r\n")[0]  # JSON-only field


def test_every_field_has_a_documented_type_and_example():
    for dataset in spec.DATASETS.values():
        names = [f.name for f in (*dataset.fields, *dataset.item_fields)]
        assert len(names) == len(set(names))
        for field in (*dataset.fields, *dataset.item_fields):
            assert field.type in spec.TYPES and field.meaning
    table = spec.schema_markdown()
    assert "| `record_id` | 整数 |" in table and "仅 JSON" in table


def test_the_streaming_writer_writes_what_the_encoders_give(tmp_path):
    rows = [record(), record(record_id=8, items=[]), record(record_id=9)]
    paths = {name: tmp_path / name for name in ("csv", "json", "body")}
    with (
        open(paths["csv"], "wb") as csv_out,
        open(paths["json"], "wb") as json_out,
        open(paths["body"], "w+b") as json_body,
    ):
        writer = spec.FileWriter(
            spec.RESULTS, 2022, csv_out=csv_out, json_body=json_body, json_out=json_out
        )
        for row in rows:
            writer.add(row)
        writer.finish(chunk=7)  # the body copied in small pieces
    csv_bytes, csv_count = spec.encode(spec.RESULTS, 2022, rows, "csv")
    json_bytes, json_count = spec.encode(spec.RESULTS, 2022, rows, "json")
    assert paths["csv"].read_bytes() == csv_bytes and writer.csv_rows == csv_count == 5
    assert paths["json"].read_bytes() == json_bytes and writer.records == json_count == 3
    assert writer.csv_hash.hexdigest() == spec.sha256_hex(csv_bytes)
    assert writer.json_hash.hexdigest() == spec.sha256_hex(json_bytes)
    assert json.loads(json_bytes)["count"] == 3


def test_an_empty_year_is_a_valid_file(tmp_path):
    data = spec.encode_json(spec.PLANS, 2022, [])
    assert json.loads(data) == {
        "schema": spec.SCHEMA,
        "dataset": "plans",
        "year": 2022,
        "count": 0,
        "rows": [],
    }


def test_batched_keeps_order_and_gives_the_rest_last():
    from spotcheck.lib.opendata import batched

    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched([], 3)) == []
