"""Answers and their history, closed journeys, stale pages and the event log."""

import re
from datetime import timedelta

import pytest

from journey.errors import InvalidAnswer, JourneyClosed, JourneyError, StaleJourney
from journey.models import Answer, JourneyEvent
from tests.makers import answer, cancel, footprint, score_padss, walk_to


def test_changing_an_answer_keeps_the_old_one(journey, nurse, other_nurse, morning):
    walk_to(journey, "prep", nurse, now=morning)
    answer(journey, "baseline_systolic", "150", by=nurse, now=morning)
    answer(journey, "baseline_systolic", "135", by=other_nurse, now=morning + timedelta(minutes=3))

    rows = Answer.objects.filter(visit=journey.current_visit).order_by("answered_at")
    assert [(a.value, a.answered_by, a.is_current) for a in rows] == [
        ("150", nurse, False),
        ("135", other_nurse, True),
    ]
    assert journey.events.last().summary == "Baseline systolic: 135 mmHg (was 150 mmHg)"


def test_the_same_answer_posted_twice_is_written_once(journey, nurse):
    journey.arrive(by=nurse)
    answer(journey, "identity", True, by=nurse)
    before = footprint(journey)

    assert answer(journey, "identity", "on", by=nurse) is None
    assert footprint(journey) == before


def test_an_answer_that_does_not_fit_its_item_is_refused_and_writes_nothing(journey, nurse):
    walk_to(journey, "prep", nurse)
    before = footprint(journey)

    with pytest.raises(InvalidAnswer, match=re.escape("Baseline systolic: Enter a number from 50 to 260 mmHg.")):
        answer(journey, "baseline_systolic", "900", by=nurse)
    assert footprint(journey) == before


def test_a_flagged_answer_is_kept_with_its_reason(journey, nurse):
    walk_to(journey, "injection", nurse)

    volume = answer(journey, "cement_volume", "T12 7.5, L1 3", by=nurse)
    leak = answer(journey, "cement_leakage", "yes", by=nurse)

    assert volume.flag == "Cement volume: T12 7.5 mL above 7 mL"
    assert leak.flag == "Cement leakage: yes"


@pytest.mark.parametrize("ending", ["completed", "cancelled"])
def test_a_closed_journey_accepts_no_further_change(journey, nurse, ending):
    if ending == "completed":
        walk_to(journey, "discharge", nurse)
        score_padss(journey, nurse, (2, 2, 2, 2, 1))
        answer(journey, "driver_present", "yes", by=nurse)
        journey.complete_stage(by=nurse)
    else:
        cancel(journey, nurse, "Fracture older than expected on review")
    before = footprint(journey)
    item = journey.pathway.stages.get(code="discharge").items.get(code="padss_vitals")

    for attempt in (
        lambda: journey.arrive(by=nurse),
        lambda: journey.record_answer(item, "1", by=nurse),
        lambda: journey.complete_stage(by=nurse),
        lambda: journey.update_driver(name="New Driver", phone="07700 900999", by=nurse),
        lambda: cancel(journey, nurse, "again"),
    ):
        with pytest.raises(JourneyClosed, match="can no longer be changed"):
            attempt()
    assert footprint(journey) == before


def test_a_cancellation_needs_a_coded_reason_and_other_needs_words(journey, nurse):
    before = footprint(journey)

    with pytest.raises(JourneyError, match="Choose a reason from the list for: cancellation before arrival"):
        journey.cancel(reason=None, by=nurse)
    with pytest.raises(JourneyError, match="write a few words"):
        cancel(journey, nurse, " ")
    assert footprint(journey) == before


def test_an_action_on_a_stale_page_is_refused_with_who_changed_it_and_when(journey, nurse, other_nurse, morning):
    journey.arrive(by=nurse, now=morning)
    seen_version = journey.version
    answer(journey, "identity", True, by=other_nurse, now=morning + timedelta(minutes=4))
    before = footprint(journey)

    with pytest.raises(StaleJourney, match="Changed by Olu Other at 08:04 since this page was loaded"):
        answer(journey, "driver_confirmed", True, by=nurse, expected_version=seen_version)
    assert footprint(journey) == before


def test_every_change_bumps_the_version_and_appends_one_event(journey, nurse, morning):
    steps = [
        lambda: journey.arrive(by=nurse, now=morning),
        lambda: answer(journey, "identity", True, by=nurse, now=morning),
        lambda: journey.update_driver(name="Dee Driver", phone="07700 900999", by=nurse, now=morning),
        lambda: answer(journey, "driver_confirmed", True, by=nurse, now=morning),
        lambda: journey.complete_stage(by=nurse, now=morning),
        lambda: cancel(journey, nurse, "Patient asked to rebook", now=morning),
    ]
    for step in steps:
        version, events = journey.version, journey.events.count()
        step()
        assert (journey.version, journey.events.count()) == (version + 1, events + 1)
        assert journey.events.last().version == journey.version

    kinds = list(journey.events.values_list("kind", flat=True))
    assert kinds == [
        JourneyEvent.Kind.BOOKED,
        JourneyEvent.Kind.ARRIVED,
        JourneyEvent.Kind.ANSWER_RECORDED,
        JourneyEvent.Kind.DRIVER_UPDATED,
        JourneyEvent.Kind.ANSWER_RECORDED,
        JourneyEvent.Kind.STAGE_COMPLETED,
        JourneyEvent.Kind.CANCELLED,
    ]
    assert set(journey.events.values_list("by", flat=True)) == {nurse.pk}


def test_events_record_the_stage_they_happened_in(journey, nurse):
    walk_to(journey, "prep", nurse)
    answer(journey, "baseline_systolic", "120", by=nurse)

    assert journey.events.last().stage_name == "Prep"


def test_the_event_log_cannot_be_edited_or_deleted(journey):
    event = journey.events.get()

    event.summary = "Something else"
    with pytest.raises(JourneyError, match="cannot be changed"):
        event.save()
    with pytest.raises(JourneyError, match="never deleted"):
        event.delete()
    assert journey.events.get().summary.startswith("Booked for")


def test_a_checklist_saved_together_is_written_whole_or_not_at_all(journey, nurse):
    walk_to(journey, "positioning", nurse)
    items = {i.code: i for i in journey.current_visit.stage.items.all()}
    before = footprint(journey)

    with pytest.raises(InvalidAnswer) as refused:
        journey.record_answers({items["safe_prone"]: "yes", items["timeout_levels"]: "T13"}, by=nurse)

    assert list(refused.value.errors) == [items["timeout_levels"].pk]
    assert "“T13” is not a vertebral level" in refused.value.errors[items["timeout_levels"].pk]
    assert footprint(journey) == before

    journey.record_answers({items["safe_prone"]: "yes", items["timeout_levels"]: "T12 L1"}, by=nurse)
    assert journey.events.count() == before[-1] + 2
