"""Coded reasons in the flow of work: late stages, cancellations, did-not-arrive, overnight admission,
unplanned return. Each refusal writes nothing; each reason goes in the history."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from journey import roles
from journey.demo import settled_round
from journey.errors import JourneyError, NotPermitted, OutOfOrder
from journey.models import Journey, JourneyEvent, Occasion, ReasonGiven
from journey.models.journeys import DelayReasonNeeded
from tests.makers import answer, coded, footprint, make_user, walk_to


@pytest.fixture
def late_consent(journey, nurse, morning):
    """Consent (target 20 min) answered and 35 min old."""
    walk_to(journey, "consent", nurse, now=morning)
    answer(journey, "identity", True, by=nurse, now=morning)
    answer(journey, "driver_confirmed", True, by=nurse, now=morning)
    return morning + timedelta(minutes=35)


def test_a_stage_over_its_target_is_refused_without_a_delay_reason(journey, nurse, late_consent):
    before = footprint(journey)

    with pytest.raises(DelayReasonNeeded, match="Consent took 35 min, over its 20 min target: choose the main reason"):
        journey.complete_stage(by=nurse, now=late_consent)
    assert footprint(journey) == before


def test_a_stage_within_its_target_needs_no_reason(journey, nurse, late_consent):
    journey.complete_stage(by=nurse, now=late_consent - timedelta(minutes=15))  # exactly 20 min: not over

    assert journey.current_visit.stage.code == "prep"
    assert not ReasonGiven.objects.exists()


def test_the_delay_reason_is_kept_with_the_stage_and_written_in_the_history(journey, nurse, late_consent):
    journey.complete_stage(by=nurse, now=late_consent, delay_reason=coded(Occasion.DELAY, "driver_late"))

    given = ReasonGiven.objects.get()
    assert (given.visit.stage.code, given.occasion, given.code, given.by) == ("consent", "delay", "driver_late", nurse)
    event = journey.events.filter(kind=JourneyEvent.Kind.STAGE_COMPLETED).get()
    assert "over its 20 min target: Escort or social: Driver not available or late" in event.summary
    assert event.data["reason"] == "driver_late"


def test_the_database_keeps_one_delay_reason_per_stage(journey, nurse, late_consent):
    journey.complete_stage(by=nurse, now=late_consent, delay_reason=coded(Occasion.DELAY, "driver_late"))
    given = ReasonGiven.objects.get()
    second = ReasonGiven.build(
        coded(Occasion.DELAY, "pain"), "", journey=journey, visit=given.visit, at=late_consent, by=nurse
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
    assert ReasonGiven.objects.count() == 1


def test_other_needs_a_few_words(journey, nurse, late_consent):
    before = footprint(journey)

    with pytest.raises(JourneyError, match="write a few words"):
        journey.complete_stage(by=nurse, now=late_consent, delay_reason=coded(Occasion.DELAY), delay_detail=" ok")
    assert footprint(journey) == before

    journey.complete_stage(by=nurse, now=late_consent, delay_reason=coded(Occasion.DELAY), delay_detail="Fire alarm")
    assert ReasonGiven.objects.get().text == "Other: Other (say what) (Fire alarm)"


def test_a_reason_for_another_moment_or_a_retired_one_is_refused(journey, nurse, late_consent):
    retired = coded(Occasion.DELAY, "patient_late")
    retired.is_active = False
    retired.save()

    for wrong in (coded(Occasion.OVERNIGHT, "pain"), retired):
        with pytest.raises(JourneyError, match="Choose a reason from the list for: stage over its target"):
            journey.complete_stage(by=nurse, now=late_consent, delay_reason=wrong)


def test_cancelling_before_and_after_arrival_takes_the_reasons_of_that_moment(pathway, journey, nurse):
    with pytest.raises(JourneyError, match="cancellation before arrival"):
        journey.cancel(reason=coded(Occasion.CANCELLED_AFTER_ARRIVAL, "not_fasted"), by=nurse)

    journey.cancel(reason=coded(Occasion.CANCELLED_BEFORE_ARRIVAL, "patient_cancelled"), by=nurse)

    assert journey.status == Journey.Status.CANCELLED
    assert journey.events.last().summary == "Cancelled before arrival: Patient: Patient cancelled"


def test_cancelling_after_arrival_is_recorded_against_the_stage(journey, nurse, morning):
    walk_to(journey, "prep", nurse, now=morning)

    journey.cancel(reason=coded(Occasion.CANCELLED_AFTER_ARRIVAL, "not_fasted"), by=nurse)

    given = ReasonGiven.objects.get()
    assert (given.occasion, given.visit.stage.code) == ("cancelled_after_arrival", "prep")


def test_a_booked_patient_who_never_came_is_marked_did_not_arrive_with_a_coded_reason(journey, nurse):
    with pytest.raises(JourneyError, match="did not arrive"):
        journey.mark_did_not_arrive(reason=None, by=nurse)

    journey.mark_did_not_arrive(reason=coded(Occasion.DID_NOT_ARRIVE, "transport_failed"), by=nurse)

    assert journey.status == Journey.Status.DID_NOT_ARRIVE
    assert ReasonGiven.objects.get().code == "transport_failed"


def test_only_a_clinical_lead_admits_a_patient_overnight(journey, nurse, lead, morning):
    walk_to(journey, "recovery", nurse, now=morning)
    before = footprint(journey)

    with pytest.raises(NotPermitted, match="Only a clinical lead"):
        journey.admit_overnight(reason=coded(Occasion.OVERNIGHT, "no_driver"), by=nurse)
    assert footprint(journey) == before

    journey.admit_overnight(reason=coded(Occasion.OVERNIGHT, "no_driver"), by=lead)

    assert journey.status == Journey.Status.ADMITTED_OVERNIGHT
    assert journey.is_closed
    assert journey.events.last().kind == JourneyEvent.Kind.ADMITTED_OVERNIGHT


def test_a_patient_not_yet_arrived_cannot_be_admitted(journey, lead):
    with pytest.raises(OutOfOrder):
        journey.admit_overnight(reason=coded(Occasion.OVERNIGHT, "pain"), by=lead)


def test_an_unplanned_return_to_the_procedure_room_is_recorded_and_the_day_goes_on(journey, nurse, morning):
    walk_to(journey, "recovery", nurse, now=morning)

    journey.record_unplanned_return(reason=coded(Occasion.UNPLANNED_RETURN, "bleeding"), by=nurse)

    assert journey.status == Journey.Status.IN_PROGRESS
    assert ReasonGiven.objects.get().visit.stage.code == "recovery"
    assert "Unplanned return to the procedure room" in journey.events.last().summary


def test_recovery_keeps_when_it_became_ready_for_discharge(journey, nurse, morning):
    walk_to(journey, "recovery", nurse, now=morning)
    answer(journey, "lying_flat", True, by=nurse, now=morning)
    visit = journey.current_visit
    for minutes in (15, 30, 45, 60, 90, 131):  # the last round recorded 11 min after it was due
        journey.record_round(settled_round(), by=nurse, now=morning + timedelta(minutes=minutes))

    closed = morning + timedelta(minutes=140)
    journey.complete_stage(by=nurse, now=closed, delay_reason=coded(Occasion.DELAY, "nurse_unavailable"))

    visit.refresh_from_db()
    assert visit.ready_for_discharge_at == morning + timedelta(minutes=131)


def test_the_unit_admin_role_cannot_admit_overnight(db, journey, nurse, morning):
    walk_to(journey, "recovery", nurse, now=morning)

    with pytest.raises(NotPermitted):
        journey.admit_overnight(reason=coded(Occasion.OVERNIGHT, "pain"), by=make_user(roles.UNIT_ADMIN))
