"""Scheduling matched visits: one or many at once, inside the window, all or nothing, audited,
the leader's own unit only; the month calendar, due and overdue lists."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from spotcheck.audit.models import AuditEntry
from spotcheck.inspections.actions import (
    InspectionError,
    build_visits,
    match_teams_for_round,
    schedule_visits,
)
from spotcheck.inspections.models import Visit, window_days

# Round one's draws are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_round")]


@pytest.fixture
def matched(unit, published_plan, executed_draws, coordinator):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    return match_teams_for_round(plan=published_plan, round=1, actor=coordinator)


@pytest.fixture
def own_visits(unit, matched):
    visits = list(Visit.objects.filter(responsible_unit=unit, event__isnull=True))
    assert len(visits) >= 2
    return visits


def inside(visit: Visit) -> date:
    return window_days(visit.plan.year, visit.window_start_month, visit.window_end_month)[0]


def test_leader_schedules_a_day_and_it_is_audited(own_visits, unit_leader):
    visit = own_visits[0]
    day = inside(visit)
    schedule_visits(visits=[visit], start=day, end=day, actor=unit_leader)
    visit.refresh_from_db()
    assert (visit.scheduled_start, visit.scheduled_end) == (day, day)
    entry = AuditEntry.objects.filter(action="inspections.schedule").get()
    assert entry.object_id == str(visit.pk) and entry.details["after"] == [day.isoformat()] * 2
    assert unit_leader.username in entry.actor


def test_scheduling_at_a_given_moment_dates_its_audit_entry(own_visits, unit_leader):
    """setup-demo schedules a few visits the morning after round 1's draw, not the day it runs."""
    visit, day = own_visits[0], inside(own_visits[0])
    moment = timezone.make_aware(datetime(2022, 3, 2, 9))
    schedule_visits(visits=[visit], start=day, end=day, actor=unit_leader, now=moment)
    assert AuditEntry.objects.get(action="inspections.schedule").created_at == moment


def test_outside_the_window_is_refused_naming_it_and_nothing_is_saved(matched, coordinator):
    # The good visit is locked and saved first (pk order): the bad one must undo it.
    visits = list(Visit.objects.filter(event__isnull=True))
    good, bad = next(
        (g, b)
        for g in visits
        for b in visits
        if g.pk < b.pk and not b.planned_start <= inside(g) <= b.planned_end
    )
    first, _ = window_days(bad.plan.year, bad.window_start_month, bad.window_end_month)
    day = inside(good)
    with pytest.raises(InspectionError) as error:
        schedule_visits(visits=[bad, good], start=day, end=day, actor=coordinator)
    message = str(error.value)
    assert bad.window_summary in message and f"{first:%Y-%m-%d}" in message
    assert bad.entity_name in message
    assert not Visit.objects.filter(scheduled_start__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="inspections.schedule").exists()


def test_a_range_longer_than_the_setting_is_refused(own_visits, unit_leader, settings):
    settings.SPOTCHECK_SCHEDULE_MAX_DAYS = 2
    visit = own_visits[0]
    start = inside(visit)
    with pytest.raises(InspectionError, match="最多安排连续2天"):
        schedule_visits(
            visits=[visit], start=start, end=start.replace(day=start.day + 2), actor=unit_leader
        )


def test_bulk_schedules_every_visit_in_one_step(own_visits, unit_leader):
    same = [v for v in own_visits if inside(v) == inside(own_visits[0])]
    day = inside(same[0])
    schedule_visits(visits=same, start=day, end=day, actor=unit_leader)
    assert Visit.objects.filter(scheduled_start=day).count() == len(same)
    assert AuditEntry.objects.filter(action="inspections.schedule").count() == len(same)


def test_another_units_visit_is_refused(matched, unit, unit_leader):
    visit = Visit.objects.exclude(responsible_unit=unit).first()
    day = inside(visit)
    with pytest.raises(InspectionError, match="本单位"):
        schedule_visits(visits=[visit], start=day, end=day, actor=unit_leader)


def test_a_visit_is_scheduled_only_after_matching(
    unit, published_plan, executed_draws, coordinator
):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    visit = Visit.objects.first()
    with pytest.raises(InspectionError, match="尚未匹配"):
        schedule_visits(visits=[visit], start=inside(visit), end=inside(visit), actor=coordinator)


def test_calendar_shows_scheduled_and_unscheduled_visits(client, own_visits, unit_leader):
    scheduled, other = own_visits[0], own_visits[1]
    day = inside(scheduled)
    schedule_visits(visits=[scheduled], start=day, end=day, actor=unit_leader)
    client.force_login(unit_leader)
    page = client.get(reverse("inspections:calendar"), {"month": f"{day:%Y-%m}"})
    assert page.status_code == 200
    html = page.content.decode()
    grid, _, lists = html.partition("未安排日期")
    assert scheduled.entity_name in grid.split('class="calendar"')[1]
    assert other.entity_name in lists
    assert "已匹配" in html
    assert page.context["weeks"] and any(
        row["visit"].pk == scheduled.pk
        for week in page.context["weeks"]
        for cell in week
        if cell and cell["day"] == day
        for row in cell["rows"]
    )


def test_due_this_month_and_overdue(client, own_visits, unit_leader):
    visit = own_visits[0]
    day = inside(visit)
    schedule_visits(visits=[visit], start=day, end=day, actor=unit_leader)
    client.force_login(unit_leader)
    page = client.get(reverse("inspections:calendar"), {"month": f"{day:%Y-%m}"})
    assert visit.pk in {row["visit"].pk for row in page.context["due"]}
    # The plan's year (2022) is past: every visit without a result is overdue.
    assert {row["visit"].pk for row in page.context["overdue"]} >= {v.pk for v in own_visits}


def test_bulk_form_schedules_checked_visits(client, own_visits, unit_leader):
    same = [v for v in own_visits if inside(v) == inside(own_visits[0])]
    day = inside(same[0])
    client.force_login(unit_leader)
    response = client.post(
        reverse("inspections:calendar_schedule"),
        {"visit": [v.pk for v in same], "start": day, "end": day, "month": f"{day:%Y-%m}"},
        follow=True,
    )
    assert (
        response.status_code == 200 and f"已安排{len(same)}个检查任务" in response.content.decode()
    )
    assert Visit.objects.filter(scheduled_start=day).count() == len(same)


def test_bulk_form_refuses_another_units_visit_as_missing(client, matched, unit, unit_leader):
    visit = Visit.objects.exclude(responsible_unit=unit).first()
    client.force_login(unit_leader)
    day = inside(visit)
    response = client.post(
        reverse("inspections:calendar_schedule"), {"visit": [visit.pk], "start": day, "end": day}
    )
    assert response.status_code == 404
    assert not Visit.objects.filter(scheduled_start__isnull=False).exists()


def test_visit_page_offers_the_schedule_form_after_matching(client, own_visits, unit_leader):
    visit = own_visits[0]
    client.force_login(unit_leader)
    html = client.get(visit.get_absolute_url()).content.decode()
    assert reverse("inspections:calendar_schedule") in html
    day = inside(visit)
    response = client.post(
        reverse("inspections:calendar_schedule"),
        {"visit": visit.pk, "start": day, "end": day, "back": "visit"},
    )
    assert response["Location"] == visit.get_absolute_url()


def test_printable_team_list_has_header_item_names_signatures_and_a_print_button(
    client, own_visits, unit_leader, published_plan
):
    visit = own_visits[0]
    day = inside(visit)
    schedule_visits(visits=[visit], start=day, end=day, actor=unit_leader)
    client.force_login(unit_leader)
    html = client.get(reverse("inspections:print")).content.decode()
    header = html.split('<header class="print-header">')[1].split("</header>")[0]
    assert published_plan.agency.name in header and published_plan.title in header
    assert "第1轮" in header and f"{published_plan.year}年度" in header
    item = visit.visit_items.first().item
    assert f"{item.number}. {item.name}" in html
    assert "单位负责人（签名）" in html and "日期：" in html
    assert "data-print" in html and "spotcheck/print.js" in html
    assert "<script>" not in html  # the CSP forbids inline script
    assert day.isoformat() in html  # the scheduled day, not the window
