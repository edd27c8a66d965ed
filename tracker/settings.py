"""Settings for the procedure-day tracker, read from the environment.

DJANGO_DEBUG          1 for local development (default 0).
DJANGO_SECRET_KEY     required to serve unless DJANGO_DEBUG=1, where a fixed development key is used.
DJANGO_ALLOWED_HOSTS  comma-separated host names (default: localhost names only).
DATABASE_URL          e.g. postgres://user@127.0.0.1:5432/tracker (default: SQLite file db.sqlite3 here).
TRACKER_TIME_ZONE     the unit's time zone, e.g. Europe/London (default UTC). Times are stored in UTC.
TRACKER_UNIT_NAME     the unit's name on the discharge sheet.
TRACKER_UNIT_PHONE    the number patients call with a concern, printed on the discharge sheet.
TRACKER_HL7_ASSIGNING_AUTHORITY  PID-3's assigning authority whose identifier is the MRN (default HOSP).
DJANGO_HTTPS          1 (default unless DJANGO_DEBUG=1): HTTPS only, secure cookies, HSTS.
DJANGO_TRUST_X_FORWARDED_PROTO  1 when a TLS-terminating proxy in front sets X-Forwarded-Proto.
TRACKER_PROXY_COUNT   how many trusted proxies append to X-Forwarded-For (default 0: REMOTE_ADDR is the client).
TRACKER_IDLE_MINUTES  sign-out after this long without activity (default 15).
TRACKER_SESSION_HOURS sign-out this long after signing in, whatever the activity (default 12).
TRACKER_FHIR_MRN_SYSTEM  the hospital's MRN namespace in exported FHIR (Patient.identifier.system).
TRACKER_FHIR_CODE_BASE   base URL of the unit's own FHIR code systems (stages, levels, red flags).
TRACKER_AUDIT_KEY     the audit chain's HMAC key; required to serve unless DJANGO_DEBUG=1 (never in the database).
TRACKER_AUDIT_OLD_KEYS  comma-separated earlier audit keys, so rows written under a rotated key still verify.
TRACKER_CACHE         the board's render cache: empty (local memory per process), "db", or redis://host:port/db.
TRACKER_AUDIT_HEAD    where each new head of the audit chain (seq:hash) is published as it is written: a file
                      path (appended to), "syslog" (the local /dev/log), "syslog://host:port" (UDP), or "off".
                      Default: audit-head.log in the project directory (git ignores it).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


DEBUG = env_flag("DJANGO_DEBUG")

# Without a key outside debugging this stays empty: management commands that sign nothing (migrate,
# makemigrations, check) still run, tracker/wsgi.py refuses to serve, and Django itself refuses any
# signing (sessions, CSRF) with an empty key.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "") or (
    "django-insecure-development-only-key-never-use-in-production" if DEBUG else ""
)
MISSING_SECRET_KEY = "Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for local development)."

# The audit chain's rows are HMAC-SHA256 under this key: someone who can write the database but does not
# hold the key cannot write a row that verifies. Like the secret key: from the environment, a fixed
# development key only when debugging, and tracker/wsgi.py refuses to serve without one.
TRACKER_AUDIT_KEY = os.environ.get("TRACKER_AUDIT_KEY", "") or (
    "development-only-audit-key-never-use-in-production" if DEBUG else ""
)
# Keys used before the last rotation: older rows name their key's id and are verified with it.
TRACKER_AUDIT_OLD_KEYS = [k.strip() for k in os.environ.get("TRACKER_AUDIT_OLD_KEYS", "").split(",") if k.strip()]
MISSING_AUDIT_KEY = (
    "Set TRACKER_AUDIT_KEY (python3 -c 'import secrets; print(secrets.token_urlsafe(50))'), "
    "or DJANGO_DEBUG=1 for local development."
)
TRACKER_AUDIT_HEAD = os.environ.get("TRACKER_AUDIT_HEAD", str(BASE_DIR / "audit-head.log"))

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "journey",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "tracker.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tracker.middleware.HtmxSignInRedirectMiddleware",
    # Idle and absolute sign-out run before the default deny below, so an expired session meets it.
    "tracker.middleware.WardSessionMiddleware",
    # Default deny: every view needs a signed-in user unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "tracker.middleware.AuditAddressMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# bench/run.py only: a constant baseline view and a query count on every response.
TRACKER_BENCHMARK = env_flag("TRACKER_BENCHMARK")
if TRACKER_BENCHMARK:
    MIDDLEWARE.insert(0, "tracker.bench.QueryCountMiddleware")

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    # The board row and the stage timer every screen shows (tracker/jinja.py says why).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "tracker.jinja.environment"},
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers share the file: WAL lets readers run beside a writer, IMMEDIATE takes
    # the write lock when a transaction begins (no upgrade deadlock), and the timeout waits for it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Axes first: it refuses a locked-out username at this address before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "tracker.auth.WardBackend"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "today"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TRACKER_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Printed on the discharge sheet the patient takes home.
TRACKER_UNIT_NAME = os.environ.get("TRACKER_UNIT_NAME", "Spine day unit")
TRACKER_UNIT_PHONE = os.environ.get("TRACKER_UNIT_PHONE", "0161 496 0000")

# The FHIR export (journey/fhir.py): the hospital's MRN namespace, and the base of the unit's own code systems.
TRACKER_FHIR_MRN_SYSTEM = os.environ.get("TRACKER_FHIR_MRN_SYSTEM", "https://hospital.example/fhir/sid/mrn")
TRACKER_FHIR_CODE_BASE = os.environ.get("TRACKER_FHIR_CODE_BASE", "https://spine-day-unit.example/fhir").rstrip("/")
# HL7 v2 bookings (manage.py hl7_listen): the MRN is PID-3's identifier with this assigning authority;
# the ACKs name this application and facility in MSH-3 and MSH-4.
TRACKER_HL7_ASSIGNING_AUTHORITY = os.environ.get("TRACKER_HL7_ASSIGNING_AUTHORITY", "HOSP")
TRACKER_HL7_APPLICATION = os.environ.get("TRACKER_HL7_APPLICATION", "SPINE-TRACKER")
TRACKER_HL7_FACILITY = os.environ.get("TRACKER_HL7_FACILITY", "DAY-UNIT")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Sessions on shared ward workstations ---
# In the database, so any app server behind a load balancer sees every session (and its end).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
TRACKER_IDLE_TIMEOUT = timedelta(minutes=float(os.environ.get("TRACKER_IDLE_MINUTES", "15")))
TRACKER_SESSION_LIMIT = timedelta(hours=float(os.environ.get("TRACKER_SESSION_HOURS", "12")))
SESSION_COOKIE_AGE = int(TRACKER_SESSION_LIMIT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "tracker.views.errors.csrf_failure"

# --- Sign-in lockout (django-axes): 5 failures lock that username at that address for 15 minutes.
# Never by address alone: a ward PC is shared, and one person's typos must not lock out the next nurse.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # counters in the database, shared by app servers
AXES_CLIENT_IP_CALLABLE = "tracker.access.client_address"
AXES_USERNAME_CALLABLE = "tracker.access.sign_in_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
TRACKER_PROXY_COUNT = int(os.environ.get("TRACKER_PROXY_COUNT", "0"))

# Only the board's renders live here (each row, and the whole board per change token): copies an app
# server can always make again, never state another server needs (sessions, lockouts and the audit
# chain are all in the database). Local memory per process by default; TRACKER_CACHE shares one cache
# between app servers: "db" (the database's cache table: `manage.py createcachetable` once) or a Redis
# URL (redis://host:6379/0, with the redis package installed). Without any, the board renders in full.
# Room for a day's rows several minutes over (locmem's default of 300 entries would cull a big day).
_cache = os.environ.get("TRACKER_CACHE", "").strip()
if _cache == "db":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tracker_cache",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
elif _cache.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 20000}}
    }

# --- HTTPS and headers ---
HTTPS = env_flag("DJANGO_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the load balancer's probe speaks plain HTTP
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = False
# The one silenced deployment check, and why: the HSTS preload list is for public internet names; a
# hospital intranet host cannot (and must not) be submitted to it. HSTS itself is on, for a year.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
if env_flag("DJANGO_TRUST_X_FORWARDED_PROTO"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Our own files only: no inline script, no eval (htmx's allowEval is off too), no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Bootstrap draws checkboxes and select arrows as data: SVG
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (403) is one line with who, where and which permission; real errors keep their traceback.
    "filters": {"one_line_refusals": {"()": "tracker.log_filters.OneLineRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["one_line_refusals"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
