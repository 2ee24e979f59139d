"""Plans and items as a user may reach them (see spotcheck.accounts.permissions)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from spotcheck.accounts.actors import AnyUser
from spotcheck.accounts.permissions import (
    narrow_to_agency,
    published_or_own_agency,
)
from spotcheck.plans.models import Plan, PlanItem, plan_is_public


def plans_for_user(user: AnyUser) -> QuerySet[Plan]:
    """Published plans (public) and, for staff, their own agency's drafts."""
    return published_or_own_agency(
        Plan.objects.select_related("agency"),
        user,
        right="plan.view_draft",
        published=plan_is_public(),
    )


def get_plan_for_user(user: AnyUser, pk: int) -> Plan:
    return get_object_or_404(plans_for_user(user), pk=pk)


def managed_plans(user: AnyUser) -> QuerySet[Plan]:
    """The plans of the user's own agency, drafts included: what its staff work on."""
    return narrow_to_agency(Plan.objects.select_related("agency"), user)


def get_managed_plan(user: AnyUser, pk: int) -> Plan:
    """A plan of the user's own agency; another agency's plan is a 404 even when published."""
    return get_object_or_404(managed_plans(user), pk=pk)


def items_for_user(user: AnyUser) -> QuerySet[PlanItem]:
    """The items of the user's own agency's plans."""
    items = PlanItem.objects.select_related("plan", "plan__agency")
    return narrow_to_agency(items, user, "plan__agency")


def get_item_for_user(user: AnyUser, pk: int) -> PlanItem:
    return get_object_or_404(items_for_user(user), pk=pk)
