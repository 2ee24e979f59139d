"""Where visits come from: the executed draws of a plan's round.

This is the only place that reads the draws app; actions work on `RoundDraw` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spotcheck.plans.models import Plan, PlanItem
from spotcheck.registry.models import Entity


@dataclass(frozen=True)
class DrawnEntity:
    entity: Entity
    ticket: str
    selection: Any = None  # the draws app's selection row, when there is one


@dataclass(frozen=True)
class RoundDraw:
    """An executed draw of one plan item in one round, with its active selection."""

    item: PlanItem
    seed: str
    targets: tuple[DrawnEntity, ...]
    draw: Any = None


def round_draws(plan: Plan, round: int) -> list[RoundDraw]:
    """The executed draws of the round, in item-number order."""
    raise NotImplementedError("抽取模块尚未接入：无法读取本轮的抽取结果")
