"""Login throttling on top of django-axes.

Axes locks a username+IP pair after AXES_FAILURE_LIMIT failures. Password spraying tries one
or two passwords on many usernames from one address and never trips that lock, so the handler
also counts the failures of an IP address across all usernames within the cool-off and locks
the address once they reach SPOTCHECK_IP_FAILURE_LIMIT.

Behind reverse proxies every request comes from the proxy's address: SPOTCHECK_TRUSTED_PROXIES
(the number of proxies in front, each appending to X-Forwarded-For) makes `client_ip` read the
client's address from the header the nearest proxy wrote, never from what the client sent.
"""

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def ip_failure_limit() -> int:
    return int(getattr(settings, "SPOTCHECK_IP_FAILURE_LIMIT", 20))


def ip_failures(request: Any) -> int:
    """Failed logins from the request's address within the cool-off, whatever the username."""
    ip_address = getattr(request, "axes_ip_address", None)
    if not ip_address:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=ip_address)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


class ThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler, plus a lock on an address across usernames."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        failures = int(super().get_failures(request, credentials))
        if ip_failures(request) >= ip_failure_limit():
            # Axes compares this count with its own limit; report the address as locked.
            return max(failures, get_failure_limit(request, credentials))
        return failures


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or with N trusted proxies in front the N-th entry
    from the right of X-Forwarded-For (entries further left are whatever the client sent)."""
    proxies = int(getattr(settings, "SPOTCHECK_TRUSTED_PROXIES", 0))
    remote = request.META.get("REMOTE_ADDR")
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]
