"""SBAR handovers: written by the handing nurse, acknowledged by the receiving nurse, kept in the history."""

from datetime import timedelta

import pytest

from journey.demo import settled_round
from journey.errors import JourneyError, NotPermitted, NotReadyForRound, OutOfOrder
from journey.handover import draft_sbar
from journey.models import AuditEntry, Handover, Journey, JourneyEvent, RoundRules
from tests.makers import footprint, walk_to

SBAR = {
    "situation": "Ada, vertebroplasty T12 L1, flat recovery since 08:00",
    "background": "No allergies; cement 3.5 mL each level, no leakage",
    "assessment": "Settled, NEWS2 0",
    "recommendation": "Round 1 due 08:15; driver confirmed",
}


def at(morning, minutes):
    return morning + timedelta(minutes=minutes)


@pytest.fixture
def recovering(journey, nurse, morning):
    walk_to(journey, "recovery", nurse, now=morning)
    return journey


@pytest.fixture
def waits_for_handover(pathway):
    return RoundRules.objects.create(pathway=pathway, first_round_before_handover=False)


def write(journey, by, now, occasion=Handover.Occasion.INTO_RECOVERY):
    return journey.write_handover(occasion=occasion, **SBAR, by=by, now=now)


def test_the_first_round_is_refused_until_the_receiving_nurse_acknowledges_the_handover(
    waits_for_handover, recovering, nurse, other_nurse, morning
):
    before = footprint(recovering)
    with pytest.raises(NotReadyForRound, match="Write the handover into Flat recovery"):
        recovering.record_round(settled_round(), by=nurse, now=at(morning, 15))
    assert footprint(recovering) == before

    handover = write(recovering, nurse, at(morning, 2))
    with pytest.raises(NotReadyForRound, match="must be acknowledged by the receiving nurse before the first round"):
        recovering.record_round(settled_round(), by=nurse, now=at(morning, 15))

    recovering.acknowledge_handover(handover, by=other_nurse, now=at(morning, 4))
    recorded = recovering.record_round(settled_round(), by=other_nurse, now=at(morning, 15))
    assert recorded.number == 1


def test_where_the_pathway_allows_it_the_first_round_may_come_before_the_handover(recovering, nurse, morning):
    assert RoundRules.objects.for_pathway(recovering.pathway).first_round_before_handover

    assert recovering.record_round(settled_round(), by=nurse, now=at(morning, 15)).number == 1


def test_the_receiving_nurse_acknowledges_and_becomes_the_patients_nurse(recovering, nurse, other_nurse, morning):
    handover = write(recovering, nurse, at(morning, 2))
    assert recovering.nurse is None

    recovering.acknowledge_handover(handover, by=other_nurse, now=at(morning, 5))

    handover.refresh_from_db()
    assert (handover.acknowledged_by, handover.acknowledged_at) == (other_nurse, at(morning, 5))
    fresh = Journey.objects.for_list().get(pk=recovering.pk)
    assert fresh.nurse == other_nurse
    assert Journey.objects.get(pk=recovering.pk).nurse == other_nurse


def test_the_handing_nurse_cannot_acknowledge_their_own_handover(recovering, nurse, morning):
    handover = write(recovering, nurse, at(morning, 2))

    with pytest.raises(NotPermitted, match="you wrote this one"):
        recovering.acknowledge_handover(handover, by=nurse, now=at(morning, 3))


def test_a_handover_is_acknowledged_once(recovering, nurse, other_nurse, lead, morning):
    handover = write(recovering, nurse, at(morning, 2))
    recovering.acknowledge_handover(handover, by=other_nurse, now=at(morning, 3))

    with pytest.raises(JourneyError, match="already acknowledged by Olu Other at 08:03"):
        recovering.acknowledge_handover(handover, by=lead, now=at(morning, 4))


def test_one_handover_waits_at_a_time(recovering, nurse, other_nurse, morning):
    write(recovering, nurse, at(morning, 2))

    with pytest.raises(JourneyError, match="still waiting for the receiving nurse"):
        write(recovering, other_nurse, at(morning, 3), Handover.Occasion.CHANGE_OF_NURSE)


def test_every_part_of_sbar_is_needed(recovering, nurse, morning):
    with pytest.raises(JourneyError, match="Write the assessment"):
        recovering.write_handover(
            occasion=Handover.Occasion.INTO_RECOVERY, **{**SBAR, "assessment": "  "}, by=nurse, now=morning
        )


def test_a_handover_into_recovery_is_written_in_recovery(journey, nurse, morning):
    walk_to(journey, "prep", nurse, now=morning)

    with pytest.raises(OutOfOrder, match="not in recovery"):
        write(journey, nurse, morning)
    # A change of nurse can happen in any stage.
    assert write(journey, nurse, morning, Handover.Occasion.CHANGE_OF_NURSE).pk


def test_the_handover_is_in_the_history_and_the_audit_chain(recovering, nurse, other_nurse, morning):
    handover = write(recovering, nurse, at(morning, 2))
    recovering.acknowledge_handover(handover, by=other_nurse, now=at(morning, 6))

    written, acknowledged = recovering.events.filter(
        kind__in=[JourneyEvent.Kind.HANDOVER_WRITTEN, JourneyEvent.Kind.HANDOVER_ACKNOWLEDGED]
    )
    assert written.summary == "Handover (into recovery) written by Nora Nurse"
    assert acknowledged.summary == (
        "Handover from Nora Nurse (08:02) acknowledged; Olu Other is now the patient's nurse"
    )
    audited = AuditEntry.objects.filter(journey_id=recovering.pk, data__handover=handover.pk)
    assert sorted(audited.values_list("data__event", flat=True)) == ["handover", "handover_acknowledged"]


def test_an_unacknowledged_handover_needs_attention_after_10_minutes(recovering, nurse, other_nurse, morning):
    handover = write(recovering, nurse, at(morning, 2))

    assert not [a for a in recovering.alerts(at(morning, 12)) if a.kind == "handover"]
    (alert,) = [a for a in recovering.alerts(at(morning, 13)) if a.kind == "handover"]
    assert alert.text == "Handover waiting 11 min for acknowledgement"

    recovering.acknowledge_handover(handover, by=other_nurse, now=at(morning, 14))
    assert not [a for a in recovering.alerts(at(morning, 15)) if a.kind == "handover"]


def test_the_draft_is_prefilled_from_the_journey(recovering, nurse, morning):
    recovering.record_round(settled_round(), by=nurse, now=at(morning, 15))
    recovering.update_driver(name="Dee Driver", phone="07700 900123", by=nurse, now=at(morning, 16))

    draft = draft_sbar(recovering, at(morning, 20))

    assert draft.situation.startswith(f"{recovering.patient.full_name}, 81, bay 3. Vertebroplasty, levels T12, L1.")
    assert "Flat recovery since 08:00 (20 min)" in draft.situation
    assert "Cement volume: " in draft.background
    assert "Cement leakage: No" in draft.background
    assert "Last round at 08:15: BP 128/76" in draft.assessment
    assert "NEWS2 0 (low)" in draft.assessment
    assert "No open red flag." in draft.assessment
    assert "Next observation round (2) due 08:30." in draft.recommendation
    assert "Driver: Dee Driver, 07700 900123." in draft.recommendation


def test_the_draft_names_open_red_flags_and_whether_they_were_escalated(recovering, nurse, morning):
    very_unwell = settled_round()
    very_unwell.consciousness, very_unwell.heart_rate, very_unwell.resp_rate = "V", 135, 22  # NEWS2 8
    recovering.record_round(very_unwell, by=nurse, now=at(morning, 15))

    draft = draft_sbar(recovering, at(morning, 16))

    assert "Open red flags: NEWS2 7+: emergency (NEWS2 8 (high risk)), NOT YET ESCALATED." in draft.assessment
    assert "NEWS2 high: continuous monitoring" in draft.recommendation
