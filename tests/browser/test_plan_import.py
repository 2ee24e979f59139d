"""The plan import preview fits a phone and a desktop, with its correction forms."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.browser.test_pages import check_pages
from tests.plans.test_import_preview import PLAN

pytestmark = pytest.mark.django_db(transaction=True)


def test_import_preview_fits_phone_and_desktop(
    browser, live_server, coordinator, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    coordinator.agency.name = "某县市场监督管理局"
    coordinator.agency.save()
    client = Client()
    client.force_login(coordinator)
    upload = SimpleUploadedFile("plan.txt", PLAN.encode(), content_type="text/plain")
    response = client.post("/plans/import/", {"file": upload})
    assert response.status_code == 302
    assert check_pages(browser, live_server, [response["Location"]], coordinator) == []


def test_plan_forms_and_a_revision_fit_phone_and_desktop(
    browser, live_server, coordinator, published_plan
):
    from datetime import date

    from spotcheck.plans.actions import publish_revision, start_revision, withdraw_item

    revision = start_revision(
        plan=published_plan, actor=coordinator, reason="机构调整", effective_date=date(2022, 6, 1)
    )
    item = published_plan.items.get(number=4)
    withdraw_item(revision=revision, actor=coordinator, item=item)
    paths = [
        "/plans/new/",
        f"/plans/{published_plan.pk}/revisions/new/",
        revision.get_absolute_url(),
        f"/plans/{published_plan.pk}/revisions/{revision.pk}/items/{item.pk - 1}/",
    ]
    assert check_pages(browser, live_server, paths, coordinator) == []
    publish_revision(revision=revision, actor=coordinator)
    paths = [
        revision.get_absolute_url(),  # a visitor's: the portal plan page's section (301)
        published_plan.get_public_url(),
        item.get_public_url(),
    ]
    assert check_pages(browser, live_server, paths) == []
