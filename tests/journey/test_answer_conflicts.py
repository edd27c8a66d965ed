"""Two nurses at one checklist: conflicts are judged per item, not per journey.

A page says which answer it showed for each item (``seen``); an item left as shown is not touched, an item
changed on the page is refused only if someone changed that same item since."""

from datetime import timedelta

import pytest

from journey.errors import AnswerConflict, StaleJourney
from journey.models import Answer
from tests.makers import answer, footprint, walk_to


def _items(journey):
    return {i.code: i for i in journey.current_visit.stage.items.all()}


def _seen(journey):
    standing = journey.current_visit.current_answers()
    return {item.pk: (standing[item.pk].pk if item.pk in standing else None) for item in _items(journey).values()}


def test_two_nurses_saving_different_items_of_one_checklist_both_land(journey, nurse, other_nurse, morning):
    journey.arrive(by=nurse, now=morning)
    items = _items(journey)
    page_a, page_b = _seen(journey), _seen(journey)  # both pages loaded before either saved

    journey.record_answers({items["identity"]: "on", items["driver_confirmed"]: None}, by=nurse, seen=page_a)
    journey.record_answers({items["identity"]: None, items["driver_confirmed"]: "on"}, by=other_nurse, seen=page_b)

    standing = journey.current_visit.current_answers()
    assert standing[items["identity"].pk].value is True  # B's untouched, unticked box did not undo A's tick
    assert standing[items["identity"].pk].answered_by == nurse
    assert standing[items["driver_confirmed"].pk].value is True


def test_a_change_to_the_same_item_since_the_page_was_loaded_is_refused_with_who_and_when(
    journey, nurse, other_nurse, morning
):
    walk_to(journey, "prep", nurse, now=morning)
    systolic = _items(journey)["baseline_systolic"]
    page = _seen(journey)
    answer(journey, "baseline_systolic", "150", by=other_nurse, now=morning + timedelta(minutes=4))
    before = footprint(journey)

    with pytest.raises(AnswerConflict, match="“Baseline systolic” was changed by Olu Other at 08:04") as refusal:
        journey.record_answers({systolic: "135"}, by=nurse, seen=page)

    assert "now: 150 mmHg" in refusal.value.message
    assert isinstance(refusal.value, StaleJourney)
    assert footprint(journey) == before


def test_the_same_answer_given_by_both_is_no_conflict(journey, nurse, other_nurse):
    walk_to(journey, "prep", nurse)
    systolic = _items(journey)["baseline_systolic"]
    page = _seen(journey)
    answer(journey, "baseline_systolic", "150", by=other_nurse)

    assert journey.record_answers({systolic: "150"}, by=nurse, seen=page) == []
    assert Answer.objects.filter(item=systolic).count() == 1


def test_a_checklist_page_of_a_stage_already_closed_is_refused_as_stale(journey, nurse, other_nurse):
    walk_to(journey, "prep", nurse)
    consent = journey.visits.get(stage__code="consent").stage

    with pytest.raises(StaleJourney, match="Consent was already completed by Nora Nurse"):
        journey.record_answers({}, by=other_nurse, stage=consent, seen={})


def test_a_driver_changed_since_the_page_was_loaded_is_refused_not_overwritten(journey, nurse, other_nurse, morning):
    shown = (journey.driver_name, journey.driver_phone)
    journey.update_driver(name="Grace Hopper", phone="07700 900444", by=other_nurse, now=morning)

    with pytest.raises(AnswerConflict, match="The driver was changed by Olu Other at 08:00"):
        journey.update_driver(name="Someone", phone="07700 900555", by=nurse, shown=shown)

    journey.refresh_from_db()
    assert journey.driver_name == "Grace Hopper"
