"""Visits and teams wait until every draw of the round is executed."""

from __future__ import annotations

import pytest

from spotcheck.draws import actions as draws
from spotcheck.inspections.actions import InspectionError, build_visits, match_teams_for_round
from spotcheck.inspections.models import Visit
from tests.inspections.conftest import POPULATION_DAY, run_draw

pytestmark = pytest.mark.django_db


def test_matching_refuses_until_every_draw_is_executed(published_plan, directory, coordinator):
    for item in published_plan.items.filter(event_driven=False).exclude(number=4):
        run_draw(item, coordinator)
    # Item 4's draw is prepared but not executed: visits and teams wait for it.
    draws.prepare_draw(
        item=published_plan.items.get(number=4), actor=coordinator, on=POPULATION_DAY
    )
    with pytest.raises(InspectionError, match="事项4"):
        build_visits(plan=published_plan, round=1, actor=coordinator)
    with pytest.raises(InspectionError, match="事项4"):
        match_teams_for_round(plan=published_plan, round=1, actor=coordinator)
    assert not Visit.objects.exists()
