"""Publishing approved results: batches and publication on approval, what is public and what
never is, the deadline, withdrawal with a reason, the check against what is stored."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from spotcheck.audit.models import AuditEntry
from spotcheck.inspections.models import Visit
from spotcheck.lib.results import ReviewState
from spotcheck.public import actions
from spotcheck.public.cache import clear_public_pages
from spotcheck.public.models import PublishedResult
from spotcheck.registry.models import Entity
from spotcheck.results import actions as results
from spotcheck.results.actions import ResultPermissionError
from tests.conftest import round_one_matched
from tests.public.helpers import approve_visit

# Round one's draws, visits and teams are built once for the module (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_teams")]


@pytest.fixture
def visits(request, unit, published_plan, executed_draws, coordinator) -> list[Visit]:
    round_one_matched(request, published_plan, coordinator)
    return list(Visit.objects.filter(plan=published_plan, responsible_unit=unit).order_by("pk")[:3])


def public_text(client, published: PublishedResult) -> str:
    return client.get(reverse("public:result", args=[published.pk])).content.decode()


def test_a_batch_publishes_only_what_is_public(client, visits, unit_leader, inspector_user):
    results = [approve_visit(v, unit_leader, problem=(i == 0)) for i, v in enumerate(visits[:2])]
    with pytest.raises(ResultPermissionError):
        actions.publish_results(results=results, actor=inspector_user)
    publication = actions.publish_results(
        results=results, actor=unit_leader, today=date(2022, 10, 20)
    )
    assert publication.published_on == date(2022, 10, 20)
    assert {r.state for r in type(results[0]).objects.filter(pk__in=[r.pk for r in results])} == {
        ReviewState.PUBLISHED
    }
    entry = AuditEntry.objects.filter(action="result.publish").get()
    assert len(entry.details["results"]) == 2
    published = PublishedResult.objects.get(result=results[0])
    text = json.dumps(published.snapshot, ensure_ascii=False)
    visit = results[0].visit
    for secret in ("内部备注", "登记不全", "13812345678", "张经理", "13900001111"):
        assert secret not in text
    for member in visit.current_members():  # no inspector names: the agency did not say so
        assert member.inspector.name not in text
    page = public_text(client, published)
    assert visit.plan.agency.name in page
    assert published.snapshot["items"][0]["follow_up"] == "open"
    assert published.snapshot["items"][0]["category_label"] in page
    # 2022-10-20 is within 20 working days of the check: met, and said so
    assert "按期公示" in page and "逾期" not in page
    assert published.due_on is not None and published.published_on <= published.due_on
    with pytest.raises(actions.PublicationError, match="已公示"):
        actions.publish_results(results=results[:1], actor=unit_leader)


def test_inspector_names_only_where_the_agency_says_so(visits, unit_leader, agency):
    agency.publish_inspector_names = True
    agency.save()
    result = approve_visit(visits[0], unit_leader)
    actions.publish_results(results=[result], actor=unit_leader)
    names = PublishedResult.objects.get(result=result).snapshot["inspectors"]
    assert names and set(names) <= {m.inspector.name for m in visits[0].current_members()}


def test_approval_publishes_at_once_where_the_agency_says_so(visits, unit_leader, agency):
    agency.publish_on_approval = True
    agency.save()
    result = approve_visit(visits[0], unit_leader)
    assert result.state == ReviewState.PUBLISHED
    assert PublishedResult.objects.get(result=result).publication.automatic


def test_a_late_publication_shows_overdue(client, visits, unit_leader):
    result = approve_visit(visits[0], unit_leader)
    actions.publish_results(results=[result], actor=unit_leader, today=date(2023, 1, 5))
    published = PublishedResult.objects.get(result=result)
    page = public_text(client, published)
    assert "逾期公示" in page and "按期" not in page


def test_a_correction_republished_late_leaves_an_on_time_record_on_time(
    client, visits, unit_leader
):
    """The deadline concerns the result's first publication: a correction republished after
    the due day is no late publication (result pages, open data, the unit's page)."""
    result = approve_visit(visits[0], unit_leader, problem=True)
    actions.publish_results(results=[result], actor=unit_leader, today=date(2022, 10, 20))
    first = PublishedResult.objects.get()
    assert first.due_on is not None and first.published_on <= first.due_on
    results.add_measure(
        item_result=result.items.order_by("pk").first(),
        kind="penalty",
        opened_on=date(2022, 10, 20),
        case_number="沂公（治）行罚决字〔2022〕101号",
        text="警告",
        amend_reason="补充行政处罚决定",
        actor=unit_leader,
    )
    result.refresh_from_db()
    results.approve_result(result=result, actor=unit_leader)
    actions.publish_results(results=[result], actor=unit_leader, today=date(2023, 1, 5))
    current = PublishedResult.objects.get(superseded_at__isnull=True)
    assert current.pk != first.pk and current.published_on > current.due_on
    clear_public_pages()
    for record in (current, first):
        page = public_text(client, record)
        assert "按期公示" in page and "逾期" not in page
    response = client.get(reverse("public:data_file", args=[2022, "results.json"]))
    [row] = json.loads(b"".join(response.streaming_content))["rows"]
    assert row["record_id"] == current.pk and row["corrected"] is True
    assert row["deadline"] == "met"
    client.force_login(unit_leader)
    staff = client.get(reverse("publication:page")).content.decode()
    assert '<span class="badge">按期公示</span>' in staff and "逾期" not in staff


def test_withdrawal_needs_a_reason_is_audited_and_shown(client, visits, unit_leader, coordinator):
    result = approve_visit(visits[0], unit_leader)
    actions.publish_results(results=[result], actor=unit_leader)
    published = PublishedResult.objects.get(result=result)
    with pytest.raises(actions.PublicationError, match="理由"):
        actions.withdraw_published(published=published, reason="  ", actor=coordinator)
    actions.withdraw_published(
        published=published, reason="检查对象名称录入错误", actor=coordinator
    )
    published.refresh_from_db()
    assert published.withdrawn_at is not None
    entry = AuditEntry.objects.get(action="result.withdraw_publication")
    assert entry.details["reason"] == "检查对象名称录入错误"
    page = public_text(client, published)
    assert f"已于{timezone.localtime(published.withdrawn_at):%Y-%m-%d}撤回" in page
    assert "检查对象名称录入错误" in page
    task = client.get(reverse("public:results")).content.decode()
    assert "已撤回的公示" in task  # nothing disappears silently
    with pytest.raises(ValueError):
        published.delete()


def test_a_changed_record_is_not_shown(client, visits, unit_leader):
    result = approve_visit(visits[0], unit_leader)
    actions.publish_results(results=[result], actor=unit_leader)
    published = PublishedResult.objects.get(result=result)
    assert actions.publication_problems(published) == []
    tampered = dict(published.snapshot)
    tampered["items"] = [dict(i, category="none_found") for i in tampered["items"]]
    PublishedResult.objects.filter(pk=published.pk).update(snapshot=tampered)
    published.refresh_from_db()
    problems = actions.publication_problems(published)
    assert any("SHA-256" in p for p in problems)
    page = public_text(client, published)
    assert "暂停显示" in page


def test_a_sole_traders_operator_is_masked(client, visits, unit_leader):
    visit = visits[0]
    Entity.objects.filter(pk=visit.entity_id).update(
        credit_code="92370323MA3C1234X5", legal_representative="张三丰"
    )
    visit.entity_name = "沂源县张三丰烧烤店"
    visit.save(update_fields=["entity_name"])
    result = approve_visit(visit, unit_leader)
    actions.publish_results(results=[result], actor=unit_leader)
    published = PublishedResult.objects.get(result=result)
    assert published.entity_name == "沂源县张**烧烤店"
    assert "张三丰" not in public_text(client, published)
    found = client.get(reverse("public:search"), {"q": "张三丰"}).content.decode()
    assert "没有找到" in found


def test_the_units_publication_page(client, visits, unit_leader):
    result = approve_visit(visits[0], unit_leader)
    client.force_login(unit_leader)
    page = client.get(reverse("publication:page")).content.decode()
    assert visits[0].entity_name in page
    response = client.post(reverse("publication:publish"), {"result": [result.pk]})
    assert response.status_code == 302
    published = PublishedResult.objects.get(result=result)
    response = client.post(reverse("publication:withdraw", args=[published.pk]), {"reason": ""})
    assert "理由" in response.content.decode()
    client.post(reverse("publication:withdraw", args=[published.pk]), {"reason": "重复公示"})
    published.refresh_from_db()
    assert published.withdraw_reason == "重复公示"
