"""The Atom feed of announcements (plans, draw steps, result batches, withdrawals) linked from
the home page; a publication batch's page; a corrected result's earlier published versions."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from django.urls import reverse

from spotcheck.audit.models import current_head
from spotcheck.draws.models import Draw
from spotcheck.inspections.models import Visit
from spotcheck.public import actions, announcement_views
from spotcheck.public.cache import clear_public_pages
from spotcheck.public.feeds import AUDIT_NAMESPACE
from spotcheck.public.models import Publication, PublishedResult
from spotcheck.results import actions as results
from tests.public.helpers import approve_visit

# Round one's draws, visits and teams are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_teams")]
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def visits(teamed_visits) -> list[Visit]:
    return teamed_visits[:2]


def feed_entries(client) -> tuple[ET.Element, list[dict[str, str]]]:
    response = client.get(reverse("public:announcements"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = [
        {
            "id": e.findtext(f"{ATOM}id"),
            "title": e.findtext(f"{ATOM}title"),
            "href": e.find(f"{ATOM}link").get("href"),
            "updated": e.findtext(f"{ATOM}updated"),
        }
        for e in root.findall(f"{ATOM}entry")
    ]
    return root, entries


def test_the_feed_announces_plans_draws_results_and_withdrawals(
    client, visits, unit_leader, coordinator, published_plan, executed_draws
):
    result = approve_visit(visits[0], unit_leader)
    batch = actions.publish_results(results=[result], actor=unit_leader)
    record = PublishedResult.objects.get()
    actions.withdraw_published(published=record, reason="对象名称有误", actor=coordinator)
    root, entries = feed_entries(client)
    head = current_head()
    element = root.find(f"{{{AUDIT_NAMESPACE}}}auditHead")
    assert element.get("seq") == str(head.seq) and element.get("hash") == head.hash
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))
    assert [e["updated"] for e in entries] == sorted((e["updated"] for e in entries), reverse=True)
    by_id = {e["id"]: e for e in entries}
    plan = by_id[f"urn:spotcheck:announcement:plan:{published_plan.pk}"]
    assert plan["title"].startswith("【计划公开】") and plan["href"].endswith(
        reverse("public:plan", args=[published_plan.pk])
    )
    draw = Draw.objects.filter(status=Draw.Status.EXECUTED).order_by("-executed_at").first()
    executed = [e for e in entries if e["title"].startswith("【抽取完成】")]
    assert any(e["href"].endswith(draw.get_public_url()) for e in executed)
    assert f"urn:spotcheck:announcement:draw:{draw.pk}:executed" in by_id
    batch_entry = by_id[f"urn:spotcheck:announcement:publication:{batch.pk}"]
    assert batch_entry["href"].endswith(reverse("public:batch", args=[batch.pk]))
    assert "公示1户检查结果" in batch_entry["title"]
    withdrawal = by_id[f"urn:spotcheck:announcement:withdrawal:{record.pk}"]
    assert withdrawal["title"].startswith("【撤回公示】") and entries[0] == withdrawal
    # The older bulletin-only feed keeps its address.
    assert client.get(reverse("public:feed")).status_code == 200


def test_the_home_page_links_the_feed_and_lists_the_latest(client, visits, unit_leader):
    actions.publish_results(results=[approve_visit(visits[0], unit_leader)], actor=unit_leader)
    page = client.get(reverse("home")).content.decode()
    feed = reverse("public:announcements")
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="双随机、一公开：公告" href="{feed}">'
        in page
    )
    assert "最新公告" in page and "结果公示</span>" in page


def test_a_batch_page_lists_what_it_published(client, visits, unit_leader, monkeypatch):
    approved = [approve_visit(v, unit_leader) for v in visits]
    batch = actions.publish_results(results=approved, actor=unit_leader)
    page = client.get(reverse("public:batch", args=[batch.pk])).content.decode()
    for record in PublishedResult.objects.all():
        assert reverse("public:result", args=[record.pk]) in page
    assert "本批公示2户" in page
    monkeypatch.setattr(announcement_views, "BATCH_PAGE_SIZE", 1)
    clear_public_pages()
    first = client.get(reverse("public:batch", args=[batch.pk])).content.decode()
    assert "本批公示2户" in first and "下一页" in first
    second = client.get(reverse("public:batch", args=[batch.pk]), {"page": 2}).content.decode()
    assert "上一页" in second and "下一页" not in second
    assert client.get(reverse("public:batch", args=[batch.pk + 99])).status_code == 404


def test_a_corrected_result_keeps_its_earlier_versions(client, visits, unit_leader):
    result = approve_visit(visits[0], unit_leader, problem=True)
    first_batch = actions.publish_results(
        results=[result], actor=unit_leader, today=date(2022, 10, 10)
    )
    first = PublishedResult.objects.get()
    item = result.items.order_by("pk").first()
    results.add_measure(
        item_result=item,
        kind="penalty",
        opened_on=date(2022, 10, 20),
        case_number="沂公（治）行罚决字〔2022〕101号",
        text="警告",
        amend_reason="补充行政处罚决定",
        actor=unit_leader,
    )
    result.refresh_from_db()
    results.approve_result(result=result, actor=unit_leader)
    actions.publish_results(results=[result], actor=unit_leader, today=date(2022, 10, 25))
    first.refresh_from_db()
    current = PublishedResult.objects.get(superseded_at__isnull=True)
    assert first.superseded_at is not None and current.result_version == first.result_version + 1

    page = client.get(reverse("public:result", args=[current.pk])).content.decode()
    assert "该检查结果经更正后重新公示" in page and "更正记录：此前公示的版本" in page
    assert f"第{first.result_version}版 · 2022-10-10公示 · 2022-10-25更正" in page
    assert reverse("public:result", args=[first.pk]) in page
    assert first.snapshot_sha256 in page and current.snapshot_sha256 in page
    for secret in ("内部备注", "13812345678", "沂公（治）行罚决字", "补充行政处罚决定"):
        assert secret not in page

    old = client.get(reverse("public:result", args=[first.pk]))
    assert old.status_code == 200  # an earlier version never disappears
    text = old.content.decode()
    assert f"本页是更正前的公示（第{first.result_version}版），已于2022-10-25更正" in text
    assert reverse("public:result", args=[current.pk]) in text
    batch_page = client.get(reverse("public:batch", args=[first_batch.pk])).content.decode()
    assert "更正</span>" in batch_page
    data = json.loads(
        client.get(reverse("public:data_file", args=[2022, "results.json"])).getvalue()
    )
    (row,) = data["rows"]
    assert row["record_id"] == current.pk and row["corrected"] is True
    assert Publication.objects.count() == 2


def test_the_latest_withdrawals_are_read_from_their_own_index():
    """The announcements read the newest withdrawals; the partial index on withdrawn_at (the
    withdrawn records alone) answers that without reading the table or sorting. PostgreSQL is
    asked to avoid scanning and sorting, as it does by cost on a large table (measured: 30,000
    records, 300 withdrawn: 0.2 ms with the index, 43 ms by a scan); the plan must then read the
    index. SQLite: the index exists."""
    from django.db import connection

    from spotcheck.public.selectors import published_versions

    table = PublishedResult._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    assert constraints["publishedresult_withdrawn"]["columns"] == ["withdrawn_at"]
    if connection.vendor != "postgresql":
        return
    latest = published_versions().filter(withdrawn_at__isnull=False).order_by("-withdrawn_at")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plan = latest[:50].explain()
    assert "publishedresult_withdrawn" in plan


def test_a_withdrawal_reason_is_published_without_phone_numbers(
    client, visits, unit_leader, coordinator, published_plan
):
    """The withdrawal reason is published (page, open data, feed, home page) with its phone
    numbers masked; the stored reason keeps what was written."""
    phone = "13812345678"
    result = approve_visit(visits[0], unit_leader)
    actions.publish_results(results=[result], actor=unit_leader)
    record = actions.withdraw_published(
        published=PublishedResult.objects.get(),
        reason=f"经营者来电{phone}、0533-3221234更正",
        actor=coordinator,
    )
    assert phone in PublishedResult.objects.get(pk=record.pk).withdraw_reason
    clear_public_pages()
    result_url = reverse("public:result", args=[record.pk])
    urls = [
        result_url,
        reverse("public:announcements"),
        "/",
        reverse("public:data_file", args=[published_plan.year, "results.json"]),
        reverse("public:data_file", args=[published_plan.year, "results.csv"]),
    ]
    bodies = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content) if response.streaming else response.content
        bodies[url] = content.decode("utf-8")
        assert phone not in bodies[url] and "3221234" not in bodies[url], url
    assert f"经营者来电{'*' * 11}、{'*' * 12}更正" in bodies[result_url]
