"""Test databases copied from a migrated template (django_db_setup in tests/conftest.py).

Migrating an empty test database cost every pytest process (each xdist worker) ~4.5 s of CPU,
and as much again in the PostgreSQL server, on every run. The template is migrated once per set
of migrations, under a name keyed by a digest of what migrating depends on (migration_digest),
and each process's test database is a copy of it: a file copy on SQLite, CREATE DATABASE …
TEMPLATE on PostgreSQL. The first process that needs a template builds it while the others
wait on a lock file; a template for other migrations (another branch, an older checkout) is
removed when a new one is built.
"""

import ast
import contextlib
import fcntl
import hashlib
import importlib.util
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import DatabaseError

TEMPLATE_MARK = "_template_"
POSTGRES_NAME_LIMIT = 63


def migration_digest() -> str:
    """SHA-256 (12 hex digits) of what a migrated empty database depends on: Django's version,
    the installed apps, every migration file and the spotcheck modules the migrations import
    (their RunPython steps call them), and the model modules of apps without migrations."""
    import django
    from django.apps import apps
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256()
    digest.update(f"django {django.__version__}\n".encode())
    digest.update(("\n".join(settings.INSTALLED_APPS) + "\n").encode())
    loader = MigrationLoader(None, ignore_no_migrations=True)
    files: set[str] = set()
    for migration in loader.disk_migrations.values():
        path = sys.modules[migration.__module__].__file__
        assert path is not None
        files.add(path)
        files.update(imported_spotcheck_files(Path(path)))
    for label in sorted(loader.unmigrated_apps):
        models = apps.get_app_config(label).models_module
        if models is not None and models.__file__:
            files.add(models.__file__)
    for path in sorted(files):
        digest.update(f"{Path(path).resolve()}\n".encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:12]


def imported_spotcheck_files(path: Path) -> set[str]:
    """The files of the spotcheck modules a migration imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    files = set()
    for name in names:
        if name == "spotcheck" or name.startswith("spotcheck."):
            spec = importlib.util.find_spec(name)
            if spec is not None and spec.origin:
                files.add(spec.origin)
    return files


def test_database_name(connection: Any) -> str:
    from django.db.backends.base.creation import TEST_DATABASE_PREFIX

    settings_dict = connection.settings_dict
    return settings_dict["TEST"].get("NAME") or TEST_DATABASE_PREFIX + settings_dict["NAME"]


def template_name(test_name: str, digest: str) -> str:
    """The template's name: the test database's, without the xdist worker's suffix
    (pytest-django appends "_gw0", …), with the digest."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and test_name.endswith(f"_{worker}"):
        test_name = test_name[: -len(worker) - 1]
    return f"{test_name}{TEMPLATE_MARK}{digest}"


def copy_from_template(connection: Any, *, rebuild: bool = False) -> None:
    """Makes the connection's test database a copy of the migrated template, building the
    template first where it is missing (or `rebuild`: pytest --create-db)."""
    target = test_database_name(connection)
    template = template_name(target, migration_digest())
    # One lock for the templates of every digest (one a time is built, old ones removed).
    lock_name = template[: template.rindex(TEMPLATE_MARK)] + "_template.lock"
    if connection.vendor == "sqlite":
        backend: SqliteTemplates | PostgresTemplates = SqliteTemplates(connection)
        lock_path = Path(lock_name)
    elif connection.vendor == "postgresql":
        if len(template) > POSTGRES_NAME_LIMIT:
            raise ValueError(f"test database name too long for a template: {template!r}")
        backend = PostgresTemplates(connection)
        lock_path = Path(tempfile.gettempdir()) / f"spotcheck-{lock_name}"
    else:
        raise ValueError(f"no template databases for {connection.vendor}")
    # --create-db rebuilds the template once a run: xdist's workers share the run's id.
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    rebuilt = lock_path.with_name(lock_path.name + ".rebuilt")
    # The copy too holds the lock: a run on other migrations (another worktree on the same
    # database server) may otherwise remove this template while it is copied.
    with exclusive(lock_path):
        if rebuild and run and rebuilt.is_file() and rebuilt.read_text() == f"{run} {template}":
            rebuild = False  # another worker of this run has rebuilt it
        if rebuild or not backend.exists(template):
            build_template(connection, backend, template)
            if run:
                rebuilt.write_text(f"{run} {template}")
        backend.copy(template, target)


@contextlib.contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def build_template(connection: Any, backend: "SqliteTemplates | PostgresTemplates", name: str):
    """Migrates a new database as Django's test runner does (create_test_db) under a
    temporary name, then renames it: a build that fails leaves no template behind."""
    from django.conf import settings

    base, digest = name.rsplit(TEMPLATE_MARK, 1)
    building = f"{base}_building_{digest}"
    settings_dict = connection.settings_dict
    test_settings = settings_dict["TEST"]
    alias_settings = settings.DATABASES[connection.alias]
    names = (settings_dict["NAME"], alias_settings["NAME"], test_settings.get("NAME"))
    test_settings["NAME"] = building
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    finally:
        connection.close()
        settings_dict["NAME"], alias_settings["NAME"], test_settings["NAME"] = names
    backend.remove_stale(name)
    backend.drop(name)  # the template rebuilt (--create-db)
    backend.rename(building, name)


class SqliteTemplates:
    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def exists(self, name: str) -> bool:
        return Path(name).is_file()

    def rename(self, old: str, new: str) -> None:
        # Fold the write-ahead log into the file, so that the file alone is the database.
        with sqlite3.connect(old) as database:
            database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        database.close()
        os.replace(old, new)
        for suffix in ("-wal", "-shm"):
            Path(old + suffix).unlink(missing_ok=True)

    def drop(self, name: str) -> None:
        Path(name).unlink(missing_ok=True)

    def copy(self, template: str, target: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(target + suffix).unlink(missing_ok=True)
        shutil.copyfile(template, target)

    def remove_stale(self, name: str) -> None:
        prefix = name[: name.rindex(TEMPLATE_MARK) + len(TEMPLATE_MARK)]
        for path in Path(prefix).parent.glob(Path(prefix).name + "*"):
            if str(path) != name:
                path.unlink(missing_ok=True)


class PostgresTemplates:
    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.connection._nodb_cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def quote(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def exists(self, name: str) -> bool:
        return bool(self.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)))

    def rename(self, old: str, new: str) -> None:
        self.execute(f"ALTER DATABASE {self.quote(old)} RENAME TO {self.quote(new)}")

    def drop(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {self.quote(name)}")

    def copy(self, template: str, target: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {self.quote(target)}")
        self.execute(f"CREATE DATABASE {self.quote(target)} TEMPLATE {self.quote(template)}")

    def remove_stale(self, name: str) -> None:
        prefix = name[: name.rindex(TEMPLATE_MARK) + len(TEMPLATE_MARK)]
        like = prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"
        stale = self.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
            (like, name),
        )
        for (old,) in stale:
            # One in use (copied by a run elsewhere) stays, for a later build to remove.
            with contextlib.suppress(DatabaseError):
                self.execute(f"DROP DATABASE IF EXISTS {self.quote(old)}")
