"""spotcheck settings: one file, driven by environment variables.

DATABASE_URL    database (default: embedded SQLite under ./var, WAL mode)
CONN_MAX_AGE    seconds a worker keeps its database connection (default 600; 0: a new
                connection for every request)
PG_PREPARED_STATEMENTS  "0" turns the portal's server-side prepared statements off on
                PostgreSQL (needed behind PgBouncer in transaction mode)
SECRET_KEY      required unless DEBUG is on (start-up fails without it)
DEBUG           "1" for a local development run (debug pages, a fixed local key)
ALLOWED_HOSTS   comma-separated host names
HTTPS           "1" when served over TLS (directly or behind a proxy that sets
                X-Forwarded-Proto): secure cookies, HSTS, redirect to https
STATIC_ROOT     where `spotcheck collectstatic` puts static files (STATIC_MANIFEST: see below)
SPOTCHECK_AUDIT_KEY  optional key: the audit chain is then an HMAC-SHA256 chain
MEDIA_ROOT      where attachments of results are stored (default ./var/media; never public)
SPOTCHECK_*     domain defaults (see the bottom of this file)

Importing this module creates no files or folders: the SQLite backend creates the database's
folder when it first connects.
"""

import os
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SPOTCHECK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment (at least 50 random "
            "characters), or DEBUG=1 for a local development run."
        )
    # Local development only (DEBUG=1, e.g. `make run`): a fixed key nobody may rely on.
    SECRET_KEY = "spotcheck-insecure-local-development-key"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "spotcheck.accounts",
    "spotcheck.audit",
    "spotcheck.plans",
    "spotcheck.registry",
    "spotcheck.draws",
    "spotcheck.inspections",
    "spotcheck.results",
    "spotcheck.public",
    "spotcheck.stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # visitors' pages compressed for clients that accept it (static files: WhiteNoise's own
    # compressed copies); not downloads, not signed-in users' pages
    "spotcheck.middleware.VisitorPagesGZip",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "spotcheck.middleware.RefuseControlCharacters",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "spotcheck.urls"
WSGI_APPLICATION = "spotcheck.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "spotcheck" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'spotcheck.sqlite3'}"),
        # Persistent connections: a new PostgreSQL connection costs a server process and its
        # cold catalogue caches on every request (at 1,000,000 results a portal search spent
        # 2.1 ms planning on a new connection against 0.7 ms on a kept one, on top of ~5 ms
        # connecting). Checked before reuse, so a restarted database costs no failed request.
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg's switch for prepared statements, which Django turns off for connection poolers.
    # Django's own queries bind parameters on the client and are never prepared; only the
    # portal's fixed queries are (spotcheck.prepared).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        5 if env_bool("PG_PREPARED_STATEMENTS", True) else None
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend, creating the database file's folder when it first connects.
    DATABASES["default"]["ENGINE"] = "spotcheck.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while a draw or import writes; IMMEDIATE takes the write
        # lock at BEGIN so two concurrent draws serialise instead of failing on upgrade.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # The test database is a file, not Django's default in-memory database: tests that run
    # concurrent draws in real threads need separate connections to one database with WAL and
    # IMMEDIATE transactions. pytest-xdist workers get their own file (name + "_gw0", …).
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("SPOTCHECK_TEST_SQLITE") or str(VAR_DIR / "test.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-axes: lock an account/IP pair after repeated failed logins, and (ThrottleHandler) an
# IP address after SPOTCHECK_IP_FAILURE_LIMIT failures across all usernames (password spraying),
# both for the cool-off. SPOTCHECK_TRUSTED_PROXIES: reverse proxies in front (X-Forwarded-For).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_HANDLER = "spotcheck.accounts.throttle.ThrottleHandler"
AXES_CLIENT_IP_CALLABLE = "spotcheck.accounts.throttle.client_ip"
SPOTCHECK_IP_FAILURE_LIMIT = int(os.environ.get("SPOTCHECK_IP_FAILURE_LIMIT", "20"))
SPOTCHECK_TRUSTED_PROXIES = int(os.environ.get("SPOTCHECK_TRUSTED_PROXIES", "0"))

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "spotcheck" / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
# STATIC_MANIFEST=1 (the default when STATIC_ROOT is set, as `make serve` does): `collectstatic`
# writes hashed, compressed copies and a manifest; pages link the hashed names, which WhiteNoise
# serves from STATIC_ROOT with a far-future cache. A page naming a file missing from the manifest
# fails loudly. Unset (development, tests), files are served from the app folders as they are.
# STATIC_COMPRESS=0 skips the gzip/brotli copies (collectstatic is then several times faster).
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", "STATIC_ROOT" in os.environ)
if not STATIC_MANIFEST:
    STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"
elif env_bool("STATIC_COMPRESS", True):
    STATIC_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
else:
    STATIC_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": STATIC_STORAGE},
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG
if "STATIC_ROOT" not in os.environ:
    # Unset, static files are served from the app folders (WHITENOISE_USE_FINDERS) and
    # var/static exists only after `collectstatic`; WhiteNoise need not warn about it.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
# Attachments of results (photos, PDFs): never served as public files, only through the
# results app's scoped view; MEDIA_URL is deliberately unset.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less header meta tag
X_FRAME_OPTIONS = "DENY"

# HTTPS=1: served over TLS, directly or behind a reverse proxy that terminates TLS and sets
# X-Forwarded-Proto (the proxy must overwrite that header from clients). `manage.py check
# --deploy` is then clean with SECRET_KEY, ALLOWED_HOSTS and HTTPS=1 set and DEBUG off.
HTTPS = env_bool("HTTPS")
SESSION_COOKIE_SECURE = HTTPS or env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes on the plain-HTTP loopback port
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Everything is served from this host: intranet deployments have no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Domain defaults (domain.md: figures vary by province; settings, never constants in code).
SPOTCHECK_DEFAULT_TEAM_SIZE = int(os.environ.get("SPOTCHECK_DEFAULT_TEAM_SIZE", "2"))
SPOTCHECK_RECENT_INSPECTION_MONTHS = int(os.environ.get("SPOTCHECK_RECENT_INSPECTION_MONTHS", "12"))
SPOTCHECK_MIN_SEED_DIGITS = int(os.environ.get("SPOTCHECK_MIN_SEED_DIGITS", "20"))
SPOTCHECK_MIN_WITNESSES = int(os.environ.get("SPOTCHECK_MIN_WITNESSES", "2"))
# Results: working days from inspection to publication (counted with chinesecalendar).
SPOTCHECK_PUBLISH_RESULTS_WORKDAYS = int(os.environ.get("SPOTCHECK_PUBLISH_RESULTS_WORKDAYS", "20"))
# Results due within this many calendar days are listed as nearly due (/results/due/).
SPOTCHECK_RESULTS_DUE_SOON_DAYS = int(os.environ.get("SPOTCHECK_RESULTS_DUE_SOON_DAYS", "5"))
SPOTCHECK_MIN_MEMBERS_PRESENT = int(os.environ.get("SPOTCHECK_MIN_MEMBERS_PRESENT", "2"))
# Attachments: largest file (bytes) and largest image (pixels) accepted.
SPOTCHECK_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("SPOTCHECK_ATTACHMENT_MAX_BYTES", str(15 * 1024 * 1024))
)
SPOTCHECK_ATTACHMENT_MAX_PIXELS = int(
    os.environ.get("SPOTCHECK_ATTACHMENT_MAX_PIXELS", str(60_000_000))
)
# Scheduled visits: the longest range of days a visit may be scheduled on.
SPOTCHECK_SCHEDULE_MAX_DAYS = int(os.environ.get("SPOTCHECK_SCHEDULE_MAX_DAYS", "5"))
# Follow-up (issue 9): a 责令改正 is re-checked (复查) within this many days after its deadline;
# an approved clean result may propose one risk level lower (default off).
SPOTCHECK_RECHECK_WINDOW_DAYS = int(os.environ.get("SPOTCHECK_RECHECK_WINDOW_DAYS", "15"))
SPOTCHECK_RISK_LOWER_WHEN_CLEAN = os.environ.get("SPOTCHECK_RISK_LOWER_WHEN_CLEAN", "0") == "1"

# Optional: with a key, the audit chain is HMAC-SHA256 under it, so nobody with database access
# but without the key can re-hash an edited chain. Keep it outside the database and its backups.
SPOTCHECK_AUDIT_KEY = os.environ.get("SPOTCHECK_AUDIT_KEY", "")

# The public portal's page cache (spotcheck.public.cache): whole pages, keyed by the portal's
# version (moved by whatever changes a public page) and the release. A file cache shared by the
# server's workers; tests use memory.
PUBLIC_CACHE_SECONDS = int(os.environ.get("SPOTCHECK_PUBLIC_CACHE_SECONDS", "600"))
# Open data (docs/open-data.md): the per-year files `spotcheck build-open-data` writes and the
# portal serves; a stale year with at most this many published results is rebuilt within the
# request that asks for it, a larger one by the command (run it from cron every few minutes).
SPOTCHECK_OPEN_DATA_DIR = Path(os.environ.get("SPOTCHECK_OPEN_DATA_DIR", VAR_DIR / "opendata"))
SPOTCHECK_OPEN_DATA_INLINE_RESULTS = int(
    os.environ.get("SPOTCHECK_OPEN_DATA_INLINE_RESULTS", "1000")
)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "public": {
        "BACKEND": "spotcheck.public.filecache.PageFileCache",
        "LOCATION": os.environ.get("SPOTCHECK_PUBLIC_CACHE_DIR", str(VAR_DIR / "cache" / "public")),
        "TIMEOUT": PUBLIC_CACHE_SECONDS,
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
}
# Public statistics: a count below this (but above zero) is shown as "少于N", so that no count
# points at one entity.
SPOTCHECK_PUBLIC_MIN_COUNT = int(os.environ.get("SPOTCHECK_PUBLIC_MIN_COUNT", "3"))
