"""The staff pages' tables are captioned and their headings scoped, as the public pages' tables
are (those, with the rest of what a screen reader needs, in tests/public/test_markup.py): a
screen reader's list of tables names each one, and every <th> says whether it heads a column
(scope="col", in the thead) or a row (scope="row"). A layout table says role="presentation"
and needs no caption. No id is used twice on a page (a label's "for" would name only the
first), and an input's suggestions (list="…") are on its page.

Each page is asked for in a state that shows its tables (a ceremony before its dice, a
revision in draft, an import with a bad row, an entity with recusals and history), and each
page must hold at least the tables it is checked for, so a page that lost them fails."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from spotcheck.draws.actions import prepare_round
from spotcheck.inspections.actions import build_visits, match_teams_for_round
from spotcheck.inspections.actions.visits import register_event
from spotcheck.inspections.models import Visit, window_days
from spotcheck.plans.actions import start_revision, withdraw_item
from spotcheck.public.actions import publish_results
from spotcheck.public.models import PublishedResult
from spotcheck.registry.actions import add_recusal, update_entity, update_inspector
from spotcheck.registry.models import Entity
from spotcheck.results import actions as results
from spotcheck.results.models import RiskProposal
from tests.inspections.conftest import (  # noqa: F401 - fixtures
    county,
    directory,
    executed_draws,
    housing,
)
from tests.public.test_markup import SCOPES, Markup
from tests.registry.helpers import ENTITY_HEADER, break_check_character, column, county_rows
from tests.registry.helpers import csv_bytes as registry_csv
from tests.results.conftest import complete_content, scene  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

# path -> the fewest tables the page holds in the state the test sets up
Pages = dict[str, int]


def problems(html: str) -> list[str]:
    page = Markup()
    page.feed(html)
    return (
        [
            f"<table class={t.attrs.get('class')}> at line {t.line} has no caption"
            for t in page.tables
            if not t.attrs.get("_caption")
        ]
        + [
            f"<th> without scope at line {th.line}"
            for th in page.table_headings
            if th.attrs.get("scope") not in SCOPES
        ]
        + [
            f'<{c.tag} list="{c.attrs["list"]}"> at line {c.line} names no datalist'
            for c in page.controls
            if "list" in c.attrs and page.ids.get(c.attrs["list"]) != "datalist"
        ]
        + [f'id="{e.attrs["id"]}" again at line {e.line}' for e in page.duplicate_ids]
    )


def check(user, pages: Pages) -> dict[str, list[str]]:
    """Each page's problems, by path; a page with fewer tables than expected is one."""
    client = Client()
    client.force_login(user)
    found = {}
    for path, fewest in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        wrong = problems(html)
        if html.count("<table") < fewest:
            wrong.append(f"{html.count('<table')} tables, expected at least {fewest}")
        if wrong:
            found[f"{user.username} {path}"] = wrong
    return found


def test_staff_pages_caption_and_scope_their_tables_and_use_each_id_once(
    coordinator,
    unit_leader,
    supervisor,
    published_plan,
    executed_draws,  # noqa: F811
):
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    draw = executed_draws[1].draw
    plan = published_plan.pk
    visit = Visit.objects.filter(plan=published_plan, status=Visit.Status.MATCHED).first()
    item = published_plan.items.get(number=1)
    event_item = published_plan.items.get(number=5)
    register_event(
        item=event_item,
        organiser="县文化馆",
        place="沂源县体育中心",
        date=window_days(published_plan.year, event_item.window_start_month or 1, 12)[0],
        scale="约3000人",
        actor=coordinator,
    )
    revision = start_revision(
        plan=published_plan, actor=coordinator, reason="调整", effective_date=date(2022, 7, 1)
    )
    withdraw_item(revision=revision, actor=coordinator, item=published_plan.items.get(number=2))
    found = check(
        coordinator,
        {
            "/plans/": 1,
            f"/plans/{plan}/": 1,
            f"/plans/{plan}/items/{item.pk}/": 1,
            f"/plans/{plan}/revisions/{revision.pk}/": 3,
            "/draws/": 1,
            f"/draws/items/{draw.item_id}/": 1,
            f"/draws/{draw.pk}/": 1,
            "/inspections/": 1,
            f"/inspections/plans/{plan}/rounds/1/": 1,
            f"/inspections/plans/{plan}/events/": 1,
            f"/inspections/visits/{visit.pk}/": 2,
            "/inspections/print/": 1,
            "/inspections/calendar/": 1,
            "/registry/entities/": 1,
            "/registry/inspectors/": 1,
            "/stats/": 1,
        },
    )
    found |= check(unit_leader, {"/inspections/": 1, "/results/due/": 0, "/publication/": 1})
    found |= check(supervisor, {"/audit/": 1})
    assert found == {}


def test_a_round_ceremony_before_its_dice(coordinator, published_plan, directory):  # noqa: F811
    """The preview, then the frozen round: its items, their hashes, the witnesses' table;
    a draw's own ceremony page has the witnesses' table too."""
    plan = published_plan.pk
    found = check(coordinator, {f"/draws/plans/{plan}/rounds/1/?on=2022-03-01": 1})
    draws = prepare_round(plan=published_plan, round=1, actor=coordinator, on=date(2022, 3, 1))
    found |= check(
        coordinator,
        {f"/draws/plans/{plan}/rounds/1/": 3, f"/draws/{draws[0].pk}/ceremony/": 1},
    )
    assert found == {}


def test_results_risk_gsxt_and_the_registry_pages(scene, unit_leader, coordinator):  # noqa: F811
    """A result with a problem, approved and published while its entity has no code: a risk
    proposal, a gsxt row left out; the entity and the leader of its team with a recusal and
    history each."""
    Entity.objects.filter(pk=scene.entity.pk).update(risk_level="medium_low", credit_code="")
    result = results.save_draft(
        visit=scene.visit,
        content=complete_content(scene, problem_at=1),
        revision=0,
        actor=scene.member_a,
    )
    results.add_measure(
        item_result=result.items.get(visit_item=scene.items[11]),
        kind="penalty",
        opened_on=date(2022, 9, 30),
        case_number="沂公（治）行罚决字〔2022〕5号",
        actor=scene.member_a,
    )
    results.submit_result(result=result, actor=scene.member_a)
    result = results.approve_result(result=result, actor=unit_leader)
    publish_results(results=[result], actor=unit_leader, today=date(2022, 10, 14))
    inspector = scene.seats[0].inspector
    add_recusal(inspector=inspector, entity=scene.entity, reason="kin", actor=coordinator)
    update_inspector(inspector=inspector, actor=coordinator, values={"post": "治安民警"})
    update_entity(entity=scene.entity, actor=coordinator, values={"address": "城关街道1号"})
    plan = scene.visit.plan_id
    other = complete_content(scene, inspected_on=date(2022, 10, 10), items=(), present=())
    results.save_draft(visit=scene.other_visit, content=other, revision=0, actor=unit_leader)
    found = check(unit_leader, {"/results/due/": 1})  # the other visit's result, overdue
    found |= check(
        coordinator,
        {
            "/results/risk/": 1,
            f"/results/plans/{plan}/gsxt/overview/": 1,
            f"/registry/entities/{scene.entity.pk}/": 4,
            f"/registry/inspectors/{inspector.pk}/": 3,
        },
    )
    client = Client()
    client.force_login(coordinator)
    proposal = RiskProposal.objects.get()
    decided = client.post(
        reverse("results:risk_decide"), {"proposal": proposal.pk, "decision": "accept"}
    )
    assert decided.status_code == 302
    record = PublishedResult.objects.get(result=result)
    snapshot = record.snapshot
    snapshot["items"][0]["category"] = "no_problem"  # changed after publication: withheld
    PublishedResult.objects.filter(pk=record.pk).update(snapshot=snapshot)
    found |= check(coordinator, {"/results/risk/": 1, f"/results/plans/{plan}/gsxt/overview/": 1})
    assert found == {}


PLAN = (
    "某县市场监督管理局2024年度双随机抽查工作计划\n"
    "序号\t抽查事项\t抽查对象\t抽查比例\t完成时限\t股室\t联系人\n"
    "1\t食品经营许可情况检查\t食品经营者\t5%；1次/年\t3月—6月\t食品股\t张三\n"
    "2\t特种设备使用情况检查\t特种设备使用单位\t约百分之五\t10月底\t特设股\t李四\n"
)


def test_import_previews(coordinator, agency, settings, tmp_path):
    """A directory import with a bad row (its errors' table) and a plan file's preview."""
    settings.VAR_DIR = tmp_path
    client = Client()
    client.force_login(coordinator)
    rows = county_rows(5)
    bad = next(i for i, row in enumerate(rows) if len(row[column("统一社会信用代码")]) == 18)
    code = rows[bad][column("统一社会信用代码")]
    rows[bad][column("统一社会信用代码")] = break_check_character(code)
    upload = SimpleUploadedFile("名录.csv", registry_csv(ENTITY_HEADER, rows), "text/csv")
    response = client.post(
        reverse("registry:import"), {"file": upload, "kind": "entities", "agency": agency.pk}
    )
    assert response.status_code == 302
    registry_preview = response["Location"]
    plan_file = SimpleUploadedFile("plan.txt", PLAN.encode(), content_type="text/plain")
    response = client.post(reverse("plans:upload"), {"file": plan_file})
    assert response.status_code == 302
    found = check(
        coordinator,
        {registry_preview: 2, "/registry/import/": 1, response["Location"]: 4},
    )
    assert found == {}
