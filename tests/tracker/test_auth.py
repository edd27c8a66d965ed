from django.urls import reverse

from tests.makers import PASSWORD


def test_the_sign_in_page_is_open_to_everyone(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_signing_in_leads_to_todays_list(client, nurse):
    response = client.post(reverse("login"), {"username": nurse.username, "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("today")
    assert f"{nurse.first_name} {nurse.last_name}".encode() in response.content


def test_a_wrong_password_is_refused_with_a_message(client, nurse):
    response = client.post(reverse("login"), {"username": nurse.username, "password": "wrong"})

    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_signing_out_ends_the_session(client, nurse):
    client.force_login(nurse)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("today")).status_code == 302


def test_the_admin_is_for_the_units_admin_not_for_nurses(client, nurse):
    client.force_login(nurse)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_signing_in_from_a_post_only_address_lands_on_its_journey_page_not_a_405(client, nurse, journey):
    response = client.post(
        reverse("login") + f"?next=/journeys/{journey.pk}/checklist/",
        {"username": nurse.username, "password": PASSWORD, "next": f"/journeys/{journey.pk}/checklist/"},
    )

    assert response.url == journey.get_absolute_url()


def test_signing_in_lands_back_on_the_page_the_person_was_on(client, nurse, journey):
    response = client.post(reverse("login"), {"username": nurse.username, "password": PASSWORD, "next": "/board/"})

    assert response.url == "/board/"


def test_the_display_account_signs_in_straight_to_the_public_board(client, display):
    response = client.post(reverse("login"), {"username": display.username, "password": PASSWORD})

    assert response.url == reverse("board-public")


def test_stay_signed_in_counts_as_activity_and_answers_nothing(client, nurse):
    client.force_login(nurse)

    response = client.post(reverse("stay-signed-in"))

    assert response.status_code == 204
    assert client.get(reverse("stay-signed-in")).status_code == 405
