"""The recovery minimum, its override by a clinical lead, and the discharge gate."""

from datetime import timedelta

import pytest

from journey.errors import JourneyError, NotPermitted, StageNotReady
from journey.models import JourneyEvent
from tests.makers import answer, footprint, record_all_rounds, score_padss, walk_to


def _ready_recovery(journey, nurse, now):
    visit = walk_to(journey, "recovery", nurse, now=now)
    answer(journey, "lying_flat", True, by=nurse, now=now)
    record_all_rounds(journey, nurse, now=now)
    return visit


def test_discharge_is_refused_before_two_hours_flat(journey, nurse, morning):
    _ready_recovery(journey, nurse, morning)
    before = footprint(journey)

    with pytest.raises(StageNotReady) as refused:
        journey.complete_stage(by=nurse, now=morning + timedelta(minutes=119, seconds=59))

    assert refused.value.problems == ["Flat recovery lasts at least 2 h: it may close at 10:00 (1 min from now)."]
    assert footprint(journey) == before


def test_recovery_closes_once_the_two_hours_have_passed(journey, nurse, morning):
    _ready_recovery(journey, nurse, morning)

    following = journey.complete_stage(by=nurse, now=morning + timedelta(minutes=120))

    assert following.stage.code == "discharge"


def test_a_clinical_lead_may_override_the_minimum_with_a_reason_that_is_kept(journey, nurse, lead, morning):
    visit = _ready_recovery(journey, nurse, morning)
    at = morning + timedelta(minutes=70)

    journey.override_minimum(reason="Transfer to ward bed, flat on trolley", by=lead, now=at)
    journey.complete_stage(by=nurse, now=at + timedelta(minutes=1))

    visit.refresh_from_db()
    assert (visit.minimum_overridden_by, visit.minimum_overridden_at) == (lead, at)
    assert visit.minimum_override_reason == "Transfer to ward bed, flat on trolley"
    event = journey.events.get(kind=JourneyEvent.Kind.MINIMUM_OVERRIDDEN)
    assert event.by == lead
    assert "Transfer to ward bed" in event.summary


def test_a_nurse_may_not_override_the_minimum(journey, nurse, morning):
    _ready_recovery(journey, nurse, morning)
    before = footprint(journey)

    with pytest.raises(NotPermitted, match="Only a clinical lead"):
        journey.override_minimum(reason="Bed needed for next patient", by=nurse)
    assert footprint(journey) == before


def test_an_override_needs_a_written_reason(journey, lead, nurse, morning):
    _ready_recovery(journey, nurse, morning)
    before = footprint(journey)

    with pytest.raises(JourneyError, match="Write the clinical reason"):
        journey.override_minimum(reason="   ok  ", by=lead)
    assert footprint(journey) == before


def test_a_stage_without_a_minimum_has_nothing_to_override(journey, lead):
    journey.arrive(by=lead)

    with pytest.raises(JourneyError, match="Consent has no minimum time to override"):
        journey.override_minimum(reason="Nothing to override here", by=lead)


def _at_discharge(journey, nurse):
    walk_to(journey, "discharge", nurse)
    score_padss(journey, nurse)


def test_discharge_is_refused_without_the_drivers_name_and_phone(journey, nurse):
    _at_discharge(journey, nurse)
    answer(journey, "driver_present", "yes", by=nurse)
    journey.update_driver(name="", phone="", by=nurse)
    before = footprint(journey)

    with pytest.raises(StageNotReady, match="record the driver's name and phone number on the journey first"):
        journey.complete_stage(by=nurse)
    assert footprint(journey) == before


def test_discharge_is_refused_unless_the_driver_is_marked_present(journey, nurse):
    _at_discharge(journey, nurse)
    answer(journey, "driver_present", "no", by=nurse)
    before = footprint(journey)

    with pytest.raises(StageNotReady, match="Driver present: the answer is “no”"):
        journey.complete_stage(by=nurse)
    assert footprint(journey) == before


def test_discharge_is_refused_with_a_discharge_score_under_nine(journey, nurse):
    _at_discharge(journey, nurse)
    score_padss(journey, nurse, (2, 2, 2, 1, 1))
    answer(journey, "driver_present", "yes", by=nurse)
    before = footprint(journey)

    with pytest.raises(StageNotReady, match=r"Discharge score \(PADSS\) is 8: 9 or more is needed"):
        journey.complete_stage(by=nurse)
    assert footprint(journey) == before

    score_padss(journey, nurse, (2, 2, 2, 2, 1))
    assert journey.complete_stage(by=nurse) is None


def test_consent_needs_the_driver_recorded_before_it_closes(pathway, nurse):
    from tests.makers import make_journey

    journey = make_journey(pathway, nurse, driver=("", ""))
    journey.arrive(by=nurse)
    answer(journey, "identity", True, by=nurse)
    answer(journey, "driver_confirmed", True, by=nurse)

    with pytest.raises(StageNotReady, match="Driver confirmed: record the driver's name and phone"):
        journey.complete_stage(by=nurse)

    journey.update_driver(name="Dee Driver", phone="+44 7700 900123", by=nurse)
    assert journey.complete_stage(by=nurse).stage.code == "prep"
