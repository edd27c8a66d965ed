from datetime import timedelta

import pytest

from journey.demo import answer_stage, settled_round
from journey.models import RedFlagKind
from tests.makers import walk_to


@pytest.mark.parametrize(
    ("minutes", "state"),
    [(0, "on-track"), (15, "on-track"), (16, "near"), (20, "near"), (21, "over")],
)
def test_the_timer_is_on_track_then_near_at_80_percent_then_over_past_the_target(
    journey, nurse, morning, minutes, state
):
    visit = journey.arrive(by=nurse, now=morning)

    timer = visit.timer(morning + timedelta(minutes=minutes))

    assert (timer.elapsed, timer.target, timer.state) == (timedelta(minutes=minutes), timedelta(minutes=20), state)
    assert timer.minimum_ends_at is None


def test_recovery_counts_down_to_the_end_of_the_flat_time(journey, nurse, morning):
    visit = walk_to(journey, "recovery", nurse, now=morning)

    timer = visit.timer(morning + timedelta(minutes=48))

    assert timer.minimum_ends_at == morning + timedelta(minutes=120)
    assert timer.minimum_left == timedelta(minutes=72)


def test_the_timer_uses_the_server_clock_when_not_told_the_time(journey, nurse, morning, time_machine):
    visit = journey.arrive(by=nurse)
    time_machine.move_to(morning + timedelta(minutes=5), tick=False)

    assert visit.timer().elapsed == timedelta(minutes=5)


def _recovered(journey, nurse, morning):
    """Recovery with its checklist answered and every round recorded on time."""
    visit = walk_to(journey, "recovery", nurse, now=morning)
    answer_stage(journey, by=nurse, now=morning + timedelta(minutes=1))
    for slot in journey.current_visit.round_slots(morning):
        journey.record_round(settled_round(), by=nurse, now=slot.due_at)
    return visit


def test_a_patient_past_the_flat_minimum_with_everything_recorded_is_ready_not_overdue(journey, nurse, morning):
    _recovered(journey, nurse, morning)
    visit = journey.current_visit

    assert visit.timer(morning + timedelta(minutes=119)).state == "near"
    assert visit.timer(morning + timedelta(minutes=120)).state == "ready"
    assert visit.timer(morning + timedelta(minutes=200)).state == "ready"
    assert visit.timer(morning + timedelta(minutes=120)).label == "Ready for discharge"


def test_past_the_minimum_with_a_round_not_recorded_the_timer_is_over_target_never_ready(journey, nurse, morning):
    visit = walk_to(journey, "recovery", nurse, now=morning)
    answer_stage(journey, by=nurse, now=morning + timedelta(minutes=1))
    for slot in visit.round_slots(morning)[:3]:
        journey.record_round(settled_round(), by=nurse, now=slot.due_at)

    timer = journey.current_visit.timer(morning + timedelta(minutes=130))

    assert timer.state == "over"
    assert timer.ready_at is None
    assert timer.label == "Over target"


def test_past_the_minimum_with_an_open_red_flag_the_stage_before_discharge_is_not_ready(journey, nurse, morning):
    _recovered(journey, nurse, morning)
    journey.raise_red_flag(RedFlagKind.LOW_SPO2, by=nurse, now=morning + timedelta(minutes=121))

    assert journey.current_visit.timer(morning + timedelta(minutes=125)).state == "over"
    assert not journey.ready_for_discharge(morning + timedelta(minutes=125))


def test_the_timer_sends_the_moments_its_state_changes(journey, nurse, morning):
    _recovered(journey, nurse, morning)

    timer = journey.current_visit.timer(morning + timedelta(minutes=100))

    assert timer.state == "near"
    assert timer.near_at == morning + timedelta(minutes=96)
    assert timer.over_at == morning + timedelta(minutes=120)
    assert timer.ready_at == morning + timedelta(minutes=120)


def test_an_overridden_minimum_makes_the_stage_ready_at_once(journey, nurse, lead, morning):
    walk_to(journey, "recovery", nurse, now=morning)
    answer_stage(journey, by=nurse, now=morning)
    for slot in journey.current_visit.round_slots(morning)[:2]:
        journey.record_round(settled_round(), by=nurse, now=slot.due_at)
    journey.override_minimum(reason="Transfer, flat on trolley", by=lead, now=morning + timedelta(minutes=30))
    # Leaving early: the rounds not yet due are marked missed by the clinician, with the reason.
    for number in (3, 4, 5, 6):
        journey.mark_round_missed(
            number, reason="Transferred early, flat on trolley", by=lead, now=morning + timedelta(minutes=30)
        )

    timer = journey.current_visit.timer(morning + timedelta(minutes=31))

    assert timer.state == "ready"
    assert timer.ready_at == morning + timedelta(minutes=30)


def test_a_stage_with_a_minimum_other_than_recovery_counts_down_in_its_own_words(journey, nurse, morning):
    prep = journey.pathway.stages.get(code="prep")
    prep.minimum_minutes = 15
    prep.save()
    visit = walk_to(journey, "prep", nurse, now=morning)

    timer = visit.timer(morning + timedelta(minutes=5))

    assert timer.countdown_label == "Prep until"
    assert "flat" not in timer.countdown_label.lower() + timer.countdown_done.lower()
