"""Red flags: raised at once, escalated (who was told, when), resolved only by a clinician, and a gate on discharge."""

from datetime import timedelta

import pytest

from journey.errors import JourneyError, NotPermitted, StageNotReady
from journey.models import JourneyEvent, RedFlagKind
from tests.makers import answer, footprint, make_journey, score_padss, walk_to


def test_cement_leakage_seen_raises_a_red_flag_once(journey, nurse):
    walk_to(journey, "injection", nurse)

    answer(journey, "cement_leakage", "yes", by=nurse)
    answer(journey, "cement_leakage", "no", by=nurse)
    answer(journey, "cement_leakage", "yes", by=nurse)

    (flag,) = journey.open_red_flags
    assert (flag.kind, flag.detail) == (RedFlagKind.CEMENT_LEAKAGE, "Cement leakage: yes")


def test_a_red_flag_seen_at_the_bedside_marks_the_journey_red(journey, nurse, morning):
    walk_to(journey, "recovery", nurse, now=morning)

    flag = journey.raise_red_flag(RedFlagKind.CHEST_PAIN, detail="Central, started 5 min ago", by=nurse, now=morning)

    assert journey.open_red_flags == [flag]
    assert (flag.raised_by, flag.raised_at, flag.is_escalated) == (nurse, morning, False)
    assert journey.events.last().summary == "RED FLAG: Chest pain. Central, started 5 min ago"


def test_an_unknown_red_flag_is_refused(journey, nurse):
    journey.arrive(by=nurse)
    before = footprint(journey)

    with pytest.raises(JourneyError, match="Choose which red flag"):
        journey.raise_red_flag("headache", by=nurse)
    assert footprint(journey) == before


def test_the_escalation_records_who_was_told_and_when(journey, nurse, morning):
    journey.arrive(by=nurse, now=morning)
    flag = journey.raise_red_flag(RedFlagKind.BREATHLESS, by=nurse, now=morning)
    told = morning + timedelta(minutes=2)

    journey.record_escalation(flag, told_who="Dr Lead, on call", told_at=told, by=nurse, now=told)

    flag.refresh_from_db()
    assert (flag.told_who, flag.told_at, flag.escalation_recorded_by) == ("Dr Lead, on call", told, nurse)
    assert journey.events.last().kind == JourneyEvent.Kind.ESCALATED


@pytest.mark.parametrize(
    ("who", "minutes", "message"),
    [("", 1, "Write who was told"), ("Dr Lead", 30, "cannot be in the future")],
)
def test_an_escalation_without_a_name_or_in_the_future_is_refused(journey, nurse, morning, who, minutes, message):
    journey.arrive(by=nurse, now=morning)
    flag = journey.raise_red_flag(RedFlagKind.BREATHLESS, by=nurse, now=morning)
    before = footprint(journey)

    with pytest.raises(JourneyError, match=message):
        journey.record_escalation(
            flag, told_who=who, told_at=morning + timedelta(minutes=minutes), by=nurse, now=morning
        )
    assert footprint(journey) == before


def test_only_a_clinical_lead_resolves_a_red_flag_and_the_note_is_kept(journey, nurse, lead, morning):
    journey.arrive(by=nurse, now=morning)
    flag = journey.raise_red_flag(RedFlagKind.CHEST_PAIN, by=nurse, now=morning)
    before = footprint(journey)

    with pytest.raises(NotPermitted, match="Only a clinical lead"):
        journey.resolve_red_flag(flag, note="Settled after rest, ECG normal", by=nurse)
    assert footprint(journey) == before

    journey.resolve_red_flag(flag, note="Settled after rest, ECG normal", by=lead, now=morning)
    flag.refresh_from_db()
    assert (flag.resolved_by, flag.resolution_note, flag.is_open) == (lead, "Settled after rest, ECG normal", False)
    assert journey.open_red_flags == []
    with pytest.raises(JourneyError, match="already resolved by Lena Lead"):
        journey.resolve_red_flag(flag, note="Second look, same finding", by=lead)


def test_a_red_flag_of_another_patient_is_refused(journey, pathway, nurse, lead):
    other = make_journey(pathway, nurse)
    other.arrive(by=nurse)
    flag = other.raise_red_flag(RedFlagKind.CHEST_PAIN, by=nurse)
    journey.arrive(by=nurse)

    with pytest.raises(JourneyError, match="belongs to another patient"):
        journey.resolve_red_flag(flag, note="Wrong patient's flag here", by=lead)


def test_discharge_is_refused_while_a_red_flag_is_open(journey, nurse, lead):
    walk_to(journey, "discharge", nurse)
    score_padss(journey, nurse)
    answer(journey, "driver_present", "yes", by=nurse)
    flag = journey.raise_red_flag(RedFlagKind.BLADDER_BOWEL, by=nurse)
    before = footprint(journey)

    with pytest.raises(StageNotReady, match="Open red flag \\(Loss of bladder or bowel control\\)"):
        journey.complete_stage(by=nurse)
    assert footprint(journey) == before

    journey.resolve_red_flag(flag, note="Voided normally, bladder scan clear", by=lead)
    assert journey.complete_stage(by=nurse) is None


def test_the_discharge_gate_lists_each_condition_met_or_not(journey, nurse, morning):
    walk_to(journey, "discharge", nurse, now=morning)
    score_padss(journey, nurse, (2, 2, 2, 1, 1))

    conditions = {c.label: c.met for c in journey.current_visit.conditions(morning)}

    assert conditions == {
        "Padss vitals": True,
        "Padss activity": True,
        "Padss pain nausea": True,
        "Padss bleeding": True,
        "Padss intake output": True,
        "Driver present": False,
        "Discharge score (PADSS) 9 or more": False,
        "No open red flag": True,
    }
