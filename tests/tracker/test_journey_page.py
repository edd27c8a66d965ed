from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from journey import roles
from journey.models import RedFlagKind
from tests.makers import make_journey, make_user, walk_to


def url(journey):
    return reverse("journey", args=[journey.pk])


def test_anonymous_visitors_are_sent_to_sign_in(client, journey):
    assert client.get(url(journey)).url.startswith(reverse("login"))


@pytest.mark.parametrize("role", [roles.NURSE, roles.COORDINATOR, roles.CLINICAL_LEAD, roles.UNIT_ADMIN])
def test_ward_staff_open_the_journey(client, journey, role):
    client.force_login(make_user(role))

    assert client.get(url(journey)).status_code == 200


def test_the_display_account_is_refused_and_sees_no_patient_data(client, journey, display):
    client.force_login(display)

    response = client.get(url(journey))

    assert response.status_code == 403
    assert journey.patient.family_name.encode() not in response.content


def test_an_unknown_journey_is_not_found(client, nurse):
    client.force_login(nurse)

    assert client.get(reverse("journey", args=[999])).status_code == 404


def test_the_page_shows_the_patient_the_rail_the_checklist_and_what_is_missing(client, journey, nurse, morning):
    walk_to(journey, "prep", nurse, now=morning - timedelta(minutes=12))
    client.force_login(nurse)

    html = client.get(url(journey)).content.decode()

    assert journey.patient.full_name in html
    assert "81 years" in html
    assert "T12, L1" in html
    assert "Dee Driver, 07700 900123" in html
    assert "closed 07:48 by Nora Nurse" in html  # the rail: consent done
    assert 'aria-current="step"' in html
    assert "12 min of 30 min" in html
    assert "Still needed before Prep can close" in html
    assert "Baseline systolic: not yet answered." in html
    assert "Complete Prep" in html


def test_the_page_counts_down_the_flat_time_and_holds_the_complete_button(client, journey, nurse, morning):
    walk_to(journey, "recovery", nurse, now=morning - timedelta(minutes=48))
    client.force_login(nurse)

    html = client.get(url(journey)).content.decode()

    assert "Flat until 09:12" in html
    assert "1 h 12 min left" in html
    assert 'disabled data-enable-at="2026-11-21T09:12:00+00:00"' in html
    assert 'data-server-now="2026-11-21T08:00:00+00:00"' in html


def test_an_open_red_flag_shows_at_the_top_and_asks_who_was_told(client, journey, nurse):
    walk_to(journey, "recovery", nurse)
    journey.raise_red_flag(RedFlagKind.CHEST_PAIN, detail="Central", by=nurse)
    client.force_login(nurse)

    html = client.get(url(journey)).content.decode()

    assert "RED FLAG: Chest pain" in html
    assert "not yet escalated" in html
    assert "Escalate now: who did you tell, and when?" in html
    assert "Resolve (clinical lead)" not in html


def test_the_clinical_lead_sees_resolve_and_override(client, journey, nurse, lead):
    walk_to(journey, "recovery", nurse)
    journey.raise_red_flag(RedFlagKind.CHEST_PAIN, by=nurse)
    client.force_login(lead)

    html = client.get(url(journey)).content.decode()

    assert "Resolve (clinical lead)" in html
    assert "Override the minimum (clinical lead)" in html


def test_the_history_lists_every_event_newest_first(client, journey, nurse, morning):
    walk_to(journey, "prep", nurse, now=morning)
    client.force_login(nurse)

    history = client.get(url(journey)).context["events"]

    assert [e.at for e in history] == sorted((e.at for e in history), reverse=True)
    assert history[0].summary == "Consent completed (0 min); Prep started"


def test_the_journey_page_costs_the_same_queries_early_or_late_in_the_day(
    client, pathway, nurse, morning, django_assert_num_queries
):
    early = make_journey(pathway, nurse)
    walk_to(early, "consent", nurse)
    late = make_journey(pathway, nurse)
    walk_to(late, "discharge", nurse)
    late.raise_red_flag(RedFlagKind.CHEST_PAIN, by=nurse)
    client.force_login(nurse)

    for journey in (early, late):
        cache.clear()  # the time home's history is cached for the day: count its read each time
        # session, user, whether a demo account, the user's permissions (2); journey+patient+pathway; open
        # visit+stage; its checklist items; its rounds+recorder; its missed rounds; open red flags; handovers;
        # SpO2 scale orders; standing answers+who; every standing answer for the handover's draft; the rail's
        # visits and the pathway's stages; all red flags+people; the history+who; and the audit row of this
        # view (the chain's head, the insert; on PostgreSQL also the chain's advisory lock); the coded
        # reasons offered for a cancellation and for an unplanned return; for the time home, the pathway's
        # stages and the unit's 90 days of history (cached for the day).
        with django_assert_num_queries(26 if connection.vendor == "postgresql" else 25):
            assert client.get(url(journey)).status_code == 200


def test_the_discharge_sheet_prints_the_instructions_and_the_units_phone(client, journey, nurse, settings):
    settings.TRACKER_UNIT_PHONE = "0161 496 0999"
    journey.pathway.discharge_instructions = "No heavy lifting for 6 weeks.\nKeep the dressing dry."
    journey.pathway.save()
    client.force_login(nurse)

    html = client.get(reverse("journey-discharge-sheet", args=[journey.pk])).content.decode()

    assert journey.patient.full_name in html
    assert "T12, L1" in html
    assert "<li>No heavy lifting for 6 weeks.</li>" in html
    assert "0161 496 0999" in html
    assert "@page { size: A4" in (settings.BASE_DIR / "static/tracker/discharge-sheet.css").read_text()


def test_the_discharge_sheet_is_refused_to_the_display_account(client, journey, display):
    client.force_login(display)

    assert client.get(reverse("journey-discharge-sheet", args=[journey.pk])).status_code == 403


def test_the_discharge_sheet_prints_the_pathways_emergency_symptoms_once(client, journey, nurse):
    journey.pathway.emergency_symptoms = "Chest pain\nA fever"
    journey.pathway.discharge_instructions = "Keep the dressing dry."
    journey.pathway.save()
    client.force_login(nurse)

    html = client.get(reverse("journey-discharge-sheet", args=[journey.pk])).content.decode()

    assert html.count("Go to emergency care at once") == 1
    assert "<li>Chest pain</li>" in html
    assert "<li>A fever</li>" in html


def test_the_discharge_sheet_button_shows_on_the_stage_that_offers_it_only(client, pathway, nurse, morning):
    from tests.makers import make_journey, walk_to

    journey = make_journey(pathway, nurse)
    walk_to(journey, "recovery", nurse, now=morning)
    client.force_login(nurse)
    sheet = reverse("journey-discharge-sheet", args=[journey.pk])

    assert sheet not in client.get(url(journey)).content.decode()
    walk_to(journey, "discharge", nurse, now=morning)
    assert sheet in client.get(url(journey)).content.decode()
