"""`make serve`'s pieces: gunicorn with the packaged config, hashed static files through
WhiteNoise, DEBUG off, and `/healthz`. The served test starts a real gunicorn on loopback."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import DatabaseError
from django.test import Client

from spotcheck import gunicorn_conf

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STRONG_KEY = "Zq3vW9kP0rT7yB2nM5xC8dF1gH4jK6lL9aS0wE3rU7iO2pQ5tY8uI1oA4sD7fG0h"


def test_workers_follow_the_cpu_count():
    assert gunicorn_conf.default_workers(1) == 3
    assert gunicorn_conf.default_workers(4) == 9
    assert gunicorn_conf.default_workers(64) == 16  # capped: each worker holds connections


def test_the_master_freezes_the_preloaded_objects_before_forking():
    import gc

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        gunicorn_conf.pre_fork(server=None, worker=None)
        # what the application holds is out of the workers' collections
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


@pytest.mark.django_db
def test_healthz_says_ok_when_the_database_answers():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_says_503_when_the_database_does_not(monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("spotcheck.health.connection.cursor", broken_cursor)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert b"database unavailable" in response.content


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def served(tmp_path):
    """Collect static files and start gunicorn as `make serve` does (an empty SQLite database:
    migrating it is covered elsewhere; the gzip/brotli copies are skipped for speed)."""
    if not (BIN / "gunicorn").is_file():
        pytest.skip("gunicorn is not installed in this environment: run `make install`")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="spotcheck.settings",
        SECRET_KEY=STRONG_KEY,
        DEBUG="0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        SPOTCHECK_VAR_DIR=str(tmp_path / "var"),
        STATIC_ROOT=str(tmp_path / "static"),
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        STATIC_COMPRESS="0",
        GUNICORN_ACCESS_LOG="",
    )
    subprocess.run(
        [BIN / "spotcheck", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [BIN / "gunicorn", "-c", "python:spotcheck.gunicorn_conf"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: no signal of its reaches the tests
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if fetch(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None:
                break
            time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not answer /healthz")
        assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
        yield base
    finally:
        server.send_signal(signal.SIGINT)  # quick shutdown; SIGTERM waits for workers
        server.wait(timeout=30)
        log.close()


def test_gunicorn_serves_pages_and_hashed_static_files(served, tmp_path):
    status, _, body = fetch(served + "/healthz")
    assert (status, body) == (200, b"ok\n")

    # DEBUG is off: an unknown page is the site's 404 page, not Django's debug listing of URLs.
    status, _, page = fetch(served + "/no-such-page/")
    assert status == 404
    html = page.decode("utf-8")
    assert "URLconf" not in html
    # The manifest's hashed name, not the plain one: a new release never meets a cached copy.
    assert "/static/spotcheck/spotcheck.css" not in html
    start = html.index("/static/spotcheck/spotcheck.")
    css_url = html[start : html.index('"', start)]
    assert css_url.endswith(".css") and css_url.count(".") == 2
    assert (tmp_path / "static" / "staticfiles.json").is_file()

    status, headers, css = fetch(served + css_url)
    assert status == 200 and css
    assert "immutable" in headers["Cache-Control"]


class FakeWorker:
    def __init__(self, threads=1):
        self.warnings = []
        self.log = self
        self.cfg = type("Config", (), {"threads": threads})()

    def warning(self, message, *args):
        self.warnings.append(message % args)


@pytest.mark.django_db
def test_each_worker_connects_and_prepares_the_portal_state_before_its_first_request():
    from django.db import connection

    worker = FakeWorker()
    gunicorn_conf.post_worker_init(worker)
    assert worker.warnings == []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        assert any("public_portalversion" in sql.lower() for sql in prepared), prepared


def test_a_worker_starts_when_the_database_does_not_answer(monkeypatch):
    from spotcheck.public import cache

    def unavailable():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(cache, "read_portal_state", unavailable)
    worker = FakeWorker()
    gunicorn_conf.post_worker_init(worker)
    assert worker.warnings == ["database not ready when the worker started: connection refused"]


def test_a_threaded_worker_opens_no_connection_its_requests_would_not_use(monkeypatch):
    from spotcheck.public import cache

    def read():
        raise AssertionError("read in the worker's main thread")

    monkeypatch.setattr(cache, "read_portal_state", read)
    gunicorn_conf.post_worker_init(FakeWorker(threads=4))  # requests run in pool threads
