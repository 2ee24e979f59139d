"""Nothing published about a draw names a sole trader's operator: the bulletin, draw.json (site
and API), the verification kit, the API's list and detail, the open data, both Atom feeds and
the population text show the public name (张*) only, and the kit still verifies."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.urls import reverse
from django.utils import timezone

from spotcheck.audit.models import AuditEntry
from spotcheck.draws import actions as draw_actions
from spotcheck.draws import integrity
from spotcheck.draws.models import Draw, DrawSelection, compress_text
from spotcheck.inspections.actions import match_event_team, register_event, replace_team_member
from spotcheck.inspections.models import TeamMatching, Visit
from spotcheck.lib import opendata as spec
from spotcheck.lib.codes import make_registration_number
from spotcheck.lib.pinyin import name_key, search_keys
from spotcheck.lib.publication import snapshot_sha256
from spotcheck.plans.actions import publish_revision, start_revision, withdraw_item
from spotcheck.plans.forms import RevisionForm
from spotcheck.public.actions import publication_problems, publish_results
from spotcheck.public.cache import clear_public_pages
from spotcheck.public.models import PortalVersion, PublicName, PublishedResult
from spotcheck.registry import actions as registry_actions
from spotcheck.registry.models import Entity
from spotcheck.results.gsxt import write_gsxt
from tests.inspections.conftest import run_draw
from tests.public.helpers import approve_visit, verify_kit

pytestmark = pytest.mark.django_db

YEAR = 2022
OPERATOR = "张三丰"


def _body(response) -> bytes:
    assert response.status_code == 200, response.content[:500]
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def published_texts(client, draw: Draw, tmp_path: Path) -> dict[str, str]:
    """Every public rendering of the draw, by where it was read; the kit unzipped under tmp_path."""
    clear_public_pages()
    urls = {
        "bulletin": reverse("public:bulletin", args=[draw.pk]),
        "bulletins": reverse("public:bulletins"),
        "draw.json": reverse("public:draw_json", args=[draw.pk]),
        "population.txt": reverse("public:population", args=[draw.pk]),
        "feed": reverse("public:feed"),
        "announcements feed": reverse("public:announcements"),
        "api list": "/api/v1/draws",
        "api detail": f"/api/v1/draws/{draw.pk}",
        "api draw.json": f"/api/v1/draws/{draw.pk}/draw.json",
    }
    for dataset in spec.DATASETS:
        for fmt in ("csv", "json"):
            urls[f"{dataset}.{fmt}"] = reverse("public:data_file", args=[YEAR, f"{dataset}.{fmt}"])
    # the API's draw.json redirects to the portal's (its one address): followed
    texts = {
        where: _body(client.get(url, follow=True)).decode("utf-8") for where, url in urls.items()
    }
    kit = _body(client.get(reverse("public:kit", args=[draw.pk])))
    with zipfile.ZipFile(io.BytesIO(kit)) as archive:
        for name in archive.namelist():
            texts[f"kit {name}"] = archive.read(name).decode("utf-8")
        archive.extractall(tmp_path)
    return texts


@pytest.fixture
def sole_trader_draw(published_plan, directory, coordinator) -> Draw:
    """A draw of sole traders run by 张三丰, named after him alone (张三丰) or with his name
    before their 字号 (张三丰沂源县…)."""
    Entity.objects.update(
        legal_representative=OPERATOR,
        name=Concat(Value(OPERATOR), F("name")),
        credit_code=Concat(Value("92"), Substr("credit_code", 3)),
    )
    # Every other one is called by its operator's name alone (no 字号).
    bare = list(Entity.objects.order_by("pk").values_list("pk", flat=True)[::2])
    Entity.objects.filter(pk__in=bare).update(name=OPERATOR)
    item = published_plan.items.filter(event_driven=False).order_by("number").first()
    return run_draw(item, coordinator)


def assert_nothing_names_the_operator(texts: dict[str, str], draw: Draw) -> None:
    leaks = [where for where, text in texts.items() if OPERATOR in text]
    assert not leaks, f"{OPERATOR} published in: {', '.join(leaks)}"
    selections = list(draw.selections.all())
    assert selections and all(s.public_name.startswith("张**") for s in selections)
    kit_document = next(t for w, t in texts.items() if w.endswith("/draw.json"))
    for text in (texts["bulletin"], texts["draw.json"], texts["api draw.json"], kit_document):
        assert all(s.public_name in text for s in selections)
    detail = json.loads(texts["api detail"])
    assert [s["name"] for s in detail["selection"]] == [
        s.public_name for s in draw.selections.order_by("position")
    ]


def test_no_public_path_names_a_sole_traders_operator(client, sole_trader_draw, tmp_path):
    draw = sole_trader_draw
    stored = json.dumps(draw.document(), ensure_ascii=False)
    assert OPERATOR not in stored  # masked when the document was built and stored
    texts = published_texts(client, draw, tmp_path)
    assert_nothing_names_the_operator(texts, draw)
    assert verify_kit(draw, tmp_path / f"draw-{draw.pk}-kit") == "VERIFIED"
    assert integrity.draw_problems(draw) == []


def test_a_document_stored_before_masking_is_served_masked(client, sole_trader_draw, tmp_path):
    """A draw executed before names were masked in the stored document: the stored document
    keeps the names as drawn (it is never rewritten), what is served names them as published,
    and the integrity checks still hold."""
    draw = sole_trader_draw
    document = draw.document()
    by_id = {s.public_id: s for s in draw.selections.all()}
    for public_id, info in document["entities"].items():
        info["name"] = by_id[public_id].name
    # As stored then: past the models' guards, which refuse to change an executed draw.
    models.QuerySet(Draw).filter(pk=draw.pk).update(
        document_gz=compress_text(json.dumps(document, ensure_ascii=False))
    )
    draw = Draw.objects.get(pk=draw.pk)
    assert OPERATOR in json.dumps(draw.document(), ensure_ascii=False)
    assert integrity.draw_problems(draw) == []
    texts = published_texts(client, draw, tmp_path)
    assert_nothing_names_the_operator(texts, draw)
    assert verify_kit(draw, tmp_path / f"draw-{draw.pk}-kit") == "VERIFIED"


# --- draws executed under earlier masking rules ---------------------------------------------

PHONE = "13812345678"


def _as_stored_before_the_rule(draw: Draw) -> Draw:
    """The draw as a draw executed before its entities' codes were masked kept it: the public
    names and the stored document's names unmasked (past the models' guards)."""
    document = draw.document()
    for selection in draw.selections.all():
        models.QuerySet(DrawSelection).filter(pk=selection.pk).update(public_name=selection.name)
        if selection.public_id in document["entities"]:
            document["entities"][selection.public_id]["name"] = selection.name
    models.QuerySet(Draw).filter(pk=draw.pk).update(
        document_gz=compress_text(json.dumps(document, ensure_ascii=False))
    )
    return Draw.objects.get(pk=draw.pk)


@pytest.fixture
def registration_number_draw(published_plan, directory, coordinator) -> Draw:
    """A draw of sole traders known by an old 注册号 (7th digit 6-9) run by 张三丰, executed
    before that rule was added, with one target replaced for a reason that gives a phone
    number; since then the directory records another operator (李四) for the drawn ones."""
    entities = list(Entity.objects.order_by("pk"))
    for n, entity in enumerate(entities):
        entity.legal_representative = OPERATOR
        entity.name = OPERATOR + entity.name if n % 2 else OPERATOR
        entity.credit_code = make_registration_number("370323", f"{6 + n % 4}{n:07d}")
    Entity.objects.bulk_update(entities, ["legal_representative", "name", "credit_code"])
    item = published_plan.items.filter(event_driven=False).order_by("number").first()
    draw = run_draw(item, coordinator)
    target = draw_actions.active_selections(draw)[0].entity
    registry_actions.update_entity(
        entity=target, actor=coordinator, values={"status": "deregistered"}
    )
    draw_actions.replace_target(
        draw=draw,
        entity=target,
        reason_code="deregistered",
        out_of_scope_since=timezone.localdate(draw.executed_at),
        reason=f"经营者电话{PHONE}告知已注销",
        actor=coordinator,
    )
    draw = _as_stored_before_the_rule(draw)
    for selection in draw.selections.select_related("entity"):
        registry_actions.update_entity(
            entity=selection.entity, actor=coordinator, values={"legal_representative": "李四"}
        )
    return draw


def _remask() -> str:
    out = io.StringIO()
    call_command("remask_public_names", "--actor", "privacy-test", stdout=out)
    return out.getvalue()


def test_remask_public_names_corrects_a_draw_executed_under_earlier_rules(
    client, registration_number_draw, tmp_path
):
    draw = registration_number_draw
    count = draw.selections.count()
    before = published_texts(client, draw, tmp_path / "before")
    assert any(OPERATOR in text for text in before.values())  # what the correction is for
    bulletin = reverse("public:bulletin", args=[draw.pk])
    assert OPERATOR in _body(client.get(bulletin)).decode()  # cached now

    output = _remask()
    assert OPERATOR not in output and "李四" not in output
    assert f"抽取{draw.pk}（{draw}）：重新遮蔽{count}个公示名称" in output
    # the portal's cached page is not served again
    assert OPERATOR not in _body(client.get(bulletin)).decode()
    entry = AuditEntry.objects.filter(action="draw.remask_public_names").latest("seq")
    assert entry.actor == "privacy-test" and entry.details["changed"] == {str(draw.pk): count}
    assert OPERATOR not in json.dumps(entry.details, ensure_ascii=False)
    assert OPERATOR not in entry.object_repr

    draw = Draw.objects.get(pk=draw.pk)
    texts = published_texts(client, draw, tmp_path / "after")
    assert_nothing_names_the_operator(texts, draw)
    assert verify_kit(draw, tmp_path / "after" / f"draw-{draw.pk}-kit") == "VERIFIED"
    assert integrity.draw_problems(draw) == []
    # the names as drawn and the stored document are as they were
    assert all(s.name.startswith(OPERATOR) for s in draw.selections.all())
    assert OPERATOR in json.dumps(draw.document(), ensure_ascii=False)

    # idempotent: nothing changes, the portal's pages stay cached
    names = list(draw.selections.order_by("pk").values_list("public_name", flat=True))
    version = PortalVersion.objects.get().version
    again = _remask()
    assert "重新遮蔽0个公示名称" in again and f"抽取{draw.pk}（" not in again
    assert list(draw.selections.order_by("pk").values_list("public_name", flat=True)) == names
    assert PortalVersion.objects.get().version == version
    assert (
        _body(client.get(reverse("public:draw_json", args=[draw.pk]))).decode()
        == (texts["draw.json"])
    )


def test_a_replacement_reason_is_published_without_phone_numbers(
    client, registration_number_draw, tmp_path
):
    draw = registration_number_draw
    replacement = draw.replacements.get()
    assert PHONE in replacement.document_entry["reason"]  # kept as written, for the staff
    texts = published_texts(client, draw, tmp_path)
    leaks = [where for where, text in texts.items() if PHONE in text]
    assert not leaks, f"{PHONE} published in: {', '.join(leaks)}"
    document = json.loads(texts["draw.json"])
    assert document["replacements"][0]["reason"] == replacement.public_reason
    assert "*" * len(PHONE) in replacement.public_reason
    assert replacement.public_reason in texts["bulletin"]
    assert verify_kit(draw, tmp_path / f"draw-{draw.pk}-kit") == "VERIFIED"
    assert integrity.draw_problems(draw) == []


# --- other free text that reaches the portal --------------------------------------------------


def _texts(client, urls: dict[str, str]) -> dict[str, str]:
    clear_public_pages()
    # the API's documents redirect to the portal's (one address each): followed
    return {
        where: _body(client.get(url, follow=True)).decode("utf-8") for where, url in urls.items()
    }


def _assert_no_phone(texts: dict[str, str]) -> None:
    leaks = [where for where, text in texts.items() if PHONE in text]
    assert not leaks, f"{PHONE} published in: {', '.join(leaks)}"


def test_a_plan_revisions_reason_is_published_without_phone_numbers(
    client, published_plan, coordinator
):
    revision = start_revision(
        plan=published_plan,
        actor=coordinator,
        reason=f"上级部署专项整治，咨询电话{PHONE}",
        effective_date=date(YEAR, 7, 1),
    )
    withdraw_item(revision=revision, actor=coordinator, item=published_plan.items.get(number=4))
    publish_revision(revision=revision, actor=coordinator)
    texts = _texts(
        client,
        {
            "plan": reverse("public:plan", args=[published_plan.pk]),
            "home": reverse("home"),
            "announcements feed": reverse("public:announcements"),
            "api plans": "/api/v1/plans",
        },
    )
    _assert_no_phone(texts)
    assert revision.public_reason in texts["plan"] and "*" * len(PHONE) in revision.public_reason
    assert "咨询电话" in texts["announcements feed"]
    assert "公开" in str(RevisionForm().fields["reason"].help_text)


def test_a_team_replacement_reason_is_published_without_phone_numbers(
    client, teamed_visits, coordinator, tmp_path
):
    member = teamed_visits[0].current_members()[0]
    replace_team_member(member=member, reason=f"因病，联系电话{PHONE}", actor=coordinator)
    matching = TeamMatching.objects.get(pk=member.matching_id)
    assert PHONE in json.dumps(matching.document, ensure_ascii=False)  # kept as written
    draw = member.visit.visit_items.exclude(selection=None).first().selection.draw
    texts = _texts(
        client,
        {
            "matchings": reverse("public:matchings"),
            "matching": reverse("public:matching", args=[matching.pk]),
            "teams.json": reverse("public:matching_json", args=[matching.pk]),
            "api matching": f"/api/v1/matchings/{matching.pk}",
            "api teams.json": f"/api/v1/matchings/{matching.pk}/teams.json",
            "draw.json": reverse("public:draw_json", args=[draw.pk]),
            "api draw.json": f"/api/v1/draws/{draw.pk}/draw.json",
        },
    )
    _assert_no_phone(texts)
    published = json.loads(texts["teams.json"])
    assert published["replacements"][-1]["reason"] == f"因病，联系电话{'*' * len(PHONE)}"
    assert json.loads(texts["draw.json"])["teams"]["replacements"] == published["replacements"]
    kit = _body(client.get(reverse("public:kit", args=[draw.pk])))
    with zipfile.ZipFile(io.BytesIO(kit)) as archive:
        assert all(PHONE not in archive.read(n).decode() for n in archive.namelist())
        archive.extractall(tmp_path)
    assert verify_kit(draw, tmp_path / f"draw-{draw.pk}-kit") == "VERIFIED"


def test_an_event_organised_by_a_person_is_named_masked(
    client, published_plan, directory, coordinator
):
    item = published_plan.items.filter(event_driven=True).order_by("number").first()
    start = date(YEAR, item.window_start_month or 1, 1)
    event = register_event(
        item=item,
        organiser=OPERATOR,
        place=f"{OPERATOR}家庭院（电话{PHONE}）",
        date=start,
        scale="约200人",
        actor=coordinator,
    )
    matching = match_event_team(
        event=event,
        witnesses=[("王五", "271828182845"), ("赵六", "904523536028")],
        beacon=None,
        actor=coordinator,
    )
    texts = _texts(
        client,
        {
            "matchings": reverse("public:matchings"),
            "matching": reverse("public:matching", args=[matching.pk]),
            "teams.json": reverse("public:matching_json", args=[matching.pk]),
            "api matchings": "/api/v1/matchings",
        },
    )
    leaks = [w for w, text in texts.items() if OPERATOR in text or PHONE in text]
    assert not leaks, f"{OPERATOR} or {PHONE} published in: {', '.join(leaks)}"
    assert "张**（" in texts["matching"] and "张**家庭院" in texts["matching"]


# --- results published under earlier masking rules -------------------------------------------


def _as_published_before_the_rule(published: PublishedResult, name: str) -> None:
    """The record as a publication before the rule kept it: the name unmasked in the hashed
    snapshot, the columns and the search index (past the actions)."""
    snapshot = {**published.snapshot, "entity": {**published.snapshot["entity"], "name": name}}
    initials = search_keys(name)[1][:200]
    PublishedResult.objects.filter(pk=published.pk).update(
        snapshot=snapshot,
        snapshot_sha256=snapshot_sha256(snapshot),
        entity_name=name,
        name_key=name_key(name)[:400],
        name_initials=initials,
    )
    PublicName.index(name, initials)


def test_remask_public_names_corrects_results_published_under_earlier_rules(
    client, teamed_visits, unit_leader, coordinator
):
    visit = teamed_visits[0]
    name = f"{OPERATOR}修理部"
    Entity.objects.filter(pk=visit.entity_id).update(
        name=name,
        legal_representative=OPERATOR,
        credit_code=make_registration_number("370323", "70000001"),
    )
    models.QuerySet(Visit).filter(pk=visit.pk).update(entity_name=name)
    result = approve_visit(Visit.objects.get(pk=visit.pk), unit_leader)
    publish_results(results=[result], actor=unit_leader)
    published = PublishedResult.objects.get(result=result)
    assert published.entity_name == "张**修理部"  # the rules as they are now
    _as_published_before_the_rule(published, name)
    other = PublishedResult.objects.exclude(pk=published.pk)
    assert not other.exists()  # the one record of the test
    urls = {
        "result": reverse("public:result", args=[published.pk]),
        "entity": reverse("public:entity", args=[published.entity_key]),
        "results": reverse("public:results"),
        "search": reverse("public:search") + "?q=修理部",
        "task": reverse("public:task_results", args=[published.items.first().plan_item_id]),
        "feed": reverse("public:announcements"),
        **{
            f"{dataset}.{fmt}": reverse("public:data_file", args=[YEAR, f"{dataset}.{fmt}"])
            for dataset in spec.DATASETS
            for fmt in ("csv", "json")
        },
    }

    def gsxt() -> str:
        out = io.BytesIO()
        write_gsxt(out, "csv", published.plan)
        return out.getvalue().decode("utf-8-sig")

    before = _texts(client, urls)
    assert OPERATOR in before["result"] and OPERATOR in gsxt()

    output = _remask()
    assert OPERATOR not in output
    assert f"计划{published.plan_id}（" in output and "更正1条" in output
    texts = _texts(client, urls)
    leaks = [where for where, text in texts.items() if OPERATOR in text]
    assert not leaks, f"{OPERATOR} published in: {', '.join(leaks)}"
    # the national system's file is not published by the portal: it carries the registered
    # name, which that system publishes under the credit code (README, the national export)
    assert name in gsxt()
    assert "张**修理部" in texts["result"] and "张**修理部" in texts["search"]
    published = PublishedResult.objects.get(pk=published.pk)
    assert publication_problems(published) == []
    assert not PublicName.objects.filter(name=name).exists()
    entry = AuditEntry.objects.filter(action="public.remask_published_names").latest("seq")
    assert entry.details["corrected"] == [
        {"published": published.pk, "sha256": published.snapshot_sha256}
    ]
    assert OPERATOR not in json.dumps(entry.details, ensure_ascii=False)
    # idempotent
    assert "更正0条" in _remask()
    assert PublishedResult.objects.get(pk=published.pk).snapshot_sha256 == (
        published.snapshot_sha256
    )


def test_a_record_changed_behind_the_actions_is_reported_not_hashed_again(
    teamed_visits, unit_leader
):
    visit = teamed_visits[0]
    Entity.objects.filter(pk=visit.entity_id).update(credit_code="", legal_representative=OPERATOR)
    models.QuerySet(Visit).filter(pk=visit.pk).update(entity_name=OPERATOR)
    result = approve_visit(Visit.objects.get(pk=visit.pk), unit_leader)
    publish_results(results=[result], actor=unit_leader)
    published = PublishedResult.objects.get(result=result)
    _as_published_before_the_rule(published, OPERATOR)
    tampered = {**published.snapshot, "inspected_on": "2022-01-01"}
    PublishedResult.objects.filter(pk=published.pk).update(snapshot=tampered)
    output = _remask()
    assert f"公示记录{published.pk}" in output and "未更正" in output
    assert PublishedResult.objects.get(pk=published.pk).entity_name == OPERATOR
