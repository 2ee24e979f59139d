"""The notice section of the visit page: issue, record delivery, download the two papers; who
is refused (inspector, another unit's leader, another agency)."""

from __future__ import annotations

import io

import docx
import pytest
from django.urls import reverse
from django.utils.timezone import localtime

from spotcheck.accounts.models import Role, Unit, User
from spotcheck.audit.models import AuditEntry
from spotcheck.inspections.models import Notice, Visit
from tests.conftest import round_one_matched

# Round one's draws, visits and teams are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_teams")]


@pytest.fixture
def visit(request, unit, published_plan, executed_draws, coordinator) -> Visit:
    round_one_matched(request, published_plan, coordinator)
    return Visit.objects.filter(responsible_unit=unit).order_by("pk").first()


def urls(visit: Visit) -> dict[str, str]:
    names = ("notice_issue", "notice_delivery", "notice_docx", "record_form_docx")
    return {name: reverse(f"inspections:{name}", args=[visit.pk]) for name in names}


def test_unit_leader_issues_records_delivery_and_downloads(client, visit, unit_leader):
    client.force_login(unit_leader)
    page = client.get(visit.get_absolute_url()).content.decode()
    assert "签发检查通知书" in page
    assert client.get(urls(visit)["notice_docx"]).status_code == 409  # not issued yet
    response = client.post(urls(visit)["notice_issue"], follow=True)
    notice = Notice.objects.get(visit=visit)
    assert notice.number in response.content.decode() and notice.issued_by == unit_leader
    response = client.get(urls(visit)["notice_docx"])
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="notice.docx"'
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    assert notice.number in text and visit.entity_name in text
    response = client.get(urls(visit)["record_form_docx"])
    assert response["Content-Disposition"] == 'attachment; filename="record-form.docx"'
    docx.Document(io.BytesIO(response.content))
    response = client.post(
        urls(visit)["notice_delivery"],
        {"method": "post", "delivered_at": ""},
        follow=True,
    )
    assert "通知日期：未填写" in response.content.decode()
    client.post(
        urls(visit)["notice_delivery"],
        {
            "method": "in_person",
            "delivered_at": localtime(notice.issued_at).strftime("%Y-%m-%d %H:%M"),
        },
    )
    notice.refresh_from_db()
    assert notice.delivery_method == "in_person"
    assert AuditEntry.objects.filter(action="inspections.record_delivery").count() == 1
    assert "通知方式：当场" in client.get(visit.get_absolute_url()).content.decode()


def test_inspector_reads_papers_but_cannot_issue(client, visit, inspector_user):
    client.force_login(inspector_user)
    assert "签发检查通知书</button>" not in client.get(visit.get_absolute_url()).content.decode()
    assert client.post(urls(visit)["notice_issue"]).status_code == 403
    assert client.post(urls(visit)["notice_delivery"], {"method": "sms"}).status_code == 403
    assert client.get(urls(visit)["record_form_docx"]).status_code == 200
    assert not Notice.objects.exists()


def test_another_units_leader_and_another_agency_are_refused(
    client, visit, agency, other_users_by_role
):
    cyber = Unit.objects.get(agency=agency, name="网安大队")
    leader = User.objects.create_user(
        "leader-cyber", role=Role.UNIT_LEADER, agency=agency, unit=cyber
    )
    client.force_login(leader)
    # the cyber unit's leader sees the visit only if one of its members sits in it
    assert client.post(urls(visit)["notice_issue"]).status_code in (403, 404)
    client.force_login(other_users_by_role[Role.COORDINATOR])
    for name, url in urls(visit).items():
        response = (
            client.post(url)
            if name.startswith("notice_") and "docx" not in name
            else client.get(url)
        )
        assert response.status_code == 404, name
    assert not Notice.objects.exists()
