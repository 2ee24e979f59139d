"""The dashboard for a deployment administrator, who belongs to no agency (moved here from
test_views.py, whose tests share the demo round: this one needs agencies without figures)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from spotcheck.accounts.models import Role, User
from tests.stats.test_views import client_for, read_csv

pytestmark = pytest.mark.django_db


def test_a_deployment_administrator_chooses_the_agency(agency, other_agency):
    admin = User.objects.create_superuser(
        username="root", password="x-password-123", role=Role.ADMINISTRATOR
    )
    client = client_for(admin)
    html = client.get(reverse("stats:dashboard")).content.decode()
    assert 'name="agency"' in html and "请选择机构" in html and "stats-block" not in html
    assert client.get(reverse("stats:csv", args=["joint"])).status_code == 404
    chosen = client.get(reverse("stats:dashboard"), {"agency": other_agency.pk})
    assert 'id="table-joint"' in chosen.content.decode()
    rows = read_csv(client.get(reverse("stats:csv", args=["joint"]), {"agency": agency.pk}))
    assert rows[1][0] == "检查任务（上门次数）" and rows[1][1] == "0"
