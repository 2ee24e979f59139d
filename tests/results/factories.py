"""Approved inspections on record, built directly (no draw, no matching run, no review steps),
for the tests of what reads them: the draw's exclude-recently-inspected option and matching's
not-the-last-inspector rule (results.selectors)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import count

from spotcheck.accounts.models import Unit
from spotcheck.inspections.models import TeamMatching, TeamMember, Visit, VisitItem
from spotcheck.lib.results import ReviewState
from spotcheck.plans.models import PlanItem
from spotcheck.registry.models import Entity, Inspector
from spotcheck.results.models import ItemResult, Result

_keys = count(1)


def approved_inspection(
    *,
    entity: Entity,
    item: PlanItem,
    inspected_on: date,
    problem: bool = False,
    inspectors: Sequence[Inspector] = (),
    state: str = ReviewState.APPROVED,
) -> Result:
    """An approved result of a past visit of `entity` for `item`, with `inspectors` present."""
    plan = item.plan
    unit = (
        inspectors[0].unit
        if inspectors and inspectors[0].unit
        else Unit.objects.filter(agency_id=plan.agency_id).first()
        or Unit.objects.create(agency_id=plan.agency_id, name="历史检查单位")
    )
    key = f"H{next(_keys)}"
    visit = Visit.objects.create(
        plan=plan,
        round=90,
        visit_key=key,
        entity=entity,
        entity_key=entity.public_id,
        entity_name=entity.name,
        responsible_unit=unit,
        window_start_month=1,
        window_end_month=12,
        planned_start=inspected_on,
        planned_end=inspected_on,
        ticket=f"0.{key}",
        team_size=2,
        status=Visit.Status.MATCHED,
    )
    visit_item = VisitItem.objects.create(visit=visit, item=item)
    seats = []
    if inspectors:
        match = TeamMatching.objects.create(plan=plan, round=None, seed="1" * 20)
        for seat, inspector in enumerate(inspectors, start=1):
            seats.append(
                TeamMember.objects.create(
                    matching=match,
                    visit=visit,
                    inspector=inspector,
                    role=TeamMember.Role.LEADER if seat == 1 else TeamMember.Role.MEMBER,
                    seat=seat,
                    pool=unit.name,
                    ticket=f"0.{key}.{seat}",
                    eligibility="test",
                ).pk
            )
    result = Result.objects.create(
        visit=visit, way="on_site", inspected_on=inspected_on, present=seats
    )
    ItemResult.objects.create(
        result=result,
        visit_item=visit_item,
        category="pending_follow_up" if problem else "no_problem",
    )
    result.state = state
    result.save(update_fields=["state"])
    return result
