"""Before the visit: the agency's number pattern, issuing a visit's 检查通知书 (numbers per unit
and year, unique and gap-free), who may issue, recording the delivery, and the two .docx papers
re-opened with python-docx."""

from __future__ import annotations

import io
from datetime import date, timedelta

import docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from spotcheck.accounts.models import Role, Unit, User
from spotcheck.audit.models import AuditEntry
from spotcheck.inspections.actions import (
    InspectionError,
    build_visits,
    issue_notice,
    match_event_team,
    match_teams_for_round,
    record_delivery,
    register_event,
)
from spotcheck.inspections.models import Notice, NoticeCounter, Visit
from spotcheck.inspections.papers import PaperError, notice_bytes, record_form_bytes

# Round one's draws are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_round")]

WITNESSES = [("王五", "271828182845"), ("赵六", "904523536028")]


@pytest.fixture
def matched(unit, published_plan, executed_draws, coordinator):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    return match_teams_for_round(plan=published_plan, round=1, actor=coordinator)


def unit_visits(unit: Unit) -> list[Visit]:
    return list(Visit.objects.filter(responsible_unit=unit).order_by("pk"))


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


# --- the pattern -------------------------------------------------------------------------------


def test_agency_pattern_is_validated_with_the_document_number_rules(agency):
    assert agency.notice_number_pattern == "检通字〔{year}〕第{n:04d}号"
    agency.notice_number_pattern = "沂公治检通字〔{year}〕第{n:03d}号"
    agency.full_clean()
    for bad, message in [
        ("检通字〔{year}〕第号", "缺少“{n}”"),
        ("检通字{unit}〔{year}〕第{n}号", "不能使用“{unit}”"),
        ("检通字〔{year}〕第{n:>4}号", "格式说明无效"),
    ]:
        agency.notice_number_pattern = bad
        with pytest.raises(ValidationError, match=message):
            agency.full_clean()


def test_numbers_follow_the_pattern_per_unit_and_year(matched, unit, agency, coordinator):
    agency.notice_number_pattern = "沂公治检通字〔{year}〕第{n:03d}号"
    agency.save()
    year = timezone.localdate().year
    first, second = unit_visits(unit)[:2]
    one = issue_notice(visit=first, actor=coordinator)
    two = issue_notice(visit=second, actor=coordinator)
    assert (one.number, two.number) == (
        f"沂公治检通字〔{year}〕第001号",
        f"沂公治检通字〔{year}〕第002号",
    )
    assert (one.unit, one.year, one.n, two.n) == (unit, year, 1, 2)
    # another unit of the agency counts from 1
    cyber = Visit.objects.filter(responsible_unit__name="网安大队").first()
    assert issue_notice(visit=cyber, actor=coordinator).n == 1
    assert NoticeCounter.objects.get(unit=unit, year=year).last == 2
    # one current notice per visit
    with pytest.raises(InspectionError, match=f"已签发检查通知书{one.number}"):
        issue_notice(visit=first, actor=coordinator)
    entry = AuditEntry.objects.filter(action="inspections.issue_notice").order_by("seq").first()
    assert entry.details["n"] == 1 and entry.object_id == str(one.pk)


def test_a_broken_stored_pattern_is_named_and_nothing_is_written(
    matched, unit, agency, coordinator
):
    agency.notice_number_pattern = "第{n}号"  # saved behind the validators' back
    agency.save()
    with pytest.raises(InspectionError, match="编号格式有误.*缺少“{year}”"):
        issue_notice(visit=unit_visits(unit)[0], actor=coordinator)
    assert not Notice.objects.exists() and not NoticeCounter.objects.exists()


def test_the_team_must_be_matched(unit, published_plan, executed_draws, coordinator):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    with pytest.raises(InspectionError, match="检查组尚未匹配"):
        issue_notice(visit=unit_visits(unit)[0], actor=coordinator)
    assert not Notice.objects.exists()


# --- who may issue -----------------------------------------------------------------------------


def test_unit_leader_issues_for_own_unit_only(matched, unit, agency, unit_leader):
    other_leader = User.objects.create_user(
        "leader-cyber",
        role=Role.UNIT_LEADER,
        agency=agency,
        unit=Unit.objects.get(agency=agency, name="网安大队"),
    )
    visit = unit_visits(unit)[0]
    with pytest.raises(InspectionError, match="只有责任单位（治安大队）的负责人"):
        issue_notice(visit=visit, actor=other_leader)
    assert issue_notice(visit=visit, actor=unit_leader).n == 1


def test_inspectors_supervisors_and_other_agencies_are_refused(
    matched, unit, inspector_user, supervisor, other_users_by_role
):
    visit = unit_visits(unit)[0]
    for actor in (inspector_user, supervisor):
        with pytest.raises(InspectionError, match="只有统筹协调员或责任单位负责人"):
            issue_notice(visit=visit, actor=actor)
    with pytest.raises(PermissionDenied, match="不属于该对象所属机构"):
        issue_notice(visit=visit, actor=other_users_by_role[Role.COORDINATOR])
    assert not Notice.objects.exists()
    # refused attempts leave no gap: the first issued number is still 1
    assert issue_notice(visit=visit, actor="cli").n == 1


# --- delivery ----------------------------------------------------------------------------------


def test_delivery_is_recorded_and_audited(matched, unit, coordinator, inspector_user):
    notice = issue_notice(visit=unit_visits(unit)[0], actor=coordinator)
    when = timezone.now()
    with pytest.raises(InspectionError, match="只有统筹协调员"):
        record_delivery(notice=notice, method="post", delivered_at=when, actor=inspector_user)
    with pytest.raises(InspectionError, match="不是可选的通知方式"):
        record_delivery(notice=notice, method="fax", delivered_at=when, actor=coordinator)
    with pytest.raises(InspectionError, match="通知日期：未填写"):
        record_delivery(notice=notice, method="post", delivered_at=None, actor=coordinator)
    with pytest.raises(InspectionError, match="不能晚于现在"):
        record_delivery(
            notice=notice, method="sms", delivered_at=when + timedelta(days=2), actor=coordinator
        )
    with pytest.raises(InspectionError, match="早于通知书签发时间"):
        record_delivery(
            notice=notice, method="post", delivered_at=when - timedelta(days=1), actor=coordinator
        )
    with pytest.raises(InspectionError, match="不应填写通知日期"):
        record_delivery(notice=notice, method="unannounced", delivered_at=when, actor=coordinator)
    notice.refresh_from_db()
    assert notice.delivery_method == "" and notice.delivered_at is None
    record_delivery(notice=notice, method="in_person", delivered_at=when, actor=coordinator)
    notice.refresh_from_db()
    assert notice.get_delivery_method_display() == "当场" and notice.delivered_at == when
    entry = AuditEntry.objects.filter(action="inspections.record_delivery").get()
    assert entry.actor == coordinator.username
    assert entry.details["after"]["label"] == "当场"
    assert entry.details["before"] == {"method": "", "delivered_at": None}


# --- the papers --------------------------------------------------------------------------------


def test_notice_and_record_form_of_a_merged_visit(matched, agency, coordinator):
    unit = Unit.objects.get(agency=agency, name="网安大队")
    unit.contact_person, unit.contact_phone = "刘警官", "0533-3221100"
    unit.save()
    visit = Visit.objects.filter(responsible_unit=unit).first()
    with pytest.raises(PaperError, match="尚未签发"):
        notice_bytes(visit)
    notice = issue_notice(visit=visit, actor=coordinator)
    text = docx_text(notice_bytes(visit))
    assert notice.number in text and visit.entity_name in text and "刘警官" in text
    for vi in visit.visit_items.select_related("item"):
        assert vi.item.name in text
        if vi.item.legal_basis:
            assert vi.item.legal_basis.splitlines()[0] in text
    for member in visit.current_members():
        assert member.inspector.certificate_number in text
    form = docx_text(record_form_bytes(visit))
    eleven = visit.visit_items.get(item__number=11).item
    assert len(eleven.checkpoints) == 13
    for point in eleven.checkpoints:
        assert point in form
    rows = [row for row in docx.Document(io.BytesIO(record_form_bytes(visit))).tables[1].rows[1:]]
    assert sum(1 for row in rows if row.cells[0].text.startswith("11. ")) == 13
    assert f"通知书编号：{notice.number}" in form


def test_record_form_of_item_12_lists_its_five_checkpoints(
    unit, published_plan, directory, coordinator
):
    item = published_plan.items.get(number=12)
    event = register_event(
        item=item,
        organiser="县政务服务中心",
        place="县政务服务中心",
        date=date(2022, 9, 1),
        scale="重大网络安全保卫任务",
        actor=coordinator,
    )
    match_event_team(event=event, witnesses=WITNESSES, beacon=None, actor=coordinator)
    visit = Visit.objects.get(event=event)
    notice = issue_notice(visit=visit, actor=coordinator)
    record_delivery(notice=notice, method="unannounced", delivered_at=None, actor=coordinator)
    with pytest.raises(PaperError, match="不予通知"):
        notice_bytes(visit)
    document = docx.Document(io.BytesIO(record_form_bytes(visit)))
    rows = [row.cells[2].text for row in document.tables[1].rows[1:]]
    assert rows == list(item.checkpoints) and len(rows) == 5
