"""The shipped vertebroplasty and kyphoplasty pathways (fixtures/) load and can be walked end to end."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from journey.demo import answer_stage, complete, hand_over, record_rounds
from journey.models import ItemDefinition, Journey, Pathway
from tests.makers import make_journey

SIX_STAGES = [
    ("consent", "Consent", 20, None),
    ("prep", "Prep", 30, None),
    ("positioning", "Prone positioning", 10, None),
    ("injection", "Needle and cement injection", 60, None),
    ("recovery", "Flat recovery", 120, 120),
    ("discharge", "Discharge with a driver", 20, None),
]


@pytest.fixture
def pathways(db):
    call_command("loaddata", "vertebroplasty", "kyphoplasty", verbosity=0)
    return {p.code: p for p in Pathway.objects.all()}


def test_both_pathways_load_with_the_six_stages_in_order(pathways):
    assert set(pathways) == {"vertebroplasty", "kyphoplasty"}
    for pathway in pathways.values():
        stages = [(s.code, s.name, s.target_minutes, s.minimum_minutes) for s in pathway.stages.order_by("order")]
        assert stages == SIX_STAGES


def test_loading_the_pathways_again_changes_nothing(pathways):
    counts = (Pathway.objects.count(), ItemDefinition.objects.count())

    call_command("loaddata", "vertebroplasty", "kyphoplasty", verbosity=0)

    assert (Pathway.objects.count(), ItemDefinition.objects.count()) == counts


def test_every_shipped_item_passes_the_admins_own_validation(pathways):
    for item in ItemDefinition.objects.all():
        item.full_clean()


def test_the_balloon_item_belongs_to_kyphoplasty_only(pathways):
    balloon = ItemDefinition.objects.filter(code="balloon")

    assert [i.stage.pathway.code for i in balloon] == ["kyphoplasty"]
    assert balloon.get().required


def test_recovery_schedules_six_rounds_and_discharge_needs_a_padss_of_nine_with_no_open_red_flag(pathways):
    for pathway in pathways.values():
        recovery, discharge = pathway.stages.get(code="recovery"), pathway.stages.get(code="discharge")
        assert recovery.round_offsets() == [15, 30, 45, 60, 90, 120]
        assert (discharge.score_minimum, discharge.blocked_by_red_flag) == (9, True)
        scores = discharge.items.filter(kind=ItemDefinition.Kind.SCORE)
        assert [max(p for p, _ in i.score_options()) for i in scores] == [2, 2, 2, 2, 2]


def test_cement_leakage_seen_raises_a_red_flag(pathways):
    assert {i.red_flag for i in ItemDefinition.objects.filter(code="cement_leakage")} == {"cement_leakage"}


def test_the_time_out_and_cement_items_are_checked_against_the_planned_levels(pathways):
    for pathway in pathways.values():
        checked = ItemDefinition.objects.filter(stage__pathway=pathway, rule=ItemDefinition.Rule.PLANNED_LEVELS)
        assert set(checked.values_list("code", flat=True)) == {"planned_levels", "timeout_levels", "cement_volume"}


def test_the_fracture_age_warning_is_six_months_or_three_for_kyphoplasty(pathways):
    ages = ItemDefinition.objects.filter(code="fracture_age")
    assert {i.stage.pathway.code: int(i.flag_above) for i in ages} == {"vertebroplasty": 6, "kyphoplasty": 3}


@pytest.mark.parametrize("code", ["vertebroplasty", "kyphoplasty"])
def test_a_patient_can_walk_the_shipped_pathway_from_consent_to_home(pathways, nurse, other_nurse, morning, code):
    journey = make_journey(pathways[code], nurse, levels="T12 L1", now=morning)
    now = morning
    journey.arrive(by=nurse, now=now)
    while journey.status == Journey.Status.IN_PROGRESS:
        answer_stage(journey, by=nurse, now=now)
        if journey.current_visit.round_minutes:  # the shipped pathways wait for the handover into recovery
            hand_over(journey, by=nurse, to=other_nurse, now=now)
        now += timedelta(minutes=journey.current_visit.minimum_minutes or 15)
        record_rounds(journey, by=nurse, now=now)
        complete(journey, by=nurse, now=now)

    assert journey.status == Journey.Status.COMPLETED
    assert journey.visits.count() == 6
