"""Settings come from the environment; production refuses to start without a secret key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _settings(env: dict[str, str], show: str = "") -> subprocess.CompletedProcess:
    code = (
        "import django, json; from django.conf import settings; django.setup(); "
        "db = settings.DATABASES['default']; "
        "print(json.dumps([settings.DEBUG, settings.TIME_ZONE, settings.ALLOWED_HOSTS, db['ENGINE'], "
        "db.get('OPTIONS', {})]))"
    )
    if show:
        code = f"import django; from django.conf import settings; django.setup(); print({show})"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "TRACKER_"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "tracker.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_serve_without_a_secret_key():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "TRACKER_"))}
    result = subprocess.run(
        [sys.executable, "-c", "import tracker.wsgi"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "tracker.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_serve_without_an_audit_key():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "TRACKER_"))}
    result = subprocess.run(
        [sys.executable, "-c", "import tracker.wsgi"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "tracker.settings", "DJANGO_SECRET_KEY": "x" * 50},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "Set TRACKER_AUDIT_KEY" in result.stderr


def test_development_has_an_audit_key_of_its_own():
    result = _settings({"DJANGO_DEBUG": "1"}, "settings.TRACKER_AUDIT_KEY")

    assert result.returncode == 0, result.stderr
    assert "development-only" in result.stdout


def test_management_commands_that_sign_nothing_run_without_a_secret_key():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "TRACKER_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_settings_are_read_from_the_environment():
    result = _settings(
        {
            "DJANGO_SECRET_KEY": "x" * 50,
            "DJANGO_ALLOWED_HOSTS": "tracker.ward.example, localhost",
            "TRACKER_TIME_ZONE": "Europe/London",
            "DATABASE_URL": "postgres://tracker@db.example:5432/tracker",
        }
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '[false, "Europe/London", ["tracker.ward.example", "localhost"], "django.db.backends.postgresql", {}]'
    )


def test_development_defaults_to_sqlite_with_wal_a_busy_timeout_and_immediate_transactions():
    result = _settings({"DJANGO_DEBUG": "1"})

    assert result.returncode == 0, result.stderr
    assert '"django.db.backends.sqlite3"' in result.stdout
    assert '"transaction_mode": "IMMEDIATE"' in result.stdout
    assert '"timeout": 20' in result.stdout
    assert "journal_mode=WAL" in result.stdout
