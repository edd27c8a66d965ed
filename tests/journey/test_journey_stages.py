"""The stage pipeline: strict order, nothing skipped, snapshots, and who closed what."""

import re
from datetime import timedelta

import pytest

from journey.errors import JourneyError, OutOfOrder, StageNotReady
from journey.models import Journey, JourneyEvent, StageDefinition
from tests.makers import answer, footprint, score_padss, walk_to


def test_arrival_opens_the_first_stage_and_snapshots_its_name_target_and_minimum(journey, nurse, morning):
    visit = journey.arrive(by=nurse, now=morning)

    assert journey.status == Journey.Status.IN_PROGRESS
    assert (visit.stage.code, visit.stage_name, visit.target_minutes) == ("consent", "Consent", 20)
    assert visit.started_at == morning
    assert visit.started_by == nurse
    assert journey.events.last().summary == "Arrived; Consent started"


def test_a_journey_can_start_only_once(journey, nurse):
    journey.arrive(by=nurse)
    before = footprint(journey)

    with pytest.raises(OutOfOrder, match="already started"):
        journey.arrive(by=nurse)
    assert footprint(journey) == before


def test_stages_run_in_pathway_order_and_none_is_skipped(journey, nurse, morning):
    seen = [journey.arrive(by=nurse, now=morning).stage.code]
    while journey.current_visit.stage.code != "recovery":
        walk_to(journey, journey.current_visit.stage.next_stage().code, nurse, now=morning)
        seen.append(journey.current_visit.stage.code)

    assert seen == ["consent", "prep", "positioning", "injection", "recovery"]
    assert list(journey.visits.order_by("pk").values_list("stage__order", flat=True)) == [10, 20, 30, 40, 50]


def test_completing_a_stage_opens_the_next_at_the_same_moment(journey, nurse, morning):
    journey.arrive(by=nurse, now=morning)
    answer(journey, "identity", True, by=nurse)
    answer(journey, "driver_confirmed", True, by=nurse)
    closed_at = morning + timedelta(minutes=18)

    following = journey.complete_stage(by=nurse, now=closed_at)

    consent = journey.visits.get(stage__code="consent")
    assert (consent.completed_at, consent.completed_by) == (closed_at, nurse)
    assert (following.stage.code, following.started_at) == ("prep", closed_at)
    assert journey.events.last().summary == "Consent completed (18 min); Prep started"


def test_an_answer_to_a_stage_not_yet_reached_is_refused_and_writes_nothing(journey, nurse):
    journey.arrive(by=nurse)
    later_item = journey.pathway.stages.get(code="positioning").items.get(code="safe_prone")
    before = footprint(journey)

    with pytest.raises(OutOfOrder, match="belongs to Prone positioning, but Ada is in Consent"):
        journey.record_answer(later_item, "yes", by=nurse)
    assert footprint(journey) == before


def test_an_answer_to_a_stage_already_closed_is_refused(journey, nurse):
    walk_to(journey, "prep", nurse)
    consent_item = journey.pathway.stages.get(code="consent").items.get(code="identity")
    before = footprint(journey)

    with pytest.raises(OutOfOrder, match="belongs to Consent"):
        journey.record_answer(consent_item, False, by=nurse)
    assert footprint(journey) == before


def test_completing_a_stage_that_is_not_current_is_refused(journey, nurse):
    walk_to(journey, "prep", nurse)
    later = journey.pathway.stages.get(code="positioning")
    before = footprint(journey)

    with pytest.raises(OutOfOrder, match="Prone positioning has not been reached yet: finish Prep first"):
        journey.complete_stage(later, by=nurse)
    assert footprint(journey) == before


def test_a_second_completion_of_the_same_stage_names_who_closed_it(journey, nurse, other_nurse, morning):
    walk_to(journey, "prep", nurse, now=morning)
    consent = journey.pathway.stages.get(code="consent")
    before = footprint(journey)

    with pytest.raises(OutOfOrder, match="Consent was already completed by Nora Nurse at 08:00"):
        journey.complete_stage(consent, by=other_nurse)
    assert footprint(journey) == before


def test_nothing_can_be_answered_before_the_patient_arrives(journey, nurse):
    item = journey.pathway.stages.get(code="consent").items.get(code="identity")
    before = footprint(journey)

    with pytest.raises(OutOfOrder, match="has not arrived yet"):
        journey.record_answer(item, True, by=nurse)
    assert footprint(journey) == before


def test_a_stage_closes_only_when_every_required_item_is_answered(journey, nurse):
    journey.arrive(by=nurse)
    answer(journey, "identity", True, by=nurse)
    before = footprint(journey)

    with pytest.raises(StageNotReady) as refused:
        journey.complete_stage(by=nurse)

    assert refused.value.problems == ["Driver confirmed: not yet answered."]
    assert "Consent cannot be completed yet" in refused.value.message
    assert footprint(journey) == before


def test_an_optional_item_left_blank_does_not_block_the_stage(journey, nurse):
    journey.arrive(by=nurse)
    answer(journey, "identity", True, by=nurse)
    answer(journey, "driver_confirmed", True, by=nurse)

    assert journey.complete_stage(by=nurse).stage.code == "prep"


def test_an_unticked_required_tick_counts_as_missing(journey, nurse):
    journey.arrive(by=nurse)
    answer(journey, "identity", True, by=nurse)
    answer(journey, "identity", False, by=nurse)
    answer(journey, "driver_confirmed", True, by=nurse)

    with pytest.raises(StageNotReady, match="Identity: not yet answered"):
        journey.complete_stage(by=nurse)


def test_a_yes_no_answered_the_wrong_way_blocks_the_stage(journey, nurse):
    walk_to(journey, "positioning", nurse)
    answer(journey, "safe_prone", "no", by=nurse)
    answer(journey, "timeout_levels", "T12 L1", by=nurse)
    before = footprint(journey)

    with pytest.raises(StageNotReady, match="Safe prone: the answer is “no”; the stage needs “yes”"):
        journey.complete_stage(by=nurse)
    assert footprint(journey) == before


def test_the_time_out_levels_must_equal_the_planned_levels(journey, nurse):
    walk_to(journey, "positioning", nurse)
    answer(journey, "safe_prone", "yes", by=nurse)
    answer(journey, "timeout_levels", "T12", by=nurse)
    before = footprint(journey)

    with pytest.raises(StageNotReady, match=re.escape("T12 does not match the planned levels T12, L1. Stop")):
        journey.complete_stage(by=nurse)
    assert footprint(journey) == before

    answer(journey, "timeout_levels", "L1, T12", by=nurse)
    assert journey.complete_stage(by=nurse).stage.code == "injection"


def test_cement_must_be_recorded_for_exactly_the_planned_levels(journey, nurse):
    walk_to(journey, "injection", nurse)
    answer(journey, "cement_volume", "T12 4", by=nurse)
    answer(journey, "cement_leakage", "no", by=nurse)

    with pytest.raises(StageNotReady, match="Cement volume: T12 does not match the planned levels T12, L1"):
        journey.complete_stage(by=nurse)


def test_the_injection_target_is_per_planned_level(journey, nurse):
    visit = walk_to(journey, "injection", nurse)

    assert visit.target_minutes == 120  # 60 min a level, two levels


def test_editing_the_pathway_later_does_not_rewrite_a_stage_already_started(journey, nurse):
    visit = walk_to(journey, "recovery", nurse)
    StageDefinition.objects.filter(pk=visit.stage_id).update(name="Bed rest", target_minutes=90, minimum_minutes=60)

    visit.refresh_from_db()
    assert (visit.stage_name, visit.target_minutes, visit.minimum_minutes) == ("Flat recovery", 120, 120)
    assert journey.events.last().summary.endswith("; Flat recovery started")


def test_a_pathway_without_stages_cannot_start_a_day(journey, nurse):
    journey.pathway.stages.all().delete()

    with pytest.raises(JourneyError, match="has no stages"):
        journey.arrive(by=nurse)
    assert journey.status == Journey.Status.SCHEDULED


def test_closing_the_last_stage_completes_the_journey(journey, nurse):
    walk_to(journey, "discharge", nurse)
    score_padss(journey, nurse)
    answer(journey, "driver_present", "yes", by=nurse)

    assert journey.complete_stage(by=nurse) is None
    assert journey.status == Journey.Status.COMPLETED
    # The latest written (walk_to records recovery's rounds at their due times, after this clock).
    latest = journey.events.order_by("-pk").first()
    assert latest.kind == JourneyEvent.Kind.STAGE_COMPLETED
    assert latest.summary.endswith("patient has gone home")
