"""What the visits and teams workflows share: the error, the pools, the round's executed draws.

Errors are `InspectionError` with a Chinese message that names the rule; nothing is saved when one
is raised.
"""

from __future__ import annotations

from dataclasses import dataclass

from spotcheck.accounts.models import Agency, Unit
from spotcheck.inspections import sources
from spotcheck.inspections.models import TeamMatching
from spotcheck.lib.visits import item_order
from spotcheck.plans.models import Plan, PlanItem
from spotcheck.registry.models import Inspector


class InspectionError(Exception):
    """A workflow step that cannot be done as asked; the message names the rule."""


# --- pools: which inspectors can sit on which seats ------------------------------------------


@dataclass(frozen=True)
class Pools:
    """Pool names used in the matching document: a responsible unit is named by the unit's
    name (units of the plan's agency), a cooperating department by its agency name."""

    plan: Plan

    @staticmethod
    def unit_pool(unit: Unit) -> str:
        return unit.name

    @staticmethod
    def agency_pool(agency: Agency) -> str:
        return agency.name

    def inspector_pool(self, inspector: Inspector, cooperating: set[int]) -> str | None:
        if inspector.agency_id == self.plan.agency_id:
            return inspector.unit.name if inspector.unit is not None else None
        if inspector.agency_id in cooperating:
            return inspector.agency.name
        return None


def item_key(item: PlanItem) -> str:
    return item.key


def _required_items(plan: Plan, round: int) -> list[PlanItem]:
    """Items whose targets are drawn: not event-driven and drawn at least `round` times a
    year (an item without a responsible unit is refused once its draw is read)."""
    items = plan.items.filter(event_driven=False).select_related("responsible_unit")
    return [item for item in items if (item.times_per_year or 1) >= round]


def executed_draws(plan: Plan, round: int) -> list[sources.RoundDraw]:
    draws = sources.round_draws(plan, round)
    have = {d.item.pk for d in draws}
    missing = [item for item in _required_items(plan, round) if item.pk not in have]
    if missing:
        names = "、".join(f"事项{item_key(i)}" for i in missing)
        raise InspectionError(
            f"第{round}轮还有抽取未执行：{names}。须全部抽取执行后才能生成检查任务和匹配检查组"
            "（同一对象的多个事项要合并为一次检查）"
        )
    for draw in draws:
        if draw.item.responsible_unit is None:
            raise InspectionError(f"事项{item_key(draw.item)}没有责任单位，无法安排检查")
    return sorted(draws, key=lambda d: item_order(item_key(d.item)))


def round_locked(plan: Plan, round: int) -> bool:
    return TeamMatching.objects.filter(plan=plan, round=round, event__isnull=True).exists()


def lock_plan(plan: Plan) -> Plan:
    return Plan.objects.select_for_update().get(pk=plan.pk)
