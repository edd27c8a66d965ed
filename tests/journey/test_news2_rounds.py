"""NEWS2 on every recovery round, and rounds that are timed, not only counted (pinned time)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from journey.errors import InvalidAnswer, JourneyError, NotPermitted, StageNotReady
from journey.models import AuditEntry, JourneyEvent, ObservationRound, RedFlagKind, Spo2ScaleOrder
from tests.makers import answer, footprint, override, record_all_rounds, score_padss, walk_to

MINUTE = timedelta(minutes=1)


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


# NEWS2 5 (medium): respiration 22 (2), pulse 112 (2), temperature 38.5 (1).
MEDIUM = {"resp_rate": 22, "heart_rate": 112, "temperature": Decimal("38.5")}
# NEWS2 7 (high): responds to voice (3), respiration 22 (2), pulse 112 (2).
HIGH = {"consciousness": "V", "resp_rate": 22, "heart_rate": 112}
# NEWS2 3 in one parameter alone (low-medium): new confusion.
LOW_MEDIUM = {"consciousness": "C"}


@pytest.fixture
def recovering(journey, nurse, morning):
    walk_to(journey, "recovery", nurse, now=morning)
    return journey


def at(morning, minutes):
    return morning + timedelta(minutes=minutes)


# --- NEWS2 on the round ---


def test_every_round_keeps_its_news2_total_scores_and_risk(recovering, nurse, morning):
    recorded = recovering.record_round(a_round(**MEDIUM), by=nurse, now=at(morning, 15))

    recorded.refresh_from_db()
    assert recorded.news2_total == 5
    assert recorded.news2_scores == {
        "respiration_rate": 2,
        "spo2": 0,
        "air_or_oxygen": 0,
        "systolic_bp": 0,
        "pulse": 2,
        "consciousness": 0,
        "temperature": 1,
    }
    assert recorded.news2_risk == "medium"
    assert "NEWS2 5 (medium)" in recovering.events.get(kind=JourneyEvent.Kind.ROUND_RECORDED).summary


@pytest.mark.parametrize("missing", ["consciousness", "temperature"])
def test_a_round_without_what_news2_needs_is_refused(recovering, nurse, morning, missing):
    before = footprint(recovering)

    with pytest.raises(InvalidAnswer, match="NEWS2 needs"):
        recovering.record_round(a_round(**{missing: None if missing == "temperature" else ""}), by=nurse, now=morning)
    assert footprint(recovering) == before


def test_a_round_with_news2_5_raises_the_red_flag_and_brings_the_next_round_forward(journey, pathway, nurse, morning):
    # A schedule looser than the NEWS2 minimum (hourly at medium): 15 min, then 4 hours.
    pathway.stages.filter(code="recovery").update(round_minutes="15, 240")
    walk_to(journey, "recovery", nurse, now=morning)
    assert journey.current_visit.round_slots(morning)[1].due_at == at(morning, 240)

    journey.record_round(a_round(**MEDIUM), by=nurse, now=at(morning, 15))

    (flag,) = journey.open_red_flags
    assert (flag.kind, flag.get_kind_display(), flag.detail) == ("news2_5", "NEWS2 5+", "NEWS2 5 (medium risk)")
    second = journey.current_visit.round_slots(at(morning, 16))[1]
    assert second.due_at == at(morning, 75)
    assert second.moved_by_news2
    # It counts when recorded then, and is late after the usual 5 minutes.
    assert journey.current_visit.round_slots(at(morning, 81))[1].state == "overdue"


def test_news2_5_again_while_its_flag_is_open_raises_no_second_flag(recovering, nurse, morning):
    recovering.record_round(a_round(**MEDIUM), by=nurse, now=at(morning, 15))
    recovering.record_round(a_round(**MEDIUM), by=nurse, now=at(morning, 30))

    assert [f.kind for f in recovering.open_red_flags] == [RedFlagKind.NEWS2_MEDIUM]


def test_the_news2_red_flag_blocks_discharge_until_a_clinician_resolves_it(recovering, nurse, lead, morning):
    recovering.record_round(a_round(**MEDIUM), by=nurse, now=at(morning, 15))
    flag = recovering.open_red_flags[0]
    recovering.record_escalation(
        flag, told_who="Dr Marsh, clinical lead", told_at=at(morning, 16), by=nurse, now=at(morning, 17)
    )
    answer(recovering, "lying_flat", True, by=nurse)
    record_all_rounds(recovering, nurse, now=at(morning, 16))
    recovering.complete_stage(by=nurse, now=at(morning, 125))
    score_padss(recovering, nurse)
    answer(recovering, "driver_present", "yes", by=nurse)

    with pytest.raises(StageNotReady, match=r"Open red flag \(NEWS2 5\+\)"):
        recovering.complete_stage(by=nurse, now=at(morning, 140))

    recovering.resolve_red_flag(flag, note="Reviewed: febrile, fluids and paracetamol", by=lead, now=at(morning, 141))
    assert recovering.complete_stage(by=nurse, now=at(morning, 142)) is None


def test_news2_7_raises_the_emergency_red_flag_and_continuous_monitoring(recovering, nurse, morning):
    recovering.record_round(a_round(**HIGH), by=nurse, now=at(morning, 15))

    (flag,) = recovering.open_red_flags
    assert flag.kind == RedFlagKind.NEWS2_HIGH
    assert flag.is_emergency
    assert flag.get_kind_display() == "NEWS2 7+: emergency"
    following = recovering.current_visit.round_slots(at(morning, 16))[1]
    assert following.state == "continuous"
    assert following.due_at == at(morning, 15)
    # Continuous monitoring is no excuse for the schedule: past round 2's own time it is overdue.
    assert recovering.current_visit.round_slots(at(morning, 36))[1].state == "overdue"


def test_news2_after_the_schedule_still_asks_for_rounds(recovering, nurse, morning):
    for minutes in (15, 30, 45, 60, 90):
        recovering.record_round(a_round(), by=nurse, now=at(morning, minutes))
    recovering.record_round(a_round(**LOW_MEDIUM), by=nurse, now=at(morning, 120))

    follow_up = recovering.current_visit.round_slots(at(morning, 121))[-1]
    assert (follow_up.number, follow_up.scheduled, follow_up.due_at) == (7, False, at(morning, 180))
    assert recovering.current_visit.round_slots(at(morning, 186))[-1].state == "overdue"
    assert "Observation round 7 overdue" in [a.text for a in recovering.alerts(at(morning, 186))]


def test_low_medium_asks_for_a_clinicians_review_recorded_like_an_escalation(recovering, nurse, morning):
    recorded = recovering.record_round(a_round(**LOW_MEDIUM), by=nurse, now=at(morning, 15))

    assert recorded.news2_risk == "low-medium"
    assert not recovering.open_red_flags
    assert recorded.needs_review
    assert "NEWS2 review needed (round 1)" in [a.text for a in recovering.alerts(at(morning, 16))]

    recovering.record_news2_review(
        recorded, told_who="Dr Marsh, registrar", told_at=at(morning, 16), by=nurse, now=at(morning, 17)
    )

    recorded.refresh_from_db()
    assert (recorded.review_told_who, recorded.review_told_at, recorded.review_recorded_by) == (
        "Dr Marsh, registrar",
        at(morning, 16),
        nurse,
    )
    assert not recorded.needs_review
    event = recovering.events.get(kind=JourneyEvent.Kind.REVIEW_ASKED)
    assert event.summary == "NEWS2 3 on round 1: review asked of Dr Marsh, registrar at 08:16"
    with pytest.raises(JourneyError, match="already asked"):
        recovering.record_news2_review(recorded, told_who="Someone else", told_at=at(morning, 17), by=nurse)


def test_a_low_round_needs_no_review(recovering, nurse, morning):
    recorded = recovering.record_round(a_round(), by=nurse, now=at(morning, 15))

    with pytest.raises(JourneyError, match="does not ask for a review"):
        recovering.record_news2_review(recorded, told_who="Dr Marsh", told_at=at(morning, 15), by=nurse)


# --- SpO2 Scale 2 only when a clinician has set it ---


def test_scale_2_cannot_be_used_unless_a_clinician_has_set_it(recovering, nurse, morning):
    before = footprint(recovering)

    with pytest.raises(InvalidAnswer, match="Scale 2 is used only when a clinician has set it"):
        recovering.record_round(a_round(spo2=89, spo2_scale=2), by=nurse, now=at(morning, 15))
    assert footprint(recovering) == before


def test_only_a_clinician_sets_scale_2_and_it_is_kept_with_who_and_when(recovering, nurse, lead, morning):
    with pytest.raises(NotPermitted, match="Only a clinician"):
        recovering.set_spo2_scale(2, reason="Known COPD with CO2 retention", by=nurse, now=at(morning, 5))

    recovering.set_spo2_scale(2, reason="Known COPD with CO2 retention", by=lead, now=at(morning, 5))

    order = Spo2ScaleOrder.objects.get(journey=recovering)
    assert (order.scale, order.set_by, order.set_at, order.reason) == (
        2,
        lead,
        at(morning, 5),
        "Known COPD with CO2 retention",
    )
    assert recovering.spo2_scale == 2
    event = recovering.events.get(kind=JourneyEvent.Kind.SPO2_SCALE_SET)
    assert event.summary.startswith("SpO2 Scale 2 (hypercapnic respiratory failure, target 88-92%) set: Known COPD")
    assert AuditEntry.objects.filter(data__event="spo2_scale", journey_id=recovering.pk).exists()


def test_on_scale_2_a_saturation_of_89_on_air_scores_nothing_and_scale_1_is_refused(recovering, nurse, lead, morning):
    recovering.set_spo2_scale(2, reason="Known COPD with CO2 retention", by=lead, now=at(morning, 5))

    with pytest.raises(InvalidAnswer, match="record on Scale 2"):
        recovering.record_round(a_round(spo2=89), by=nurse, now=at(morning, 15))
    recorded = recovering.record_round(a_round(spo2=89, spo2_scale=2), by=nurse, now=at(morning, 15))

    assert recorded.news2_scores["spo2"] == 0
    assert not recovering.open_red_flags  # 89% is on target on Scale 2


def test_setting_the_scale_already_in_use_is_refused(recovering, lead, morning):
    with pytest.raises(JourneyError, match="Scale 1 is already the scale in use"):
        recovering.set_spo2_scale(1, reason="Back to the usual scale", by=lead, now=at(morning, 5))


# --- rounds timed, not counted ---


def test_a_round_recorded_10_minutes_before_it_is_due_does_not_count(recovering, nurse, morning):
    early = recovering.record_round(a_round(), by=nurse, now=at(morning, 5))

    assert early.timing == ObservationRound.Timing.EARLY
    assert (early.due_at, early.counts) == (None, False)
    first = recovering.current_visit.round_slots(at(morning, 5))[0]
    assert first.is_open
    assert early in recovering.current_visit.extra_rounds()
    summary = recovering.events.get(kind=JourneyEvent.Kind.ROUND_RECORDED).summary
    assert "extra round: recorded before its time, does not count toward the schedule" in summary


def test_a_round_counts_from_5_minutes_before_it_is_due(recovering, nurse, morning):
    recorded = recovering.record_round(a_round(), by=nurse, now=at(morning, 10))

    assert (recorded.number, recorded.timing, recorded.counts) == (1, ObservationRound.Timing.ON_TIME, True)


def test_a_round_recorded_20_minutes_after_its_due_time_is_late_by_20_minutes(recovering, nurse, morning):
    for minutes in (15, 30, 45):
        recovering.record_round(a_round(), by=nurse, now=at(morning, minutes))

    late = recovering.record_round(a_round(), by=nurse, now=at(morning, 80))  # round 4 was due at 60

    assert (late.number, late.timing) == (4, ObservationRound.Timing.LATE)
    assert late.late_by == timedelta(minutes=20)
    slot = recovering.current_visit.round_slots(at(morning, 80))[3]
    assert (slot.state, slot.late_by) == ("late", timedelta(minutes=20))
    last = recovering.events.filter(kind=JourneyEvent.Kind.ROUND_RECORDED).last()
    assert last.summary.startswith("Round 4 (late by 20 min): ")


def test_a_round_so_late_that_the_next_is_due_counts_for_the_next_and_leaves_the_first_open(recovering, nurse, morning):
    recorded = recovering.record_round(a_round(), by=nurse, now=at(morning, 35))

    assert (recorded.number, recorded.timing) == (2, ObservationRound.Timing.ON_TIME)
    assert recovering.current_visit.round_slots(at(morning, 35))[0].state == "overdue"


def test_a_round_within_the_5_minute_grace_is_on_time(recovering, nurse, morning):
    recorded = recovering.record_round(a_round(), by=nurse, now=at(morning, 20))

    assert recorded.timing == ObservationRound.Timing.ON_TIME


def test_recovery_cannot_close_with_a_scheduled_round_neither_recorded_nor_marked_missed(
    recovering, nurse, lead, morning
):
    answer(recovering, "lying_flat", True, by=nurse)
    for minutes in (15, 30, 60, 90, 120):  # round 3 (due 08:45) was never done: the 09:00 one is round 4
        recovering.record_round(a_round(), by=nurse, now=at(morning, minutes))
    before = footprint(recovering)

    with pytest.raises(StageNotReady, match=r"Observation round 3 not yet recorded \(or marked missed"):
        recovering.complete_stage(by=nurse, now=at(morning, 125))
    assert footprint(recovering) == before

    recovering.mark_round_missed(3, reason="Patient in the toilet, then asleep", by=lead, now=at(morning, 124))
    recovering.complete_stage(by=nurse, now=at(morning, 125))
    missed = recovering.events.get(kind=JourneyEvent.Kind.ROUND_MISSED)
    assert missed.summary == "Round 3 (due 08:45) marked missed: Patient in the toilet, then asleep"
    assert AuditEntry.objects.filter(data__event="round_missed", journey_id=recovering.pk).exists()


def test_marking_a_round_missed_takes_a_clinician_a_reason_and_an_overdue_round(recovering, nurse, lead, morning):
    with pytest.raises(NotPermitted, match="Only a clinician"):
        recovering.mark_round_missed(1, reason="Patient asleep, not woken", by=nurse, now=at(morning, 30))
    with pytest.raises(JourneyError, match="Write why the round was missed"):
        recovering.mark_round_missed(1, reason="no", by=lead, now=at(morning, 30))
    with pytest.raises(JourneyError, match="Round 2 is not overdue yet"):
        recovering.mark_round_missed(2, reason="Patient asleep, not woken", by=lead, now=at(morning, 30))
    recovering.record_round(a_round(), by=nurse, now=at(morning, 22))  # round 1, late by 7 min
    with pytest.raises(JourneyError, match="Round 1 was recorded at 08:22"):
        recovering.mark_round_missed(1, reason="Patient asleep, not woken", by=lead, now=at(morning, 31))


def test_a_missed_round_shows_missed_and_the_next_recording_fills_the_next_round(recovering, nurse, lead, morning):
    recovering.mark_round_missed(1, reason="Patient asleep, not woken", by=lead, now=at(morning, 25))

    recorded = recovering.record_round(a_round(), by=nurse, now=at(morning, 30))

    assert recorded.number == 2
    states = [s.state for s in recovering.current_visit.round_slots(at(morning, 30))[:2]]
    assert states == ["missed", "done"]


def test_an_overridden_minimum_still_needs_every_round_recorded_or_missed(recovering, nurse, morning):
    answer(recovering, "lying_flat", True, by=nurse)
    override(recovering, now=at(morning, 20))

    with pytest.raises(StageNotReady, match="Observation rounds 1, 2, 3, 4, 5, 6 not yet recorded"):
        recovering.complete_stage(by=nurse, now=at(morning, 21))


def test_the_board_alert_says_which_round_is_late_and_the_history_keeps_it(recovering, nurse, morning):
    assert "Observation round 1 overdue" in [a.text for a in recovering.alerts(at(morning, 21))]

    recovering.record_round(a_round(), by=nurse, now=at(morning, 24))

    assert "Observation round 1 overdue" not in [a.text for a in recovering.alerts(at(morning, 24))]
    assert recovering.events.filter(summary__contains="Round 1 (late by 9 min)").count() == 1


def test_a_news2_red_flag_cannot_be_raised_by_hand(recovering, nurse):
    with pytest.raises(JourneyError, match="come from a round's score"):
        recovering.raise_red_flag(RedFlagKind.NEWS2_HIGH, by=nurse)
