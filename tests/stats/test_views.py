"""The dashboard page and its CSV downloads: who sees which figures."""

from __future__ import annotations

import codecs
import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from spotcheck.accounts.models import Role, Unit, User
from spotcheck.stats.selectors import dashboard_tables

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def read_csv(response) -> list[list[str]]:
    body = response.content
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_dashboard_tables_charts_and_csv(demo, coordinator, unit):
    client = client_for(coordinator)
    page = client.get(reverse("stats:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    tables = dashboard_tables(agency=demo.plan.agency)
    for table in tables:
        assert f'id="table-{table.key}"' in html
        assert f'href="/stats/{table.key}.csv"' in html
        if table.rows and table.chart != "none":
            # the chart's data in a json_script block, drawn by the static stats.js
            assert f'<script id="chart-{table.key}" type="application/json">' in html
    assert "<script>" not in html  # no inline script (CSP)
    assert "vendor/echarts/echarts.min.js" in html and "spotcheck/stats.js" in html
    # a CSV holds exactly the table
    units = next(t for t in tables if t.key == "progress_units")
    rows = read_csv(client.get(reverse("stats:csv", args=["progress_units"])))
    assert rows[0] == units.columns
    assert rows[1:] == [[str(v) if v is not None else "" for v in row] for row in units.rows]
    assert client.get(reverse("stats:csv", args=["nonsense"])).status_code == 404


def test_filters_reach_the_tables(demo, coordinator):
    client = client_for(coordinator)
    item = demo.plan.items.get(number=3)
    query = {"year": demo.plan.year, "plan": demo.plan.pk, "item": item.pk}
    rows = read_csv(client.get(reverse("stats:csv", args=["progress_items"]), query))
    assert [r[0] for r in rows[1:]] == [f"事项{item.label or item.number} {item.name}"]
    page = client.get(reverse("stats:dashboard"), query)
    assert page.status_code == 200
    # a plan of another agency is not a choice: the filter is refused, not applied
    other = client.get(reverse("stats:dashboard"), {"plan": 10**6})
    assert other.status_code == 200 and "选择一个有效的选项" in other.content.decode()


def test_a_unit_leader_sees_the_own_unit_only(demo, unit_leader, unit):
    other_unit = Unit.objects.exclude(pk=unit.pk).filter(agency=unit.agency).first()
    client = client_for(unit_leader)
    page = client.get(reverse("stats:dashboard"), {"unit": other_unit.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="unit"' not in html
    rows = read_csv(
        client.get(reverse("stats:csv", args=["fairness_units"]), {"unit": other_unit.pk})
    )
    assert [r[0] for r in rows[1:]] == [unit.name]
    rows = read_csv(client.get(reverse("stats:csv", args=["progress_units"])))
    assert [r[0] for r in rows[1:]] == [unit.name]


def test_a_unit_leader_without_a_unit_sees_nothing(demo, agency):
    leader = User.objects.create_user(
        username="no-unit", password="x-password-123", role=Role.UNIT_LEADER, agency=agency
    )
    client = client_for(leader)
    page = client.get(reverse("stats:dashboard"))
    assert page.status_code == 200
    assert "stats-block" not in page.content.decode()
    assert client.get(reverse("stats:csv", args=["progress_items"])).status_code == 404


def test_another_agency_sees_its_own_empty_figures(demo, other_users_by_role):
    client = client_for(other_users_by_role[Role.COORDINATOR])
    html = client.get(reverse("stats:dashboard")).content.decode()
    for visit in demo.visits[:5]:
        assert visit.entity_name not in html
    rows = read_csv(client.get(reverse("stats:csv", args=["fairness_inspectors"])))
    assert rows[1:] == []
