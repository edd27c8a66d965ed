"""Recovery observation rounds: the schedule, overdue rounds, and what a round's values flag."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from journey.demo import answer_stage
from journey.errors import InvalidAnswer, OutOfOrder, StageNotReady
from journey.models import JourneyEvent, ObservationRound, RedFlagKind
from tests.makers import answer, footprint, walk_to


def a_round(**changes) -> ObservationRound:
    values = {
        "systolic": 130,
        "diastolic": 78,
        "heart_rate": 72,
        "resp_rate": 14,
        "spo2": 97,
        "consciousness": "A",
        "temperature": Decimal("36.8"),
        "legs": ObservationRound.Legs.AS_BASELINE,
        "pain": 3,
        "dressing": ObservationRound.Dressing.DRY,
    }
    return ObservationRound(**{**values, **changes})


@pytest.fixture
def recovering(journey, nurse, morning):
    walk_to(journey, "prep", nurse, now=morning - timedelta(hours=1))
    answer_stage(journey, by=nurse, now=morning - timedelta(hours=1))
    answer(journey, "baseline_systolic", "130", by=nurse)
    journey.complete_stage(by=nurse, now=morning - timedelta(minutes=50))
    walk_to(journey, "recovery", nurse, now=morning)
    return journey


def test_rounds_are_due_every_15_minutes_for_an_hour_then_every_30(recovering, morning):
    slots = recovering.current_visit.round_slots(morning)

    assert [s.due_at - morning for s in slots] == [timedelta(minutes=m) for m in (15, 30, 45, 60, 90, 120)]
    assert {s.state for s in slots} == {"upcoming"}


def test_a_round_is_due_from_5_minutes_before_its_time_and_overdue_more_than_5_minutes_after(recovering, morning):
    visit = recovering.current_visit

    def first(minutes):
        return visit.round_slots(morning + timedelta(minutes=minutes))[0].state

    assert (first(9), first(10), first(15), first(20), first(21)) == ("upcoming", "due", "due", "due", "overdue")


def test_recording_a_round_fills_the_next_slot_and_is_logged(recovering, nurse, morning):
    recorded = recovering.record_round(a_round(), by=nurse, now=morning + timedelta(minutes=16))

    assert (recorded.number, recorded.due_at) == (1, morning + timedelta(minutes=15))
    slots = recovering.current_visit.round_slots(morning + timedelta(minutes=16))
    assert [s.state for s in slots[:2]] == ["done", "upcoming"]
    event = recovering.events.last()
    assert event.kind == JourneyEvent.Kind.ROUND_RECORDED
    assert event.summary.startswith(
        "Round 1: BP 130/78, HR 72, RR 14, SpO2 97%, T 36.8 °C, alert, pain 3/10, strength and sensation"
    )
    assert "NEWS2 0 (low)" in event.summary


def test_rounds_past_the_schedule_follow_on(recovering, nurse, morning):
    for minutes in (15, 30, 45, 60, 90, 120, 125):
        recorded = recovering.record_round(a_round(), by=nurse, now=morning + timedelta(minutes=minutes))

    assert (recorded.number, recorded.due_at, recorded.timing) == (7, None, ObservationRound.Timing.EXTRA)


def test_recovery_cannot_close_until_every_round_is_recorded(recovering, nurse, morning):
    answer(recovering, "lying_flat", True, by=nurse)
    for minutes in (15, 30, 45, 60, 90):
        recovering.record_round(a_round(), by=nurse, now=morning + timedelta(minutes=minutes))
    before = footprint(recovering)

    with pytest.raises(StageNotReady, match="Observation round 6 not yet recorded"):
        recovering.complete_stage(by=nurse, now=morning + timedelta(hours=3))
    assert footprint(recovering) == before


def test_a_round_outside_the_safe_ranges_is_flagged_for_a_second_look(recovering, nurse, morning):
    recorded = recovering.record_round(
        a_round(resp_rate=26, pain=8, dressing=ObservationRound.Dressing.OOZING), by=nurse, now=morning
    )

    assert recorded.concerns == [
        "Respiratory rate (/min) 26 (safe 10-24)",
        "Pain 8/10",
        "Dressing oozing",
        "NEWS2 3 (low-medium risk): a clinician must review",
    ]
    assert not recovering.open_red_flags


@pytest.mark.parametrize(
    ("values", "kind", "detail"),
    [
        ({"spo2": 91}, RedFlagKind.LOW_SPO2, "Oxygen saturation 91% (red flag below 92%)"),
        ({"systolic": 157}, RedFlagKind.VITALS_CHANGE, "Systolic BP 157 (baseline 130)"),
        ({"systolic": 103}, RedFlagKind.VITALS_CHANGE, "Systolic BP 103 (baseline 130)"),
        ({"legs": ObservationRound.Legs.NEW_NUMBNESS}, RedFlagKind.LEG_WEAKNESS, "New numbness"),
    ],
)
def test_a_round_with_a_red_flag_value_raises_the_red_flag_at_once(recovering, nurse, morning, values, kind, detail):
    recorded = recovering.record_round(a_round(**values), by=nurse, now=morning)

    (flag,) = recovering.open_red_flags
    assert (flag.kind, flag.detail, flag.observation_round) == (kind, detail, recorded)
    assert recovering.events.last().summary.startswith("RED FLAG: ")


def test_within_20_percent_of_baseline_raises_nothing(recovering, nurse, morning):
    recovering.record_round(a_round(systolic=156, heart_rate=72), by=nurse, now=morning)

    assert not recovering.open_red_flags


def test_an_impossible_value_is_refused_and_writes_nothing(recovering, nurse, morning):
    before = footprint(recovering)

    with pytest.raises(InvalidAnswer, match=re.escape("less than or equal to 100")):
        recovering.record_round(a_round(spo2=101), by=nurse, now=morning)
    assert footprint(recovering) == before


def test_rounds_belong_to_a_stage_that_has_them(journey, nurse):
    journey.arrive(by=nurse)
    before = footprint(journey)

    with pytest.raises(OutOfOrder, match="Consent has no observation rounds"):
        journey.record_round(a_round(), by=nurse)
    assert footprint(journey) == before


def test_the_baseline_is_found_by_its_declared_role_so_renaming_the_item_keeps_the_20_percent_flag(
    journey, nurse, morning
):
    baseline = journey.pathway.stages.get(code="prep").items.get(code="baseline_systolic")
    baseline.code, baseline.label = "bp_before", "Blood pressure before the procedure"
    baseline.save()
    walk_to(journey, "prep", nurse, now=morning - timedelta(hours=1))
    answer_stage(journey, by=nurse, now=morning - timedelta(hours=1))
    answer(journey, "bp_before", "130", by=nurse)
    journey.complete_stage(by=nurse, now=morning - timedelta(minutes=50))
    walk_to(journey, "recovery", nurse, now=morning)

    journey.record_round(a_round(systolic=170), by=nurse, now=morning)

    assert journey.baseline() == {"systolic": 130}
    assert journey.red_flags.get().kind == RedFlagKind.VITALS_CHANGE


def test_an_item_that_is_not_a_declared_baseline_is_never_compared(journey, nurse, morning):
    baseline = journey.pathway.stages.get(code="prep").items.get(code="baseline_systolic")
    baseline.baseline = ""
    baseline.save()
    walk_to(journey, "prep", nurse, now=morning - timedelta(hours=1))
    answer_stage(journey, by=nurse, now=morning - timedelta(hours=1))
    answer(journey, "baseline_systolic", "130", by=nurse)
    journey.complete_stage(by=nurse, now=morning - timedelta(minutes=50))
    walk_to(journey, "recovery", nurse, now=morning)

    journey.record_round(a_round(systolic=170), by=nurse, now=morning)

    assert journey.baseline() == {}
    assert not journey.red_flags.exists()
