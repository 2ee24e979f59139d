"""Scheduling matched visits: the unit leader sets the day (or a short range of days) each visit
takes place, one visit or many at once (spotcheck.lib.schedule has the rule).

All or nothing: when one visit of a batch cannot take the days, nothing is saved and the error
names that visit and its window. One audit entry per visit scheduled.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.conf import settings
from django.db import transaction

from spotcheck.accounts.models import Role, User
from spotcheck.accounts.permissions import Actor, ensure_actor_agency, is_deployment_wide
from spotcheck.audit.models import record
from spotcheck.inspections.actions.common import InspectionError
from spotcheck.inspections.models import Visit
from spotcheck.lib.results import ReviewState
from spotcheck.lib.schedule import DEFAULT_MAX_DAYS, schedule_problem
from spotcheck.results.models import Result


def max_schedule_days() -> int:
    return int(getattr(settings, "SPOTCHECK_SCHEDULE_MAX_DAYS", DEFAULT_MAX_DAYS))


def _window_label(visit: Visit) -> str:
    label = visit.window_summary
    if visit.event_id is not None:
        return f"（活动日期）{label}"
    return label


@transaction.atomic
def schedule_visits(
    *,
    visits: Sequence[Visit],
    start: date,
    end: date,
    actor: Actor,
    now: datetime | None = None,
) -> list[Visit]:
    """Schedule every visit of `visits` on `start`–`end` (one day when equal), at `now`
    (default the current time). Refused for a visit whose team is not matched yet, whose result
    is already recorded, outside the days its team was matched for, beyond the longest range,
    or (for a unit leader) of another unit."""
    if not visits:
        raise InspectionError("请至少选择一个检查任务")
    locked = list(
        Visit.objects.select_for_update()
        .select_related("plan")
        .filter(pk__in=[v.pk for v in visits])
        .order_by("pk")
    )
    max_days = max_schedule_days()
    recorded = set(
        Result.objects.filter(visit__in=locked)
        .exclude(state=ReviewState.NOT_ENTERED)
        .values_list("visit_id", flat=True)
    )
    done = []
    for visit in locked:
        ensure_actor_agency(actor, visit.plan.agency_id)
        name = f"“{visit.entity_name}”（{visit.visit_key}）"
        if (
            isinstance(actor, User)
            and actor.role == Role.UNIT_LEADER
            and not is_deployment_wide(actor)
            and visit.responsible_unit_id != actor.unit_id
        ):
            raise InspectionError(f"{name}不是本单位负责的检查任务，只能安排本单位的检查任务")
        if visit.status != Visit.Status.MATCHED:
            raise InspectionError(f"{name}的检查组尚未匹配：匹配检查组后才能安排检查日期")
        if visit.pk in recorded:
            raise InspectionError(f"{name}的检查结果已录入，检查日期不能再改")
        problem = schedule_problem(
            start,
            end,
            window=(visit.planned_start, visit.planned_end),
            window_label=_window_label(visit),
            max_days=max_days,
        )
        if problem:
            raise InspectionError(f"{name}：{problem}")
        before = [
            d.isoformat() if d else None for d in (visit.scheduled_start, visit.scheduled_end)
        ]
        visit.scheduled_start, visit.scheduled_end = start, end
        visit.save(update_fields=["scheduled_start", "scheduled_end"])
        record(
            actor=actor,
            action="inspections.schedule",
            obj=visit,
            details={"before": before, "after": [start.isoformat(), end.isoformat()]},
            at=now,
        )
        done.append(visit)
    return done
