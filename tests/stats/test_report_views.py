"""The annual summary download (/stats/summary.xlsx): scoped like the dashboard."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from spotcheck.accounts.models import Role
from spotcheck.lib.report import SUMMARY_SHEET
from spotcheck.stats.summary import CONTENT_TYPE

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def summary_cells(response) -> dict:
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == SUMMARY_SHEET and len(workbook.sheetnames) > 10
    return {r[0]: r[1] for r in workbook[SUMMARY_SHEET].iter_rows(values_only=True) if r[0]}


def test_coordinators_download_the_plan_summary(demo, coordinator):
    client = client_for(coordinator)
    url = reverse("stats:summary")
    cells = summary_cells(client.get(url, {"plan": demo.plan.pk}))
    assert cells["抽查计划"] == demo.plan.title
    assert cells["统计范围"] == "全部责任单位"
    # the year names the plan as well
    assert summary_cells(client.get(url, {"year": demo.plan.year}))["年度"] == demo.plan.year
    # nothing chosen: the agency's latest plan
    assert summary_cells(client.get(url))["抽查计划"] == demo.plan.title
    # the dashboard links to it with its filters
    page = client.get(reverse("stats:dashboard"), {"plan": demo.plan.pk})
    assert f"{url}?plan={demo.plan.pk}" in page.content.decode()


def test_unit_leaders_get_their_unit_only(demo):
    unit = demo.visits[0].responsible_unit
    leader = demo.leaders[unit.pk]
    assert leader.role == Role.UNIT_LEADER
    cells = summary_cells(client_for(leader).get(reverse("stats:summary"), {"plan": demo.plan.pk}))
    assert cells["统计范围"] == unit.name


def test_other_agencies_and_strangers_get_nothing(demo, other_users_by_role):
    url = reverse("stats:summary")
    stranger = client_for(other_users_by_role[Role.COORDINATOR])
    assert stranger.get(url, {"plan": demo.plan.pk}).status_code == 404
    assert stranger.get(url, {"year": demo.plan.year}).status_code == 404
    # nothing chosen and no plan of their own: back to the dashboard, with nothing of ours
    response = stranger.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("stats:dashboard")
    anonymous = Client().get(url, {"plan": demo.plan.pk})
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
