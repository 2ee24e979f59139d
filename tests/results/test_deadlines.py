"""Publication deadlines: N working days after the inspection with chinesecalendar (the 2022
National Day holiday and its make-up weekend), the administrators' holiday table for years the
package does not cover (entered in the audited admin, which recomputes the deadlines), the
warning for a year neither covers, and the per-unit lists of overdue and nearly due results
(page and CLI)."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from spotcheck.accounts.models import Role, User
from spotcheck.audit.models import AuditEntry
from spotcheck.lib.workdays import is_workday
from spotcheck.results import actions
from spotcheck.results.models import HolidayOverride, Result
from tests.results.conftest import complete_content

pytestmark = pytest.mark.django_db

# A 2027 National Day as the State Council might arrange it: Fri 1 Oct - Thu 7 Oct off,
# Sun 26 Sep and Sat 9 Oct worked. chinesecalendar 1.11 stops at 2026.
NATIONAL_DAY_2027 = [(date(2027, 10, d), "holiday") for d in range(1, 8)] + [
    (date(2027, 9, 26), "workday"),
    (date(2027, 10, 9), "workday"),
]


def _draft(scene, inspected_on: date, visit=None) -> Result:
    visit = visit or scene.visit
    content = complete_content(scene, inspected_on=inspected_on)
    if visit != scene.visit:
        content = complete_content(scene, inspected_on=inspected_on, items=(), present=())
    return actions.save_draft(visit=visit, content=content, revision=0, actor=scene.unit_leader)


@pytest.fixture
def leader_scene(scene, unit_leader):
    scene.unit_leader = unit_leader
    return scene


def test_deadline_crosses_the_2022_national_day_and_its_make_up_weekend(leader_scene):
    # 1-7 Oct 2022 off; Sat 8 and Sun 9 Oct worked. From Fri 30 Sep: 8, 9, 10-14, 17-21,
    # 24-28 Oct are 17 working days; 31 Oct, 1 and 2 Nov make 20.
    assert is_workday(date(2022, 10, 8)) and is_workday(date(2022, 10, 9))
    assert not is_workday(date(2022, 10, 3))
    result = _draft(leader_scene, date(2022, 9, 30))
    assert result.due_on == date(2022, 11, 2) and result.due_warning == ""
    # counting Monday to Friday would have given 28 Oct
    assert Result.objects.get().due_on == date(2022, 11, 2)


def test_the_number_of_working_days_is_a_setting(leader_scene, settings):
    settings.SPOTCHECK_PUBLISH_RESULTS_WORKDAYS = 2
    # Fri 30 Sep 2022 + 2 working days: Sat 8 Oct (make-up) and Sun 9 Oct (make-up)
    assert _draft(leader_scene, date(2022, 9, 30)).due_on == date(2022, 10, 9)


def test_a_year_without_holiday_data_is_estimated_with_a_warning(leader_scene, unit_leader):
    result = _draft(leader_scene, date(2027, 9, 30))
    # Monday to Friday: 1, 4-8, 11-15, 18-22, 25-28 Oct 2027
    assert result.due_on == date(2027, 10, 28)
    assert "2027年的节假日安排尚未录入" in result.due_warning
    assert "周一至周五估算" in result.due_warning
    client = Client()
    client.force_login(unit_leader)
    page = client.get(reverse("results:visit", args=[leader_scene.visit.pk])).content.decode()
    assert "2027年的节假日安排尚未录入" in page
    due = client.get(reverse("results:due")).content.decode()
    assert "2027年的节假日安排尚未录入" in due and "涉及1条结果" in due
    out, err = StringIO(), StringIO()
    call_command("results_due", today="2027-10-01", stdout=out, stderr=err)
    assert "2027年的节假日安排尚未录入" in err.getvalue() and "涉及1条结果" in err.getvalue()


def test_a_2027_date_is_counted_with_the_override_table(leader_scene):
    for day, kind in NATIONAL_DAY_2027:
        HolidayOverride.objects.create(day=day, kind=kind, note="2027年国庆节")
    result = _draft(leader_scene, date(2027, 9, 30))
    # 8, 9 (make-up Saturday), 11-15, 18-22, 25-29 Oct are 17; 1, 2, 3 Nov make 20
    assert result.due_on == date(2027, 11, 3)
    assert result.due_warning == ""


def test_admin_entering_holidays_is_audited_and_recomputes_deadlines(
    leader_scene, unit_leader, agency
):
    estimated = _draft(leader_scene, date(2027, 9, 30))
    old = _draft(leader_scene, date(2022, 9, 30), visit=leader_scene.other_visit)
    root = User.objects.create_superuser(
        "root", password="root-password-123", role=Role.ADMINISTRATOR, agency=agency
    )
    client = Client()
    client.force_login(root)
    for day, kind in NATIONAL_DAY_2027:
        response = client.post(
            reverse("admin:results_holidayoverride_add"),
            {"day": day.isoformat(), "kind": kind, "note": "2027年国庆节"},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    estimated.refresh_from_db()
    assert (estimated.due_on, estimated.due_warning) == (date(2027, 11, 3), "")
    old.refresh_from_db()
    assert old.due_on == date(2022, 11, 2)  # 2022 is outside the refreshed years
    assert AuditEntry.objects.filter(action="admin.holidayoverride.add").count() == 9
    refreshes = AuditEntry.objects.filter(action="result.refresh_deadlines", actor="root")
    assert refreshes.count() == 9
    changed = [entry.details["changed"] for entry in refreshes.order_by("seq")]
    assert changed[0] == [
        {
            "visit": leader_scene.visit.pk,
            "from": "2027-10-28",
            "to": "2027-10-29",
            "estimated": False,
        }
    ]
    # nothing is deleted in the admin
    entry = HolidayOverride.objects.first()
    response = client.post(reverse("admin:results_holidayoverride_delete", args=[entry.pk]))
    assert response.status_code == 403 and HolidayOverride.objects.count() == 9


def test_refresh_reaches_an_approved_result_without_unlocking_its_content(
    leader_scene, unit_leader
):
    result = actions.save_draft(
        visit=leader_scene.visit,
        content=complete_content(leader_scene),
        revision=0,
        actor=leader_scene.member_a,
    )
    actions.submit_result(result=result, actor=leader_scene.member_a)
    actions.approve_result(result=result, actor=unit_leader)
    HolidayOverride.objects.create(day=date(2022, 10, 31), kind="holiday", note="测试")
    assert actions.refresh_deadlines(actor="cli") == 1
    result.refresh_from_db()
    assert result.due_on == date(2022, 11, 3) and result.state == "approved"
    assert actions.refresh_deadlines(actor="cli") == 0


def test_a_make_up_working_day_must_be_a_weekend_day():
    bad = HolidayOverride(day=date(2027, 10, 11), kind="workday")  # a Monday
    with pytest.raises(ValidationError, match="调休工作日应为周六或周日"):
        bad.full_clean()
    HolidayOverride(day=date(2027, 10, 9), kind="workday").full_clean()


# --- lists of overdue and nearly due results ---------------------------------------------------


@pytest.fixture
def due_scene(leader_scene):
    """V1 inspected 2022-09-30 (due 2022-11-02), V2 inspected 2022-10-10 (due 2022-11-07)."""
    _draft(leader_scene, date(2022, 9, 30))
    _draft(leader_scene, date(2022, 10, 10), visit=leader_scene.other_visit)
    return leader_scene


def test_due_lists_per_unit_on_the_page(due_scene, unit_leader, coordinator, settings):
    from spotcheck.results.selectors import due_results, results_for_user

    units = due_results(results_for_user(coordinator), today=date(2022, 11, 3), soon_days=5)
    assert [u.unit for u in units] == ["治安大队"]
    (unit,) = units
    assert [(r.result.visit.visit_key, r.days_left) for r in unit.overdue] == [("V1", -1)]
    assert [(r.result.visit.visit_key, r.days_left) for r in unit.due_soon] == [("V2", 4)]
    # five days ahead of V2 it is not yet listed; a published result never is
    units = due_results(results_for_user(coordinator), today=date(2022, 11, 1), soon_days=5)
    assert [r.result.visit.visit_key for r in units[0].due_soon] == ["V1"]
    assert not units[0].overdue

    client = Client()
    client.force_login(unit_leader)
    page = client.get(reverse("results:due")).content.decode()
    assert "治安大队" in page and "沂源县平安旅馆" in page and "已逾期（" in page


def test_due_page_shows_nothing_of_another_unit_or_agency(due_scene, other_users_by_role):
    leader2 = due_scene.other_leader
    for user in (leader2, other_users_by_role[Role.COORDINATOR]):
        client = Client()
        client.force_login(user)
        page = client.get(reverse("results:due")).content.decode()
        assert "沂源县平安旅馆" not in page and "没有逾期" in page
    client = Client()
    client.force_login(due_scene.member_a)  # an inspector holds no right to the lists
    assert client.get(reverse("results:due")).status_code == 403


def test_results_due_cli_lists_per_unit(due_scene):
    out, err = StringIO(), StringIO()
    call_command("results_due", today="2022-11-03", stdout=out, stderr=err)
    text = out.getvalue()
    assert "治安大队" in text
    assert "已逾期（1）" in text and "V1" in text and "逾期1天" in text
    assert "5日内到期（1）" in text and "V2" in text and "剩余4天" in text
    assert err.getvalue() == ""
    out = StringIO()
    call_command("results_due", today="2022-10-01", stdout=out)
    assert "没有逾期或5日内到期的检查结果" in out.getvalue()
    out = StringIO()
    call_command("results_due", today="2022-11-03", agency="临朐县公安局", stdout=out)
    assert "V1" not in out.getvalue()


def test_results_due_cli_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="不是日期"):
        call_command("results_due", today="2022-13-01")
