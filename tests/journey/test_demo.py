from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from journey import demo, roles
from journey.models import Journey, Occasion, ReasonGiven, StageVisit


@pytest.fixture(autouse=True)
def development(settings):
    """seed_demo runs in development only (tests/tracker/test_demo_accounts.py: refused otherwise)."""
    settings.DEBUG = True


def test_the_demo_day_brings_staff_for_every_role_and_a_morning_in_every_stage(db, morning):
    call_command("seed_demo", "--no-history", verbosity=0)

    users = {u.username: u for u in get_user_model().objects.all()}
    assert {name: u.groups.exclude(name=roles.DEMO_ACCOUNT).get().name for name, u in users.items()} == {
        "nurse": roles.NURSE,
        "nurse2": roles.NURSE,
        "coordinator": roles.COORDINATOR,
        "lead": roles.CLINICAL_LEAD,
        "admin": roles.UNIT_ADMIN,
        "display": roles.DISPLAY,
    }
    # Every demo account carries the marker that keeps it out of production (tracker/auth.py).
    assert all(u.groups.filter(name=roles.DEMO_ACCOUNT).exists() for u in users.values())
    assert users["admin"].is_staff
    assert users["nurse"].check_password("ward-demo-2026")

    journeys = list(Journey.objects.on_day(timezone.localdate()).for_list())
    assert 10 <= len(journeys) <= 15
    stages = {j.current_visit.stage.code for j in journeys if j.current_visit}
    assert stages == {"consent", "prep", "positioning", "injection", "recovery", "discharge"}
    statuses = {j.status for j in journeys}
    assert {Journey.Status.SCHEDULED, Journey.Status.COMPLETED} <= statuses
    assert any(not j.has_driver_details for j in journeys)
    timers = [j.current_visit.timer(morning) for j in journeys if j.current_visit]
    assert {"on-track", "near", "over", "ready"} <= {t.state for t in timers}


def test_the_demo_day_has_one_patient_twenty_minutes_from_the_end_of_recovery_and_one_ready(db, morning):
    call_command("seed_demo", "--no-history", verbosity=0)

    recovering = [
        j.current_visit for j in Journey.objects.for_list() if j.current_visit and j.current_visit.minimum_minutes
    ]
    left = sorted(v.minimum_ends_at - morning for v in recovering)
    assert timedelta(minutes=20) in left
    assert any(v.problems(morning) == [] for v in recovering), "someone is ready to go to discharge"


def test_seeding_again_adds_nothing(db, morning):
    call_command("seed_demo", "--no-history", verbosity=0)
    counts = (Journey.objects.count(), get_user_model().objects.count())

    call_command("seed_demo", "--no-history", verbosity=0)
    call_command("seed_demo", "--today", "--no-history", verbosity=0)

    assert (Journey.objects.count(), get_user_model().objects.count()) == counts


def test_the_demo_history_walks_past_weekdays_through_the_verbs_with_reasons_for_every_delay(db, morning):
    call_command("seed_demo", "--no-history", verbosity=0)

    added = demo.seed_history(morning, days=7)

    past = Journey.objects.filter(day__lt=morning.date())
    assert added == past.count() == 5 * demo.HISTORY_PATIENTS_A_DAY  # 7 days back hold 5 weekdays
    late = [
        v
        for v in StageVisit.objects.filter(journey__in=past, completed_at__isnull=False)
        if v.is_over_target(v.completed_at)
    ]
    assert late, "some stages ran over"
    assert all(ReasonGiven.objects.filter(visit=v, occasion=Occasion.DELAY).exists() for v in late)
