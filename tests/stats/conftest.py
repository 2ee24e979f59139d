"""The demo first round with results in every state, for the statistics tests: the 2022 plan
drawn at one ceremony, visits built and teams matched (the inspections tests' fixtures), then
per visit, by its position: not entered, submitted, a problem with a penalty (closed or open),
an ending, clean; some approved results published.

Building it took most of the statistics tests' time when each test built its own, so it is built
once per test module (tests/conftest.py, module_transaction): each test that uses `demo` gets a
deep copy of the objects (and the shared agency, unit, coordinator, plan and draws) and runs in a
savepoint, so what it changes is undone after it. A module's tests all use `demo` or none does: a
test that needs an empty database would otherwise run inside the module's shared round.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from spotcheck.accounts.models import Agency, Role, Unit, User
from spotcheck.inspections.actions import (
    build_visits,
    match_teams_for_round,
    replace_team_member,
)
from spotcheck.inspections.models import Visit
from spotcheck.public.actions import publish_results
from spotcheck.results import actions
from spotcheck.results.actions import FindingInput, ItemInput, ResultInput
from spotcheck.results.models import ItemResult, Result
from spotcheck.stats import coverage
from tests.conftest import (
    import_seed_plan,
    make_agency,
    make_coordinator,
    make_unit,
    publish_seed_plan,
)
from tests.inspections.conftest import (
    demo_county,
    execute_round_one,
    housing_of,
    load_directory,
)

INSPECTED = date(2022, 6, 7)
TODAY = date(2022, 8, 1)


@dataclass
class Demo:
    plan: object
    visits: list[Visit]
    leaders: dict[int, User]


def content(visit: Visit, *, ending: str = "", problem: bool = False, day: date = INSPECTED):
    present = tuple(m.pk for m in visit.current_members()[:2])
    items = ()
    if not ending:
        # a problem (when asked) at the first checkpoint of the visit's first item only
        items = tuple(
            ItemInput(
                visit_item_id=vi.pk,
                findings=tuple(
                    FindingInput(number=n, finding="problem", problem="未登记")
                    if problem and n == 1 and first
                    else FindingInput(number=n, finding="checked")
                    for n in range(1, len(actions.checkpoint_texts(vi)) + 1)
                ),
            )
            for first, vi in (
                (i == 0, vi)
                for i, vi in enumerate(visit.visit_items.select_related("item").order_by("pk"))
            )
        )
    return ResultInput(
        way="on_site",
        inspected_on=day,
        present=present,
        representative="" if ending else "负责人",
        ending=ending,
        items=items,
    )


def build_demo(unit, published_plan, coordinator) -> Demo:
    """The round after its draws (executed_draws): visits, teams and results in every state.
    Built once per test module (demo_world below)."""
    # the directory fixture bulk-creates the entities, past the actions that count them
    coverage.rebuild()
    build_visits(plan=published_plan, round=1, actor=coordinator)
    match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    visits = list(
        Visit.objects.filter(plan=published_plan, round=1)
        .select_related("responsible_unit")
        .order_by("pk")
    )
    # one member replaced (出差) before the visit
    member = visits[1].current_members().order_by("seat").last()
    replace_team_member(member=member, reason="出差", actor=coordinator)
    leaders = {
        u.pk: User.objects.create_user(
            username=f"leader-{u.pk}",
            password="x-password-123",
            role=Role.UNIT_LEADER,
            agency=u.agency,
            unit=u,
        )
        for u in {v.responsible_unit for v in visits}
    }
    to_publish = []
    for index, visit in enumerate(visits):
        leader = leaders[visit.responsible_unit_id]
        kind = index % 6
        if kind == 0:
            continue  # not entered
        day = INSPECTED + timedelta(days=index)
        problem = kind in (2, 3)
        ending = "unreachable" if kind == 4 else ""
        result = actions.save_draft(
            visit=visit,
            content=content(visit, ending=ending, problem=problem, day=day),
            revision=0,
            actor=leader,
        )
        if problem:
            item = ItemResult.objects.filter(result=result).order_by("pk").first()
            measure = actions.add_measure(
                item_result=item,
                kind="penalty",
                opened_on=day,
                case_number=f"沂公（治）行罚决字〔2022〕{index}号",
                text="罚款",
                actor=leader,
            )
            if kind == 2:
                actions.close_measure(
                    measure=measure,
                    closed_on=day + timedelta(days=index),
                    closing_text="已缴纳罚款",
                    actor=leader,
                )
        result = Result.objects.get(pk=result.pk)
        actions.submit_result(result=result, actor=leader)
        if kind == 1:
            continue  # pending review
        actions.approve_result(result=Result.objects.get(pk=result.pk), actor=leader)
        if kind == 5 or (kind == 2 and index % 4 == 2):
            to_publish.append(Result.objects.get(pk=result.pk))
    for unit_id in {r.visit.responsible_unit_id for r in to_publish}:
        publish_results(
            results=[r for r in to_publish if r.visit.responsible_unit_id == unit_id],
            actor=leaders[unit_id],
            today=INSPECTED + timedelta(days=30),
        )
    return Demo(published_plan, visits, leaders)


@dataclass
class World:
    """The demo round and what it was built from, as the function-scoped fixtures name them."""

    agency: Agency
    unit: Unit
    coordinator: User
    seed_plan: Any
    published_plan: Any
    housing: Agency
    directory: dict[str, Any]
    executed_draws: dict[int, Any]
    demo: Demo


@pytest.fixture(scope="module")
def demo_world(module_transaction) -> World:
    # In the order the function-scoped fixtures (tests/conftest.py, tests/inspections) ran.
    agency = make_agency()
    unit = make_unit(agency)
    coordinator = make_coordinator(agency)
    seed_plan = import_seed_plan(coordinator)
    published_plan = publish_seed_plan(seed_plan, coordinator)
    housing = housing_of(published_plan)
    directory = load_directory(published_plan, demo_county(), housing)
    executed_draws = execute_round_one(published_plan, coordinator)
    demo = build_demo(unit, published_plan, coordinator)
    return World(
        agency,
        unit,
        coordinator,
        seed_plan,
        published_plan,
        housing,
        directory,
        executed_draws,
        demo,
    )


@pytest.fixture
def world(db, demo_world) -> World:
    """This test's copy (one deepcopy keeps the objects' links to each other)."""
    return copy.deepcopy(demo_world)


@pytest.fixture
def demo(world) -> Demo:
    return world.demo


# The fixtures below are tests/conftest.py's and tests/inspections/conftest.py's: built the same
# way for a test without the demo, taken from the shared round for a test with it.


def shared(request) -> World | None:
    return request.getfixturevalue("world") if "demo" in request.fixturenames else None


@pytest.fixture
def agency(request, db) -> Agency:
    world = shared(request)
    return world.agency if world else make_agency()


@pytest.fixture
def unit(request, agency) -> Unit:
    world = shared(request)
    return world.unit if world else make_unit(agency)


@pytest.fixture
def coordinator(request, agency) -> User:
    world = shared(request)
    return world.coordinator if world else make_coordinator(agency)


@pytest.fixture
def seed_plan(request, coordinator):
    world = shared(request)
    return world.seed_plan if world else import_seed_plan(coordinator)


@pytest.fixture
def published_plan(request, seed_plan, coordinator):
    world = shared(request)
    return world.published_plan if world else publish_seed_plan(seed_plan, coordinator)


@pytest.fixture
def housing(request, published_plan) -> Agency:
    world = shared(request)
    return world.housing if world else housing_of(published_plan)


@pytest.fixture
def directory(request, published_plan, housing) -> dict[str, Any]:
    world = shared(request)
    return world.directory if world else load_directory(published_plan, demo_county(), housing)


@pytest.fixture
def executed_draws(request, published_plan, directory, coordinator) -> dict[int, Any]:
    world = shared(request)
    return world.executed_draws if world else execute_round_one(published_plan, coordinator)


def pytest_collection_modifyitems(items) -> None:
    """A module's tests all use the shared demo round or none does (see the docstring above)."""
    by_module: dict[Any, list[Any]] = {}
    for item in items:
        if item.nodeid.startswith("tests/stats/"):
            by_module.setdefault(item.module, []).append(item)
    for module, tests in by_module.items():
        using = {"demo" in getattr(t, "fixturenames", ()) for t in tests}
        if using == {True, False}:
            names = [t.name for t in tests if "demo" not in t.fixturenames]
            raise pytest.UsageError(
                f"{module.__name__}: its tests share the demo round (tests/stats/conftest.py), "
                f"so every test there must use `demo`; move {names} to another module"
            )
