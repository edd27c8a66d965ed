from datetime import timedelta

import pytest

from tests.makers import walk_to


@pytest.mark.parametrize(
    ("minutes", "state"),
    [(0, "on-track"), (15, "on-track"), (16, "near"), (20, "near"), (21, "over")],
)
def test_the_timer_is_on_track_then_near_at_80_percent_then_over_past_the_target(
    journey, nurse, morning, minutes, state
):
    visit = journey.start(by=nurse, now=morning)

    timer = visit.timer(morning + timedelta(minutes=minutes))

    assert (timer.elapsed, timer.target, timer.state) == (timedelta(minutes=minutes), timedelta(minutes=20), state)
    assert timer.minimum_ends_at is None


def test_recovery_counts_down_to_the_end_of_the_flat_time(journey, nurse, morning):
    visit = walk_to(journey, "recovery", nurse, now=morning)

    timer = visit.timer(morning + timedelta(minutes=48))

    assert timer.minimum_ends_at == morning + timedelta(minutes=120)
    assert timer.minimum_left == timedelta(minutes=72)


def test_the_timer_uses_the_server_clock_when_not_told_the_time(journey, nurse, morning, time_machine):
    visit = journey.start(by=nurse)
    time_machine.move_to(morning + timedelta(minutes=5), tick=False)

    assert visit.timer().elapsed == timedelta(minutes=5)


def test_a_patient_past_the_flat_minimum_is_ready_not_overdue(journey, nurse, morning):
    visit = walk_to(journey, "recovery", nurse, now=morning)

    assert visit.timer(morning + timedelta(minutes=119)).state == "near"
    assert visit.timer(morning + timedelta(minutes=120)).state == "ready"
    assert visit.timer(morning + timedelta(minutes=200)).state == "ready"


def test_an_overridden_minimum_makes_the_stage_ready_at_once(journey, nurse, lead, morning):
    walk_to(journey, "recovery", nurse, now=morning)
    journey.override_minimum(reason="Transfer, flat on trolley", by=lead, now=morning + timedelta(minutes=30))

    assert journey.current_visit.timer(morning + timedelta(minutes=31)).state == "ready"
