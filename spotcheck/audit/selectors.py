"""Audit entries as a user may read them (`audit.view`): the entries on their own agency's
objects, and the entries written by their agency's users. An entry on an object of a type that
names no agency (or of another agency) written by a console operator or another agency's user
is not shown; deployment-wide administrators (superusers) see every entry."""

from __future__ import annotations

from django.apps import apps
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from spotcheck.accounts.actors import AnyUser
from spotcheck.accounts.models import User
from spotcheck.accounts.permissions import has_right, is_deployment_wide, user_agency_id
from spotcheck.audit.models import AuditEntry

# model label -> the path from that model to its agency
AGENCY_PATHS: dict[str, str] = {
    "accounts.Agency": "pk",
    "accounts.Unit": "agency",
    "accounts.User": "agency",
    "plans.Plan": "agency",
    "plans.PlanItem": "plan__agency",
    "draws.Draw": "item__plan__agency",
    "registry.Entity": "agency",
    "registry.Inspector": "agency",
    "registry.Recusal": "entity__agency",
    "inspections.Visit": "plan__agency",
    "inspections.Event": "item__plan__agency",
    "inspections.JointProposal": "plan__agency",
    "inspections.TeamMatching": "plan__agency",
    "inspections.TeamMember": "visit__plan__agency",
    "inspections.Notice": "visit__plan__agency",
    "results.Result": "visit__plan__agency",
}


def _agency_objects(agency_id: int) -> Q:
    scope = Q(pk__in=[])
    for label, path in AGENCY_PATHS.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        ids = (
            model._default_manager.filter(**{path: agency_id})
            .annotate(audit_id=Cast("pk", CharField()))
            .values("audit_id")
        )
        scope |= Q(object_type=label, object_id__in=ids)
    return scope


def entries_for_user(user: AnyUser) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if not has_right(user, "audit.view"):
        return entries.none()
    if is_deployment_wide(user):
        return entries
    agency_id = user_agency_id(user)
    if agency_id is None:
        return entries.none()
    usernames = User.objects.filter(agency_id=agency_id).values("username")
    return entries.filter(_agency_objects(agency_id) | Q(actor__in=usernames))
