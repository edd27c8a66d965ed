"""NEWS2, timed rounds and handovers as the ward sees them: the journey page, the board, the handover sheet."""

from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.urls import reverse

from journey import roles
from journey.demo import settled_round
from journey.models import Handover, ObservationRound
from tests.makers import footprint, make_journey, make_user, walk_to

ROUND = {
    "systolic": 130,
    "diastolic": 80,
    "heart_rate": 112,
    "resp_rate": 22,
    "spo2": 97,
    "spo2_scale": 1,
    "temperature": "37.0",
    "consciousness": "V",
    "pain": 2,
    "legs": "as_baseline",
    "dressing": "dry",
}  # NEWS2 7: voice 3, respiration 2, pulse 2


@pytest.fixture
def recovering(journey, nurse, morning):
    walk_to(journey, "recovery", nurse, now=morning)
    return journey


def page(client, journey):
    return client.get(reverse("journey", args=[journey.pk])).content.decode()


def test_a_round_shows_its_news2_total_risk_word_and_each_parameters_score(client, recovering, nurse, morning):
    client.force_login(nurse)

    response = client.post(reverse("journey-round", args=[recovering.pk]), {**ROUND, "version": recovering.version})

    assert response.status_code == 302
    html = page(client, recovering)
    assert "NEWS2 7 · High" in html
    assert "news2-high" in html
    assert (
        "respiration 2 · SpO2 0 · air or oxygen 0 · systolic BP 0 · pulse 2 · consciousness 3 · temperature 0" in html
    )
    assert "EMERGENCY" in html
    assert "Open: NEWS2 7+: emergency" in html


def test_the_round_form_refuses_scale_2_unless_a_clinician_set_it(client, recovering, nurse):
    client.force_login(nurse)
    before = footprint(recovering)

    response = client.post(
        reverse("journey-round", args=[recovering.pk]),
        {**ROUND, "spo2_scale": 2, "version": recovering.version},
    )

    assert response.status_code == 422
    assert "SpO2 Scale 2 is used only when a clinician has set it for this patient" in response.content.decode()
    assert footprint(recovering) == before
    assert not ObservationRound.objects.filter(visit__journey=recovering).exists()


def test_the_round_form_asks_for_what_news2_needs(client, recovering, nurse):
    client.force_login(nurse)
    data = {**ROUND, "version": recovering.version}
    del data["temperature"], data["consciousness"]

    response = client.post(reverse("journey-round", args=[recovering.pk]), data)

    html = response.content.decode()
    assert response.status_code == 422
    assert "Enter the temperature (°C, one decimal)." in html
    assert "Check consciousness (ACVPU)." in html


def test_an_early_round_says_it_does_not_count_and_a_late_one_says_by_how_much(client, recovering, nurse, morning):
    recovering.record_round(settled_round(), by=nurse, now=morning + timedelta(minutes=2))
    for minutes in (15, 30, 45):
        recovering.record_round(settled_round(), by=nurse, now=morning + timedelta(minutes=minutes))
    recovering.record_round(settled_round(), by=nurse, now=morning + timedelta(minutes=72))
    client.force_login(nurse)

    html = page(client, recovering)

    assert "recorded early: does not count toward the schedule" in html
    assert "late by 12 min" in html
    assert "Round 4 (late by 12 min)" in html  # the history


def test_the_board_shows_a_late_round_late_by_how_much(client, recovering, nurse, coordinator, morning):
    for minutes in (15, 30, 45):
        recovering.record_round(settled_round(), by=nurse, now=morning + timedelta(minutes=minutes))
    recovering.record_round(settled_round(), by=nurse, now=morning + timedelta(minutes=80))
    client.force_login(coordinator)

    assert "Round 4 late by 20 min" in client.get(reverse("board")).content.decode()


def test_the_board_and_the_wall_show_the_last_news2_with_its_word(client, recovering, nurse, coordinator, morning):
    observations = settled_round()
    observations.consciousness = "C"
    recovering.record_round(observations, by=nurse, now=morning + timedelta(minutes=15))
    client.force_login(coordinator)

    for name in ("board", "board-wall"):
        html = unescape(client.get(reverse(name)).content.decode())  # the board's rows are ASCII (board_cache)
        assert "NEWS2 3 · Low-medium" in html
        assert "news2-low-medium" in html
        assert "NEWS2 review needed (round 1)" in html


def test_the_journey_page_offers_a_prefilled_handover_and_the_receiver_acknowledges(
    client, recovering, nurse, other_nurse, morning
):
    client.force_login(nurse)
    html = page(client, recovering)
    assert "Write a handover" in html
    assert f"{recovering.patient.full_name}, 81, bay 3. Vertebroplasty" in html  # the Situation, drafted

    client.post(
        reverse("journey-handover", args=[recovering.pk]),
        {
            "version": recovering.version,
            "occasion": "into_recovery",
            "situation": "Ada in flat recovery",
            "background": "No allergies",
            "assessment": "Settled",
            "recommendation": "Round 1 at 08:15",
        },
    )
    handover = Handover.objects.get(journey=recovering)
    assert "The receiving nurse acknowledges it on their own sign-in." in page(client, recovering)

    client.force_login(other_nurse)
    assert "I have read it: I take over" in page(client, recovering)
    recovering.refresh_from_db()
    response = client.post(
        reverse("journey-handover-ack", args=[recovering.pk, handover.pk]), {"version": recovering.version}
    )
    assert response.status_code == 302
    assert "Patient's nurse: <strong>Olu Other</strong>" in page(client, recovering)


def test_the_handover_sheet_holds_every_patient_in_the_unit_and_no_one_else(client, pathway, nurse, morning):
    in_unit = [make_journey(pathway, nurse) for _ in range(2)]
    walk_to(in_unit[0], "recovery", nurse, now=morning)
    walk_to(in_unit[1], "prep", nurse, now=morning)
    not_arrived = make_journey(pathway, nurse)
    client.force_login(nurse)

    html = client.get(reverse("handover-sheet")).content.decode()

    for journey in in_unit:
        assert journey.patient.full_name in html
    assert not_arrived.patient.full_name not in html
    assert "2 patients in the unit" in html
    assert "Situation" in html
    assert "Recommendation" in html


def test_the_handover_sheet_costs_the_same_queries_for_2_or_12_patients(
    client, pathway, nurse, morning, django_assert_num_queries
):
    client.force_login(make_user(roles.NURSE))

    def count(n):
        for _ in range(n):
            walk_to(make_journey(pathway, nurse), "recovery", nurse, now=morning)
        # session, user, whether a demo account, permissions (2); journeys+patient; their pathways; open visits;
        # their stages; items; standing answers; rounds; missed rounds; open red flags; handovers; every
        # visit; every standing answer+item; and the audit row (the chain's head, the insert; on PostgreSQL
        # also the chain's advisory lock).
        with django_assert_num_queries(20 if connection.vendor == "postgresql" else 19) as captured:
            assert client.get(reverse("handover-sheet")).status_code == 200
        return len(captured.captured_queries)

    assert count(2) == count(10)


def test_the_unit_admin_edits_a_pathways_round_rules_on_the_pathway_page(client, pathway):
    client.force_login(make_user(roles.UNIT_ADMIN, is_staff=True))

    html = client.get(reverse("admin:journey_pathway_change", args=[pathway.pk])).content.decode()

    assert "Oxygen saturation red flag below (%)" in html
    assert "may be recorded before the handover into recovery is acknowledged" in html
