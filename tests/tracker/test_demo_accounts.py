"""Demo data never reaches production: seed_demo refuses without DEBUG, demo accounts cannot sign in
without DEBUG even if they exist, and `make serve` makes no account."""

import subprocess
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from journey import roles
from journey.models import Journey, Patient
from tests.makers import PASSWORD, make_user
from tracker.auth import WardBackend

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_nurse(db):
    """A demo account: a nurse marked as seed_demo marks them."""
    user = make_user(roles.NURSE)
    user.groups.add(Group.objects.get_or_create(name=roles.DEMO_ACCOUNT)[0])
    return user


def _sign_in(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)


def test_seed_demo_refuses_to_run_without_debug_and_says_what_to_use_instead(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", verbosity=0)

    message = str(refused.value)
    assert "runs only in development (DJANGO_DEBUG=1)" in message
    assert "password is published" in message
    assert "createsuperuser" in message
    assert "/admin/" in message
    assert not Journey.objects.exists()
    assert not Patient.objects.exists()
    assert not Group.objects.get(name=roles.NURSE).user_set.exists()


def test_a_demo_account_cannot_sign_in_without_debug(client, demo_nurse, settings):
    settings.DEBUG = False

    response = _sign_in(client, demo_nurse)

    assert "_auth_user_id" not in client.session
    assert b"Please enter a correct username and password" in response.content


def test_a_demo_account_signs_in_in_development(client, demo_nurse, settings):
    settings.DEBUG = True

    _sign_in(client, demo_nurse)

    assert client.session["_auth_user_id"] == str(demo_nurse.pk)


def test_a_demo_session_from_before_debug_was_turned_off_opens_nothing(client, demo_nurse, settings):
    settings.DEBUG = True
    _sign_in(client, demo_nurse)
    assert client.get(reverse("today")).status_code == 200

    settings.DEBUG = False

    assert client.get(reverse("today")).status_code == 302


def test_real_staff_sign_in_without_debug(client, nurse, settings):
    settings.DEBUG = False

    _sign_in(client, nurse)

    assert client.session["_auth_user_id"] == str(nurse.pk)


def test_each_request_reads_the_user_then_whether_it_is_a_demo_account_in_one_plain_query(
    nurse, demo_nurse, settings, django_assert_num_queries
):
    settings.DEBUG = False
    backend = WardBackend()

    with django_assert_num_queries(2):
        assert backend.get_user(nurse.pk) == nurse
    with django_assert_num_queries(2):
        assert backend.get_user(demo_nurse.pk) is None


def test_demo_accounts_made_before_the_marker_are_marked_by_the_migration(db, django_user_model):
    migration = import_module("journey.migrations.0005_keyed_audit_append_only")
    old_demo = django_user_model.objects.create_user("coordinator", password="ward-demo-2026")
    changed_password = django_user_model.objects.create_user("nurse", password="a-real-password-now")
    stranger = django_user_model.objects.create_user("someone", password="ward-demo-2026")

    migration.mark_demo_accounts(apps, None)

    demo = set(Group.objects.get(name=roles.DEMO_ACCOUNT).user_set.all())
    assert demo == {old_demo}
    assert changed_password not in demo
    assert stranger not in demo


def test_make_serve_creates_no_account():
    recipe = subprocess.run(
        ["make", "-n", "serve"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    ).stdout

    assert "gunicorn" in recipe
    assert "seed_demo" not in recipe
    assert "createsuperuser" not in recipe
    assert "DJANGO_DEBUG=0" in recipe


def test_the_accounts_seed_demo_makes_cannot_sign_in_once_debug_is_off(client, db, settings, morning):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False

    for username in ("admin", "nurse", "coordinator", "lead", "display"):
        client.post(reverse("login"), {"username": username, "password": "ward-demo-2026"})
        assert "_auth_user_id" not in client.session, username
