"""The inspections tests' county directory and executed draws, reused for the public portal,
and the first visits of round 1 with a matched team, ready to record, approve and publish."""

import pytest

from spotcheck.inspections.models import Visit
from tests.conftest import round_one_matched
from tests.inspections.conftest import (  # noqa: F401 - fixtures
    county,
    directory,
    executed_draws,
    housing,
)


@pytest.fixture
def teamed_visits(request, unit, published_plan, executed_draws, coordinator) -> list[Visit]:  # noqa: F811
    """Three visits of the unit in round 1 that have a team."""
    round_one_matched(request, published_plan, coordinator)
    return list(
        Visit.objects.filter(plan=published_plan, responsible_unit=unit, members__isnull=False)
        .distinct()
        .order_by("pk")[:3]
    )
