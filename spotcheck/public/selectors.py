"""What the public sees: one published-only selector per model.

Everything here answers the same question, "is it public?", with the one rule of
`spotcheck.plans.models.plan_is_public` (an object is public when its plan is published). The
public pages, draw.json, the feeds and the open data read only through these selectors, never
through the staff selectors (which add an agency's own drafts for its staff).
"""

from __future__ import annotations

from django.db.models import QuerySet

from spotcheck.draws.models import Draw
from spotcheck.inspections.models import TeamMatching
from spotcheck.plans.models import Plan, PlanItem, plan_is_public


def published_plans() -> QuerySet[Plan]:
    return Plan.objects.filter(plan_is_public()).select_related("agency")


def published_items() -> QuerySet[PlanItem]:
    return PlanItem.objects.filter(plan_is_public("plan")).select_related(
        "plan", "plan__agency", "entity_type"
    )


def published_draws() -> QuerySet[Draw]:
    """Draws of published plans: from the moment a draw is prepared its commitment is public."""
    return Draw.objects.public().select_related(
        "item", "item__plan", "item__plan__agency", "item__entity_type"
    )


def published_matchings() -> QuerySet[TeamMatching]:
    return TeamMatching.objects.filter(plan_is_public("plan")).select_related("plan", "event")


def latest_bulletins(limit: int = 10) -> list[Draw]:
    return list(published_draws().order_by("-prepared_at", "-pk")[:limit])
