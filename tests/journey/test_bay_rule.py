"""One bay, one patient: a bay held by another patient whose day is not over is refused at booking,
unless the nurse marks the booking as a planned hand-over of the bay."""

from datetime import date

import pytest

from journey.errors import JourneyError
from journey.models import Journey, JourneyEvent
from journey.models.journeys import overdue_text
from tests.makers import make_journey, make_patient, walk_to

DAY = date(2026, 11, 21)


def test_a_bay_held_by_a_patient_in_progress_is_refused_with_their_initials_and_stage(pathway, nurse, morning):
    holder = make_journey(pathway, nurse, bay="12", patient=make_patient(given_name="Alan", family_name="Turing"))
    walk_to(holder, "prep", nurse, now=morning)

    with pytest.raises(JourneyError) as refused:
        make_journey(pathway, nurse, bay="12")

    assert refused.value.field == "bay"
    assert "Bay 12 is held by AT (Prep)" in refused.value.message
    assert 'tick "Planned hand-over"' in refused.value.message
    assert Journey.objects.count() == 1


def test_a_bay_booked_for_a_patient_not_yet_arrived_is_held_too(pathway, nurse, morning):
    make_journey(pathway, nurse, bay="12", patient=make_patient(given_name="Grace", family_name="Hopper"))

    with pytest.raises(JourneyError, match=r"Bay 12 is held by GH \(Booked\)"):
        make_journey(pathway, nurse, bay=" 12 ")


def test_a_planned_hand_over_books_the_bay_and_says_so_in_the_history(pathway, nurse, morning):
    make_journey(pathway, nurse, bay="12", patient=make_patient(given_name="Grace", family_name="Hopper"))

    second = Journey.objects.book(
        patient=make_patient(),
        pathway=pathway,
        day=DAY,
        scheduled_time=morning.time(),
        bay="12",
        planned_levels="L1",
        by=nurse,
        bay_handover=True,
    )

    (event,) = second.events.filter(kind=JourneyEvent.Kind.BOOKED)
    assert "bay 12 handed over from GH" in event.summary


@pytest.mark.parametrize("ended", [Journey.Status.COMPLETED, Journey.Status.CANCELLED, Journey.Status.DID_NOT_ARRIVE])
def test_a_bay_is_free_again_once_its_patients_day_is_over(pathway, nurse, morning, ended):
    earlier = make_journey(pathway, nurse, bay="12")
    Journey.objects.filter(pk=earlier.pk).update(status=ended)

    assert make_journey(pathway, nurse, bay="12").bay == "12"


def test_the_same_bay_on_another_day_or_no_bay_is_never_refused(pathway, nurse, morning):
    make_journey(pathway, nurse, bay="12")
    make_journey(pathway, nurse, bay="12", day=date(2026, 11, 22))
    make_journey(pathway, nurse, bay="")
    make_journey(pathway, nurse, bay="")

    assert Journey.objects.count() == 4


@pytest.mark.parametrize(
    ("numbers", "text"),
    [
        ([2], "Observation round 2 overdue"),
        ([2, 3], "Observation rounds 2, 3 overdue"),
        ([1, 2, 3], "Observation rounds 1, 2, 3 overdue"),
        ([2, 3, 4, 5, 6], "5 observation rounds overdue, from round 2"),
    ],
)
def test_an_overdue_badge_says_how_many_rounds_are_overdue(numbers, text):
    assert overdue_text(numbers) == text


def test_moving_a_patient_into_a_held_bay_is_refused_unless_a_planned_hand_over(pathway, nurse, morning):
    make_journey(pathway, nurse, bay="12", patient=make_patient(given_name="Grace", family_name="Hopper"))
    moving = make_journey(pathway, nurse, bay="7")

    with pytest.raises(JourneyError, match=r"Bay 12 is held by GH \(Booked\)") as refused:
        moving.change_booking(bay="12", by=nurse)
    assert refused.value.field == "bay"
    moving.refresh_from_db()
    assert moving.bay == "7"

    moving.change_booking(bay="12", by=nurse, bay_handover=True)
    moving.refresh_from_db()
    assert moving.bay == "12"
    assert "handed over from GH" in moving.events.latest("pk").summary
