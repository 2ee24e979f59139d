"""The permission matrix: every URL pattern and every API operation, as each role of two
agencies and as an anonymous visitor, against `RIGHTS` (docs/permissions.md).

For each endpoint the table below names the right it needs (None: public) and whether it
reaches one object. The expected answer follows from the table:

- public: 200 for everyone; the staff plan pages (TO_PORTAL) answer a visitor 301 to the
  portal's page of the same thing, and a signed-in user 200;
- anonymous on a staff endpoint: the login page (views) or 401 (API);
- a role without the right: 403, in either agency (the role is checked first);
- the right, own agency: served (200, a redirect after a POST, or a form error);
- the right, other agency: 404 for one object; for a list, the user's own (empty) list, without
  a trace of the first agency's objects.

A URL pattern or API operation missing from the table fails the test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from spotcheck.accounts.models import Role
from spotcheck.accounts.permissions import RIGHTS
from spotcheck.api import api
from spotcheck.inspections.actions import build_visits, match_teams_for_round, register_event
from spotcheck.inspections.models import Event, JointProposal, TeamMatching, Visit
from spotcheck.plans.actions import publish_revision, start_revision, withdraw_item
from spotcheck.public.actions import publish_results
from spotcheck.registry.models import Entity, Inspector, Recusal
from tests.public.helpers import approve_visit

pytestmark = pytest.mark.django_db

# URL name -> (right or None for public, HTTP method, object kind or None for a list/page)
URLS: dict[str, tuple[str | None, str, str | None]] = {
    "home": (None, "GET", None),
    "login": (None, "GET", None),
    "logout": (None, "POST", None),
    # plans (published plans are public; drafts: see test_other_agencys_draft_plan_is_not_found)
    "plans:list": (None, "GET", None),
    "plans:upload": ("plan.import", "GET", None),
    "plans:detail": (None, "GET", "plan"),
    "plans:publish": ("plan.publish", "POST", "plan"),
    "plans:export": (None, "GET", "plan"),
    "plans:item": (None, "GET", "plan"),
    "plans:import_preview": ("plan.import", "GET", "upload"),
    "plans:import_correct": ("plan.import", "POST", "upload"),
    "plans:import_confirm": ("plan.import", "POST", "upload"),
    "plans:new": ("plan.edit", "GET", None),
    "plans:copy": ("plan.edit", "POST", "plan"),
    "plans:item_new": ("plan.edit", "GET", "plan"),
    "plans:item_edit": ("plan.edit", "GET", "plan"),
    "plans:item_delete": ("plan.edit", "POST", "plan"),
    "plans:revision_new": ("plan.edit", "GET", "plan"),
    "plans:revision": (None, "GET", "plan"),  # a published revision
    "plans:revision_item_new": ("plan.edit", "GET", "plan"),
    "plans:revision_item_edit": ("plan.edit", "GET", "plan"),
    "plans:revision_item_withdraw": ("plan.edit", "POST", "plan"),
    "plans:revision_drop": ("plan.edit", "POST", "plan"),
    "plans:revision_publish": ("plan.publish", "POST", "plan"),
    # draws
    "draws:list": ("draw.view", "GET", None),
    "draws:item": ("draw.view", "GET", "item"),
    "draws:detail": ("draw.view", "GET", "draw"),
    "draws:ceremony": ("draw.view", "GET", "draw"),
    "draws:seed": ("draw.manage", "POST", "draw"),
    "draws:execute": ("draw.manage", "POST", "draw"),
    "draws:cancel": ("draw.manage", "POST", "draw"),
    "draws:replace": ("draw.manage", "GET", "draw"),
    "draws:round": ("draw.view", "GET", "plan"),
    "draws:round_prepare": ("draw.manage", "POST", "plan"),
    "draws:round_seed": ("draw.manage", "POST", "plan"),
    "draws:round_execute": ("draw.manage", "POST", "plan"),
    # the public portal (spotcheck.public) and the old addresses of its pages (301)
    "public:bulletins": (None, "GET", None),
    "public:bulletin": (None, "GET", "draw"),
    "public:draw_json": (None, "GET", "draw"),
    "public:population": (None, "GET", "draw"),
    "public:verify": (None, "GET", None),
    "public:verifier": (None, "GET", None),
    "public:feed": (None, "GET", None),
    "public:kit": (None, "GET", "draw"),
    "public:announcements": (None, "GET", None),
    "public:batch": (None, "GET", "publication"),
    "public:data": (None, "GET", None),
    "public:data_schema": (None, "GET", None),
    "public:data_file": (None, "GET", None),
    "public:matchings": (None, "GET", None),
    "public:matching": (None, "GET", "matching"),
    "public:matching_json": (None, "GET", "matching"),
    "moved:matchings": (None, "GET", None),
    "moved:matching": (None, "GET", "matching"),
    "moved:matching_json": (None, "GET", "matching"),
    "moved:draw_json": (None, "GET", "draw"),
    "moved:portal": (None, "GET", None),
    "public:items": (None, "GET", None),
    "public:plans": (None, "GET", None),
    "public:plan": (None, "GET", "plan"),
    "public:plan_export": (None, "GET", "plan"),
    "public:plan_item": (None, "GET", "plan"),
    "public:results": (None, "GET", None),
    "public:search": (None, "GET", None),
    "public:task_results": (None, "GET", "item"),
    "public:result": (None, "GET", "published"),
    "public:entity": (None, "GET", "entity_key"),
    "public:statistics": (None, "GET", None),
    # publishing results (the unit's page)
    "publication:page": ("result.publish", "GET", None),
    "publication:publish": ("result.publish", "POST", None),
    "publication:withdraw": ("result.publish", "GET", "published"),
    # visits and teams
    "inspections:list": ("visit.view", "GET", None),
    "inspections:print": ("visit.view", "GET", None),
    "inspections:calendar": ("visit.view", "GET", None),
    "inspections:calendar_schedule": ("visit.schedule", "POST", None),
    "inspections:visit": ("visit.view", "GET", "visit"),
    "inspections:schedule": ("visit.schedule", "POST", "visit"),
    # issue first: the downloads below then find the notice (409 before it is issued)
    "inspections:notice_issue": ("notice.issue", "POST", "visit"),
    "inspections:notice_delivery": ("notice.issue", "POST", "visit"),
    "inspections:notice_docx": ("visit.papers", "GET", "visit"),
    "inspections:record_form_docx": ("visit.papers", "GET", "visit"),
    "inspections:replace": ("round.manage", "POST", "member"),
    "inspections:round": ("round.manage", "GET", "plan"),
    "inspections:build": ("round.manage", "POST", "plan"),
    "inspections:match": ("round.manage", "POST", "plan"),
    "inspections:item_setting": ("round.manage", "POST", "plan"),
    "inspections:event_register": ("round.manage", "POST", "plan"),
    "inspections:accept": ("round.manage", "POST", "proposal"),
    "inspections:decline": ("round.manage", "POST", "proposal"),
    "inspections:event_match": ("round.manage", "POST", "event"),
    "inspections:event_cancel": ("round.manage", "POST", "event"),
    "inspections:matching_kit": ("matching.kit", "GET", "matching"),
    # results
    "results:visit": ("visit.view", "GET", "visit"),
    "results:save": ("result.record", "POST", "visit"),
    "results:review": ("result.review", "POST", "visit"),
    # follow-up (后续处置) and risk proposals
    "results:measure_add": ("result.measure", "POST", "visit"),
    "results:measure_close": ("result.measure", "POST", "visit"),
    "results:draft": ("result.record", "POST", "visit"),
    "results:attach": ("result.record", "POST", "visit"),
    "results:attachment": ("visit.view", "GET", "attachment"),
    "results:attachment_thumbnail": ("visit.view", "GET", "attachment"),
    "results:attachment_withdraw": ("result.record", "POST", "attachment"),
    "results:due": ("result.due", "GET", None),
    "results:export": ("result.export", "GET", "plan"),
    "results:risk": ("risk.decide", "GET", None),
    "results:risk_decide": ("risk.decide", "POST", None),
    "results:gsxt": ("result.export_gsxt", "GET", "plan"),
    "results:gsxt_overview": ("result.export_gsxt", "GET", "plan"),
    # the audit trail
    "audit:list": ("audit.view", "GET", None),
    # statistics (a table's CSV: see World.args)
    "stats:dashboard": ("stats.view", "GET", None),
    "stats:csv": ("stats.view", "GET", None),
    "stats:summary": ("stats.view", "GET", None),
    # directories
    "registry:index": ("registry.view", "GET", None),
    "registry:entities": ("registry.view", "GET", None),
    "registry:entity_export": ("registry.export", "GET", None),
    "registry:entity": ("registry.view", "GET", "entity"),
    "registry:entity_edit": ("registry.edit", "GET", "entity"),
    "registry:recusal_add": ("registry.edit", "GET", "entity"),
    "registry:recusal_end": ("registry.edit", "POST", "recusal"),
    "registry:inspectors": ("registry.view", "GET", None),
    "registry:inspector_export": ("registry.export", "GET", None),
    "registry:inspector": ("registry.view", "GET", "inspector"),
    "registry:inspector_edit": ("registry.edit", "GET", "inspector"),
    "registry:import": ("registry.import", "GET", None),
    "registry:import_preview": ("registry.import", "GET", "upload"),
    "registry:import_confirm": ("registry.import", "POST", "upload"),
    "registry:import_rejects": ("registry.import", "GET", "upload"),
    # production
    "healthz": (None, "GET", None),
}
# Namespaces checked elsewhere: Django's admin (its own staff permissions) and the API (below).
SKIPPED_NAMESPACES = {"admin", "api"}

# Public in what they show, but the staff's pages: a visitor is sent to the portal's (301)
TO_PORTAL = {"plans:list", "plans:detail", "plans:export", "plans:item", "plans:revision"}

# API operation (view function name) -> (right or None for public, object kind or None)
API: dict[str, tuple[str | None, str | None]] = {
    "list_plans": (None, None),
    "list_items": (None, "plan"),
    "list_draws": (None, None),
    "get_draw": (None, "draw"),
    "get_draw_json": (None, "draw"),
    "prepare": ("draw.manage", "item"),
    "seed": ("draw.manage", "draw"),
    "execute": ("draw.manage", "draw"),
    "list_matchings": (None, None),
    "get_matching": (None, "matching"),
    "get_matching_json": (None, "matching"),
    "list_entities": ("registry.view", None),
    "get_entity": ("registry.view", "entity"),
    "list_inspectors": ("registry.view", None),
    "get_inspector": ("registry.view", "inspector"),
    "list_results": ("visit.view", None),
    "get_result": ("visit.view", "visit"),
    "save_result_draft": ("result.record", "visit"),
    "submit_result": ("result.record", "visit"),
    "approve_result": ("result.review", "visit"),
    "return_result": ("result.review", "visit"),
}
# Operations whose action checks more than the role: the visit's team seat (403 for an inspector
# of the unit not on the team) and the content (an empty draft cannot be submitted: 422).
ACTION_CHECKED = {"save_result_draft": {"forbidden"}, "submit_result": {"forbidden", "status 422"}}
SEED = {
    "witnesses": [{"name": "王五", "digits": "1234567890"}, {"name": "赵六", "digits": "98765"}]
}


def url_names() -> set[str]:
    """Every named URL pattern outside the skipped namespaces, as `namespace:name`."""
    found: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if inner in SKIPPED_NAMESPACES:
                    continue
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"unnamed URL pattern {pattern.pattern}"
                found.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "")
    return found


def api_operations() -> dict[str, tuple[str, str]]:
    """view name -> (method, path) of every operation of the ninja API."""
    found = {}
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                name = operation.view_func.__name__
                assert name not in found, f"two API operations named {name}"
                found[name] = (operation.methods[0], path)
    return found


def test_every_url_and_api_operation_is_in_the_table():
    assert url_names() == set(URLS) and TO_PORTAL.issubset(URLS)
    assert set(api_operations()) == set(API)
    used = {right for right, _, _ in URLS.values()} | {right for right, _ in API.values()}
    # The draft rights are read by selectors (who sees unpublished plans and matchings).
    assert used - {None} == set(RIGHTS) - {"plan.view_draft", "matching.view_draft"}


@dataclass
class World:
    objects: dict[str, Any]
    secrets: list[str]  # what staff pages of another agency must never show

    def args(self, kind: str | None, name: str) -> list[Any]:
        args: list[Any] = []
        if kind is not None:
            args.append(self.objects[kind])
        if name.startswith("plans:revision") and name != "plans:revision_new":
            args.append(self.objects["revision"])
        if name in (
            "plans:item",
            "plans:item_edit",
            "plans:item_delete",
            "public:plan_item",
        ) or name in (
            "plans:revision_item_edit",
            "plans:revision_item_withdraw",
        ):
            args.append(self.objects["item"])
        if name == "plans:revision_drop":
            args.append(0)
        if name.endswith("_export") or name == "plans:export":
            args.append("csv" if name.startswith("registry") else "json")
        if name in ("inspections:round", "inspections:build", "inspections:match"):
            args.append(1)
        if name.startswith("draws:round"):
            args.append(1)
        if name == "stats:csv":
            args.append("fairness_inspectors")
        if name == "public:data_file":
            args += [2022, "results.csv"]
        return args


@pytest.fixture
def world(unit, published_plan, executed_draws, directory, coordinator, unit_leader) -> World:
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    visit = Visit.objects.filter(plan=published_plan, responsible_unit=unit).first()
    event_item = published_plan.items.filter(event_driven=True).order_by("number").first()
    register_event(
        item=event_item,
        organiser="县文化馆",
        place="县体育场",
        date=date(2022, 9, 1),
        scale="3000人",
        actor=coordinator,
    )
    proposal = JointProposal.objects.filter(plan=published_plan).first()
    if proposal is None:
        proposal = JointProposal.objects.create(
            plan=published_plan,
            key="test",
            entity=visit.entity,
            window_start_month=5,
            window_end_month=6,
            ticket="0.1",
        )
    draw = next(iter(executed_draws.values())).draw
    # a published result (another visit of the unit): the portal's result and entity pages
    published_visit = (
        Visit.objects.filter(plan=published_plan, responsible_unit=unit, members__isnull=False)
        .exclude(pk=visit.pk)
        .distinct()
        .first()
    )
    result = approve_visit(published_visit, unit_leader)
    published = publish_results(results=[result], actor=unit_leader).results.get()
    # A published revision of the plan (计划调整): withdraws the last event-driven item.
    revision = start_revision(
        plan=published_plan, actor=coordinator, reason="机构调整", effective_date=date(2022, 6, 1)
    )
    last_event_item = published_plan.items.filter(event_driven=True).order_by("-number").first()
    withdraw_item(revision=revision, actor=coordinator, item=last_event_item)
    publish_revision(revision=revision, actor=coordinator)
    entity = Entity.objects.filter(agency=published_plan.agency).first()
    inspector = Inspector.objects.filter(agency=published_plan.agency).first()
    objects = {
        "plan": published_plan.pk,
        "item": draw.item.pk,
        "draw": draw.pk,
        "visit": visit.pk,
        "member": visit.current_members().first().pk,
        "proposal": proposal.pk,
        "event": Event.objects.get().pk,
        "matching": TeamMatching.objects.first().pk,
        "entity": entity.pk,
        "inspector": inspector.pk,
        "recusal": Recusal.objects.filter(entity__agency=published_plan.agency).first().pk,
        "published": published.pk,
        "publication": published.publication_id,
        "entity_key": published.entity_key,
        "revision": revision.pk,
        "upload": "x" * 32,  # no such upload: the allowed get 404, the others are refused first
        "attachment": 10**9,  # likewise (scoping: tests/results/test_attachments.py)
    }
    secrets = [entity.name, entity.public_id, inspector.certificate_number, visit.entity_name]
    secrets.append(f'href="{reverse("draws:detail", args=[draw.pk])}"')
    return World(objects, secrets)


def outcome(response: Any, api_call: bool = False) -> str:
    code = response.status_code
    if api_call and code == 401:
        return "login"
    if code == 302 and reverse("login") in response["Location"]:
        return "login"
    if code == 403:
        return "forbidden"
    if code == 404:
        return "missing"
    if code in (200, 201, 301, 302, 400, 409):
        return "ok"
    return f"status {code}"


def portal_outcome(response: Any, user: Any) -> str:
    """A TO_PORTAL page's answer: a visitor's 301 to the portal, else the page itself (200)."""
    code = response.status_code
    if user is None and code == 301 and response["Location"].startswith("/public/"):
        return "portal"
    return "ok" if user is not None and code == 200 else f"status {code}"


def expected(right: str | None, user: Any, own: bool, kind: str | None) -> set[str]:
    if right is None:
        return {"ok"}
    if user is None:
        return {"login"}
    if user.role not in RIGHTS[right]:
        return {"forbidden"}
    if kind in ("upload", "attachment"):
        return {"missing"}
    if own or kind is None:
        return {"ok"}
    return {"missing"}


def content(response: Any) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("utf-8-sig", "replace")
    return response.content.decode("utf-8", "replace")


class SignedIn:
    """Clients each with a session of their own, as Client.force_login makes one: the session's
    data is copied from one force_login per user. A login's side effects (the user_logged_in
    signal: last_login, axes' access log; rotating the key) were a third of the matrix's time,
    run ~1,400 times, and no request here depends on them (login itself: accounts tests)."""

    def __init__(self) -> None:
        self.data: dict[int, dict[str, Any]] = {}

    def client(self, user: Any) -> Client:
        client = Client()
        if user is None:
            return client
        if user.pk not in self.data:
            first = Client()
            first.force_login(user)
            self.data[user.pk] = dict(first.session.items())
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session.update(self.data[user.pk])
        session.create()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        return client


def test_signed_in_clients_are_signed_in_with_sessions_of_their_own(users_by_role):
    user = users_by_role[Role.COORDINATOR]
    signed_in = SignedIn()
    first, second = signed_in.client(user), signed_in.client(user)
    assert first.session.session_key != second.session.session_key
    for client in (first, second):
        assert client.get(reverse("home")).wsgi_request.user == user
    assert signed_in.client(None).get(reverse("home")).wsgi_request.user.is_anonymous


def test_permission_matrix(world, users_by_role, other_users_by_role):
    signed_in = SignedIn()
    people: list[tuple[str, Any, bool]] = [("anonymous", None, False)]
    people += [(f"own {role}", user, True) for role, user in users_by_role.items()]
    people += [(f"other {role}", user, False) for role, user in other_users_by_role.items()]
    operations = api_operations()
    problems = []
    for label, user, own in people:
        for name, (right, method, kind) in URLS.items():
            client = signed_in.client(user)
            url = reverse(name, args=world.args(kind, name))
            response = client.post(url, {}) if method == "POST" else client.get(url)
            got, want = outcome(response), expected(right, user, own, kind)
            if name in TO_PORTAL:
                got, want = portal_outcome(response, user), {"portal" if user is None else "ok"}
            if got not in want:
                problems.append(f"{label} {method} {name} {url}: {got}, expected {want}")
            elif right and user is not None and not own and got == "ok" and method == "GET":
                body = content(response)
                problems += [
                    f"{label} {name} shows {secret}" for secret in world.secrets if secret in body
                ]
        for name, (right, kind) in API.items():
            client = signed_in.client(user)
            method, path = operations[name]
            url = "/api/v1" + path.format(**{f"{kind}_id": world.objects[kind]} if kind else {})
            if method == "POST":
                payload = SEED if name == "seed" else {}
                response = client.post(url, json.dumps(payload), content_type="application/json")
            else:
                response = client.get(url)
            got, want = outcome(response, api_call=True), expected(right, user, own, kind)
            if want == {"ok"} and right is not None:
                want = want | ACTION_CHECKED.get(name, set())
            if got not in want:
                problems.append(f"{label} API {method} {name} {url}: {got}, expected {want}")
            elif (right and user and not own and kind is None) and response.json()["count"]:
                problems.append(f"{label} API {name} lists the first agency's objects")
    assert not problems, "\n".join(problems)


def test_who_acts_for_which_agency(coordinator, other_users_by_role, agency, other_agency):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    from spotcheck.accounts.models import Agency, Role, User
    from spotcheck.accounts.permissions import ensure_actor_agency, narrow_to_agency

    stranger = other_users_by_role[Role.COORDINATOR]
    ensure_actor_agency(coordinator, agency)
    ensure_actor_agency(coordinator, agency.pk)
    for actor in ("cli", None):  # the console acts for every agency
        ensure_actor_agency(actor, agency)
    with pytest.raises(PermissionDenied, match="不属于该对象所属机构"):
        ensure_actor_agency(stranger, agency)
    homeless = User.objects.create_user("homeless", password="x-password-1", role=Role.COORDINATOR)
    with pytest.raises(PermissionDenied):
        ensure_actor_agency(homeless, agency)
    root = User.objects.create_superuser("root", password="x-password-1", agency=other_agency)
    ensure_actor_agency(root, agency)
    agencies = Agency.objects.all()
    assert list(narrow_to_agency(agencies, coordinator, "pk")) == [agency]
    assert list(narrow_to_agency(agencies, stranger, "pk")) == [other_agency]
    assert set(narrow_to_agency(agencies, root, "pk")) == {agency, other_agency}
    assert not narrow_to_agency(agencies, homeless, "pk").exists()
    assert not narrow_to_agency(agencies, AnonymousUser(), "pk").exists()
