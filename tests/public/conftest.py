"""The inspections tests' county directory and executed draws, reused for the public portal,
the first visits of round 1 with a matched team, ready to record, approve and publish, and four
of them published."""

import pytest

from spotcheck.inspections.models import Visit
from spotcheck.public import actions
from spotcheck.public.models import PublishedResult
from tests.conftest import round_one_matched
from tests.inspections.conftest import (  # noqa: F401 - fixtures
    county,
    directory,
    executed_draws,
    housing,
)
from tests.public.helpers import approve_visit


@pytest.fixture
def teamed_visits(request, unit, published_plan, executed_draws, coordinator) -> list[Visit]:  # noqa: F811
    """Three visits of the unit in round 1 that have a team."""
    round_one_matched(request, published_plan, coordinator)
    return list(
        Visit.objects.filter(plan=published_plan, responsible_unit=unit, members__isnull=False)
        .distinct()
        .order_by("pk")[:3]
    )


def publish_four(unit, published_plan, unit_leader) -> list[PublishedResult]:
    """Four teamed visits of the unit approved (the first with a problem) and published."""
    visits = Visit.objects.filter(
        plan=published_plan, responsible_unit=unit, members__isnull=False
    ).distinct()[:4]
    results = [approve_visit(v, unit_leader, problem=(i == 0)) for i, v in enumerate(visits)]
    actions.publish_results(results=results, actor=unit_leader)
    return list(PublishedResult.objects.order_by("pk"))


@pytest.fixture
def published(request, unit, published_plan, executed_draws, coordinator, unit_leader):  # noqa: F811
    round_one_matched(request, published_plan, coordinator)
    return publish_four(unit, published_plan, unit_leader)


@pytest.fixture(scope="module")
def shared_published(shared_teams, shared_round) -> list[PublishedResult]:
    """`published`, once for a module whose every test uses it (such a module takes copies:
    its own `published` returns shared_copy(shared_published))."""
    return publish_four(shared_round.unit, shared_round.published_plan, shared_round.unit_leader)
