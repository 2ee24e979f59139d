"""Deployment defaults of spotcheck/settings.py, each checked in a fresh interpreter."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "Zq3vW9kP0rT7yB2nM5xC8dF1gH4jK6lL9aS0wE3rU7iO2pQ5tY8uI1oA4sD7fG0h"
# Variables the deployment reads; a test states the ones it wants and no others leak in.
DEPLOYMENT_VARIABLES = (
    "SECRET_KEY",
    "DEBUG",
    "HTTPS",
    "SECURE_COOKIES",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "STATIC_ROOT",
    "SPOTCHECK_VAR_DIR",
    "SPOTCHECK_REQUIRE_SECRET",
    "SPOTCHECK_AUDIT_KEY",
    "CONN_MAX_AGE",
    "PG_PREPARED_STATEMENTS",
)


def run_python(code: str, tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in DEPLOYMENT_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="spotcheck.settings",
        SPOTCHECK_VAR_DIR=str(tmp_path / "var"),
        PYTHONPATH=str(ROOT),
    )
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )


def test_without_debug_a_missing_secret_key_stops_the_start(tmp_path):
    result = run_python("import django; django.setup()", tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr


def test_debug_runs_without_a_secret_key(tmp_path):
    code = "from django.conf import settings; print(settings.DEBUG, bool(settings.SECRET_KEY))"
    result = run_python(code, tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


def test_the_secret_key_comes_from_the_environment(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = run_python(code, tmp_path, SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == STRONG_KEY


DATABASE_SETTINGS = (
    "from django.conf import settings; d = settings.DATABASES['default']; "
    "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], d.get('OPTIONS', {}).get('prepare_threshold'))"
)


def test_workers_keep_their_database_connection_checked_before_reuse(tmp_path):
    for url in (f"sqlite:///{tmp_path}/db.sqlite3", "postgres://postgres@127.0.0.1:5432/any"):
        result = run_python(DATABASE_SETTINGS, tmp_path, DEBUG="1", DATABASE_URL=url)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[:2] == ["600", "True"]
    result = run_python(DATABASE_SETTINGS, tmp_path, DEBUG="1", CONN_MAX_AGE="0")
    assert result.stdout.split()[:2] == ["0", "True"]


def test_postgresql_prepares_the_portals_fixed_queries_unless_turned_off(tmp_path):
    url = "postgres://postgres@127.0.0.1:5432/any"
    result = run_python(DATABASE_SETTINGS, tmp_path, DEBUG="1", DATABASE_URL=url)
    assert result.stdout.split()[2] == "5", result.stderr
    off = run_python(
        DATABASE_SETTINGS, tmp_path, DEBUG="1", DATABASE_URL=url, PG_PREPARED_STATEMENTS="0"
    )
    assert off.stdout.split()[2] == "None", off.stderr


def test_importing_the_settings_creates_no_folder(tmp_path):
    result = run_python("import spotcheck.settings", tmp_path, SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_sqlite_folder_is_created_on_the_first_connection(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "connection.ensure_connection(); print(connection.vendor)"
    )
    result = run_python(code, tmp_path, SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "sqlite"
    assert (tmp_path / "var" / "spotcheck.sqlite3").is_file()


def deploy_check(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys; from spotcheck.cli import main\n"
        "main(['spotcheck', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )
    return run_python(code, tmp_path, **variables)


def test_check_deploy_is_clean_with_the_documented_settings(tmp_path):
    result = deploy_check(
        tmp_path, SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="spotcheck.example.org", HTTPS="1"
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("warning", ["security.W004", "security.W008", "security.W012"])
def test_check_deploy_names_what_is_missing_without_https(tmp_path, warning):
    result = deploy_check(tmp_path, SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="spotcheck.example.org")
    assert result.returncode != 0
    assert warning in result.stderr


def test_https_turns_on_secure_cookies_hsts_and_the_proxy_header(tmp_path):
    code = (
        "from django.conf import settings as s\n"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS > 0, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = run_python(code, tmp_path, SECRET_KEY=STRONG_KEY, HTTPS="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True True True ('HTTP_X_FORWARDED_PROTO', 'https')"
