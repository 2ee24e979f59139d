from datetime import date, timedelta

import pytest

from spotcheck.accounts.models import Unit
from spotcheck.registry.actions import import_inspectors, update_inspector
from spotcheck.registry.models import Inspector, InspectorHistory
from tests.registry.helpers import AS_OF, INSPECTOR_HEADER, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

ROWS = [
    [
        "张伟",
        "123456",
        "鲁公执3703230001",
        "2027-12-31",
        "沂源县公安局",
        "治安大队",
        "民警",
        "特种行业管理、保安服务管理",
        "在职",
    ],
    [
        "李娜",
        "223456",
        "鲁公执3703230002",
        "2023-06-30",
        "沂源县公安局",
        "禁毒大队",
        "民警",
        "易制毒化学品管理",
        "在职",
    ],
    [
        "王强",
        "323456",
        "鲁公执3703230003",
        "长期",
        "沂源县公安局",
        "网安大队",
        "副大队长",
        "网络安全监督检查",
        "退休",
    ],
    [
        "赵敏",
        "",
        "鲁建执3703230001",
        "2028-01-01",
        "沂源县住房和城乡建设局",
        "质量安全监督站",
        "监督员",
        "房屋建筑安全",
        "",
    ],
]


def run(rows, filename="inspectors.csv", **kwargs):
    data = (
        xlsx_bytes(INSPECTOR_HEADER, rows)
        if filename.endswith("xlsx")
        else csv_bytes(INSPECTOR_HEADER, rows)
    )
    kwargs.setdefault("actor", "tester")
    kwargs.setdefault("today", AS_OF)
    return import_inspectors(source=data, filename=filename, **kwargs)


def test_units_and_agencies_are_the_plan_rows(seed_plan):
    report = run(ROWS)
    assert report.created == 4 and report.written
    plan_units = {item.responsible_unit for item in seed_plan.items.all()}
    zhian = Inspector.objects.get(name="张伟").unit
    assert zhian in plan_units and zhian.agency == seed_plan.agency
    housing = Inspector.objects.get(name="赵敏")
    joint = seed_plan.items.get(number=1)
    assert housing.agency in joint.cooperating_agencies.all()
    assert housing.agency.name == "住房城乡建设部门"
    assert Unit.objects.filter(agency=seed_plan.agency, name="治安大队").count() == 1


def test_expired_or_inactive_officers_are_kept_with_the_reason():
    report = run(ROWS, filename="inspectors.xlsx")
    assert report.warning_count == 1 and "过期" in report.warnings[0]
    expired = Inspector.objects.get(name="李娜")
    retired = Inspector.objects.get(name="王强")
    assert expired.ineligibility_reason(AS_OF) == "执法证已于2023-06-30过期"
    assert retired.ineligibility_reason(AS_OF) == "不在岗（退休）"
    assert retired.certificate_valid_until == date.max and retired.certificate_is_open_ended
    assert Inspector.objects.get(name="张伟").ineligibility_reason(AS_OF) == ""
    assert Inspector.objects.get(name="赵敏").qualifications == ["房屋建筑安全"]


def test_upsert_by_certificate_number_with_history():
    run(ROWS)
    rows = [list(row) for row in ROWS]
    rows[1][3] = "2029-06-30"
    rows[0][5] = "法制大队"
    report = run(rows, actor="clerk")
    assert (report.created, report.updated, report.unchanged) == (0, 2, 2)
    renewed = InspectorHistory.objects.get(inspector__name="李娜")
    assert renewed.changes == {"certificate_valid_until": ["2023-06-30", "2029-06-30"]}
    moved = InspectorHistory.objects.get(inspector__name="张伟")
    assert moved.changes == {"unit": ["治安大队", "法制大队"]} and moved.batch_id == report.batch_id
    assert Inspector.objects.get(name="李娜").ineligibility_reason(AS_OF) == ""


def test_duplicate_certificate_and_bad_rows_are_reported():
    rows = [list(row) for row in ROWS] + [list(ROWS[0])]
    rows[2][3] = "明年"
    report = run(rows)
    assert not report.written and Inspector.objects.count() == 0
    assert [(e.row, e.column) for e in report.errors] == [(4, "执法证有效期至"), (6, "执法证号")]
    assert "与第2行重复" in report.errors[1].reason


def test_manual_edit_deactivates_with_a_reason():
    run(ROWS)
    officer = Inspector.objects.get(name="张伟")
    changes = update_inspector(
        inspector=officer, actor="coord", values={"is_active": False, "inactive_reason": "停职"}
    )
    assert changes == {"is_active": [True, False], "inactive_reason": ["", "停职"]}
    officer.refresh_from_db()
    assert officer.ineligibility_reason(AS_OF + timedelta(days=1)) == "不在岗（停职）"


def test_inspector_cells_beyond_the_header_are_warned_about():
    rows = [list(row) for row in ROWS]
    rows[0].append("多出的内容")
    report = run(rows)
    assert report.written
    assert any(w.startswith("第2行：有10列，多于表头的9列") for w in report.warnings)
