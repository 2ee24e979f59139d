"""Django's SQLite backend, creating the database file's folder when it first connects.

Settings must not create folders when imported; the default database lives in ./var, which a
fresh checkout does not have yet, so the folder is made here, on the first connection.
"""

from pathlib import Path
from typing import Any

from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper


def database_folder(name: Any) -> Path | None:
    """The folder a file database lives in; None for in-memory databases and URIs."""
    text = str(name)
    if not text or text == ":memory:" or text.startswith("file:") or "mode=memory" in text:
        return None
    return Path(text).parent


class DatabaseWrapper(SQLiteDatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        folder = database_folder(conn_params.get("database", ""))
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        return super().get_new_connection(conn_params)
