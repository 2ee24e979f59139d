"""The demo first round with results in every state, for the statistics tests: the 2022 plan
drawn at one ceremony, visits built and teams matched (the inspections tests' fixtures), then
per visit, by its position: not entered, submitted, a problem with a penalty (closed or open),
an ending, clean; some approved results published.

Building it took most of the statistics tests' time when each test built its own, so it is built
once on the shared round for the modules that use it (tests/conftest.py: SharedWorlds, which keeps
it while a worker runs them; the scheduler sends them to one worker together): each test that uses
`demo` gets a deep copy of the objects (and of the shared agency, unit, role users, plan, directory
and draws) and runs in a savepoint, so what it changes is undone after it. A module's tests all use `demo` or none does (tests/conftest.py stops the
collection otherwise): a test that needs an empty database would run inside the shared round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from spotcheck.accounts.models import Role, User
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
    Built once for the modules that share it (shared_demo below)."""
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


@pytest.fixture(scope="module")
def shared_demo(shared_round, module_transaction) -> Demo:
    """The demo round on the shared round, shared by a module (built once for the worker's
    modules that ask for it: tests/conftest.py, SharedWorlds, which calls build_demo): a
    module's tests that ask for `demo` also get the shared agency, unit, role users, plan,
    directory and draws (shared_or_built)."""
    return module_transaction.world["shared_demo"]


@pytest.fixture
def demo(shared_demo, shared_copy) -> Demo:
    """This test's copy, with the same memo as its other shared fixtures: `demo.plan` is the
    `published_plan` the test receives."""
    return shared_copy(shared_demo)
