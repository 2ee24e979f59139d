"""A published plan and its items on the portal (spotcheck.public.plan_views): published-only,
cached, linked from the portal's lists, the bulletins and the Atom feed instead of the staff
pages of the plans app."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from spotcheck.draws.models import Draw
from spotcheck.plans.actions import publish_revision, revise_item, start_revision, withdraw_item
from spotcheck.plans.exports import EXPORT_TYPES, export_filename, export_plan_bytes
from spotcheck.plans.forms import PlanItemForm
from spotcheck.plans.models import Plan, PlanItem
from spotcheck.registry.models import TargetType

# Round one of the 2022 plan (tests/conftest.py), built once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_round")]
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def draft_plan(agency) -> Plan:
    plan = Plan.objects.create(agency=agency, year=2023, title="2023年度抽查工作计划（草稿）")
    PlanItem.objects.create(plan=plan, position=1, number=1, name="草稿中的抽查事项")
    return plan


def page(client, name, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200, (name, args, response.status_code)
    return response.content.decode()


def test_a_draft_plan_and_its_items_are_not_public(client, draft_plan, coordinator):
    item = draft_plan.items.get()
    urls = [
        reverse("public:plan", args=[draft_plan.pk]),
        reverse("public:plan_item", args=[draft_plan.pk, item.pk]),
    ]
    assert [client.get(url).status_code for url in urls] == [404, 404]
    assert draft_plan.title not in page(client, "public:plans")
    assert item.name not in page(client, "public:items")
    # its own agency's staff find it in the plans app, never on the portal
    client.force_login(coordinator)
    assert client.get(draft_plan.get_absolute_url()).status_code == 200
    assert [client.get(url).status_code for url in urls] == [404, 404]


def test_an_item_is_found_only_under_its_own_plan(client, published_plan, draft_plan):
    item = published_plan.items.order_by("position").first()
    assert client.get(item.get_public_url()).status_code == 200
    wrong = reverse("public:plan_item", args=[draft_plan.pk, item.pk])
    assert client.get(wrong).status_code == 404


def test_a_published_plan_renders_its_items_and_is_cached(client, published_plan):
    items = list(published_plan.items.order_by("position"))
    html = page(client, "public:plan", published_plan.pk)
    assert f"<h1>{published_plan.title}</h1>" in html and f"{len(items)}个抽查事项" in html
    for item in items:
        assert f'href="{item.get_public_url()}"' in html
        assert reverse("public:task_results", args=[item.pk]) in html
    assert f'href="{published_plan.get_absolute_url()}"' not in html  # no staff page linked
    assert f'href="/plans/{published_plan.pk}/items/' not in html
    assert "待复核" not in html
    again = client.get(reverse("public:plan", args=[published_plan.pk]))
    assert again["X-Spotcheck-Cache"] == "hit" and again.content.decode() == html


def test_an_item_page_shows_its_fields_checkpoints_and_draws(
    client, published_plan, executed_draws
):
    draw = next(iter(executed_draws.values())).draw
    item = draw.item
    html = page(client, "public:plan_item", published_plan.pk, item.pk)
    assert f"<h1>{item.heading}</h1>" in html
    assert f'href="{published_plan.get_public_url()}"' in html  # the crumbs
    assert '<th scope="row">抽查事项</th>' in html and item.name in html
    for point in item.checkpoints:
        assert f"<li>{point}</li>" in html
    assert f'href="{draw.get_public_url()}"' in html
    assert reverse("public:task_results", args=[item.pk]) in html
    assert f'href="{item.get_absolute_url()}"' not in html


def test_the_lists_bulletins_and_home_link_the_public_pages(client, published_plan, executed_draws):
    plan_url = reverse("public:plan", args=[published_plan.pk])
    for name in ("public:plans", "home"):
        html = page(client, name)
        assert f'href="{plan_url}"' in html
        assert f'href="{published_plan.get_absolute_url()}"' not in html
    items = page(client, "public:items")
    for item in published_plan.items.all():
        assert f'href="{item.get_public_url()}"' in items
        assert f'href="{item.get_absolute_url()}"' not in items
    draw = next(iter(executed_draws.values())).draw
    assert f'href="{plan_url}"' in page(client, "public:bulletin", draw.pk)


def test_a_revision_is_shown_on_the_plan_and_the_feed_links_there(
    client, published_plan, coordinator
):
    item = published_plan.items.filter(event_driven=True).order_by("-number").first()
    revision = start_revision(
        plan=published_plan, actor=coordinator, reason="机构调整", effective_date=date(2022, 6, 1)
    )
    withdraw_item(revision=revision, actor=coordinator, item=item)
    revision = publish_revision(revision=revision, actor=coordinator)
    html = page(client, "public:plan", published_plan.pk)
    assert 'id="revision-1"' in html and "调整原因：机构调整" in html
    assert f"撤回事项{item.label or item.number} {item.name}" in html
    item_html = page(client, "public:plan_item", published_plan.pk, item.pk)
    assert "撤回" in item_html and f'href="{revision.get_public_url()}"' in item_html

    root = ET.fromstring(client.get(reverse("public:announcements")).content)
    links = {
        e.findtext(f"{ATOM}id"): e.find(f"{ATOM}link").get("href")
        for e in root.findall(f"{ATOM}entry")
    }
    assert links[f"urn:spotcheck:announcement:plan:{published_plan.pk}"].endswith(
        published_plan.get_public_url()
    )
    assert links[f"urn:spotcheck:announcement:revision:{revision.pk}"].endswith(
        f"{published_plan.get_public_url()}#revision-1"
    )


def xlsx_rows(data: bytes) -> list[tuple[object, ...]]:
    return list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_the_plan_page_links_its_downloads_on_the_portal_served_from_the_cache(
    client, published_plan, coordinator, django_assert_max_num_queries
):
    """Excel, TSV and JSON of a published plan: the plans app's export, served by the portal
    from its page cache (a hit reads only the portal's state), made again once a published
    revision changes the plan."""
    html = page(client, "public:plan", published_plan.pk)
    for fmt in EXPORT_TYPES:
        assert f'href="{reverse("public:plan_export", args=[published_plan.pk, fmt])}"' in html
        assert f'href="{reverse("plans:export", args=[published_plan.pk, fmt])}"' not in html
    for fmt, content_type in EXPORT_TYPES.items():
        url = reverse("public:plan_export", args=[published_plan.pk, fmt])
        first = client.get(url)
        assert first.status_code == 200 and first["Content-Type"] == content_type
        assert first["Content-Disposition"] == (
            f'attachment; filename="{export_filename(published_plan, fmt)}"'
        )
        expected = export_plan_bytes(published_plan, fmt)
        if fmt == "xlsx":  # openpyxl stamps the moment it saves: the same cells, not bytes
            assert xlsx_rows(first.content) == xlsx_rows(expected)
        else:
            assert first.content == expected
        with django_assert_max_num_queries(1):
            again = client.get(url)
        assert again["X-Spotcheck-Cache"] == "hit" and again.content == first.content
        assert again["Content-Disposition"] == first["Content-Disposition"]
    # A published revision changes the plan, and so its downloads.
    url = reverse("public:plan_export", args=[published_plan.pk, "json"])
    before = json.loads(client.get(url).content)
    item = published_plan.items.get(number=1)
    revision = start_revision(
        plan=published_plan, actor=coordinator, reason="专项整治", effective_date=date(2022, 6, 1)
    )
    data = {k: v for k, v in PlanItemForm.initial_for(item).items() if v is not None}
    form = PlanItemForm({k: v for k, v in {**data, "ratio_percent": "8"}.items() if v})
    assert form.is_valid(), form.errors
    revise_item(revision=revision, actor=coordinator, item=item, values=form.values())
    assert client.get(url)["X-Spotcheck-Cache"] == "hit"  # a draft revision changes nothing
    publish_revision(revision=revision, actor=coordinator)
    after = client.get(url)
    assert after.get("X-Spotcheck-Cache") != "hit"
    assert after.content == export_plan_bytes(published_plan, "json")
    assert [i["ratio_percent"] for i in json.loads(after.content) if i["number"] == 1] == [8]
    assert [i["ratio_percent"] for i in before if i["number"] == 1] == [5]


def test_a_draft_plan_has_no_download_on_the_portal(client, draft_plan, published_plan):
    for fmt in EXPORT_TYPES:
        url = reverse("public:plan_export", args=[draft_plan.pk, fmt])
        assert client.get(url).status_code == 404
    unknown = reverse("public:plan_export", args=[published_plan.pk, "csv"])
    assert client.get(unknown).status_code == 404


def test_a_published_withdrawal_replaces_the_cached_downloads(client, published_plan, coordinator):
    """Every download of the portal says an item was withdrawn (day and revision, no reason) as
    soon as the revision is published: the cached files of before are not served again."""
    urls = {
        fmt: reverse("public:plan_export", args=[published_plan.pk, fmt]) for fmt in EXPORT_TYPES
    }
    before = {fmt: client.get(url).content for fmt, url in urls.items()}
    assert all(client.get(url)["X-Spotcheck-Cache"] == "hit" for url in urls.values())
    revision = start_revision(
        plan=published_plan,
        actor=coordinator,
        reason="联系人13812345678",
        effective_date=date(2022, 7, 1),
    )
    withdraw_item(revision=revision, actor=coordinator, item=published_plan.items.get(number=2))
    assert all(client.get(url)["X-Spotcheck-Cache"] == "hit" for url in urls.values())
    publish_revision(revision=revision, actor=coordinator)
    after = {fmt: client.get(url) for fmt, url in urls.items()}
    assert all(r.get("X-Spotcheck-Cache") != "hit" for r in after.values())
    marked = [i for i in json.loads(after["json"].content) if i["withdrawn"]]
    assert [(i["number"], i["withdrawn_on"], i["withdrawn_by_revision"]) for i in marked] == [
        (2, "2022-07-01", 1)
    ]
    assert not [i for i in json.loads(before["json"]) if i["withdrawn"]]
    assert "已于2022-07-01经第1次计划调整撤回" in after["tsv"].content.decode()
    assert "撤回" not in before["tsv"].decode()
    rows = xlsx_rows(after["xlsx"].content)
    assert any("已于2022-07-01经第1次计划调整撤回" in row for row in rows)
    assert all(b"13812345678" not in r.content for r in after.values())


def test_a_revisions_changes_read_as_a_reader_reads_them(client, coordinator, published_plan):
    # the directory's type by its name (not its id), the content without phone numbers
    drawn = Draw.objects.values("item")
    item = published_plan.items.exclude(pk__in=drawn).order_by("position").first()
    other = TargetType.objects.exclude(pk=item.entity_type_id).order_by("pk").first()
    revision = start_revision(
        plan=published_plan, actor=coordinator, reason="专项整治", effective_date=date(2022, 6, 1)
    )
    data = {k: v for k, v in PlanItemForm.initial_for(item).items() if v is not None}
    changed = {
        **data,
        "entity_type": other.pk,
        "content": "咨询电话13812345678",
    }
    form = PlanItemForm({k: v for k, v in changed.items() if v})
    assert form.is_valid(), form.errors
    revise_item(revision=revision, actor=coordinator, item=item, values=form.values())
    publish_revision(revision=revision, actor=coordinator)
    html = client.get(reverse("public:plan", args=[published_plan.pk])).content.decode()
    section = html.split('id="revision-1"')[1]
    assert f"→ {other.name}" in section and f"{other.pk} →" not in section
    assert "13812345678" not in html and "咨询电话***********" in section
    assert "None" not in section
