"""Test settings: spotcheck.settings with a test-only SECRET_KEY.

Set in the environment (not only here) so that the console scripts the tests start as
subprocesses load spotcheck.settings with the same key.
"""

import os

os.environ.setdefault("SECRET_KEY", "spotcheck-tests-only-" + "k" * 40)

from spotcheck.settings import *  # noqa: E402, F403

# The portal's page cache in memory (cleared before every test: tests/conftest.py).
CACHES["public"] = {  # noqa: F405
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "public",
}

# PBKDF2's deliberate slowness would dominate the suite; tests need no key stretching. Set here,
# not per test, so that data built once for many tests (module-scoped fixtures) uses it too.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# WhiteNoise (not autorefreshing) lists every static file when its middleware is built, which
# happens once per test client: ~12 ms of CPU each, most of the permission matrix's time. Tests
# look static files up per request instead, as the development server does; the production set-up
# is served and checked by tests/production/test_serve.py (gunicorn with spotcheck.settings).
WHITENOISE_AUTOREFRESH = True

# Django's flush after each transactional test, by DELETE instead of TRUNCATE on PostgreSQL
# (tests/postgresql_backend/base.py: ~2 s less per flush).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["ENGINE"] = "tests.postgresql_backend"  # noqa: F405
