"""Role checks shared by views, the API and commands."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from spotcheck.accounts.models import Role

STAFF_ROLES = (
    Role.COORDINATOR,
    Role.UNIT_LEADER,
    Role.INSPECTOR,
    Role.SUPERVISOR,
    Role.ADMINISTRATOR,
)
PLAN_MANAGERS = (Role.COORDINATOR, Role.ADMINISTRATOR)
AUDITORS = (Role.SUPERVISOR, Role.COORDINATOR, Role.ADMINISTRATOR)


def user_has_role(user: Any, roles: tuple[str, ...]) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(*roles)


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
