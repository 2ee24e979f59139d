"""Shared fixtures: one user per role, organisations, the bundled 2022 plan."""

import os
from collections.abc import Iterator
from importlib import resources

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


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    """Attachments (results) go to a temporary media root, never to ./var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def open_data_dir(settings, tmp_path_factory):
    """Open-data files (spotcheck.public.opendata) go to a temporary folder, never ./var."""
    settings.SPOTCHECK_OPEN_DATA_DIR = tmp_path_factory.mktemp("opendata")
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


@pytest.fixture
def agency(db) -> Agency:
    return make_agency()


@pytest.fixture
def unit(agency) -> Unit:
    return make_unit(agency)


@pytest.fixture
def coordinator(agency) -> User:
    return make_coordinator(agency)


@pytest.fixture
def unit_leader(agency, unit) -> User:
    return make_user("leader", Role.UNIT_LEADER, agency, unit)


@pytest.fixture
def inspector_user(agency, unit) -> User:
    return make_user("insp", Role.INSPECTOR, agency, unit)


@pytest.fixture
def supervisor(agency) -> User:
    return make_user("super", Role.SUPERVISOR, agency)


@pytest.fixture
def administrator(agency) -> User:
    return make_user("admin1", Role.ADMINISTRATOR, agency)


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
def seed_plan(db, coordinator):
    return import_seed_plan(coordinator)


@pytest.fixture
def published_plan(seed_plan, coordinator):
    return publish_seed_plan(seed_plan, coordinator)


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


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[None]:
    """Rows a module's tests share, built once (Django TestCase's setUpTestData, for pytest).

    Module-scoped fixtures that request this build their rows inside one transaction; every
    test then runs in a savepoint inside it (pytest-django's `db`), so what a test writes is
    undone after it, and the shared rows are rolled back at the module's end. Function-scoped
    fixtures hand each test a deep copy of the shared objects (as setUpTestData does). Not for
    transactional tests: they would not see the rows and would flush them.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        # The actions' own atomic blocks nest in it as they do in a test's (TestCase) block.
        outer._from_testcase = True
        with (
            outer,
            override_settings(
                MEDIA_ROOT=tmp_path_factory.mktemp("media"),
                SPOTCHECK_OPEN_DATA_DIR=tmp_path_factory.mktemp("opendata"),
            ),
        ):
            yield
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def clear_public_page_cache():
    # The public portal caches whole pages (spotcheck.public.cache); no test sees another's.
    from spotcheck.public.cache import clear_public_pages

    clear_public_pages()
