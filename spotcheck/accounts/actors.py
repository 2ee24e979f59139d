"""Who an action acts for."""

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser

from spotcheck.accounts.models import User

# A signed-in user; or the label of an operator at the server's console (management commands'
# `--actor NAME`, trusted like the database itself); or None for the system.
Actor: TypeAlias = User | str | None

# Whoever makes a request: selectors take it as it comes (request.user).
AnyUser: TypeAlias = User | AnonymousUser
