"""Where visits come from: the executed draws of a plan's round (the draws app).

This is the only place that reads the draws app; actions work on `RoundDraw` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spotcheck.draws.actions import active_selections
from spotcheck.draws.models import Draw
from spotcheck.plans.models import Plan, PlanItem
from spotcheck.registry.models import Entity


@dataclass(frozen=True)
class DrawnEntity:
    entity: Entity
    ticket: str
    selection: Any = None  # the draws app's DrawSelection, when there is one


@dataclass(frozen=True)
class RoundDraw:
    """An executed draw of one plan item in one round, with its active selection (drawn
    targets, each replaced one swapped for its replacement)."""

    item: PlanItem
    seed: str
    targets: tuple[DrawnEntity, ...]
    draw: Any = None


def round_draws(plan: Plan, round: int) -> list[RoundDraw]:
    """The executed draws of the round."""
    draws = Draw.objects.filter(
        item__plan=plan, round_number=round, status=Draw.Status.EXECUTED
    ).select_related("item", "item__responsible_unit", "item__plan")
    return [
        RoundDraw(
            item=draw.item,
            seed=draw.seed,
            draw=draw,
            targets=tuple(
                DrawnEntity(entity=s.entity, ticket=s.ticket, selection=s)
                for s in active_selections(draw)
            ),
        )
        for draw in draws
    ]
