"""Shared fixtures: one user per role, organisations, the bundled 2022 plan."""

import copy
import dataclasses
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import settings as hypothesis_settings

from spotcheck.accounts.models import Agency, Role, Unit, User

# CI must not fail on an example it happened to draw this time: fixed examples, no deadline.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")

PASSWORD = "test-password-123"


def fresh_folder(request, tmp_path_factory, name: str) -> Path:
    """A temporary folder for this test; in a module that shares rows (module_transaction), a
    copy of the files written while they were built, so that the test sees what it would have
    seen had it built them, and what it writes stays its own."""
    folder = tmp_path_factory.mktemp(name)
    if "module_transaction" in request.fixturenames:
        shared = getattr(request.getfixturevalue("module_transaction"), name)
        shutil.copytree(shared, folder, dirs_exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def media_root(request, settings, tmp_path_factory):
    """Attachments (results) go to a temporary media root, never to ./var/media."""
    settings.MEDIA_ROOT = fresh_folder(request, tmp_path_factory, "media")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def open_data_dir(request, settings, tmp_path_factory):
    """Open-data files (spotcheck.public.opendata) go to a temporary folder, never ./var."""
    settings.SPOTCHECK_OPEN_DATA_DIR = fresh_folder(request, tmp_path_factory, "opendata")
    return settings.SPOTCHECK_OPEN_DATA_DIR


def make_agency() -> Agency:
    return Agency.objects.create(name="沂源县公安局")


def make_unit(agency: Agency) -> Unit:
    return Unit.objects.create(agency=agency, name="治安大队")


def make_user(username: str, role: str, agency: Agency, unit: Unit | None = None) -> User:
    return User.objects.create_user(
        username=username, password=PASSWORD, role=role, agency=agency, unit=unit
    )


def make_coordinator(agency: Agency) -> User:
    return make_user("coord", Role.COORDINATOR, agency)


def make_unit_leader(agency: Agency, unit: Unit) -> User:
    return make_user("leader", Role.UNIT_LEADER, agency, unit)


def make_inspector_user(agency: Agency, unit: Unit) -> User:
    return make_user("insp", Role.INSPECTOR, agency, unit)


def make_supervisor(agency: Agency) -> User:
    return make_user("super", Role.SUPERVISOR, agency)


def make_administrator(agency: Agency) -> User:
    return make_user("admin1", Role.ADMINISTRATOR, agency)


@pytest.fixture
def agency(request, db) -> Agency:
    return shared_or_built(request, "agency", make_agency)


@pytest.fixture
def unit(request, agency) -> Unit:
    return shared_or_built(request, "unit", lambda: make_unit(agency))


@pytest.fixture
def coordinator(request, agency) -> User:
    return shared_or_built(request, "coordinator", lambda: make_coordinator(agency))


@pytest.fixture
def unit_leader(request, agency, unit) -> User:
    return shared_or_built(request, "unit_leader", lambda: make_unit_leader(agency, unit))


@pytest.fixture
def inspector_user(request, agency, unit) -> User:
    return shared_or_built(request, "inspector_user", lambda: make_inspector_user(agency, unit))


@pytest.fixture
def supervisor(request, agency) -> User:
    return shared_or_built(request, "supervisor", lambda: make_supervisor(agency))


@pytest.fixture
def administrator(request, agency) -> User:
    return shared_or_built(request, "administrator", lambda: make_administrator(agency))


@pytest.fixture
def users_by_role(coordinator, unit_leader, inspector_user, supervisor, administrator):
    return {
        Role.COORDINATOR: coordinator,
        Role.UNIT_LEADER: unit_leader,
        Role.INSPECTOR: inspector_user,
        Role.SUPERVISOR: supervisor,
        Role.ADMINISTRATOR: administrator,
    }


def read_seed_plan() -> bytes:
    return resources.files("spotcheck.data").joinpath("2022-county-police-plan.txt").read_bytes()


def import_seed_plan(coordinator: User):
    from spotcheck.plans.actions import import_plan, read_plan_upload

    data = read_seed_plan()
    parsed = read_plan_upload(data=data, filename="2022-county-police-plan.txt")
    return import_plan(
        parsed=parsed,
        actor=coordinator,
        source_filename="2022-county-police-plan.txt",
        source_bytes=data,
    )


def publish_seed_plan(seed_plan, coordinator: User):
    from spotcheck.plans.actions import publish_plan

    return publish_plan(plan=seed_plan, actor=coordinator)


@pytest.fixture
def seed_plan_bytes() -> bytes:
    return read_seed_plan()


@pytest.fixture
def seed_plan(request, db, coordinator):
    return shared_or_built(request, "seed_plan", lambda: import_seed_plan(coordinator))


@pytest.fixture
def published_plan(request, seed_plan, coordinator):
    return shared_or_built(
        request, "published_plan", lambda: publish_seed_plan(seed_plan, coordinator)
    )


DEMO_AS_OF = __import__("datetime").date(2024, 3, 1)


@pytest.fixture
def demo_directory(db, tmp_path):
    """A small demo county directory imported through the real imports: 120 entities of
    沂源县公安局, its officers and the housing department's, and recusals (as of 2024-03-01)."""
    from spotcheck.registry.actions import load_demo_directory

    return load_demo_directory(
        seed=2022, entities=120, as_of=DEMO_AS_OF, directory=tmp_path / "demo"
    )


# A second agency on the same server, for agency-scoping tests: its users must never reach the
# first agency's objects (another county's police bureau; the housing department the plan's
# joint items name is the cooperating case, see tests/accounts/test_permissions.py).
OTHER_AGENCY = "临朐县公安局"


@pytest.fixture
def other_agency(db) -> Agency:
    return Agency.objects.create(name=OTHER_AGENCY)


@pytest.fixture
def other_unit(other_agency) -> Unit:
    return Unit.objects.create(agency=other_agency, name="治安大队")


@pytest.fixture
def other_users_by_role(other_agency, other_unit):
    return {
        role: make_user(
            f"other-{role}",
            role,
            other_agency,
            other_unit if role in (Role.UNIT_LEADER, Role.INSPECTOR) else None,
        )
        for role in Role.values
    }


@pytest.fixture
def other_plan(db, seed_plan_bytes, other_agency):
    """The other agency's draft plan (the bundled plan imported under its name)."""
    from spotcheck.plans.actions import import_plan, read_plan_upload

    parsed = read_plan_upload(data=seed_plan_bytes, filename="2022-county-police-plan.txt")
    return import_plan(
        parsed=parsed,
        actor="cli",
        agency_name=OTHER_AGENCY,
        source_filename="2022-county-police-plan.txt",
        source_bytes=seed_plan_bytes,
    )


@dataclass(frozen=True)
class SharedFolders:
    """Where files written while a module's shared rows were built went (see fresh_folder)."""

    media: Path
    opendata: Path


@pytest.fixture(scope="module")
def module_transaction(
    django_db_setup, django_db_blocker, tmp_path_factory
) -> Iterator[SharedFolders]:
    """Rows a module's tests share, built once (Django TestCase's setUpTestData, for pytest).

    Module-scoped fixtures that request this build their rows inside one transaction; every
    test then runs in a savepoint inside it (pytest-django's `db`), so what a test writes is
    undone after it, and the shared rows are rolled back at the module's end. Function-scoped
    fixtures hand each test a deep copy of the shared objects (as setUpTestData does; see
    shared_copy). Not for transactional tests: they would not see the rows and would flush them.
    Every test of a module that uses it must use the same module-scoped fixtures
    (pytest_collection_modifyitems below), or a test would see rows or not depending on which
    tests ran before it.
    """
    folders = SharedFolders(tmp_path_factory.mktemp("media"), tmp_path_factory.mktemp("opendata"))
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        # The actions' own atomic blocks nest in it as they do in a test's (TestCase) block.
        outer._from_testcase = True
        with (
            outer,
            override_settings(MEDIA_ROOT=folders.media, SPOTCHECK_OPEN_DATA_DIR=folders.opendata),
        ):
            yield folders
            transaction.set_rollback(True)


@pytest.fixture
def shared_copy(db) -> Callable[[Any], Any]:
    """Deep-copies shared objects for this test, all with one memo: two fixtures that hand out
    pieces of the same shared rows keep their links to each other (a draw's item's plan is the
    published_plan the test receives), as when one fixture built both."""
    memo: dict[int, Any] = {}
    return lambda shared: copy.deepcopy(shared, memo)


@dataclass
class SharedRound:
    """Round one of the 2022 plan after its draws, as the function-scoped fixtures name it:
    the agency, its unit, a user per role, the plan, the demo county directory and the draws."""

    agency: Agency
    unit: Unit
    coordinator: User
    unit_leader: User
    inspector_user: User
    supervisor: User
    administrator: User
    seed_plan: Any
    published_plan: Any
    housing: Agency
    directory: dict[str, Any]
    executed_draws: dict[int, Any] | None  # None: drawn per test (shared_directory)


@pytest.fixture(scope="module")
def shared_directory(module_transaction) -> SharedRound:
    """The agency, its unit, a user per role, the 2022 plan and the demo county directory built
    once for a module (`pytest.mark.usefixtures("shared_directory")`), without the draws: its
    tests' `agency`, `unit`, role users, `seed_plan`, `published_plan`, `housing` and `directory`
    are copies of these (shared_or_built); `executed_draws` is still drawn per test."""
    from tests.inspections.conftest import demo_county, housing_of, load_directory

    # In the order the function-scoped fixtures run for a test of the round.
    agency = make_agency()
    unit = make_unit(agency)
    coordinator = make_coordinator(agency)
    unit_leader = make_unit_leader(agency, unit)
    inspector_user = make_inspector_user(agency, unit)
    supervisor = make_supervisor(agency)
    administrator = make_administrator(agency)
    seed_plan = import_seed_plan(coordinator)
    published_plan = publish_seed_plan(seed_plan, coordinator)
    housing = housing_of(published_plan)
    directory = load_directory(published_plan, demo_county(), housing)
    return SharedRound(
        agency=agency,
        unit=unit,
        coordinator=coordinator,
        unit_leader=unit_leader,
        inspector_user=inspector_user,
        supervisor=supervisor,
        administrator=administrator,
        seed_plan=seed_plan,
        published_plan=published_plan,
        housing=housing,
        directory=directory,
        executed_draws=None,
    )


@pytest.fixture(scope="module")
def shared_round(shared_directory) -> SharedRound:
    """Round one's draws built once for a module (`pytestmark = pytest.mark.usefixtures(
    "shared_round")` in it) instead of once per test, on its shared_directory. Its tests'
    `agency`, `unit`, role users, `seed_plan`, `published_plan`, `housing`, `directory` and
    `executed_draws` are then copies of these (shared_or_built), and every test of the module
    sees these rows, whichever of them it asks for. A module may build more on them in a
    module-scoped fixture of its own that requests this one; its tests must then all request
    that fixture too."""
    from tests.inspections.conftest import execute_round_one

    draws = execute_round_one(shared_directory.published_plan, shared_directory.coordinator)
    return dataclasses.replace(shared_directory, executed_draws=draws)


@dataclass
class SharedTeams:
    """Round one's visits built and its teams matched, on the shared round."""

    matching: Any  # match_teams_for_round's TeamMatching


@pytest.fixture(scope="module")
def shared_teams(shared_round) -> SharedTeams:
    """Round one's visits and teams built once for a module (`pytest.mark.usefixtures(
    "shared_teams")`), on its shared_round; see round_one_matched."""
    from spotcheck.inspections.actions import build_visits, match_teams_for_round

    plan, coordinator = shared_round.published_plan, shared_round.coordinator
    build_visits(plan=plan, round=1, actor=coordinator)
    return SharedTeams(match_teams_for_round(plan=plan, round=1, actor=coordinator))


def round_one_matched(request, published_plan, coordinator) -> Any:
    """Round one's visits built and teams matched (the TeamMatching): by the module's
    shared_teams, once, where it shares them, else now."""
    if "shared_teams" in request.fixturenames:
        shared = request.getfixturevalue("shared_teams").matching
        return request.getfixturevalue("shared_copy")(shared)
    from spotcheck.inspections.actions import build_visits, match_teams_for_round

    build_visits(plan=published_plan, round=1, actor=coordinator)
    return match_teams_for_round(plan=published_plan, round=1, actor=coordinator)


def shared_or_built(request, name: str, build: Callable[[], Any]) -> Any:
    """This test's copy of `name` from the module's shared round (or directory), or `build()`
    where the module shares none or not that."""
    for world in ("shared_round", "shared_directory"):
        if world in request.fixturenames:
            shared = getattr(request.getfixturevalue(world), name)
            if shared is None:
                break
            return request.getfixturevalue("shared_copy")(shared)
    return build()


def module_fixtures(item: pytest.Item) -> frozenset[str]:
    definitions = item._fixtureinfo.name2fixturedefs  # type: ignore[attr-defined]
    return frozenset(
        name
        for name in item.fixturenames  # type: ignore[attr-defined]
        if name in definitions and definitions[name][-1].scope == "module"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In a module whose tests share rows (module_transaction), every test uses the same
    module-scoped fixtures: a test that asked for fewer would still see the rows the others'
    fixtures built whenever one of them ran first."""
    by_module: dict[Any, dict[frozenset[str], list[str]]] = {}
    for item in items:
        if not hasattr(item, "_fixtureinfo"):
            continue
        if "module_transaction" in item.fixturenames:  # type: ignore[attr-defined]
            by_module.setdefault(item.module, {})  # type: ignore[attr-defined]
    for item in items:
        module = getattr(item, "module", None)
        if module in by_module:
            by_module[module].setdefault(module_fixtures(item), []).append(item.name)
    for module, groups in by_module.items():
        if len(groups) > 1:
            described = "; ".join(
                f"{sorted(names)}: {tests[:5]}" for names, tests in groups.items()
            )
            raise pytest.UsageError(
                f"{module.__name__}: its tests share rows built once (module_transaction), so "
                f"every test there must use the same module-scoped fixtures (add them with "
                f"pytest.mark.usefixtures or move the test to another module): {described}"
            )


@pytest.fixture(autouse=True)
def clear_public_page_cache():
    # The public portal caches whole pages (spotcheck.public.cache); no test sees another's.
    from spotcheck.public.cache import clear_public_pages

    clear_public_pages()
