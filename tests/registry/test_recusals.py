import pytest
from django.core.management import call_command

from spotcheck.audit.models import AuditEntry
from spotcheck.lib.directory import RECUSAL_COLUMNS
from spotcheck.registry.actions import add_recusal, end_recusal, import_recusals
from spotcheck.registry.models import Entity, Inspector, Recusal
from tests.conftest import DEMO_AS_OF
from tests.registry.helpers import csv_bytes

pytestmark = pytest.mark.django_db
HEADER = [spec.label for spec in RECUSAL_COLUMNS]


def run(rows, **kwargs):
    kwargs.setdefault("actor", "tester")
    kwargs.setdefault("today", DEMO_AS_OF)
    return import_recusals(source=csv_bytes(HEADER, rows), filename="recusals.csv", **kwargs)


def test_demo_recusals_are_imported_and_matched(demo_directory):
    assert demo_directory.recusals.created == Recusal.objects.count() > 0
    recusal = Recusal.objects.select_related("inspector", "entity").first()
    assert recusal.reason in {"kin", "former_employer", "declared_interest", "recent_case"}
    assert recusal.applies_on(recusal.valid_from)
    again = run_file(demo_directory.directory / "recusals.csv")
    assert again.unchanged == Recusal.objects.count() and again.created == 0


def run_file(path):
    return import_recusals(source=path, filename=path.name, actor="tester", today=DEMO_AS_OF)


def test_matching_by_code_or_name_and_the_errors(demo_directory):
    officer = Inspector.objects.filter(is_active=True).first()
    coded = Entity.objects.exclude(code_kind="none").first()
    named = Entity.objects.exclude(pk=coded.pk).first()
    rows = [
        [
            officer.name,
            officer.certificate_number,
            coded.name,
            coded.public_id,
            "近亲属",
            "2024-01-01",
            "",
            "配偶经营",
        ],
        [officer.name, officer.certificate_number, named.name, "", "曾任职", "", "2026-12-31", ""],
        ["不存在", "鲁公执0000000000", coded.name, coded.public_id, "亲属", "", "", ""],
        ["错的名字", officer.certificate_number, coded.name, coded.public_id, "亲属", "", "", ""],
        [officer.name, officer.certificate_number, "没有这个单位", "", "亲属", "", "", ""],
    ]
    report = run(rows)
    assert not report.written
    assert [(e.row, e.column) for e in report.errors] == [
        (4, "执法证号"),
        (5, "检查人员姓名"),
        (6, "检查对象名称"),
    ]
    report = run(rows, skip_invalid=True)
    assert report.created == 2
    kin = Recusal.objects.get(entity=coded, inspector=officer)
    assert (kin.reason, kin.note, str(kin.valid_from)) == ("kin", "配偶经营", "2024-01-01")
    former = Recusal.objects.get(entity=named, inspector=officer)
    assert former.valid_from == DEMO_AS_OF and str(former.valid_until) == "2026-12-31"


def test_add_and_end_recusal_keep_the_relation_and_audit(demo_directory):
    officer = Inspector.objects.first()
    entity = Entity.objects.first()
    recusal = add_recusal(
        inspector=officer,
        entity=entity,
        reason="declared_interest",
        actor="coord",
        valid_from=DEMO_AS_OF,
    )
    assert recusal.applies_on(DEMO_AS_OF)
    end_recusal(recusal=recusal, actor="coord", on=DEMO_AS_OF)
    recusal.refresh_from_db()
    assert recusal.valid_until == DEMO_AS_OF and not recusal.applies_on(DEMO_AS_OF.replace(day=2))
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"registry.recusal.add", "registry.recusal.end"} <= actions


def test_import_recusals_command(demo_directory, capsys):
    Recusal.objects.all().delete()
    call_command("import_recusals", str(demo_directory.directory / "recusals.csv"), "--no-progress")
    assert "新增" in capsys.readouterr().out
    assert Recusal.objects.count() == demo_directory.recusals.created
