"""What the public sees: one published-only selector per model.

Everything here answers the same question, "is it public?", with the one rule of
`spotcheck.plans.models.plan_is_public` (an object is public when its plan is published). The
public pages, draw.json, the feeds and the open data read only through these selectors, never
through the staff selectors (which add an agency's own drafts for its staff). The last section
holds the staff side of publication (what a unit may publish or withdraw).
"""

from __future__ import annotations

from django.db.models import QuerySet

from spotcheck.accounts.actors import AnyUser
from spotcheck.accounts.models import Role
from spotcheck.accounts.permissions import has_right, is_deployment_wide, narrow_to_agency
from spotcheck.draws.models import Draw
from spotcheck.inspections.models import TeamMatching
from spotcheck.plans.models import Plan, PlanItem, plan_is_public
from spotcheck.public.models import PublishedResult
from spotcheck.results.models import Result


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


# --- published results ----------------------------------------------------------------------


def published_versions() -> QuerySet[PublishedResult]:
    """Every published result record of published plans, the earlier versions that a
    correction superseded included (the result page lists them; nothing disappears silently)."""
    return PublishedResult.objects.filter(plan_is_public("plan")).select_related("agency", "plan")


def published_results() -> QuerySet[PublishedResult]:
    """Published result records of published plans, current ones (a record published again
    after an amendment supersedes the earlier one), withdrawn ones included: their pages say
    they were withdrawn and when."""
    return published_versions().filter(superseded_at__isnull=True)


def live_results() -> QuerySet[PublishedResult]:
    """Published and not withdrawn: what searches and statistics count."""
    return published_results().filter(withdrawn_at__isnull=True)


# --- staff: what a unit publishes and withdraws ---------------------------------------------


def publishable_results(user: AnyUser) -> QuerySet[Result]:
    """Results whose publication the user manages: unit leaders their unit's visits,
    coordinators their agency's (lib.results: publishing is theirs)."""
    if not has_right(user, "result.publish"):
        return Result.objects.none()
    results = narrow_to_agency(Result.objects.all(), user, "visit__plan__agency")
    if user.role == Role.UNIT_LEADER and not is_deployment_wide(user):
        results = results.filter(visit__responsible_unit_id=user.unit_id)
    return results


def managed_publications(user: AnyUser) -> QuerySet[PublishedResult]:
    return PublishedResult.objects.filter(
        result__in=publishable_results(user).values("pk")
    ).select_related("publication", "plan")
