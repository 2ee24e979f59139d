"""`spotcheck demo-year` (issue 10, "Done when"): the 2022 plan played to the end on the demo
through the real actions; the public site then shows all 12 items with their tasks and results,
and tools/verify_draw.py says VERIFIED for every draw.json it serves. The year is the one the
worker's modules share (shared_demo_year); what needs the year unplayed is in
test_demo_year.py."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from spotcheck.accounts.models import Agency, Unit
from spotcheck.audit.models import AuditEntry, verify_chain
from spotcheck.draws.models import Draw
from spotcheck.inspections.models import Event, TeamMatching, Visit
from spotcheck.lib import demoyear
from spotcheck.plans.models import Plan
from spotcheck.public.management.commands import demo_year
from spotcheck.public.models import Publication, PublishedItem, PublishedResult
from spotcheck.public.selectors import live_results, published_draws
from spotcheck.registry.models import Entity, ImportBatch, Inspector, Recusal
from spotcheck.results.gsxt import write_gsxt
from spotcheck.results.models import ItemResult, Measure, Result

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_demo_year")]

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"


@pytest.fixture
def played(shared_demo_year) -> str:
    """What `spotcheck demo-year` printed (tests/conftest.py: shared_demo_year, played once for
    the worker's modules that share it)."""
    return shared_demo_year.output


def test_the_year_is_played_and_the_public_site_shows_it_verifiably(played, client, tmp_path):
    """One test, on the year played once (shared_demo_year)."""
    check_the_year_was_played_through_the_real_actions(played)
    check_the_public_site_shows_all_twelve_items_and_every_draw_verifies(client, tmp_path)
    check_notices_approvals_and_publications_are_dated_within_the_year()
    check_the_plan_and_the_directory_are_dated_before_the_first_draw(client)
    check_every_moment_the_demo_stores_is_in_its_year()
    check_a_sole_trader_is_published_under_its_masked_name(client)
    check_a_withdrawal_and_its_correction_are_public(client)


def check_a_sole_trader_is_published_under_its_masked_name(client):
    """The demo directory has sole traders (个体工商户, "92…") trading under their operator's
    name; the year inspects some, and every public page shows them with the operator masked
    (沂源县燕崖谭*农家旅馆), never the name as registered."""
    masked = []
    for record in live_results().select_related("result__visit__entity"):
        entity = record.result.visit.entity
        if entity is None or not entity.credit_code.startswith("92"):
            continue
        operator = entity.legal_representative
        if operator and operator in entity.name:
            masked.append((record, entity))
    assert masked
    for record, entity in masked:
        operator = entity.legal_representative
        assert record.entity_name == entity.name.replace(
            operator, operator[0] + "*" * (len(operator) - 1)
        )
        assert "*" in record.entity_name and operator not in record.entity_name
        pages = [
            reverse("public:result", args=[record.pk]),
            reverse("public:entity", args=[record.entity_key]),
            *(reverse("public:task_results", args=[i.plan_item_id]) for i in record.items.all()),
        ]
        for url in pages:
            page = client.get(url).content.decode()
            assert record.entity_name in page, url
            assert entity.name not in page and operator not in page, url


def check_a_withdrawal_and_its_correction_are_public(client):
    """One published record is withdrawn through the audited action (its 检查日期 had been
    entered as the notice's delivery day), the result amended, approved and published again:
    the withdrawn record's page says so with the reason, the corrected record lists it, and
    the results index and the announcements feed show the withdrawal."""
    (withdrawn,) = PublishedResult.objects.filter(withdrawn_at__isnull=False)
    assert withdrawn.withdraw_reason == demo_year.MISDATED_REASON
    assert withdrawn.withdrawn_by == "demo-year" and withdrawn.superseded_at is not None
    entries = AuditEntry.objects.filter(action="result.withdraw_publication")
    assert entries.count() == 1 and entries.get().object_id == str(withdrawn.pk)
    corrected = live_results().get(result=withdrawn.result)
    assert corrected.result_version == withdrawn.result_version + 1
    assert corrected.inspected_on == withdrawn.result.inspected_on > withdrawn.inspected_on
    notice = withdrawn.result.visit.notices.get()
    assert timezone.localtime(notice.delivered_at).date() == withdrawn.inspected_on
    assert withdrawn.published_on <= withdrawn.due_on  # the slip did not make it 逾期
    assert withdrawn.published_on < timezone.localtime(withdrawn.withdrawn_at).date()
    assert timezone.localtime(withdrawn.withdrawn_at).date() == corrected.published_on
    shown = f"{timezone.localtime(withdrawn.withdrawn_at):%Y-%m-%d}"
    page = client.get(reverse("public:result", args=[withdrawn.pk])).content.decode()
    assert f"该公示已于{shown}撤回" in page and demo_year.MISDATED_REASON in page
    page = client.get(reverse("public:result", args=[corrected.pk])).content.decode()
    assert f"已于{shown}撤回" in page and f"{corrected.inspected_on:%Y-%m-%d}" in page
    index = client.get(reverse("public:results")).content.decode()
    assert "已撤回的公示" in index and reverse("public:result", args=[withdrawn.pk]) in index
    feed = client.get(reverse("public:announcements")).content.decode()
    assert f"撤回对{withdrawn.entity_name}的检查结果公示" in feed
    assert demo_year.MISDATED_REASON in feed


def check_every_moment_the_demo_stores_is_in_its_year():
    """Every date-time column of every spotcheck table (organisations and units the imports
    create, the plan, the directory, draws, visits, results, publications, the audit log) holds
    a moment of the played year (or of the next, where follow-ups run on), never the day the
    demo is run: the one entry saying the year was played is the only exception. The audit
    log is in time order throughout."""
    outside = {}
    for model in apps.get_models():
        if not model.__module__.startswith("spotcheck."):
            continue
        rows = model.objects.all()
        if model is AuditEntry:
            rows = rows.exclude(action="demo.play_year")
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.DateTimeField):
                continue
            years = {
                timezone.localtime(moment).year
                for moment in rows.exclude(**{field.name: None}).values_list(field.name, flat=True)
            }
            if years - {2022, 2023}:
                outside[f"{model._meta.label}.{field.name}"] = sorted(years - {2022, 2023})
    assert outside == {}
    assert Agency.objects.exists() and Unit.objects.exists()
    first_draw = min(Draw.objects.values_list("prepared_at", flat=True))
    assert max(Unit.objects.values_list("created_at", flat=True)) < first_draw
    # setup-demo and the year's steps are taken in time order: so are their audit entries.
    moments = list(AuditEntry.objects.order_by("seq").values_list("created_at", flat=True))
    assert moments == sorted(moments)


def check_the_plan_and_the_directory_are_dated_before_the_first_draw(client):
    """setup-demo imports the directory, then imports and publishes the plan, on their days
    early in 2022 before round 1's draw (not the day the demo is run); its audit entries are in
    time order and the portal's plan page says the plan was published in 2022."""
    plan = Plan.objects.get()
    first_draw = min(Draw.objects.values_list("prepared_at", flat=True))
    directory = [
        *ImportBatch.objects.values_list("created_at", flat=True),
        *Entity.objects.values_list("created_at", flat=True),
        *Inspector.objects.values_list("created_at", flat=True),
        *Recusal.objects.values_list("created_at", flat=True),
    ]
    assert max(directory) < plan.imported_at < plan.published_at < first_draw
    assert timezone.localtime(plan.published_at).year == 2022
    setup = list(
        AuditEntry.objects.filter(actor="setup-demo")
        .order_by("seq")
        .values_list("created_at", flat=True)
    )
    assert setup == sorted(setup) and timezone.localtime(setup[-1]).year == 2022
    # Nothing of the demo is dated the day it is run but the entry saying it was played then.
    dated = AuditEntry.objects.exclude(action="demo.play_year").values_list("created_at", flat=True)
    assert {timezone.localtime(moment).year for moment in dated} <= {2022, 2023}
    published = timezone.localtime(plan.published_at)
    page = client.get(plan.get_public_url()).content.decode()
    assert f">{published.year}年{published.month}月{published.day}日</time>公开" in page


def check_notices_approvals_and_publications_are_dated_within_the_year():
    """Not the day the demo is run: each step on its day of the played year, in order, and
    every result published within 20 working days of its inspection but the few planned late."""
    local = timezone.localtime
    for result in Result.objects.select_related("visit").prefetch_related("versions"):
        notices = list(result.visit.notices.all())
        assert notices or result.visit.recheck_of_id is not None  # re-checks go unannounced
        for notice in notices:
            issued = local(notice.issued_at)
            assert issued.year == notice.year == 2022 and issued.date() <= result.inspected_on
        for version in result.versions.all():
            approved = local(version.approved_at)
            assert approved.date() >= result.inspected_on and approved.year in (2022, 2023)
    for publication in Publication.objects.all():
        assert local(publication.published_at).date() == publication.published_on
        assert publication.published_on.year in (2022, 2023)
    for record in PublishedResult.objects.select_related("publication"):
        approved = local(
            record.result.versions.get(number=record.result_version).approved_at
        ).date()
        assert approved <= record.published_on
    # Each result's first publication (a follow-up's republication comes weeks after the
    # inspection by design).
    late = [
        r
        for r in PublishedResult.objects.filter(result_version=1)
        if r.due_on and r.published_on > r.due_on
    ]
    assert len(late) <= 2
    # The actions are given each step's moment (now=), rows and audit entries alike; round 1
    # drawn by setup-demo is dated on its day of the year too, before anything inspected.
    round_day = date(2022, 3, 1)
    for draw in Draw.objects.all():
        assert local(draw.prepared_at).date() == local(draw.executed_at).date() == round_day
    for stamp in [
        *TeamMatching.objects.values_list("matched_at", flat=True),
        *Event.objects.values_list("registered_at", flat=True),
        *Visit.objects.values_list("created_at", flat=True),
        *Result.objects.values_list("created_at", flat=True),
        *Result.objects.values_list("updated_at", flat=True),
        *Measure.objects.values_list("created_at", flat=True),
    ]:
        assert local(stamp).year in (2022, 2023)
    steps = Q(action__startswith="draw.") | Q(action__startswith="inspections.")
    played = AuditEntry.objects.filter(
        steps | Q(action__startswith="result."), actor__in=["demo-year", "setup-demo"]
    )
    assert played.count() > 100
    assert {local(e.created_at).year for e in played} <= {2022, 2023}


def check_the_year_was_played_through_the_real_actions(played):
    plan = Plan.objects.get()
    assert "全年演示完成" in played and "公示网站：http://127.0.0.1:8000/" in played
    # Every event-driven item got an event and a team from its own ceremony.
    event_items = set(plan.items.filter(event_driven=True).values_list("number", flat=True))
    assert set(Event.objects.values_list("item__number", flat=True)) == event_items
    assert TeamMatching.objects.filter(event__isnull=False).count() == len(event_items)
    # Every visit recorded, reviewed and published; the audit log has each step.
    assert set(Result.objects.values_list("state", flat=True)) == {"published"}
    assert Result.objects.count() == Visit.objects.count()
    endings = set(Result.objects.exclude(ending="").values_list("ending", flat=True))
    assert endings == set(demoyear.ENDING_CODES)
    categories = set(ItemResult.objects.values_list("category", flat=True))
    assert {"no_problem", "corrected", "violates_police_rules", "pending_follow_up"} <= categories
    rechecks = Visit.objects.filter(recheck_of__isnull=False)
    assert rechecks.exists()
    corrections = Measure.objects.filter(kind="correction")
    assert corrections and all(m.recheck_visit and m.closed_on for m in corrections)
    assert Measure.objects.filter(kind="penalty").exclude(case_number="").exists()
    assert Measure.objects.filter(closed_on__isnull=True).exists()
    assert AuditEntry.objects.filter(action="result.return").count() == 1
    # follow-ups change results by their measures; the one amendment corrects a misdated record
    (amended,) = AuditEntry.objects.filter(action="result.amend")
    assert amended.details["reason"] == demo_year.MISDATED_AMENDMENT
    assert AuditEntry.objects.filter(action="result.close_measure").count() >= 3
    assert live_results().count() == Result.objects.count()  # the withdrawn one corrected
    check_the_national_system_file(plan)
    assert verify_chain().ok
    call_command("audit", "verify", stdout=StringIO())  # every draw, matching and publication
    # A year is played once: again, it says so and prints the same summary.
    count, head = Result.objects.count(), AuditEntry.objects.count()
    again = StringIO()
    call_command(
        "demo_year", seed=6, no_progress=True, url="https://sjs.example.gov.cn/", stdout=again
    )
    assert "已于" in again.getvalue() and "（种子5），不再重复" in again.getvalue()
    summary = played.split("全年演示完成")[1].split("公示网站")[0]
    assert summary in again.getvalue()
    assert "公示网站：https://sjs.example.gov.cn/（" in again.getvalue()
    assert (Result.objects.count(), AuditEntry.objects.count()) == (count, head)


def check_the_national_system_file(plan):
    """The file for 国家企业信用信息公示系统 carries every published item result of the year's
    planned and event visits (not the re-checks: follow-ups of 责令改正, as in the statistics),
    under the registered name (a sole trader's unmasked: that system publishes it as
    registered), 检查实施机关 the plan's agency alone (joint items too), and 定向抽查 for every
    item, the event-driven ones included (docs: README, "The national-system export")."""
    checked = live_results().filter(result__visit__recheck_of__isnull=True)
    rows = PublishedItem.objects.filter(published__in=checked).exclude(category="").count()
    stream = io.BytesIO()
    export = write_gsxt(stream, "csv", plan)
    assert len(export.items) + len(export.missing_code) == rows and not export.withheld
    assert Visit.objects.filter(recheck_of__isnull=False, result__publications__isnull=False)
    lines = stream.getvalue().decode("utf-8-sig").splitlines()[1:]
    tasks = [(line.split(",")[0], line.split(",")[2]) for line in lines]
    assert len(tasks) == len(set(tasks))  # one row per entity and task: no re-check rows
    names = {(i.credit_code, i.entity_name) for i in export.items}
    sole_traders = [
        e
        for e in Entity.objects.filter(credit_code__startswith="92")
        if e.legal_representative in e.name
    ]
    exported = [e for e in sole_traders if (e.credit_code, e.name) in names]
    assert exported and not any("*" in name for _, name in names)
    assert {i.agency for i in export.items} == {plan.agency.name}
    assert Visit.objects.filter(cooperating_agencies__isnull=False, result__isnull=False)
    event_items = {i.number for i in plan.items.filter(event_driven=True)}
    assert event_items <= {i.item_number for i in export.items}
    assert {i.check_type for i in export.items} == {"定向抽查"}


def check_the_public_site_shows_all_twelve_items_and_every_draw_verifies(client, tmp_path):
    plan = Plan.objects.get()
    items = list(plan.items.order_by("position"))
    assert len(items) == 12
    published = set(
        PublishedItem.objects.filter(published__in=live_results()).values_list(
            "plan_item", flat=True
        )
    )
    assert published == {item.pk for item in items}
    index = client.get(reverse("public:results")).content.decode()
    for item in items:
        assert item.name in index
        page = client.get(reverse("public:task_results", args=[item.pk]))
        assert page.status_code == 200
        records = live_results().filter(items__plan_item=item).distinct()
        assert records and records.first().entity_name in page.content.decode()
    draws = list(published_draws().filter(status=Draw.Status.EXECUTED))
    assert len(draws) == 8  # the ratio items 1-4 and 8-11, one ceremony
    assert len({d.seed for d in draws}) == 1
    for draw in draws:
        response = client.get(reverse("public:draw_json", args=[draw.pk]))
        assert response.status_code == 200
        assert "teams" in json.loads(response.content)
        path = tmp_path / f"draw-{draw.pk}.json"
        path.write_bytes(response.content)
        checked = subprocess.run(
            [sys.executable, str(VERIFIER), str(path)], capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0 and "VERIFIED" in checked.stdout, checked.stdout
        # The API serves the very same document (its one address), teams included.
        api = client.get(f"/api/v1/draws/{draw.pk}/draw.json", follow=True)
        assert api.status_code == 200 and api.content == response.content
    for match in TeamMatching.objects.all():
        public = client.get(reverse("public:matching_json", args=[match.pk]))
        api = client.get(f"/api/v1/matchings/{match.pk}/teams.json", follow=True)
        assert public.status_code == api.status_code == 200
        assert api.content == public.content
