"""The journey page says what happened where the nurse looks, shows the state at the top, keeps forms
apart (ids of their own, driver in place), and gives the family their code."""

import re

from django.urls import reverse

from journey import roles
from journey.models import AuditEntry, RedFlagKind
from tests.makers import answer, make_user, walk_to


def _checklist(journey):
    return reverse("journey-checklist", args=[journey.pk])


def _items(journey):
    return {i.code: i.pk for i in journey.current_visit.stage.items.all()}


def test_a_completed_stage_is_confirmed_once_at_the_new_stage_heading_after_a_plain_post(client, journey, nurse):
    walk_to(journey, "consent", nurse)
    items = _items(journey)
    client.force_login(nurse)

    response = client.post(
        _checklist(journey),
        {"complete": "", f"item_{items['identity']}": "on", f"item_{items['driver_confirmed']}": "on"},
        follow=True,
    )

    html = response.content.decode()
    assert "Consent completed 08:00 by Nora Nurse - Prep started" in html
    assert re.search(r'id="stage-heading"[^>]*data-focus', html)
    assert "Consent completed 08:00" not in client.get(journey.get_absolute_url()).content.decode()  # once


def test_an_htmx_save_is_confirmed_beside_the_form_that_was_used(client, journey, nurse):
    walk_to(journey, "recovery", nurse)
    client.force_login(nurse)

    response = client.post(
        reverse("journey-driver", args=[journey.pk]),
        {"version": journey.version, "name": "Grace Hopper", "phone": "07700 900444"},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    confirmation = "Driver: Grace Hopper, 07700 900444 · 08:00 by Nora Nurse"
    assert confirmation in html
    assert html.index('id="driver-heading"') < html.index(confirmation)  # in the driver's own section


def test_a_refused_completion_lists_each_missing_item_as_a_link_to_its_input(client, journey, nurse):
    walk_to(journey, "consent", nurse)
    items = _items(journey)
    client.force_login(nurse)

    response = client.post(_checklist(journey), {"complete": "", "stage": journey.current_visit.stage_id})

    html = response.content.decode()
    assert response.status_code == 422
    assert re.search(r'id="checklist-refusal"[^>]*|data-focus[^>]*id="checklist-refusal"', html)
    assert f'href="#checklist-item_{items["identity"]}"' in html
    assert f'id="checklist-item_{items["identity"]}"' in html


def test_the_top_of_the_page_says_the_stage_what_is_missing_an_open_flag_and_an_overdue_round(
    client, journey, nurse, morning, time_machine
):
    from datetime import timedelta

    walk_to(journey, "recovery", nurse, now=morning)
    journey.raise_red_flag(RedFlagKind.CHEST_PAIN, by=nurse, now=morning)
    time_machine.move_to(morning + timedelta(minutes=25))
    client.force_login(nurse)

    summary = (
        client.get(journey.get_absolute_url()).content.decode().split('class="card shadow-sm mb-4 journey-summary"')[1]
    )
    summary = summary.split("</section>")[0]
    assert "Flat recovery" in summary or "Recovery" in summary
    assert "missing" in summary
    assert "Open red flag: Chest pain" in summary
    assert "overdue" in summary


def test_every_id_on_the_journey_page_is_unique(client, journey, nurse, lead):
    walk_to(journey, "recovery", nurse)
    journey.raise_red_flag(RedFlagKind.CHEST_PAIN, by=nurse)
    client.force_login(lead)

    ids = re.findall(r'\bid="([^"]+)"', client.get(journey.get_absolute_url()).content.decode())

    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    assert "resolve-1-note" in ids or any(i.startswith("resolve-") and i.endswith("-note") for i in ids)


def test_the_consent_checklist_records_the_driver_in_place(client, journey, nurse):
    walk_to(journey, "consent", nurse)
    items = _items(journey)
    client.force_login(nurse)
    page = client.get(journey.get_absolute_url()).context["checklist"].form

    response = client.post(
        _checklist(journey),
        {
            "stage": page["stage"].value(),
            "driver_shown": page["driver_shown"].value(),
            "driver_name": "Grace Hopper",
            "driver_phone": "07700 900444",
            f"item_{items['driver_confirmed']}": "on",
        },
    )

    assert response.status_code == 302
    journey.refresh_from_db()
    assert (journey.driver_name, journey.driver_phone) == ("Grace Hopper", "07700 900444")
    assert journey.current_visit.current_answers()[items["driver_confirmed"]].value is True


def test_a_driver_left_as_shown_on_the_checklist_does_not_undo_a_newer_one(client, journey, nurse, other_nurse):
    walk_to(journey, "consent", nurse)
    client.force_login(nurse)
    page = client.get(journey.get_absolute_url()).context["checklist"].form
    journey.update_driver(name="Grace Hopper", phone="07700 900444", by=other_nurse)
    items = _items(journey)

    client.post(
        _checklist(journey),
        {
            "stage": page["stage"].value(),
            "driver_shown": page["driver_shown"].value(),
            "driver_name": page["driver_name"].value(),
            "driver_phone": page["driver_phone"].value(),
            f"item_{items['identity']}": "on",
        },
    )

    journey.refresh_from_db()
    assert journey.driver_name == "Grace Hopper"


def test_the_family_card_gives_the_code_and_the_units_phone_and_is_audited(client, journey, nurse, settings):
    settings.TRACKER_UNIT_PHONE = "01632 960 123"
    client.force_login(nurse)

    response = client.get(reverse("journey-family-card", args=[journey.pk]))

    html = response.content.decode()
    assert journey.public_code in html
    assert "01632 960 123" in html
    assert journey.patient.family_name not in html.split("<main")[1]  # the card itself carries no name
    assert AuditEntry.objects.filter(journey_id=journey.pk, summary="Printed the family card").exists()


def test_the_journey_header_shows_the_familys_code(client, journey, nurse):
    client.force_login(make_user(roles.COORDINATOR))

    assert journey.public_code in client.get(journey.get_absolute_url()).content.decode()


def test_the_family_card_is_refused_to_the_display_account(client, journey, display):
    client.force_login(display)

    assert client.get(reverse("journey-family-card", args=[journey.pk])).status_code == 403


def test_an_answer_refused_as_stale_keeps_what_was_typed(client, journey, nurse, other_nurse):
    walk_to(journey, "prep", nurse)
    client.force_login(nurse)
    page = client.get(journey.get_absolute_url()).context["checklist"].form
    answer(journey, "baseline_systolic", "150", by=other_nurse)
    systolic = _items(journey)["baseline_systolic"]

    response = client.post(
        _checklist(journey),
        {"stage": page["stage"].value(), f"seen_{systolic}": "", f"item_{systolic}": "135"},
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "“Baseline systolic” was changed by Olu Other at 08:00" in html
    assert 'value="135"' in html
