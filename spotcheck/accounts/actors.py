"""Who an action acts for."""

from typing import TypeAlias

from spotcheck.accounts.models import User

# A signed-in user; or the label of an operator at the server's console (management commands'
# `--actor NAME`, trusted like the database itself); or None for the system.
Actor: TypeAlias = User | str | None
