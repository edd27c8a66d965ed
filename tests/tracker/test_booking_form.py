"""The journey page's booking form: a booking that came with "levels to confirm" asks for them first."""

import pytest
from django.urls import reverse

from journey import roles
from journey.models import Journey
from tests.makers import make_journey, make_user


@pytest.fixture
def to_confirm(pathway, nurse, morning):
    return make_journey(pathway, nurse, now=morning, levels=[])


def test_the_page_asks_for_the_levels_a_booking_came_without(client, to_confirm):
    client.force_login(make_user(roles.NURSE))

    page = client.get(to_confirm.get_absolute_url()).content.decode()

    assert "Levels to confirm" in page
    assert "no stage can be completed until they are" in page
    assert 'name="planned_levels"' in page


def test_a_nurse_records_the_levels_and_the_page_no_longer_asks(client, to_confirm):
    client.force_login(make_user(roles.NURSE))

    response = client.post(
        reverse("journey-booking", args=[to_confirm.pk]),
        {"version": to_confirm.version, "planned_levels": "t12 l1", "bay": "3"},
        follow=True,
    )

    to_confirm.refresh_from_db()
    assert to_confirm.planned_levels == ["T12", "L1"]
    assert "Booking changed: levels T12, L1 (was levels to confirm)" in response.content.decode()
    assert "Correct the booking (levels, bay)" in response.content.decode()


def test_an_unknown_level_is_shown_beside_the_field_and_nothing_changes(client, to_confirm):
    client.force_login(make_user(roles.NURSE))

    response = client.post(
        reverse("journey-booking", args=[to_confirm.pk]),
        {"version": to_confirm.version, "planned_levels": "T13", "bay": ""},
    )

    assert response.status_code == 422
    assert "is not a vertebral level" in response.content.decode()
    assert Journey.objects.get(pk=to_confirm.pk).planned_levels == []


def test_today_shows_levels_to_confirm_as_needing_attention(client, to_confirm):
    client.force_login(make_user(roles.NURSE))

    page = client.get(reverse("today") + "?day=2026-11-21").content.decode()

    assert page.count("Levels to confirm") >= 2  # the levels cell and the alert badge
