"""Production mode: Django's deployment checks pass, every response carries the CSP and no patient page
is cached, and a failure shows a plain page with no traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.makers import make_journey

ROOT = Path(__file__).resolve().parents[2]


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "TRACKER_"))}


def test_production_settings_pass_djangos_deployment_checks_with_no_warning():
    env = {
        **_clean_env(),
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k" + "x7#Lq9!vR2@mZ4$wT8%nB6^" * 3,
        "DJANGO_ALLOWED_HOSTS": "tracker.ward.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_serves_https_only_with_secure_cookies(settings):
    # Read from a fresh import in production mode, as gunicorn would.
    code = (
        "import django; from django.conf import settings as s; django.setup(); "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.DEBUG)"
    )
    env = {**_clean_env(), "DJANGO_SETTINGS_MODULE": "tracker.settings", "DJANGO_SECRET_KEY": "y" * 60}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert result.stdout.split() == ["True", "True", "True", "31536000", "False"], result.stderr


@pytest.mark.parametrize("path", ["/accounts/login/", "/health/"])
def test_every_response_carries_a_policy_that_allows_no_inline_script_no_eval_and_no_other_site(client, db, path):
    policy = client.get(path)["Content-Security-Policy"]

    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "http" not in policy


def test_pages_carry_no_inline_script_or_style(client, journey, nurse):
    client.force_login(nurse)

    for path in (reverse("today"), journey.get_absolute_url(), reverse("board"), reverse("check-in")):
        html = client.get(path).content.decode()
        assert "<script>" not in html
        assert "<script " not in html.replace("<script src=", "")
        assert " style=" not in html
        assert " onclick=" not in html


def test_patient_pages_are_never_stored_by_the_browser(client, journey, nurse):
    client.force_login(nurse)

    for path in (reverse("today"), journey.get_absolute_url(), reverse("board-poll")):
        cache_control = client.get(path)["Cache-Control"]
        assert "no-store" in cache_control
        assert "private" in cache_control


def test_the_health_check_is_open_and_says_nothing_else(client, db):
    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.content == b"ok"


def test_a_failure_shows_a_plain_page_without_a_traceback(settings, nurse, pathway, monkeypatch):
    journey = make_journey(pathway, nurse)
    client = Client(raise_request_exception=False)
    client.force_login(nurse)

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals: SELECT * FROM journey_patient")

    monkeypatch.setattr("tracker.views.journeys.render_journey", broken)
    response = client.get(journey.get_absolute_url())

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "Traceback" not in html
    assert "secret internals" not in html
    assert journey.patient.family_name not in html


def test_an_unknown_address_shows_the_wards_not_found_page(client, nurse):
    client.force_login(nurse)

    response = client.get("/journeys/999999/")

    assert response.status_code == 404
    assert "There is nothing at this address" in response.content.decode()
