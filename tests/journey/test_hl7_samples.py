"""The sample messages in fixtures/hl7/ (for the demo and the README) apply, in order, on the shipped pathways."""

from pathlib import Path

import pytest
from django.core.management import call_command

from journey import hl7_inbox
from journey.models import Journey, Patient

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "hl7"


@pytest.fixture
def shipped(db):
    call_command("loaddata", "vertebroplasty", "kyphoplasty", verbosity=0)


def receive(name: str):
    return hl7_inbox.receive((SAMPLES / name).read_bytes())


def test_the_samples_book_move_modify_update_and_cancel_one_appointment(shipped, morning):
    outcomes = [
        receive(name).outcome
        for name in (
            "s12_new_booking.hl7",
            "s13_rescheduled.hl7",
            "s14_modified_bay_and_levels.hl7",
            "a08_patient_details.hl7",
            "s15_cancelled.hl7",
        )
    ]

    assert outcomes == ["AA"] * 5
    journey = Journey.objects.get(hospital_appointment__appointment_id="APT-7001")
    assert (journey.bay, journey.planned_levels, journey.status) == ("2", ["T11", "T12", "L1"], "cancelled")
    assert journey.scheduled_time.strftime("%H:%M") == "11:45"
    assert Patient.objects.get(mrn="H700101").family_name == "Quinn-Hart"


def test_the_did_not_arrive_sample_applies_to_a_booked_appointment(shipped, morning):
    receive("s12_new_booking.hl7")

    assert receive("s26_did_not_arrive.hl7").outcome == "AA"
    assert Journey.objects.get().status == Journey.Status.DID_NOT_ARRIVE


def test_the_sample_without_levels_books_with_levels_to_confirm(shipped, morning):
    assert receive("s12_levels_to_confirm.hl7").outcome == "AA"
    assert Journey.objects.get().planned_levels == []
