from datetime import date, time

import pytest

from journey.errors import JourneyError
from journey.models import Journey, JourneyEvent
from journey.models.journeys import PUBLIC_CODE_ALPHABET
from tests.makers import cancel, make_journey, make_patient


def test_check_in_books_the_day_with_levels_in_spinal_order_and_a_public_code(pathway, nurse, morning):
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
def test_check_in_refuses_unknown_or_missing_levels_and_books_nothing(pathway, nurse, levels, message):
    with pytest.raises(JourneyError, match=message):
        make_journey(pathway, nurse, levels=levels)
    assert not Journey.objects.exists()


def test_check_in_refuses_a_phone_number_no_one_could_dial(pathway, nurse):
    with pytest.raises(JourneyError, match="phone number that can be dialled"):
        make_journey(pathway, nurse, driver=("Dee Driver", "call me"))
    assert not Journey.objects.exists()


def test_check_in_refuses_a_second_journey_for_the_same_patient_and_day(pathway, nurse):
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


def test_check_in_refuses_a_pathway_the_unit_no_longer_offers(pathway, nurse):
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
