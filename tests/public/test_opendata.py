"""Open data per year (plans, draws, results as CSV and JSON): exactly what the public pages
show, never what they hide; the index with SHA-256 and row counts; the cache; the documented
schema; the per-draw verification kit, unzipped and verified."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path
from unittest.mock import patch

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from spotcheck import kit
from spotcheck.draws.actions import active_selections
from spotcheck.draws.models import Draw, DrawSelection
from spotcheck.inspections.models import Visit
from spotcheck.lib import opendata as spec
from spotcheck.lib import publication as pub
from spotcheck.public import actions, opendata
from spotcheck.public.cache import clear_public_pages
from spotcheck.public.models import (
    PublishedItem,
    PublishedResult,
    note_public_change,
    public_version,
)
from spotcheck.public.selectors import published_draws
from spotcheck.registry.models import Entity
from tests.public.helpers import approve_visit, verify_kit

# Round one's draws, visits and teams are built once for the module (tests/conftest.py). A test
# that draws round one itself: test_opendata_registry.py.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_teams")]

YEAR = 2022
SECRETS = ("内部备注", "登记不全", "13812345678", "张经理", "13900001111", "张三丰")


@pytest.fixture
def visits(teamed_visits) -> list[Visit]:
    visits = teamed_visits
    # The first one is a sole trader named after its operator.
    Entity.objects.filter(pk=visits[0].entity_id).update(
        credit_code="92370323MA3C1234X5", legal_representative="张三丰"
    )
    visits[0].entity_name = "沂源县张三丰烧烤店"
    visits[0].save(update_fields=["entity_name"])
    return visits


@pytest.fixture
def published(visits, unit_leader) -> list[PublishedResult]:
    results = [approve_visit(v, unit_leader, problem=(i == 0)) for i, v in enumerate(visits)]
    actions.publish_results(results=results, actor=unit_leader)
    return list(PublishedResult.objects.order_by("pk"))


def download(client, name: str) -> bytes:
    response = client.get(reverse("public:data_file", args=[YEAR, name]))
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content)


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    assert b"\r\n" in data
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_results_are_what_the_result_pages_show(client, published, visits):
    data = download(client, "results.csv")
    rows = read_csv(data)
    header = data.decode("utf-8-sig").split("\r\n", 1)[0].split(",")
    assert header == [f.name for f in spec.RESULTS.csv_fields]
    assert len(rows) == PublishedItem.objects.count()  # one row per item of each record
    text = data.decode("utf-8-sig") + download(client, "results.json").decode()
    for secret in SECRETS:
        assert secret not in text
    for member in visits[0].current_members():  # the agency does not publish names
        assert member.inspector.name not in text
    sole = PublishedResult.objects.get(result__visit=visits[0])
    assert sole.entity_name == "沂源县张**烧烤店"
    mine = [r for r in rows if r["record_id"] == str(sole.pk)]
    assert mine and {r["entity_name"] for r in mine} == {"沂源县张**烧烤店"}
    assert mine[0]["credit_code"] == "92370323MA3C1234X5"
    assert mine[0]["follow_up"] == "open" and mine[0]["withheld"] == "false"
    snapshot_items = sole.snapshot["items"]
    assert [r["category_label"] for r in mine] == [i["category_label"] for i in snapshot_items]
    document = json.loads(download(client, "results.json"))
    assert document["schema"] == spec.SCHEMA and document["count"] == len(published)
    record = next(r for r in document["rows"] if r["record_id"] == sole.pk)
    assert record["inspected_on"] == sole.snapshot["inspected_on"]
    assert [i["item_id"] for i in record["items"]] == [i["plan_item"] for i in snapshot_items]
    assert record["inspectors"] == [] and record["corrected"] is False


def test_inspector_names_follow_the_agency_setting(client, visits, unit_leader, agency):
    agency.publish_inspector_names = True
    agency.save()
    result = approve_visit(visits[1], unit_leader)
    actions.publish_results(results=[result], actor=unit_leader)
    names = [p for p in PublishedResult.objects.get().snapshot["inspectors"]]
    assert names
    row = read_csv(download(client, "results.csv"))[0]
    assert row["inspectors"] == ";".join(names)
    agency.publish_inspector_names = False  # later switched off: no longer shown anywhere
    agency.save()
    clear_public_pages()
    assert read_csv(download(client, "results.csv"))[0]["inspectors"] == ""
    page = client.get(reverse("public:result", args=[PublishedResult.objects.get().pk]))
    assert names[0] not in page.content.decode()


def test_no_published_hash_covers_hidden_inspector_names(client, visits, unit_leader, agency):
    """With names published, a record's hash is the stored one; once the setting is off, no
    page or file prints the stored hash (guessing names from the roster against it would find
    them): the published hash is the hash of the displayed snapshot. The stored snapshot is
    still checked against the stored hash (the record is not withheld)."""
    agency.publish_inspector_names = True
    agency.save()
    result = approve_visit(visits[1], unit_leader)
    actions.publish_results(results=[result], actor=unit_leader)
    record = PublishedResult.objects.get()
    assert record.snapshot["inspectors"]
    stored = record.snapshot_sha256

    def published_places() -> dict[str, str]:
        clear_public_pages()
        addresses = {
            "result": reverse("public:result", args=[record.pk]),
            "batch": reverse("public:batch", args=[record.publication_id]),
            "entity": reverse("public:entity", args=[record.entity_key]),
            "results": reverse("public:results"),
            "feed": reverse("public:announcements"),
            "home": reverse("home"),
        }
        places = {}
        for name, address in addresses.items():
            response = client.get(address)
            assert response.status_code == 200, name
            places[name] = response.content.decode()
        places["results.csv"] = download(client, "results.csv").decode("utf-8-sig")
        places["results.json"] = download(client, "results.json").decode()
        return places

    shown = published_places()
    assert stored in shown["result"]
    assert read_csv(shown["results.csv"].encode("utf-8-sig"))[0]["snapshot_sha256"] == stored
    assert json.loads(shown["results.json"])["rows"][0]["snapshot_sha256"] == stored

    agency.publish_inspector_names = False
    agency.save()
    hidden = published_places()
    for name, text in hidden.items():
        assert stored not in text, name
    displayed = pub.displayed_snapshot(record.snapshot, inspector_names=False)
    digest = pub.snapshot_sha256(displayed)
    assert "inspectors" not in displayed and digest != stored
    assert f"<code>{digest}</code>" in hidden["result"]
    assert read_csv(hidden["results.csv"].encode("utf-8-sig"))[0]["snapshot_sha256"] == digest
    row = json.loads(hidden["results.json"])["rows"][0]
    assert row["snapshot_sha256"] == digest and row["withheld"] is False
    record.refresh_from_db()
    assert record.snapshot_sha256 == stored and pub.snapshot_matches(record.snapshot, stored)


def test_withdrawn_and_tampered_records_are_marked_not_dropped(client, published, coordinator):
    withdrawn, tampered = published[0], published[1]
    actions.withdraw_published(published=withdrawn, reason="检查对象名称有误", actor=coordinator)
    changed = dict(tampered.snapshot, inspected_on="2022-01-01")
    PublishedResult.objects.filter(pk=tampered.pk).update(snapshot=changed)
    clear_public_pages()
    rows = json.loads(download(client, "results.json"))["rows"]
    by_id = {r["record_id"]: r for r in rows}
    assert (
        by_id[withdrawn.pk]["withdrawn_at"]
        and by_id[withdrawn.pk]["withdraw_reason"] == "检查对象名称有误"
    )
    assert by_id[withdrawn.pk]["items"]
    assert by_id[tampered.pk]["withheld"] is True
    assert by_id[tampered.pk]["items"] == [] and by_id[tampered.pk]["inspected_on"] is None
    assert by_id[tampered.pk]["snapshot_sha256"] == ""  # no content published, no hash of it
    assert "2022-01-01" not in json.dumps(rows)


def test_draws_carry_the_bulletin_fields_and_the_selection(client, published, executed_draws):
    rows = json.loads(download(client, "draws.json"))["rows"]
    draws = Draw.objects.public().filter(item__plan__year=YEAR)
    assert {r["draw_id"] for r in rows} == set(draws.values_list("pk", flat=True))
    draw = draws.filter(status=Draw.Status.EXECUTED).first()
    row = next(r for r in rows if r["draw_id"] == draw.pk)
    assert row["population_hash"] == draw.population_hash and row["seed"] == draw.seed
    assert row["selected"] == [s.public_id for s in active_selections(draw)]
    assert row["selected_count"] == len(row["selected"])
    assert row["kit"] == reverse("public:kit", args=[draw.pk])
    flat = read_csv(download(client, "draws.csv"))
    assert next(r for r in flat if r["draw_id"] == str(draw.pk))["selected"] == ";".join(
        row["selected"]
    )
    plans = read_csv(download(client, "plans.csv"))
    assert {r["item_name"] for r in plans} >= {draw.item.name}


def test_the_index_lists_each_file_with_its_hash_and_rows(client, published):
    page = client.get(reverse("public:data")).content.decode()
    for dataset in spec.DATASETS:
        for fmt in spec.FORMATS:
            data = download(client, f"{dataset}.{fmt}")
            assert hashlib.sha256(data).hexdigest() in page
            assert reverse("public:data_file", args=[YEAR, f"{dataset}.{fmt}"]) in page
    results = read_csv(download(client, "results.csv"))
    assert f'<td data-label="行数">{len(results)}</td>' in page
    assert reverse("public:data_schema") in page
    assert client.get(reverse("public:data_file", args=[YEAR, "secrets.csv"])).status_code == 404
    assert client.get(reverse("public:data_file", args=[1999, "plans.csv"])).status_code == 404


def test_files_are_served_from_disk_until_something_is_published(
    client, visits, unit_leader, open_data_dir
):
    first = client.get(reverse("public:data_file", args=[YEAR, "results.csv"]))
    assert read_csv(b"".join(first.streaming_content)) == []
    built = first["X-Open-Data-Built-At"]
    manifest = opendata.read_manifest(YEAR)
    assert manifest is not None and manifest.version == opendata.data_version(YEAR)
    assert (open_data_dir / str(YEAR) / manifest.build / "results.csv").exists()
    approve_visit(visits[0], unit_leader)  # staff work that publishes nothing
    again = client.get(reverse("public:data_file", args=[YEAR, "results.csv"]))
    assert again["X-Open-Data-Built-At"] == built  # the same file, not rebuilt
    assert again["ETag"] == f'"{manifest.files["results.csv"]["sha256"]}"'
    # a download stays the file itself for clients that accept gzip: its ETag its SHA-256
    zipped = client.get(
        reverse("public:data_file", args=[YEAR, "results.csv"]),
        headers={"accept-encoding": "gzip"},
    )
    assert "Content-Encoding" not in zipped and zipped["ETag"] == again["ETag"]
    result = approve_visit(visits[1], unit_leader)
    actions.publish_results(results=[result], actor=unit_leader)
    assert opendata.read_manifest(YEAR).version != opendata.data_version(YEAR)  # stale
    assert len(read_csv(download(client, "results.csv"))) == PublishedItem.objects.count() > 0
    rebuilt = opendata.read_manifest(YEAR)
    assert rebuilt.build != manifest.build
    assert rebuilt.files["results.csv"]["rows"] == PublishedItem.objects.count()


def test_a_large_stale_year_is_not_served_but_announced(
    client, visits, unit_leader, settings, open_data_dir
):
    settings.SPOTCHECK_OPEN_DATA_INLINE_RESULTS = 0  # a year with results is "too large"
    actions.publish_results(results=[approve_visit(visits[2], unit_leader)], actor=unit_leader)
    url = reverse("public:data_file", args=[YEAR, "results.json"])
    missing = client.get(url)
    assert missing.status_code == 503 and missing["Retry-After"]
    assert "尚未生成过" in missing.content.decode()
    call_command("build_open_data", "--year", str(YEAR), stdout=io.StringIO())
    served = json.loads(b"".join(client.get(url).streaming_content))
    assert served["count"] == 1
    result = approve_visit(visits[1], unit_leader)
    actions.publish_results(results=[result], actor=unit_leader)
    stale = client.get(url)
    assert stale.status_code == 503
    built = opendata.read_manifest(YEAR).built_at
    assert f"上次生成于 {timezone.localtime(built):%Y-%m-%d %H:%M:%S}" in stale.content.decode()
    index = client.get(reverse("public:data")).content.decode()
    assert (
        "正在重新生成" in index
        and reverse("public:data_file", args=[YEAR, "results.json"]) not in index
    )
    out = io.StringIO()
    call_command("build_open_data", stdout=out)
    assert f"{YEAR}年：已生成" in out.getvalue()
    assert json.loads(b"".join(client.get(url).streaming_content))["count"] == 2
    out = io.StringIO()
    call_command("build_open_data", stdout=out)
    assert f"{YEAR}年：已是最新" in out.getvalue()
    builds = [p.name for p in (open_data_dir / str(YEAR)).iterdir() if p.is_dir()]
    assert len([b for b in builds if not b.startswith(".")]) <= 2  # the current and previous


def test_the_command_rebuilds_only_the_years_whose_version_moved(published, monkeypatch):
    """What a timer runs every few minutes: each year is rebuilt when its published version
    moved since its files were built (or it has none yet), the other years are left alone."""
    other = YEAR + 1
    monkeypatch.setattr(opendata, "years", lambda: [other, YEAR])

    def run() -> str:
        out = io.StringIO()
        call_command("build_open_data", stdout=out)
        return out.getvalue()

    assert f"{YEAR}年：已生成" in (first := run()) and f"{other}年：已生成" in first
    assert f"{YEAR}年：已是最新" in (idle := run()) and f"{other}年：已是最新" in idle
    built = {y: opendata.read_manifest(y).built_at for y in (YEAR, other)}
    with transaction.atomic():
        note_public_change(other)
    moved = run()
    assert f"{other}年：已生成" in moved and f"{YEAR}年：已是最新" in moved
    assert opendata.read_manifest(YEAR).built_at == built[YEAR]
    assert opendata.read_manifest(other).built_at > built[other]


def test_the_command_writes_what_the_index_lists(client, published, executed_draws, open_data_dir):
    out = io.StringIO()
    call_command("build_open_data", "--year", str(YEAR), "--force", stdout=out)
    manifest = opendata.read_manifest(YEAR)
    for data in manifest.all_files():
        content = data.path.read_bytes()
        assert hashlib.sha256(content).hexdigest() == data.sha256 and len(content) == data.size
    index = client.get(reverse("public:data")).content.decode()
    assert manifest.files["draws.csv"]["sha256"] in index
    with pytest.raises(CommandError):
        call_command("build_open_data", "--year", "1999", stdout=out)


def test_the_publication_version_moves_only_for_public_changes(visits, unit_leader, coordinator):
    before = public_version(YEAR)
    result = approve_visit(visits[0], unit_leader)
    assert public_version(YEAR) == before
    actions.publish_results(results=[result], actor=unit_leader)
    assert public_version(YEAR) == before + 1
    published = PublishedResult.objects.get()
    actions.withdraw_published(published=published, reason="名称有误", actor=coordinator)
    assert public_version(YEAR) == before + 2


def test_draw_rows_read_a_fixed_number_of_queries(executed_draws):
    draws = Draw.objects.public().filter(item__plan__year=YEAR)
    assert draws.filter(status=Draw.Status.EXECUTED).count() >= 2

    def queries_for(limit: int) -> int:
        keep = list(draws.order_by("pk").values_list("pk", flat=True)[:limit])
        only = published_draws().filter(pk__in=keep)
        with (
            patch.object(opendata, "published_draws", lambda: only),
            CaptureQueriesContext(connection) as captured,
        ):
            rows = list(opendata.draw_rows(YEAR))
        assert len(rows) == len(keep)
        return len(captured)

    assert queries_for(1) == queries_for(draws.count()) == 3


def test_the_schema_is_documented_field_by_field(client):
    document = kit.document_text("open-data.md")
    assert spec.schema_markdown() in document
    for dataset in spec.DATASETS.values():
        for field in (*dataset.fields, *dataset.item_fields):
            assert f"| `{field.name}` |" in document
    page = client.get(reverse("public:data_schema")).content.decode()
    assert '<th scope="col">字段</th>' in page and "<code>snapshot_sha256</code>" in page


def test_the_verification_kit_unzips_and_verifies(client, executed_draws, tmp_path):
    draw = Draw.objects.public().filter(status=Draw.Status.EXECUTED).order_by("pk").first()
    response = client.get(reverse("public:kit", args=[draw.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    again = client.get(reverse("public:kit", args=[draw.pk]))
    assert again.content == response.content
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        folder = f"draw-{draw.pk}-kit"
        assert sorted(archive.namelist()) == sorted(
            f"{folder}/{n}" for n in ("verify_draw.py", "draw.json", "population.txt", "README.txt")
        )
        archive.extractall(tmp_path)
    here = Path(tmp_path, folder)
    assert (here / "verify_draw.py").read_bytes() == kit.verifier_bytes()
    population = (here / "population.txt").read_bytes()
    assert hashlib.sha256(population).hexdigest() == draw.population_hash
    readme = (here / "README.txt").read_text(encoding="utf-8")
    command = f"python3 verify_draw.py draw.json --population-hash {draw.population_hash}"
    assert command in readme and "VERIFIED" in readme
    assert verify_kit(draw, here) == "VERIFIED"
    prepared = Draw.objects.public().exclude(status=Draw.Status.EXECUTED).first()
    if prepared is not None:
        assert client.get(reverse("public:kit", args=[prepared.pk])).status_code == 404


def test_a_sole_traders_selection_is_published_masked():
    def public_name(name: str, credit_code: str) -> str:
        entity = Entity(name=name, credit_code=credit_code, legal_representative="张三丰")
        return DrawSelection.public_name_of(entity)

    assert public_name("张三丰", "92370323MA3C1234X5") == "张**"
    assert public_name("沂源县张三丰烧烤店", "92370323MA3C1234X5") == "沂源县张**烧烤店"
    company = "沂源县张三丰商贸有限公司"
    assert public_name(company, "91370323MA3C0001X1") == company


def test_the_bulletin_shows_the_published_names(client, executed_draws):
    draw = next(iter(executed_draws.values())).draw
    Entity.objects.filter(draw_selections__draw=draw).update(legal_representative="王五")
    clear_public_pages()
    page = client.get(reverse("public:bulletin", args=[draw.pk])).content.decode()
    for selection in draw.selections.all():
        assert selection.public_name and selection.public_name in page


def test_a_restore_then_a_change_never_makes_files_built_after_the_backup_current(
    published, coordinator, open_data_dir
):
    """The files stay on disk through a restore of the database (here: a savepoint rolled
    back); the next publication change raises the year's version to the number the discarded
    timeline's build carries, with another token: that build is stale, not served."""
    opendata.build_year(YEAR)
    backup = transaction.savepoint()
    actions.withdraw_published(published=published[0], reason="名称有误", actor=coordinator)
    discarded = opendata.build_year(YEAR)  # shows published[0] withdrawn
    assert discarded.version == opendata.data_version(YEAR)
    transaction.savepoint_rollback(backup)  # the restore
    actions.withdraw_published(published=published[1], reason="名称有误", actor=coordinator)
    assert discarded.version.split(".")[0] == opendata.data_version(YEAR).split(".")[0]
    assert opendata.read_manifest(YEAR).version != opendata.data_version(YEAR)
    assert not opendata.year_files(YEAR, build_if_small=False).current
    assert opendata.year_files(YEAR).manifest.build != discarded.build  # rebuilt


def test_the_index_links_the_announcements_feed_the_schema_names(client):
    page = client.get(reverse("public:data")).content.decode()
    feed = reverse("public:announcements")
    assert f'href="{feed}">公告订阅（Atom）</a>' in page
    assert f"公告订阅（Atom）：`{feed}`" in kit.document_text("open-data.md")


JSON_TYPES = {
    "integer": int,
    "string": str,
    "date": str,
    "datetime": str,
    "decimal": str,
    "boolean": bool,
    "list": list,
    "object": dict,
}


def test_every_json_value_has_its_documented_type(client, published, executed_draws):
    """docs/open-data.md's types (spotcheck.lib.opendata's fields) are the JSON's: a record's
    item_number is the item's key (text), a selection entry carries its documented keys."""
    checked = set()
    for name, dataset in spec.DATASETS.items():
        rows = json.loads(download(client, f"{name}.json"))["rows"]
        assert rows, name
        for row in rows:
            for field, value in (
                *((f, row[f.name]) for f in dataset.fields),
                *((f, item[f.name]) for item in row.get("items", []) for f in dataset.item_fields),
            ):
                if value is not None:
                    assert type(value) is JSON_TYPES[field.type], (name, field.name, value)
                    checked.add((name, field.name))
    assert ("results", "item_number") in checked
    selection = json.loads(download(client, "draws.json"))["rows"][0]["selection"]
    documented = spec.DRAWS.fields[[f.name for f in spec.DRAWS.fields].index("selection")]
    keys = documented.meaning.split("{")[1].split("}")[0].split(", ")
    assert selection and all(list(entry) == keys for entry in selection)
    assert {entry["kind"] for entry in selection} <= {"drawn", "replacement"}
