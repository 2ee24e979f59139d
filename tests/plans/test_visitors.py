"""The staff plan pages are not the portal: a visitor asking for one is sent to the portal's page
of the same thing (301, query kept, not kept by the browser) or, where there is none (a draft
revision), to the login page; the site menu links a visitor to the portal's pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from spotcheck.plans.actions import publish_revision, start_revision, withdraw_item

pytestmark = pytest.mark.django_db

STAFF_ONLY = ("结构化字段与原文对照", "来源：第")


def test_visitors_are_sent_to_the_portal_pages(client, published_plan):
    plan = published_plan.pk
    item = published_plan.items.order_by("position").first().pk
    pairs = {
        reverse("plans:list"): reverse("public:plans"),
        reverse("plans:detail", args=[plan]): reverse("public:plan", args=[plan]),
        reverse("plans:item", args=[plan, item]): reverse("public:plan_item", args=[plan, item]),
        reverse("plans:export", args=[plan, "json"]): reverse(
            "public:plan_export", args=[plan, "json"]
        ),
        reverse("plans:list") + "?year=2022": reverse("public:plans") + "?year=2022",
    }
    for staff, portal in pairs.items():
        response = client.get(staff)
        assert response.status_code == 301, staff
        assert response["Location"] == portal
        # the same address serves staff once signed in: no browser keeps the redirect
        assert "no-cache" in response["Cache-Control"] and "Cookie" in response["Vary"]
        page = client.get(portal)
        assert page.status_code == 200, portal
        text = b"".join(page.streaming_content) if page.streaming else page.content
        for marker in STAFF_ONLY:
            assert marker not in text.decode("utf-8-sig"), (portal, marker)


def test_staff_keep_their_plan_pages(client, coordinator, published_plan):
    client.force_login(coordinator)
    item = published_plan.items.order_by("position").first()
    page = client.get(reverse("plans:item", args=[published_plan.pk, item.pk]))
    assert page.status_code == 200 and "结构化字段与原文对照" in page.content.decode()
    assert client.get(reverse("plans:list")).status_code == 200


def test_a_revision_is_a_section_of_the_portal_plan_or_needs_a_login(
    client, coordinator, published_plan
):
    revision = start_revision(
        plan=published_plan, actor=coordinator, reason="调整", effective_date=date(2022, 7, 1)
    )
    address = reverse("plans:revision", args=[published_plan.pk, revision.pk])
    draft = client.get(address)
    assert draft.status_code == 302 and draft["Location"].startswith(reverse("login"))
    withdraw_item(revision=revision, actor=coordinator, item=published_plan.items.get(number=2))
    publish_revision(revision=revision, actor=coordinator)
    published = client.get(address)
    assert published.status_code == 301
    portal = reverse("public:plan", args=[published_plan.pk])
    assert published["Location"] == f"{portal}#revision-{revision.number}"
    assert f'id="revision-{revision.number}"' in client.get(portal).content.decode()
    # a query goes before the fragment
    mailed = client.get(address + "?from=mail")
    assert mailed["Location"] == f"{portal}?from=mail#revision-{revision.number}"


def test_a_draft_plans_pages_send_visitors_to_sign_in_and_back(client, coordinator, seed_plan):
    # a draft has no portal page: a redirect there would be a 404 whose login link leads to it
    item = seed_plan.items.order_by("position").first().pk
    for staff in (
        reverse("plans:detail", args=[seed_plan.pk]),
        reverse("plans:item", args=[seed_plan.pk, item]),
        reverse("plans:export", args=[seed_plan.pk, "json"]),
    ):
        response = client.get(staff)
        assert response.status_code == 302, staff
        assert response["Location"] == f"{reverse('login')}?next={staff}"


def test_the_menu_links_visitors_to_the_portal_and_staff_to_theirs(client, coordinator):
    visitor = client.get(reverse("home")).content.decode()
    nav = visitor.split('aria-label="网站导航"', 1)[1].split("</nav>", 1)[0]
    for name, label in (
        ("public:plans", "抽查计划"),
        ("public:items", "抽查事项清单"),
        ("public:statistics", "统计"),
        ("public:data", "开放数据"),
    ):
        assert f'<a href="{reverse(name)}">{label}</a>' in nav
    assert f'href="{reverse("plans:list")}"' not in nav
    client.force_login(coordinator)
    staff = client.get(reverse("home")).content.decode()
    nav = staff.split('aria-label="网站导航"', 1)[1].split("</nav>", 1)[0]
    assert f'<a href="{reverse("plans:list")}">抽查计划</a>' in nav
    assert f'href="{reverse("public:plans")}"' not in nav
