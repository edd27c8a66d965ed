"""Changing a booking: reschedule, change the bay, levels or time, and the levels a booking came without."""

from datetime import date, time

import pytest

from journey.errors import JourneyError, OutOfOrder
from journey.models import JourneyEvent
from tests.makers import answer, footprint, make_journey, make_patient, walk_to


@pytest.fixture
def to_confirm(pathway, nurse, morning):
    return make_journey(pathway, nurse, now=morning, levels=[])


def test_a_booking_may_come_without_levels_and_says_they_are_to_confirm(to_confirm):
    assert to_confirm.planned_levels == []
    assert to_confirm.events.get().summary == "Booked for Vertebroplasty at levels to confirm, 08:30"


def test_consent_cannot_complete_until_the_levels_are_recorded(to_confirm, nurse):
    to_confirm.arrive(by=nurse)
    answer(to_confirm, "identity", True, by=nurse)
    answer(to_confirm, "driver_confirmed", True, by=nurse)

    problems = to_confirm.current_visit.problems(to_confirm.current_visit.started_at)

    assert problems == ["The planned levels are not recorded yet: record them (levels to confirm) before going on."]
    with pytest.raises(JourneyError, match="planned levels are not recorded"):
        to_confirm.complete_stage(by=nurse)


def test_a_nurse_records_the_levels_and_consent_may_complete(to_confirm, nurse):
    to_confirm.arrive(by=nurse)
    answer(to_confirm, "identity", True, by=nurse)
    answer(to_confirm, "driver_confirmed", True, by=nurse)

    to_confirm.change_booking(planned_levels="l1, t12", by=nurse)
    to_confirm.complete_stage(by=nurse)

    assert to_confirm.planned_levels == ["T12", "L1"]
    changed = to_confirm.events.filter(kind=JourneyEvent.Kind.BOOKING_CHANGED).get()
    assert changed.summary == "Booking changed: levels T12, L1 (was levels to confirm)"
    assert changed.stage_name == "Consent"


def test_levels_can_no_longer_change_once_consent_has_closed(journey, nurse):
    walk_to(journey, "prep", nurse)
    before = footprint(journey)

    with pytest.raises(JourneyError, match="checked at consent"):
        journey.change_booking(planned_levels="L3", by=nurse)

    assert footprint(journey) == before


def test_the_bay_changes_at_any_time_and_the_time_only_before_arrival(journey, nurse):
    journey.arrive(by=nurse)

    journey.change_booking(bay="9", by=nurse)
    with pytest.raises(OutOfOrder, match="already arrived"):
        journey.change_booking(scheduled_time=time(11, 0), by=nurse)

    assert (journey.bay, journey.scheduled_time) == ("9", time(8, 30))


def test_a_change_that_changes_nothing_writes_nothing(journey, nurse):
    before = footprint(journey)

    journey.change_booking(bay="3", planned_levels="T12 L1", scheduled_time=time(8, 30), by=nurse)

    assert footprint(journey) == before


def test_an_unknown_level_is_refused(journey, nurse):
    with pytest.raises(JourneyError, match="not a vertebral level") as refusal:
        journey.change_booking(planned_levels="T13", by=nurse)

    assert refusal.value.field == "planned_levels"


def test_a_reschedule_moves_the_day_and_time_before_arrival(journey, nurse):
    journey.reschedule(day=date(2026, 11, 23), scheduled_time=time(13, 0), by=nurse)

    assert (journey.day, journey.scheduled_time) == (date(2026, 11, 23), time(13, 0))
    assert journey.events.last().summary == "Rescheduled to 23 Nov 2026 13:00 (was 21 Nov 2026 08:30)"


def test_a_reschedule_onto_a_day_the_patient_is_already_booked_is_refused(pathway, nurse, morning):
    patient = make_patient()
    journey = make_journey(pathway, nurse, patient=patient, day=date(2026, 11, 21))
    make_journey(pathway, nurse, patient=patient, day=date(2026, 11, 23))
    before = footprint(journey)

    with pytest.raises(JourneyError, match="already has a journey on 23 Nov 2026"):
        journey.reschedule(day=date(2026, 11, 23), scheduled_time=time(9, 0), by=nurse)

    assert footprint(journey) == before


def test_a_reschedule_after_arrival_is_refused(journey, nurse):
    journey.arrive(by=nurse)

    with pytest.raises(OutOfOrder, match="can no longer be moved"):
        journey.reschedule(day=date(2026, 11, 23), scheduled_time=time(9, 0), by=nurse)
