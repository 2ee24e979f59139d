import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from spotcheck.audit.models import AuditEntry
from spotcheck.registry.actions import import_entities
from spotcheck.registry.imports import DirectoryImportError
from spotcheck.registry.models import CodeKind, Entity, EntityHistory, ImportBatch, TargetType
from spotcheck.registry.rowwork import no_code_public_id
from tests.registry.helpers import (
    AGENCY,
    AS_OF,
    ENTITY_HEADER,
    break_check_character,
    column,
    county_rows,
    csv_bytes,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def run(data: bytes, filename: str = "entities.csv", **kwargs):
    kwargs.setdefault("agency_name", AGENCY)
    kwargs.setdefault("actor", "tester")
    kwargs.setdefault("today", AS_OF)
    return import_entities(source=data, filename=filename, **kwargs)


def rows_with_rare_character(rows):
    # 䶮 (U+4DAE) exists in GB18030 but not in GBK.
    rows[0][column("法定代表人")] = "刘䶮"
    return rows


@pytest.mark.parametrize(
    "encoding,filename",
    [
        ("utf-8", "entities.csv"),
        ("utf-8-sig", "entities.csv"),
        ("gbk", "entities.csv"),
        ("gb18030", "entities.csv"),
        (None, "entities.xlsx"),
    ],
)
def test_every_accepted_encoding_imports(encoding, filename):
    rows = county_rows(30)
    if encoding == "gb18030":
        rows = rows_with_rare_character(rows)
    data = (
        xlsx_bytes(ENTITY_HEADER, rows)
        if encoding is None
        else csv_bytes(ENTITY_HEADER, rows, encoding)
    )
    report = run(data, filename)
    assert report.written and report.ok
    assert report.created == 30 == Entity.objects.count()
    names = {row[column("名称")] for row in rows}
    assert set(Entity.objects.values_list("name", flat=True)) == names
    first = Entity.objects.get(name=rows[0][column("名称")])
    assert first.legal_representative == rows[0][column("法定代表人")]
    assert first.agency.name == AGENCY
    assert first.pinyin_initials  # search keys filled


def test_types_resolve_to_the_rows_plan_items_link_to(seed_plan):
    plan_types = {item.entity_type for item in seed_plan.items.all() if item.entity_type}
    types_before = TargetType.objects.count()
    run(csv_bytes(ENTITY_HEADER, county_rows(40)))
    used = set(TargetType.objects.filter(entities__isnull=False).distinct())
    assert len(used) == 8 and used <= plan_types
    assert TargetType.objects.count() == types_before  # no look-alike types were created
    chemicals = Entity.objects.filter(name__contains="化工").first()
    assert seed_plan.items.get(number=2).entity_type in chemicals.target_types.all()


def test_one_bad_credit_code_imports_nothing_and_names_the_row():
    rows = county_rows(20)
    bad = next(i for i, row in enumerate(rows) if len(row[column("统一社会信用代码")]) == 18)
    rows[bad][column("统一社会信用代码")] = break_check_character(
        rows[bad][column("统一社会信用代码")]
    )
    entries = AuditEntry.objects.count()
    report = run(csv_bytes(ENTITY_HEADER, rows))
    assert not report.written
    assert report.invalid == 1
    (error,) = report.errors
    assert error.row == bad + 2  # the header is row 1
    assert error.column == "统一社会信用代码"
    assert "第18位校验码" in error.reason
    assert Entity.objects.count() == 0
    assert ImportBatch.objects.count() == 0
    assert AuditEntry.objects.count() == entries


def test_the_command_refuses_names_the_row_and_writes_rejects(tmp_path):
    rows = county_rows(10)
    rows[3][column("统一社会信用代码")] = "91370323MA3C0000X1"
    path = tmp_path / "名录.csv"
    path.write_bytes(csv_bytes(ENTITY_HEADER, rows, "gbk"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="未写入任何内容"):
        call_command("import_entities", str(path), "--agency", AGENCY, "--no-progress", stdout=out)
    assert "第5行“统一社会信用代码”" in out.getvalue()
    assert Entity.objects.count() == 0
    assert (tmp_path / "名录.rejects.csv").exists()
    call_command(
        "import_entities",
        str(path),
        "--agency",
        AGENCY,
        "--skip-invalid",
        "--no-progress",
        stdout=out,
    )
    assert Entity.objects.count() == 9 and "新增9" in out.getvalue()


def test_skip_invalid_writes_the_rest_and_a_rejects_file(tmp_path):
    rows = county_rows(12)
    rows[2][column("检查对象类型")] = "游乐场"
    rows[5][column("风险等级")] = "极高"
    rows[7][column("名称")] = ""
    rejects = tmp_path / "rejects.csv"
    report = run(csv_bytes(ENTITY_HEADER, rows), skip_invalid=True, rejects_path=rejects)
    assert report.written
    assert (report.created, report.invalid) == (9, 3)
    assert Entity.objects.count() == 9
    assert ImportBatch.objects.get().invalid == 3
    reasons = {(e.row, e.column) for e in report.errors}
    assert reasons == {(4, "检查对象类型"), (7, "风险等级"), (9, "名称")}
    assert "“游乐场”不是本机关的检查对象类型" in report.errors[0].reason
    with rejects.open(encoding="utf-8-sig") as stream:
        returned = list(csv.reader(stream))
    assert returned[0] == [*ENTITY_HEADER, "原行号", "错误原因"]
    assert [row[-2] for row in returned[1:]] == ["4", "7", "9"]
    assert returned[1][: len(ENTITY_HEADER)] == rows[2]
    assert "游乐场" in returned[1][-1]


def test_duplicate_code_inside_the_file_names_the_first_row():
    rows = county_rows(8)
    rows.append(list(rows[1]))
    rows[-1][column("名称")] = "另一个名字有限公司"
    report = run(csv_bytes(ENTITY_HEADER, rows))
    assert not report.written
    (error,) = report.errors
    assert error.row == 10 and "与第3行重复" in error.reason


def test_missing_required_column_stops_the_file():
    rows = county_rows(3)
    header = [title for title in ENTITY_HEADER if title != "检查对象类型"]
    rows = [[cell for i, cell in enumerate(row) if i != column("检查对象类型")] for row in rows]
    with pytest.raises(DirectoryImportError, match="缺少必填列“检查对象类型”"):
        run(csv_bytes(header, rows))


def test_synonym_headers_are_accepted():
    rows = county_rows(5)
    header = list(ENTITY_HEADER)
    header[column("名称")] = "企业名称（必填）"
    header[column("乡镇街道")] = "所属乡镇"
    header[column("风险等级")] = "风险等级(低/中低/中/高)"
    report = run(csv_bytes(header, rows))
    assert report.created == 5


def test_upsert_updates_changed_fields_only_and_keeps_history():
    rows = county_rows(10)
    first = run(csv_bytes(ENTITY_HEADER, rows), today=AS_OF)
    assert first.created == 10
    rows[0][column("风险等级")] = "高风险"
    rows[0][column("风险评定日期")] = ""
    rows[1][column("经营状态")] = "注销"
    rows[2][column("检查对象类型")] += "、保安服务公司"
    second = run(csv_bytes(ENTITY_HEADER, rows), actor="clerk")
    assert (second.created, second.updated, second.unchanged) == (0, 3, 7)
    batch = ImportBatch.objects.get(pk=second.batch_id)
    assert (batch.updated, batch.unchanged) == (3, 7)
    changed = {h.entity.name: h for h in EntityHistory.objects.select_related("entity")}
    assert len(changed) == 3
    risk = changed[rows[0][0]]
    assert risk.actor == "clerk" and risk.batch == batch and risk.action == "import"
    assert set(risk.changes) == {"risk_level", "risk_set_on"}
    assert risk.changes["risk_level"][1] == "high"
    assert risk.changes["risk_set_on"][1] == AS_OF.isoformat()
    assert risk.state["risk_level"] == "high" and risk.state["name"] == rows[0][0]
    assert changed[rows[1][0]].changes == {"status": ["active", "deregistered"]}
    types = changed[rows[2][0]].changes["target_types"]
    assert "保安服务公司" in types[1] and "保安服务公司" not in types[0]
    entity = Entity.objects.get(name=rows[2][0])
    assert "保安服务公司" in {t.name for t in entity.target_types.all()}
    assert Entity.objects.get(name=rows[1][0]).status == "deregistered"


def test_a_missing_column_never_erases_stored_values():
    rows = county_rows(6)
    run(csv_bytes(ENTITY_HEADER, rows))
    keep = [i for i, title in enumerate(ENTITY_HEADER) if title not in {"风险等级", "联系电话"}]
    report = run(
        csv_bytes([ENTITY_HEADER[i] for i in keep], [[row[i] for i in keep] for row in rows])
    )
    assert (report.updated, report.unchanged) == (0, 6)
    assert Entity.objects.exclude(risk_level="").count() == 6


def test_entities_without_a_code_get_a_stable_public_id():
    rows = county_rows(4)
    rows[0][column("统一社会信用代码")] = ""
    rows[0][column("注册号")] = ""
    run(csv_bytes(ENTITY_HEADER, rows))
    entity = Entity.objects.get(name=rows[0][0])
    assert entity.code_kind == CodeKind.NONE and entity.credit_code == ""
    assert entity.public_id == no_code_public_id(AGENCY, rows[0][0], rows[0][column("地址")])
    again = run(csv_bytes(ENTITY_HEADER, rows))
    assert again.unchanged == 4 and Entity.objects.count() == 4


def test_a_registration_number_is_kept_and_marked():
    rows = county_rows(4)
    rows[0][column("统一社会信用代码")] = ""
    rows[0][column("注册号")] = "370323600012345"[:14] + "0"
    from spotcheck.lib.codes import make_registration_number

    rows[0][column("注册号")] = make_registration_number("370323", "60001234")
    report = run(csv_bytes(ENTITY_HEADER, rows))
    entity = Entity.objects.get(name=rows[0][0])
    assert entity.code_kind == CodeKind.REGISTRATION_NUMBER
    assert entity.public_id == rows[0][column("注册号")]
    assert any("旧版15位注册号" in w for w in report.warnings)


def test_a_code_in_another_agency_is_rejected():
    rows = county_rows(3)
    run(csv_bytes(ENTITY_HEADER, rows), agency_name="沂源县市场监督管理局")
    report = run(csv_bytes(ENTITY_HEADER, rows[:1]))
    assert not report.written
    assert "已在沂源县市场监督管理局的名录中" in report.errors[0].reason


def test_one_audit_entry_per_import_with_file_hash():
    data = csv_bytes(ENTITY_HEADER, county_rows(15))
    report = run(data)
    entry = AuditEntry.objects.get(action="registry.import_entities")
    assert entry.details["sha256"] == report.sha256 and len(report.sha256) == 64
    assert entry.details["created"] == 15 and entry.details["filename"] == "entities.csv"
    assert entry.object_id == str(report.batch_id)


def test_dry_run_counts_without_writing():
    rows = county_rows(5)
    run(csv_bytes(ENTITY_HEADER, rows))
    rows[0][column("地址")] = "沂源县历山街道新地址1号"
    rows.append(county_rows(6, seed=99)[5])
    report = run(csv_bytes(ENTITY_HEADER, rows), dry_run=True)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 4)
    assert not report.written and Entity.objects.count() == 5


def test_the_command_shows_progress_on_stderr_and_counts(tmp_path):
    path = tmp_path / "entities.csv"
    path.write_bytes(csv_bytes(ENTITY_HEADER, county_rows(25), "utf-8-sig"))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_entities", str(path), "--agency", AGENCY, stdout=out, stderr=err)
    assert "新增25" in out.getvalue()
    assert "校验" in err.getvalue() and "行/s" in err.getvalue()


def test_worker_processes_give_the_same_result(monkeypatch, settings, tmp_path):
    """Large files are checked in a pool of spawned processes: same staging, same errors."""
    from spotcheck.registry import imports

    rows = county_rows(40)
    rows[7][column("风险等级")] = "极高"
    rows.append(list(rows[3]))
    data = csv_bytes(ENTITY_HEADER, rows)
    serial = run(data, dry_run=True)
    monkeypatch.setattr(imports, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(imports, "CHUNK_ROWS", 7)
    settings.SPOTCHECK_IMPORT_WORKERS = 2
    parallel = run(data, skip_invalid=True, rejects_path=tmp_path / "r.csv")
    assert parallel.errors == serial.errors and len(parallel.errors) == 2
    assert parallel.warnings == serial.warnings
    assert (parallel.created, parallel.invalid) == (39, 2) == (serial.created, serial.invalid)
    assert Entity.objects.count() == 39


@pytest.fixture
def small_statements(monkeypatch):
    """Stream in many small statements, as a large file does."""
    from spotcheck.registry import imports

    monkeypatch.setattr(imports, "CHUNK_ROWS", 3)
    monkeypatch.setattr(imports, "WRITE_ROWS", 5)


def test_a_bad_row_late_in_the_file_leaves_the_directory_as_it_was(small_statements, tmp_path):
    rows = county_rows(40)
    first = run(csv_bytes(ENTITY_HEADER, rows[:20]))
    assert first.created == 20
    before = {e.public_id: (e.name, e.address) for e in Entity.objects.all()}
    links = Entity.target_types.through.objects.count()
    rows[3][column("地址")] = "沂源县历山街道新地址1号"
    rows[-1][column("统一社会信用代码")] = break_check_character(rows[-1][1])
    rejects = tmp_path / "rejects.csv"
    report = run(csv_bytes(ENTITY_HEADER, rows), rejects_path=rejects)
    assert not report.written and report.invalid == 1
    assert report.errors[0].row == 41 and "校验码" in report.errors[0].reason
    # The counts describe what the file would do, though the new rows had been streamed in.
    assert (report.created, report.updated, report.unchanged) == (19, 1, 19)
    assert {e.public_id: (e.name, e.address) for e in Entity.objects.all()} == before
    assert Entity.target_types.through.objects.count() == links
    assert ImportBatch.objects.count() == 1
    assert AuditEntry.objects.filter(action="registry.import_entities").count() == 1
    assert not EntityHistory.objects.exists()
    with rejects.open(encoding="utf-8-sig") as stream:
        assert [row[-2] for row in list(csv.reader(stream))[1:]] == ["41"]


@pytest.mark.parametrize("write_rows", [2, 1000])
def test_a_skipped_repeat_leaves_the_first_rows_values_and_types(monkeypatch, write_rows):
    """The repeat is written in a later statement than its first row (2) or the same (1000)."""
    from spotcheck.registry import imports

    monkeypatch.setattr(imports, "CHUNK_ROWS", 1)
    monkeypatch.setattr(imports, "WRITE_ROWS", write_rows)
    rows = county_rows(8)
    rows[1][column("检查对象类型")] = "宾馆旅店"
    repeat = list(rows[1])
    repeat[column("名称")] = "另一个名字有限公司"
    repeat[column("检查对象类型")] = "保安服务公司、互联网服务提供者和联网使用单位"
    rows.append(repeat)
    report = run(csv_bytes(ENTITY_HEADER, rows), skip_invalid=True)
    assert report.written and (report.created, report.invalid) == (8, 1)
    assert "与第3行重复" in report.errors[0].reason
    entity = Entity.objects.get(public_id=rows[1][column("统一社会信用代码")])
    assert entity.name == rows[1][0]
    assert [t.name for t in entity.target_types.all()] == ["宾馆旅店"]
    assert Entity.objects.filter(created_batch_id=report.batch_id).count() == 8


def test_streamed_import_mixes_new_changed_and_unchanged_rows(small_statements):
    rows = county_rows(30)
    run(csv_bytes(ENTITY_HEADER, rows[:12]))
    rows[0][column("经营状态")] = "注销"
    rows[5][column("检查对象类型")] = "保安服务公司"
    report = run(csv_bytes(ENTITY_HEADER, rows), actor="clerk")
    assert (report.created, report.updated, report.unchanged) == (18, 2, 10)
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert (batch.rows, batch.created, batch.updated) == (30, 18, 2)
    assert batch.sha256 == report.sha256
    assert Entity.objects.filter(created_batch=batch).count() == 18
    assert EntityHistory.objects.filter(batch=batch).count() == 2
    assert [t.name for t in Entity.objects.get(name=rows[5][0]).target_types.all()] == [
        "保安服务公司"
    ]
    for entity in Entity.objects.filter(created_batch=batch):
        assert entity.target_types.exists() and entity.pinyin_initials


def test_cells_longer_than_the_directory_holds_name_the_column():
    rows = county_rows(4)
    rows[2][column("风险评定依据")] = "长" * 301
    rows[3][column("特种行业许可证号")] = "A" * 61
    report = run(csv_bytes(ENTITY_HEADER, rows))
    assert not report.written
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (4, "风险评定依据", "长度不能超过300个字，实际为301个字"),
        (5, "特种行业许可证号", "长度不能超过60个字，实际为61个字"),
    ]


def test_a_database_error_while_streaming_writes_nothing(small_statements, monkeypatch):
    """The writer thread's first error reaches the caller; the transaction is rolled back."""
    from spotcheck.registry import imports

    calls = []
    method = "insert" if connection.vendor == "postgresql" else "insert_staged"
    insert = getattr(imports._NewRows, method)

    def failing(self, cursor, *rows):
        calls.append(rows)
        if len(calls) == 3:
            raise imports.DatabaseError("disk full")
        insert(self, cursor, *rows)

    monkeypatch.setattr(imports._NewRows, method, failing)
    with pytest.raises(imports.DatabaseError, match="disk full"):
        run(csv_bytes(ENTITY_HEADER, county_rows(30)))
    assert len(calls) == 3  # nothing more was handed to the database after the error
    assert not Entity.objects.exists() and not ImportBatch.objects.exists()
    assert not AuditEntry.objects.filter(action="registry.import_entities").exists()


def test_a_streamed_code_of_another_agency_is_skipped_untouched(small_statements):
    rows = county_rows(12)
    run(csv_bytes(ENTITY_HEADER, rows[:2]), agency_name="沂源县市场监督管理局")
    theirs = {e.pk: (e.name, e.agency_id) for e in Entity.objects.all()}
    links = Entity.target_types.through.objects.count()
    report = run(csv_bytes(ENTITY_HEADER, rows), skip_invalid=True)
    assert report.written and (report.created, report.invalid) == (10, 2)
    assert all("已在沂源县市场监督管理局的名录中" in e.reason for e in report.errors)
    assert {e.pk: (e.name, e.agency_id) for e in Entity.objects.filter(pk__in=theirs)} == theirs
    assert Entity.target_types.through.objects.count() == links + sum(
        e.target_types.count() for e in Entity.objects.filter(created_batch_id=report.batch_id)
    )
    assert Entity.objects.filter(created_batch_id=report.batch_id).count() == 10


def test_ids_drawn_with_gaps_are_drawn_again_as_a_list():
    """PostgreSQL draws a chunk's ids as a range; when another session drew some meanwhile
    the range has gaps, and the ids are drawn again one by one."""
    from spotcheck.registry import imports

    class Cursor:
        def __init__(self, answers):
            self.answers, self.statements = list(answers), []

        def execute(self, sql, params):
            self.statements.append((sql, params))

        def fetchone(self):
            return self.answers.pop(0)

        def fetchall(self):
            return self.answers.pop(0)

    new_rows = imports._NewRows.__new__(imports._NewRows)
    new_rows.entity = "registry_entity"
    consecutive = Cursor([(11, 15)])
    assert list(new_rows._draw_ids(consecutive, 5)) == [11, 12, 13, 14, 15]
    assert len(consecutive.statements) == 1
    gapped = Cursor([(11, 17), [(18,), (19,), (21,), (22,), (23,)]])
    assert list(new_rows._draw_ids(gapped, 5)) == [18, 19, 21, 22, 23]
    assert [params for _, params in gapped.statements] == [[5], [5]]


@pytest.mark.parametrize("filename", ["entities.csv", "entities.xlsx"])
def test_cells_beyond_the_header_are_warned_about(filename):
    rows = county_rows(5)
    rows[1] = [*rows[1], "", "多出的内容"]
    data = (
        xlsx_bytes(ENTITY_HEADER, rows)
        if filename.endswith("xlsx")
        else csv_bytes(ENTITY_HEADER, rows)
    )
    report = run(data, filename)
    width = len(ENTITY_HEADER)
    assert report.written and report.created == 5
    assert f"第3行：有{width + 2}列，多于表头的{width}列，第{width + 1}列起的内容未导入" in "".join(
        report.warnings
    )


def test_cli_agency_beyond_the_model_limit_is_a_command_error(tmp_path):
    path = tmp_path / "entities.csv"
    path.write_bytes(csv_bytes(ENTITY_HEADER, county_rows(3)))
    with pytest.raises(CommandError, match="名录所属机构：机构名称最多100个字符，现有150个"):
        call_command("import_entities", str(path), "--agency", "甲" * 150)
    assert not Entity.objects.exists()
