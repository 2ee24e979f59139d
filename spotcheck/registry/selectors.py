"""The two directories as a user may reach them (see spotcheck.accounts.permissions).

Entities: the directory of the user's agency (名录所属机构). Inspectors: the officers of the
user's agency and of the departments named as cooperating on its plans' items (the officers its
joint visits are matched from). Unit leaders and inspectors read their agency's directories too:
they inspect the entities and work beside the officers listed there.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from spotcheck.accounts.actors import AnyUser
from spotcheck.accounts.permissions import is_deployment_wide, narrow_to_agency, user_agency_id
from spotcheck.plans.models import PlanItem
from spotcheck.registry.models import Entity, EntityHistory, Inspector, Recusal


def entities_for_user(user: AnyUser) -> QuerySet[Entity]:
    return narrow_to_agency(Entity.objects.all(), user)


def get_entity_for_user(user: AnyUser, pk: int, queryset: QuerySet[Entity] | None = None) -> Entity:
    scoped = entities_for_user(user)
    if queryset is not None:
        scoped = queryset & scoped
    return get_object_or_404(scoped, pk=pk)


def inspectors_for_user(user: AnyUser) -> QuerySet[Inspector]:
    inspectors = Inspector.objects.all()
    if is_deployment_wide(user):
        return inspectors
    agency_id = user_agency_id(user)
    if agency_id is None:
        return inspectors.none()
    cooperating = PlanItem.cooperating_agencies.through.objects.filter(
        planitem__plan__agency_id=agency_id
    ).values("agency_id")
    return inspectors.filter(Q(agency_id=agency_id) | Q(agency_id__in=cooperating))


def get_inspector_for_user(
    user: AnyUser, pk: int, queryset: QuerySet[Inspector] | None = None
) -> Inspector:
    scoped = inspectors_for_user(user)
    if queryset is not None:
        scoped = queryset & scoped
    return get_object_or_404(scoped, pk=pk)


def recusals_for_user(user: AnyUser) -> QuerySet[Recusal]:
    """Recusals on the entities of the user's directory."""
    return Recusal.objects.filter(entity__in=entities_for_user(user))


def get_recusal_for_user(user: AnyUser, pk: int) -> Recusal:
    return get_object_or_404(recusals_for_user(user).select_related("entity"), pk=pk)


def known_operators(entity_ids: Iterable[int]) -> dict[int, set[str]]:
    """Every operator name (法定代表人/经营者) the directory holds or has held for each entity:
    the current one and each one its change records replaced or brought."""
    ids = sorted(set(entity_ids))
    operators: dict[int, set[str]] = defaultdict(set)
    current = Entity.objects.filter(pk__in=ids).values_list("pk", "legal_representative")
    history = EntityHistory.objects.filter(
        entity_id__in=ids, changes__has_key="legal_representative"
    ).values_list("entity_id", "changes")
    for pk, operator in current:
        operators[pk].add(operator)
    for pk, changes in history:
        operators[pk].update(str(v) for v in changes["legal_representative"] if v)
    return {pk: {o for o in names if o} for pk, names in operators.items()}
