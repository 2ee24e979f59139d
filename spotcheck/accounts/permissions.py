"""Who may do what: one table of rights by role, and the agency scope every lookup applies.

`RIGHTS` maps each right to the roles that hold it; views (`role_required`), API operations
(`require_right`) and tests read the same table, and `docs/permissions.md` prints it. A right
says what a role may do *inside its own agency*: every object is reached through a selector
(`selectors.py` of plans, registry, draws and inspections) narrowed to the user's agency, and for
unit leaders and inspectors to their unit where the domain says so. Another agency's object is
a 404, never a 403 (its existence is not disclosed).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse

from spotcheck.accounts.actors import Actor as Actor  # re-exported for actions
from spotcheck.accounts.actors import AnyUser
from spotcheck.accounts.models import Agency, Role, User

STAFF_ROLES = (
    Role.COORDINATOR,
    Role.UNIT_LEADER,
    Role.INSPECTOR,
    Role.SUPERVISOR,
    Role.ADMINISTRATOR,
)
PLAN_MANAGERS = (Role.COORDINATOR, Role.ADMINISTRATOR)
AUDITORS = (Role.SUPERVISOR, Role.COORDINATOR, Role.ADMINISTRATOR)
LEADERS = (*PLAN_MANAGERS, Role.UNIT_LEADER)

# right -> roles holding it (always within the user's own agency; see the module docstring)
RIGHTS: dict[str, tuple[str, ...]] = {
    # plans
    "plan.view_draft": STAFF_ROLES,
    "plan.import": PLAN_MANAGERS,
    "plan.publish": PLAN_MANAGERS,
    "plan.edit": PLAN_MANAGERS,  # build a plan in the forms, copy last year's, revise a published one
    # draws
    "draw.view": STAFF_ROLES,
    "draw.manage": PLAN_MANAGERS,  # prepare, seed, execute, cancel, replace a target
    # directories
    "registry.view": STAFF_ROLES,
    "registry.export": STAFF_ROLES,
    "registry.edit": PLAN_MANAGERS,  # edit entities and inspectors, recusals
    "registry.import": PLAN_MANAGERS,
    # visits and teams
    "visit.view": STAFF_ROLES,  # narrowed to unit / own seat for unit leaders and inspectors
    "visit.schedule": LEADERS,  # unit leaders: their unit's visits only
    "round.manage": PLAN_MANAGERS,  # build visits, accept joint visits, events, match, replace
    "matching.view_draft": STAFF_ROLES,
    # before the visit: the 检查通知书 (unit leaders: their unit's visits only)
    "notice.issue": LEADERS,  # issue a visit's notice (takes its number), record its delivery
    "visit.papers": STAFF_ROLES,  # download notice.docx and record-form.docx of a visible visit
    # results (issue 9): the visit's team members record, the unit leader on their behalf and
    # reviews; the actions check the seat and the unit
    "result.record": (Role.UNIT_LEADER, Role.INSPECTOR),
    "result.review": (Role.UNIT_LEADER,),
    # follow-up (issue 9): measures on a visit's items (the team, its unit leader; an amendment
    # once approved), and the coordinator's decision on the risk level a result proposes
    "result.measure": (Role.UNIT_LEADER, Role.INSPECTOR),
    "result.export": STAFF_ROLES,  # the results sheet of the visits the user sees (web download)
    "result.due": LEADERS,  # overdue and nearly due results per unit (unit leaders: their unit)
    "risk.decide": PLAN_MANAGERS,
    # the national-system file (国家企业信用信息公示系统) of the agency's approved results
    "result.export_gsxt": PLAN_MANAGERS,
    # publication (issue 10): the unit leader publishes their unit's approved results in
    # batches and withdraws a published record with a reason; coordinators for the agency
    "result.publish": (Role.UNIT_LEADER, Role.COORDINATOR),
    # the verification kit discloses recusals: supervisors of the plan's agency only
    "matching.kit": (Role.SUPERVISOR,),
    # the audit trail page (/audit/): the agency's entries and the chain's verification
    "audit.view": AUDITORS,
    # the statistics dashboard (/stats/): the agency's figures; unit leaders their unit's
    "stats.view": (Role.COORDINATOR, Role.UNIT_LEADER, Role.SUPERVISOR, Role.ADMINISTRATOR),
}


def user_has_role(user: AnyUser, roles: tuple[str, ...]) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(*roles)


def has_right(user: AnyUser, right: str) -> bool:
    return user_has_role(user, RIGHTS[right])


def is_deployment_wide(user: AnyUser) -> bool:
    """Superusers (the deployment's own administrators) are not bound to one agency."""
    return bool(getattr(user, "is_authenticated", False) and user.is_superuser and user.is_active)


def user_agency_id(user: AnyUser) -> int | None:
    """The agency a signed-in user acts in (None: anonymous, or a user without an agency)."""
    if not getattr(user, "is_authenticated", False):
        return None
    agency_id = getattr(user, "agency_id", None)
    return int(agency_id) if agency_id is not None else None


def actor_may_act_for(actor: Actor, agency: Agency | int | None) -> bool:
    """A user acts only for their own agency; console operators (a string or None) and
    superusers act for the whole server."""
    if not isinstance(actor, User) or is_deployment_wide(actor):
        return True
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    return agency_id is not None and actor.agency_id == agency_id


class OtherAgencyError(PermissionDenied):
    """An action was asked to change another agency's object."""


def ensure_actor_agency(actor: Actor, agency: Agency | int | None) -> None:
    """Defence in depth for actions: raises OtherAgencyError (a PermissionDenied) when a user
    acts on another agency's object. Views and the API never get here: their selectors have
    already answered 404."""
    if not actor_may_act_for(actor, agency):
        assert isinstance(actor, User)
        raise OtherAgencyError(f"用户“{actor.get_username()}”不属于该对象所属机构，不能操作")


def role_required(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Anonymous users go to the login page; signed-in users without the role get 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_role(*roles):
                raise PermissionDenied("您的角色无权执行此操作")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def right_required(
    right: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """`role_required` for the roles of one right of `RIGHTS`."""
    return role_required(*RIGHTS[right])


def published_or_own_agency(
    queryset: Any, user: AnyUser, *, right: str, published: Any, field: str = "agency"
) -> Any:
    """What the public sees (`published`, a Q) and, for holders of `right`, everything of their
    own agency as well (unpublished drafts included)."""
    if not has_right(user, right):
        return queryset.filter(published)
    if is_deployment_wide(user):
        return queryset
    agency_id = user_agency_id(user)
    if agency_id is None:
        return queryset.filter(published)
    return queryset.filter(published | Q(**{f"{field}_id": agency_id}))


def narrow_to_agency(queryset: Any, user: AnyUser, field: str = "agency") -> Any:
    """`queryset` narrowed to the objects whose `field` is the user's agency (everything for a
    superuser, nothing for anonymous users and users without an agency)."""
    if is_deployment_wide(user):
        return queryset
    agency_id = user_agency_id(user)
    if agency_id is None:
        return queryset.none()
    return queryset.filter(**{field: agency_id})
