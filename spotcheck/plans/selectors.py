"""Plans and items as a user may reach them (see spotcheck.accounts.permissions)."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from spotcheck.accounts.actors import AnyUser
from spotcheck.accounts.permissions import (
    narrow_to_agency,
    published_or_own_agency,
)
from spotcheck.lib import planfile
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


@dataclass(frozen=True)
class WithdrawnColumns:
    """What an item imported before the reader dropped the 撤回情况 column kept of it."""

    item: PlanItem
    columns: dict[str, object]  # its `extra` keys named like 撤回情况, with their texts
    flags: list[str]  # its review flags about those columns


def withdrawn_columns(items: QuerySet[PlanItem] | None = None) -> list[WithdrawnColumns]:
    """The items (of `items`, default all) whose `extra` holds a 撤回情况 column, or a repeated
    one (撤回情况（2）), in plan and item order: an export's withdrawal notes read back by an
    import before the reader dropped that column (spotcheck drop-withdrawn-columns removes
    them)."""
    items = PlanItem.objects.all() if items is None else items
    found = []
    for item in items.exclude(extra={}).select_related("plan").order_by("plan_id", "position"):
        columns = {
            key: value
            for key, value in item.extra.items()
            if planfile.is_withdrawal_header(str(key))
        }
        if columns:
            flags = [f for f in item.review_flags if planfile.kept_column_of_flag(f) in columns]
            found.append(WithdrawnColumns(item=item, columns=columns, flags=flags))
    return found
