"""gunicorn settings for `make serve` and production: `gunicorn -c python:spotcheck.gunicorn_conf`.

Read from the environment, like spotcheck.settings:

BIND              address to listen on (default 127.0.0.1:8000; behind a reverse proxy keep loopback)
WEB_CONCURRENCY   worker processes (default: 2 × CPU count + 1, at most 16)
GUNICORN_THREADS  threads per worker (default 1)
GUNICORN_TIMEOUT  seconds before a silent worker is restarted (default 60: imports and exports
                  of large directories run inside a request)
"""

import gc
import multiprocessing
import os
from typing import Any


def default_workers(cpu_count: int | None = None) -> int:
    """gunicorn's rule of thumb, 2 × cores + 1, capped: each worker holds its own connections."""
    cores = cpu_count if cpu_count is not None else multiprocessing.cpu_count()
    return max(2, min(2 * cores + 1, 16))


wsgi_app = "spotcheck.wsgi:application"
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or default_workers())
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Workers are forked after the application is imported: one import, less memory, a start-up
# error (missing SECRET_KEY, bad DATABASE_URL) stops the master at once instead of looping.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
# Loopback-only default; a reverse proxy in front sets X-Forwarded-For / -Proto (see settings).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# gunicorn's runtime control socket defaults to one path per user, shared by every instance;
# spotcheck is managed through systemd (or make serve), so it is off.
control_socket_disable = True


def pre_fork(server: object, worker: object) -> None:
    """Move the preloaded application's objects (Django, the URL resolver, templates, the
    warm-up's results: spotcheck.warmup) out of the cyclic collector's reach before forking.
    Otherwise every worker's full collections walk them all, a stall of a few hundred
    milliseconds that fell on whichever requests were running (at 1,000,000 results it was
    the slowest hundredth of the cold task pages under load: p99 240-300 ms against 150 with
    the objects frozen), and the walk touches pages the fork shares (copy-on-write)."""
    gc.freeze()


def post_worker_init(worker: Any) -> None:
    """Open the worker's database connection (kept: CONN_MAX_AGE) and read the portal's state,
    the statement every public page runs (prepared on PostgreSQL: spotcheck.prepared), before
    its first request: the first visitors after a restart no longer pay the connecting (~5 ms
    on PostgreSQL) and the server's cold caches. A database that does not answer is left to
    the requests and /healthz to report: a worker that failed here would be restarted in a
    loop."""
    from django.db import DatabaseError, connection

    from spotcheck.public.cache import read_portal_state

    if worker.cfg.threads > 1:
        return  # requests run in the pool's threads, each with its own connection
    try:
        read_portal_state()
    except DatabaseError as error:
        connection.close()
        worker.log.warning("database not ready when the worker started: %s", error)
