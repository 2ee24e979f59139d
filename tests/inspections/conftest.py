"""A generated county directory in the database and the 2022 plan's draws, for the inspections
tests. The directory is spotcheck.lib.demo's county generated as of early 2022, so that some
certificates have expired before or run out during the plan's windows."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import pytest

from spotcheck.accounts.models import Agency
from spotcheck.accounts.orgs import get_or_create_unit
from spotcheck.draws import actions as draws
from spotcheck.inspections import sources
from spotcheck.lib import demo, drawdoc
from spotcheck.registry.models import Entity, Inspector, Recusal, TargetType
from tests.conftest import shared_or_built

RECUSAL_REASONS = {
    "relative": Recusal.Reason.KIN,
    "former_employment": Recusal.Reason.FORMER_EMPLOYER,
    "declared_interest": Recusal.Reason.DECLARED_INTEREST,
    "recent_case": Recusal.Reason.RECENT_CASE,
}
# One ceremony for the plan's draws (draws of the same population with the same seed pick the
# same entities, as items 8-11 of the 2022 plan do).
DICE = [("张三", "3141592653"), ("李四", "5897932384")]
SEED = drawdoc.compose_seed([d for _, d in DICE], None)
POPULATION_DAY = date(2022, 3, 1)


@lru_cache(maxsize=1)
def demo_county() -> demo.DemoCounty:
    return demo.generate_county(2022, as_of=date(2022, 3, 1))


@pytest.fixture
def county() -> demo.DemoCounty:
    return demo_county()


def housing_of(published_plan) -> Agency:
    """The cooperating department item 1 names (住房城乡建设等相关部门)."""
    return published_plan.items.get(number=1).cooperating_agencies.get()


@pytest.fixture
def housing(request, published_plan) -> Agency:
    return shared_or_built(request, "housing", lambda: housing_of(published_plan))


@pytest.fixture
def directory(request, published_plan, county, housing):
    return shared_or_built(
        request, "directory", lambda: load_directory(published_plan, county, housing)
    )


def load_directory(published_plan, county: demo.DemoCounty, housing: Agency):
    """The demo county in the registry: entities, inspectors (police units of the plan's
    agency; the housing bureau's officers under the agency item 1 names) and recusals."""
    police = published_plan.agency
    types = {name: TargetType.resolve(name) for name in county.target_types}
    rows = list(county.entities)
    created = Entity.objects.bulk_create(
        [
            Entity(
                agency=police,
                public_id=row.code or f"YY{index:05d}",
                credit_code=row.code,
                name=row.name,
                town=row.town,
                risk_level=row.risk_level.value,
                status=row.status.value,
            )
            for index, row in enumerate(rows, start=1)
        ]
    )
    created = list(Entity.objects.filter(agency=police).order_by("pk"))
    through = Entity.target_types.through
    through.objects.bulk_create(
        [
            through(entity_id=entity.pk, targettype_id=types[name].pk)
            for entity, row in zip(created, rows, strict=True)
            for name in row.target_types
        ]
    )
    entities = {row.code or row.name: entity for entity, row in zip(created, rows, strict=True)}
    inspectors: dict[str, Inspector] = {}
    for row in county.inspectors:
        agency = police if row.unit == demo.POLICE_AGENCY else housing
        inspectors[row.certificate_number] = Inspector.objects.create(
            agency=agency,
            unit=get_or_create_unit(agency, row.department)[0],
            name=row.name,
            badge_number=row.badge_number,
            certificate_number=row.certificate_number,
            certificate_valid_until=row.certificate_valid_until,
            post=row.post,
            qualifications=list(row.qualifications),
            is_active=row.status.value == "active",
        )
    for row in county.recusals:
        Recusal.objects.create(
            inspector=inspectors[row.certificate_number],
            entity=entities[row.entity_code or row.entity_name],
            reason=RECUSAL_REASONS[row.reason.value],
            valid_from=row.valid_from,
            valid_until=row.valid_until,
        )
    return {"entities": entities, "inspectors": inspectors}


def run_draw(item, actor, witnesses=DICE, round: int = 1):
    """prepare -> seed -> execute with the draws app's actions."""
    draw = draws.prepare_draw(item=item, round=round, actor=actor, on=POPULATION_DAY)
    draws.seed_draw(draw=draw, witnesses=witnesses, actor=actor)
    return draws.execute_draw(draw=draw, actor=actor)


@pytest.fixture
def executed_draws(request, published_plan, coordinator):
    # The directory is asked for here, not as an argument: a test of a module that shares the
    # round (shared_round) need not pay for a copy of 600 entities it does not look at.

    def build():
        request.getfixturevalue("directory")
        return execute_round_one(published_plan, coordinator)

    return shared_or_built(request, "executed_draws", build)


def execute_round_one(published_plan, coordinator):
    """Every ratio-based item of the 2022 plan drawn in round 1, at one ceremony (one seed)."""
    items = published_plan.items.filter(event_driven=False).order_by("number")
    run = {item.number: run_draw(item, coordinator) for item in items}
    return {
        d.item.number: d for d in sources.round_draws(published_plan, 1) if d.draw in run.values()
    }
