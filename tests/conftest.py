"""Shared fixtures: one user per role, organisations, the bundled 2022 plan."""

import copy
import dataclasses
import itertools
import json
import os
import shutil
import tempfile
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


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
) -> Iterator[None]:
    """pytest-django's set-up of the test databases, each a copy of a template migrated once
    per set of migrations instead of migrated anew in every process (tests/template_db.py);
    --create-db builds the template again. With --reuse-db, pytest-django's kept database."""
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    from tests.template_db import copy_from_template

    if not django_db_use_migrations:
        raise pytest.UsageError("--nomigrations: the test databases are migrated templates")
    keep = django_db_keepdb and not django_db_createdb
    serialized = {
        alias
        for item in request.session.items
        if (marker := item.get_closest_marker("django_db"))
        and marker.kwargs.get("serialized_rollback")
        for alias in connections
    }
    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        if not keep:
            for connection in connections.all():
                copy_from_template(connection, rebuild=django_db_createdb)
        # keepdb: the copy is there; Django migrates what it lacks (nothing) and keeps it.
        databases = setup_databases(
            verbosity=verbosity, interactive=False, keepdb=True, serialized_aliases=serialized
        )
    yield
    if not keep:
        with django_db_blocker.unblock():
            teardown_databases(databases, verbosity=verbosity)


# Each test's own media and open-data folders are named here but not created: the code that
# writes into them creates them (results.files, public.opendata). Creating two numbered folders
# per test with tmp_path_factory.mktemp cost ~3 ms a test (it lists the ever-growing base folder
# to find the next number), for the few tests that write files.
_folder_numbers = itertools.count()


@pytest.fixture(scope="session")
def per_test_folders(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("per-test")


def fresh_folder(request, root: Path, name: str) -> Path:
    """A temporary folder for this test (not yet created); in a module that shares rows
    (module_transaction), a copy of the files written while they were built, so that the test
    sees what it would have seen had it built them, and what it writes stays its own."""
    folder = root / f"{name}-{next(_folder_numbers)}"
    if "module_transaction" in request.fixturenames:
        shared = getattr(request.getfixturevalue("module_transaction"), name)
        if any(shared.iterdir()):
            shutil.copytree(shared, folder)
    return folder


@pytest.fixture(autouse=True)
def media_root(request, settings, per_test_folders):
    """Attachments (results) go to a temporary media root, never to ./var/media."""
    settings.MEDIA_ROOT = fresh_folder(request, per_test_folders, "media")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def open_data_dir(request, settings, per_test_folders):
    """Open-data files (spotcheck.public.opendata) go to a temporary folder, never ./var."""
    settings.SPOTCHECK_OPEN_DATA_DIR = fresh_folder(request, per_test_folders, "opendata")
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
    """Where files written while a module's shared rows were built went (see fresh_folder),
    and the module's copy of the worker's shared world (SharedWorlds: fixture name -> object)."""

    media: Path
    opendata: Path
    world: dict[str, Any] = dataclasses.field(default_factory=dict)


# The rows several modules share, in layers: each is built on the one it names. A module asks
# for the innermost it needs (pytest.mark.usefixtures("shared_round"), …).
WORLD_LAYERS: dict[str, str | None] = {
    "shared_directory": None,
    "shared_round": "shared_directory",
    "shared_teams": "shared_round",
    "shared_demo": "shared_round",  # tests/stats/conftest.py
    "shared_demo_year": None,
}


def world_of(fixturenames: Any) -> str | None:
    """The innermost layer of WORLD_LAYERS a test asks for (None: none)."""
    asked = [name for name in WORLD_LAYERS if name in fixturenames]
    innermost = [name for name in asked if not any(WORLD_LAYERS[o] == name for o in asked)]
    if len(innermost) > 1:
        raise pytest.UsageError(f"a test may share one world, not {innermost}")
    return innermost[0] if innermost else None


def build_layer(name: str, built: dict[str, Any]) -> Any:
    if name == "shared_directory":
        return build_shared_directory()
    if name == "shared_round":
        from tests.inspections.conftest import execute_round_one

        directory = built["shared_directory"]
        draws = execute_round_one(directory.published_plan, directory.coordinator)
        return dataclasses.replace(directory, executed_draws=draws)
    if name == "shared_teams":
        from spotcheck.inspections.actions import build_visits, match_teams_for_round

        plan, coordinator = built["shared_round"].published_plan, built["shared_round"].coordinator
        build_visits(plan=plan, round=1, actor=coordinator)
        return SharedTeams(match_teams_for_round(plan=plan, round=1, actor=coordinator))
    if name == "shared_demo":
        from tests.stats.conftest import build_demo

        shared = built["shared_round"]
        return build_demo(shared.unit, shared.published_plan, shared.coordinator)
    if name == "shared_demo_year":
        return play_demo_year()
    raise ValueError(name)


@dataclass
class DemoYear:
    """`spotcheck setup-demo` then `spotcheck demo-year --seed 5`: the plan and what it printed."""

    plan: Any
    output: str


def play_demo_year() -> DemoYear:
    from io import StringIO

    from django.core.management import call_command

    from spotcheck.plans.models import Plan

    call_command("setup_demo", stdout=StringIO())
    out = StringIO()
    call_command("demo_year", seed=5, no_progress=True, stdout=out)
    return DemoYear(Plan.objects.get(), out.getvalue())


@pytest.fixture(scope="module")
def shared_demo_year(module_transaction) -> DemoYear:
    """The demo year played through the real actions (play_demo_year), shared by a module
    (`pytest.mark.usefixtures("shared_demo_year")`; built once for the worker's modules that
    ask for it: SharedWorlds)."""
    return module_transaction.world["shared_demo_year"]


@dataclass
class SharedWorld:
    name: str
    objects: dict[str, Any]
    folders: SharedFolders
    atomic: Any


class SharedWorlds:
    """The world (rows of WORLD_LAYERS) a worker's modules share: built inside a transaction
    that stays open while the worker runs modules that ask for the same world, each inside it
    (module_transaction: a savepoint, rolled back at the module's end), and rolled back as soon
    as a module asks for another world or none (leave_shared_world). Building the round and the
    statistics' demo round once per run of such modules instead of once per module saved most of
    their set-up (the collection keeps a world's modules together: longest_modules_first)."""

    current: SharedWorld | None = None

    def __init__(self, blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.blocker = blocker
        self.tmp_path_factory = tmp_path_factory

    def enter(self, name: str) -> SharedWorld:
        if self.current is not None and self.current.name == name:
            return self.current
        self.leave()
        layers = [name]
        while (parent := WORLD_LAYERS[layers[-1]]) is not None:
            layers.append(parent)
        folders = SharedFolders(
            self.tmp_path_factory.mktemp("world-media"),
            self.tmp_path_factory.mktemp("world-opendata"),
        )
        with self.blocker.unblock():
            atomic = transaction.atomic()
            # The actions' own atomic blocks nest in it as they do in a test's (TestCase) block.
            atomic._from_testcase = True
            atomic.__enter__()
            try:
                with override_settings(
                    MEDIA_ROOT=folders.media, SPOTCHECK_OPEN_DATA_DIR=folders.opendata
                ):
                    built: dict[str, Any] = {}
                    for layer in reversed(layers):
                        built[layer] = build_layer(layer, built)
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        self.current = SharedWorld(name, built, folders, atomic)
        return self.current

    def leave(self) -> None:
        if self.current is None:
            return
        with self.blocker.unblock():
            transaction.set_rollback(True)
            self.current.atomic.__exit__(None, None, None)
        self.current = None


_shared_worlds: list[SharedWorlds] = []  # this worker's, once a module asked for one


@pytest.fixture(scope="session")
def shared_worlds(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[SharedWorlds]:
    worlds = SharedWorlds(django_db_blocker, tmp_path_factory)
    _shared_worlds.append(worlds)
    yield worlds
    worlds.leave()
    _shared_worlds.remove(worlds)


@pytest.fixture(scope="module", autouse=True)
def leave_shared_world(request) -> None:
    """A module that shares no rows (no module_transaction) starts on an empty database."""
    if "module_transaction" not in request.fixturenames:
        for worlds in _shared_worlds:
            worlds.leave()


@pytest.fixture(scope="module")
def module_transaction(
    request, shared_worlds, django_db_blocker, tmp_path_factory
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

    A module that asks for a layer of WORLD_LAYERS (shared_round, …) runs on the worker's
    shared world (SharedWorlds), built before this transaction opens: the module gets a copy of
    its objects (its module-scoped fixtures may change them) and of its files.
    """
    name = world_of(request.fixturenames)
    world = shared_worlds.enter(name) if name else None
    if world is None:
        shared_worlds.leave()
    folders = SharedFolders(
        tmp_path_factory.mktemp("media"),
        tmp_path_factory.mktemp("opendata"),
        copy.deepcopy(world.objects) if world else {},
    )
    if world is not None:
        shutil.copytree(world.folders.media, folders.media, dirs_exist_ok=True)
        shutil.copytree(world.folders.opendata, folders.opendata, dirs_exist_ok=True)
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


def build_shared_directory() -> SharedRound:
    """The agency, its unit, a user per role, the 2022 plan and the demo county directory."""
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
def shared_directory(module_transaction) -> SharedRound:
    """The agency, its unit, a user per role, the 2022 plan and the demo county directory,
    shared by a module (`pytest.mark.usefixtures("shared_directory")`; built once for the
    worker's modules that ask for it: SharedWorlds), without the draws: its tests' `agency`,
    `unit`, role users, `seed_plan`, `published_plan`, `housing` and `directory` are copies of
    these (shared_or_built); `executed_draws` is still drawn per test."""
    return module_transaction.world["shared_directory"]


@pytest.fixture(scope="module")
def shared_round(shared_directory, module_transaction) -> SharedRound:
    """Round one's draws on the shared directory, shared by a module (`pytestmark =
    pytest.mark.usefixtures("shared_round")` in it; built once for the worker's modules that ask
    for it: SharedWorlds) instead of built for each test. Its tests' `agency`, `unit`, role
    users, `seed_plan`, `published_plan`, `housing`, `directory` and `executed_draws` are then
    copies of these (shared_or_built), and every test of the module sees these rows, whichever
    of them it asks for. A module may build more on them in a module-scoped fixture of its own
    that requests this one (inside its module_transaction); its tests must then all request
    that fixture too."""
    return module_transaction.world["shared_round"]


@dataclass
class SharedTeams:
    """Round one's visits built and its teams matched, on the shared round."""

    matching: Any  # match_teams_for_round's TeamMatching


@pytest.fixture(scope="module")
def shared_teams(shared_round, module_transaction) -> SharedTeams:
    """Round one's visits and teams on the shared round, shared by a module
    (`pytest.mark.usefixtures("shared_teams")`; SharedWorlds); see round_one_matched. Its tests
    also get the shared round's objects (shared_or_built)."""
    return module_transaction.world["shared_teams"]


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


# The seconds each module took in a recent run (tests/module_seconds.py writes the file).
MODULE_SECONDS: dict[str, float] = json.loads(
    (Path(__file__).with_name("module_seconds.json")).read_text()
)


GROUPS_FILE = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    # xdist hands the modules (--dist loadfile) out in the order of the collection, not sorted
    # by their number of tests (its default): that put the slow modules of one to four tests
    # (the permission matrix, the browser and demo-year tests) last, one worker busy with them
    # while the other waited. The collection is ordered longest first instead (below).
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
    if not hasattr(config, "workerinput") and config.getoption("dist", None) == "loadfile":
        folder = Path(tempfile.mkdtemp(prefix="spotcheck-groups-"))
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
        config.stash[GROUPS_FILE] = folder / "groups"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    if GROUPS_FILE in node.config.stash:
        node.workerinput["spotcheck_groups_file"] = str(node.config.stash[GROUPS_FILE])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With --dist loadfile, the modules that share a world (SharedWorlds) go to one worker
    together, as one unit of work, so that the world is built once in the run; every other
    module is a unit of its own, as with xdist's loadfile."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class WorldScheduling(LoadFileScheduling):
        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                # Written by the workers when they collected (longest_modules_first); read once
                # all had, when the units are made.
                written = config.stash[GROUPS_FILE]
                self.groups = json.loads(written.read_text()) if written.exists() else {}
            module = nodeid.split("::", 1)[0]
            return self.groups.get(module, module)

    return WorldScheduling(config, log)


def longest_modules_first(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Whole modules, the longest first by MODULE_SECONDS (a module not listed last), each in
    its own order: a worker that starts a long module late would leave the other idle. The
    modules that share a world (WORLD_LAYERS) stay together, ranked by their sum, so that each
    worker builds it once (SharedWorlds)."""
    first_seen: dict[str, int] = {}
    group_of: dict[str, str] = {}
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        first_seen.setdefault(module, len(first_seen))
        group_of.setdefault(module, world_of(getattr(item, "fixturenames", ())) or module)
    group_seconds: dict[str, float] = {}
    for module, group in group_of.items():
        group_seconds[group] = group_seconds.get(group, 0.0) + MODULE_SECONDS.get(module, 0.0)

    def rank(item: pytest.Item) -> tuple[float, str, float, int]:
        module = item.nodeid.split("::", 1)[0]
        group = group_of[module]
        return (-group_seconds[group], group, -MODULE_SECONDS.get(module, 0.0), first_seen[module])

    items.sort(key=rank)  # stable: a module's tests keep their order
    if "spotcheck_groups_file" in getattr(config, "workerinput", {}):  # for WorldScheduling
        worlds = {module: group for module, group in group_of.items() if group != module}
        target = Path(config.workerinput["spotcheck_groups_file"])
        written = target.with_name(f"{target.name}.{config.workerinput['workerid']}")
        written.write_text(json.dumps(worlds))
        written.replace(target)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Orders the modules longest first (longest_modules_first). In a module whose tests share
    rows (module_transaction), every test uses the same module-scoped fixtures: a test that
    asked for fewer would still see the rows the others' fixtures built whenever one of them
    ran first."""
    longest_modules_first(config, items)
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
