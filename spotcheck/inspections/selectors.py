"""Visits, teams, proposals, events and matchings as a user may reach them (see
spotcheck.accounts.permissions).

- Coordinators, supervisors and administrators: the visits of their agency's plans, and the joint
  visits their agency cooperates in (a cooperating department sees those and nothing else of the
  initiating agency).
- Unit leaders: the visits their unit is responsible for and those a member of their unit sits in.
- Inspectors: their unit's visits and the visits they sit in.
Only the initiating agency manages a plan's rounds, teams, proposals and events.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from spotcheck.accounts.actors import AnyUser
from spotcheck.accounts.models import Role
from spotcheck.accounts.permissions import (
    has_right,
    is_deployment_wide,
    narrow_to_agency,
    published_or_own_agency,
    user_agency_id,
)
from spotcheck.inspections.models import Event, JointProposal, TeamMatching, TeamMember, Visit
from spotcheck.plans.models import Plan, plan_is_public
from spotcheck.registry.models import Entity


def visits_for_user(user: AnyUser) -> QuerySet[Visit]:
    visits = Visit.objects.all()
    if not has_right(user, "visit.view"):
        return visits.none()
    if is_deployment_wide(user):
        return visits
    agency_id = user_agency_id(user)
    if agency_id is None:
        return visits.none()
    seated = Q(members__inspector__user=user, members__replaced_at__isnull=True)
    if user.role == Role.INSPECTOR:
        scope = seated | Q(responsible_unit_id=user.unit_id) if user.unit_id else seated
    elif user.role == Role.UNIT_LEADER:
        scope = seated
        if user.unit_id:
            scope |= Q(responsible_unit_id=user.unit_id) | Q(
                members__inspector__unit_id=user.unit_id, members__replaced_at__isnull=True
            )
    else:
        scope = Q(plan__agency_id=agency_id) | Q(cooperating_agencies=agency_id)
    return Visit.objects.filter(pk__in=visits.filter(scope).values("pk"))


def get_visit_for_user(user: AnyUser, pk: int, queryset: QuerySet[Visit] | None = None) -> Visit:
    scoped = (queryset if queryset is not None else Visit.objects.all()).filter(
        pk__in=visits_for_user(user).values("pk")
    )
    return get_object_or_404(scoped, pk=pk)


def managed_visits(user: AnyUser) -> QuerySet[Visit]:
    """The visits of the user's agency's plans (what its coordinators manage)."""
    return narrow_to_agency(Visit.objects.all(), user, "plan__agency")


def schedulable_visits(user: AnyUser) -> QuerySet[Visit]:
    """Coordinators and administrators: their agency's visits; unit leaders: their unit's."""
    if not has_right(user, "visit.schedule"):
        return Visit.objects.none()
    if user.role == Role.UNIT_LEADER and not is_deployment_wide(user):
        if user.unit_id is None:
            return Visit.objects.none()
        return Visit.objects.filter(responsible_unit_id=user.unit_id)
    return managed_visits(user)


def notice_visits(user: AnyUser) -> QuerySet[Visit]:
    """Visits whose notice the user may issue and whose delivery they may record: coordinators
    and administrators their agency's, unit leaders their unit's."""
    if not has_right(user, "notice.issue"):
        return Visit.objects.none()
    if user.role == Role.UNIT_LEADER and not is_deployment_wide(user):
        if user.unit_id is None:
            return Visit.objects.none()
        return Visit.objects.filter(responsible_unit_id=user.unit_id)
    return managed_visits(user)


def members_for_user(user: AnyUser) -> QuerySet[TeamMember]:
    """Team seats of the visits the user's agency manages."""
    return narrow_to_agency(TeamMember.objects.all(), user, "visit__plan__agency")


def proposals_for_user(user: AnyUser) -> QuerySet[JointProposal]:
    return narrow_to_agency(JointProposal.objects.all(), user, "plan__agency")


def events_for_user(user: AnyUser) -> QuerySet[Event]:
    return narrow_to_agency(Event.objects.all(), user, "item__plan__agency")


def organiser_suggestions(plan: Plan, limit: int = 500) -> list[str]:
    """What an event form of the plan suggests for its organiser (the "organisers" datalist):
    the names of the plan's agency's directory units of the event-driven items' types (the
    directory type each item draws from, or one named as the item's 检查对象 reads), or of all
    its units when none is of those types; by name, at most `limit`. The plan is one the caller
    may manage (its agency's own directory)."""
    items = plan.items.filter(event_driven=True)
    type_ids = [pk for pk in items.values_list("entity_type_id", flat=True) if pk is not None]
    phrases = [phrase for phrase in items.values_list("target_type", flat=True) if phrase]
    organisers = Entity.objects.filter(agency_id=plan.agency_id)
    by_type = organisers.filter(
        Q(target_types__in=type_ids) | Q(target_types__name__in=phrases)
    ).distinct()
    if by_type.exists():
        organisers = by_type
    return list(organisers.order_by("name").values_list("name", flat=True).distinct()[:limit])


def matchings_for_user(user: AnyUser) -> QuerySet[TeamMatching]:
    """Matchings of published plans (public records) and, for staff, their own agency's."""
    return published_or_own_agency(
        TeamMatching.objects.all(),
        user,
        right="matching.view_draft",
        published=plan_is_public("plan"),
        field="plan__agency",
    )


def kit_matchings_for_user(user: AnyUser) -> QuerySet[TeamMatching]:
    """Matchings whose verification kit the user may download: their own agency's only (a
    user without an agency gets none)."""
    if not has_right(user, "matching.kit"):
        return TeamMatching.objects.none()
    return narrow_to_agency(TeamMatching.objects.all(), user, "plan__agency")
