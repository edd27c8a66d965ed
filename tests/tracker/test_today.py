from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse

from journey import roles
from tests.makers import make_journey, make_user, walk_to

URL = reverse("today")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


@pytest.mark.parametrize("role", [roles.NURSE, roles.COORDINATOR, roles.CLINICAL_LEAD, roles.UNIT_ADMIN])
def test_ward_staff_see_todays_list(client, db, role):
    client.force_login(make_user(role))

    assert client.get(URL).status_code == 200


def test_the_display_account_opening_the_list_goes_to_the_public_board_and_sees_no_patient(
    client, pathway, nurse, display, morning
):
    make_journey(pathway, nurse, day=date(2026, 11, 21))
    client.force_login(display)

    response = client.get(URL)

    assert (response.status_code, response.url) == (302, reverse("board-public"))
    assert b"Ada" not in response.content


def test_needs_attention_first_puts_an_open_red_flag_on_top_and_is_kept_as_the_persons_choice(
    client, pathway, nurse, morning
):
    from journey.models import RedFlagKind

    early = make_journey(pathway, nurse, now=morning)
    flagged = make_journey(pathway, nurse, now=morning)  # booked at the same time, after: listed second
    walk_to(flagged, "recovery", nurse, now=morning)
    flagged.raise_red_flag(RedFlagKind.CHEST_PAIN, by=nurse, now=morning)
    client.force_login(nurse)

    by_time = [j.pk for j in client.get(URL).context["journeys"]]
    client.get(URL, {"order": "attention"})
    kept = client.get(URL)  # no order asked: the person's choice stands

    assert by_time == [early.pk, flagged.pk]
    assert [j.pk for j in kept.context["journeys"]] == [flagged.pk, early.pk]
    assert 'value="attention" checked' in kept.content.decode()


def test_the_list_shows_each_patient_of_today_with_stage_and_time_in_stage(client, pathway, nurse, morning):
    in_prep = make_journey(pathway, nurse, levels="L1 T12", now=morning)
    walk_to(in_prep, "prep", nurse, now=morning - timedelta(minutes=35))
    make_journey(pathway, nurse, driver=("", ""))
    make_journey(pathway, nurse, day=date(2026, 11, 22))  # tomorrow: not on today's list
    client.force_login(nurse)

    response = client.get(URL)

    html = response.content.decode()
    assert response.context["journeys"].count() == 2
    assert in_prep.patient.full_name in html
    assert "T12, L1" in html
    assert "Prep" in html
    assert "35 min of 30 min" in html
    assert 'class="timer timer-over"' in html
    assert "No driver confirmed" in html
    assert "Booked" in html


def test_the_list_costs_the_same_queries_for_three_journeys_or_thirty(
    client, pathway, nurse, morning, django_assert_num_queries
):
    for _ in range(3):
        walk_to(make_journey(pathway, nurse), "prep", nurse)
    client.force_login(nurse)

    def queries_for_page():
        # session, user, whether a demo account, the user's permissions (2), journeys+patient, their
        # pathways, open visits, their stages, the stages' checklist items, their standing answers (the
        # timer's "ready" needs both), their observation rounds and missed rounds, open red flags, handovers
        # (alerts)
        with django_assert_num_queries(15):
            assert client.get(URL).status_code == 200

    queries_for_page()
    for _ in range(27):
        walk_to(make_journey(pathway, nurse), "consent", nurse)
    queries_for_page()


@override_settings(TIME_ZONE="America/New_York")
def test_times_are_stored_in_utc_and_shown_in_the_units_time_zone(client, pathway, nurse, morning):
    journey = make_journey(pathway, nurse, day=date(2026, 11, 21))
    journey.arrive(by=nurse, now=morning)  # 08:00 UTC is 03:00 in New York
    walk_to(journey, "recovery", nurse, now=morning)
    client.force_login(nurse)

    html = client.get(URL).content.decode()

    assert journey.current_visit.started_at.utcoffset() == timedelta(0)
    assert "Flat until 05:00 · " in html
    assert "2 h left" in html


def test_the_list_finds_a_patient_by_name_or_mrn(client, pathway, nurse, morning):
    from tests.makers import make_patient

    ada = make_journey(pathway, nurse, patient=make_patient(mrn="M555001", given_name="Ada", family_name="Lovelace"))
    make_journey(pathway, nurse, patient=make_patient(mrn="M555002", given_name="Grace", family_name="Hopper"))
    client.force_login(nurse)

    for query in ("lovel", "m555001", "Ada"):
        assert list(client.get(URL, {"q": query}).context["journeys"]) == [ada]


def test_the_list_shows_another_day_when_asked(client, pathway, nurse, morning):
    tomorrow = make_journey(pathway, nurse, day=date(2026, 11, 22))
    client.force_login(nurse)

    response = client.get(URL, {"day": "2026-11-22"})

    assert list(response.context["journeys"]) == [tomorrow]
    assert "Sunday 22 November 2026" in response.content.decode()


def test_a_day_that_is_not_a_date_falls_back_to_today(client, pathway, nurse, morning):
    client.force_login(nurse)

    assert client.get(URL, {"day": "2026-13-45"}).context["day"] == date(2026, 11, 21)


def test_the_list_flags_what_needs_attention(client, pathway, nurse, morning):
    from journey.models import RedFlagKind

    flagged = make_journey(pathway, nurse)
    walk_to(flagged, "recovery", nurse, now=morning - timedelta(minutes=40))  # rounds at 15 and 30 missed
    flagged.raise_red_flag(RedFlagKind.CHEST_PAIN, by=nurse)
    make_journey(pathway, nurse, driver=("", ""))
    client.force_login(nurse)

    html = client.get(URL).content.decode()

    assert "Red flag: Chest pain" in html
    assert "Observation rounds 1, 2 overdue" in html
    assert "No driver confirmed" in html
    assert 'class="table-danger"' in html


def test_a_day_is_typed_in_the_units_format_whatever_the_browsers_locale(client, pathway, nurse, morning):
    client.force_login(nurse)

    response = client.get(URL, {"day": "20/11/2026"})

    assert response.context["day"] == date(2026, 11, 20)
    assert 'type="date"' not in response.content.decode()
