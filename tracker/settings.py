"""Settings for the procedure-day tracker, read from the environment.

DJANGO_DEBUG          1 for local development (default 0).
DJANGO_SECRET_KEY     required to serve unless DJANGO_DEBUG=1, where a fixed development key is used.
DJANGO_ALLOWED_HOSTS  comma-separated host names (default: localhost names only).
DATABASE_URL          e.g. postgres://user@127.0.0.1:5432/tracker (default: SQLite file db.sqlite3 here).
TRACKER_TIME_ZONE     the unit's time zone, e.g. Europe/London (default UTC). Times are stored in UTC.
TRACKER_UNIT_NAME     the unit's name on the discharge sheet.
TRACKER_UNIT_PHONE    the number patients call with a concern, printed on the discharge sheet.
"""

import os
from pathlib import Path

import dj_database_url

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
    "journey",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tracker.middleware.HtmxSignInRedirectMiddleware",
    # Default deny: every view needs a signed-in user unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

AUTHENTICATION_BACKENDS = ["tracker.auth.WardBackend"]

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

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
