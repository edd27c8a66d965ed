from datetime import date, time

import pytest

from journey.errors import JourneyError
from journey.models import Journey, JourneyEvent, Occasion, Patient, PatientDetails
from journey.models.journeys import PUBLIC_CODE_ALPHABET
from tests.makers import cancel, coded, make_journey, make_patient


def test_booking_books_the_day_with_levels_in_spinal_order_and_a_public_code(pathway, nurse, morning):
    journey = make_journey(pathway, nurse, levels="l1, t12", now=morning)

    assert journey.status == Journey.Status.SCHEDULED
    assert journey.planned_levels == ["T12", "L1"]
    assert len(journey.public_code) == 5
    assert set(journey.public_code) <= set(PUBLIC_CODE_ALPHABET)
    assert journey.current_visit is None
    (event,) = journey.events.all()
    assert event.kind == JourneyEvent.Kind.BOOKED
    assert event.by == nurse
    assert event.at == morning
    assert "levels T12, L1" in event.summary


@pytest.mark.parametrize(
    ("levels", "message"),
    [("T13", "“T13” is not a vertebral level"), ("", "Enter at least one vertebral level")],
)
def test_booking_refuses_unknown_or_missing_levels_and_books_nothing(pathway, nurse, levels, message):
    with pytest.raises(JourneyError, match=message):
        make_journey(pathway, nurse, levels=levels)
    assert not Journey.objects.exists()


def test_booking_refuses_a_phone_number_no_one_could_dial(pathway, nurse):
    with pytest.raises(JourneyError, match="phone number that can be dialled"):
        make_journey(pathway, nurse, driver=("Dee Driver", "call me"))
    assert not Journey.objects.exists()


def test_booking_refuses_a_second_journey_for_the_same_patient_and_day(pathway, nurse):
    patient = make_patient(given_name="Ada", family_name="Lovelace")
    make_journey(pathway, nurse, patient=patient, day=date(2026, 11, 21))

    with pytest.raises(JourneyError, match="Ada Lovelace already has a journey on 21 Nov 2026"):
        make_journey(pathway, nurse, patient=patient, day=date(2026, 11, 21))
    assert Journey.objects.count() == 1


def test_a_cancelled_journey_does_not_block_rebooking_the_same_day(pathway, nurse):
    patient = make_patient()
    first = make_journey(pathway, nurse, patient=patient)
    cancel(first, nurse, "Patient unwell this morning")

    second = make_journey(pathway, nurse, patient=patient)

    assert second.pk != first.pk


def test_booking_refuses_a_pathway_the_unit_no_longer_offers(pathway, nurse):
    pathway.is_active = False
    pathway.save()

    with pytest.raises(JourneyError, match="no longer offered"):
        Journey.objects.book(
            patient=make_patient(),
            pathway=pathway,
            day=date(2026, 11, 21),
            scheduled_time=time(9, 0),
            planned_levels="L1",
            by=nurse,
        )


def _details(mrn="M300100", given="Grace", family="Hopper", born=date(1936, 12, 9)):
    return PatientDetails(mrn=mrn, given_name=given, family_name=family, date_of_birth=born)


def test_booking_with_patient_details_registers_the_patient_and_books_the_day_in_one_verb(pathway, nurse, morning):
    journey = Journey.objects.book(
        patient=_details(mrn=" m300100 "),
        pathway=pathway,
        day=date(2026, 11, 21),
        scheduled_time=time(9, 0),
        planned_levels="L1",
        by=nurse,
    )

    assert journey.patient.mrn == "M300100"
    assert journey.patient.full_name == "Grace Hopper"
    assert journey.events.get().kind == JourneyEvent.Kind.BOOKED


def test_a_refused_booking_leaves_no_new_patient_behind(pathway, nurse, morning):
    with pytest.raises(JourneyError) as refusal:
        Journey.objects.book(
            patient=_details(),
            pathway=pathway,
            day=date(2026, 11, 21),
            scheduled_time=time(9, 0),
            planned_levels="L1",
            driver_phone="12",
            by=nurse,
        )

    assert refusal.value.field == "driver_phone"
    assert not Patient.objects.filter(mrn="M300100").exists()


def test_an_mrn_held_by_someone_else_is_refused_at_the_mrn_and_nothing_is_added(pathway, nurse, morning):
    make_journey(pathway, nurse, patient=make_patient(mrn="M300200"))
    with pytest.raises(JourneyError) as refusal:
        Journey.objects.book(
            patient=_details(mrn="M300200", given="Ada", family="Tester999"),
            pathway=pathway,
            day=date(2026, 11, 21),
            scheduled_time=time(9, 0),
            planned_levels="L1",
            by=nurse,
        )

    assert refusal.value.field == "mrn"
    assert Patient.objects.filter(mrn="M300200").count() == 1


@pytest.mark.parametrize(
    ("details", "field", "message"),
    [
        (_details(mrn="M-1"), "mrn", "An MRN has letters and digits only."),
        (_details(born=date(2027, 1, 1)), "date_of_birth", "The date of birth cannot be in the future."),
        (_details(born=date(1890, 1, 1)), "date_of_birth", "over 120"),
    ],
)
def test_the_mrn_and_birth_date_rules_are_the_domains_and_name_their_field(
    pathway, nurse, morning, details, field, message
):
    with pytest.raises(JourneyError, match=message) as refusal:
        Journey.objects.book(
            patient=details,
            pathway=pathway,
            day=date(2026, 11, 21),
            scheduled_time=time(9, 0),
            planned_levels="L1",
            by=nurse,
        )

    assert refusal.value.field == field
    assert not Patient.objects.exists()


def test_a_booked_patient_who_never_came_is_marked_did_not_arrive_with_the_reason(pathway, nurse, morning):
    journey = make_journey(pathway, nurse)

    unwell = coded(Occasion.DID_NOT_ARRIVE, "unwell")
    journey.mark_did_not_arrive(reason=unwell, detail="  Phoned: chest infection ", by=nurse, now=morning)

    assert journey.status == Journey.Status.DID_NOT_ARRIVE
    assert journey.is_closed
    event = journey.events.get(kind=JourneyEvent.Kind.DID_NOT_ARRIVE)
    assert event.summary == f"Did not arrive: {unwell.get_category_display()}: {unwell.label} (Phoned: chest infection)"
    # The day is free again for a new booking.
    make_journey(pathway, nurse, patient=journey.patient)


def test_did_not_arrive_is_refused_once_the_patient_has_arrived_or_without_a_reason(pathway, nurse, morning):
    journey = make_journey(pathway, nurse)
    with pytest.raises(JourneyError, match="Choose a reason from the list for: did not arrive"):
        journey.mark_did_not_arrive(reason=None, by=nurse)
    journey.arrive(by=nurse)

    with pytest.raises(JourneyError, match="has already arrived"):
        journey.mark_did_not_arrive(reason=coded(Occasion.DID_NOT_ARRIVE, "no_contact"), by=nurse)
    assert journey.status == Journey.Status.IN_PROGRESS
