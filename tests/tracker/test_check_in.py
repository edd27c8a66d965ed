from datetime import date

import pytest
from django.urls import reverse

from journey import roles
from journey.models import Journey, Patient
from tests.makers import make_journey, make_patient, make_user

URL = reverse("check-in")


def booking(pathway, **changes):
    data = {
        "mrn": "m200100",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": "1942-12-10",
        "pathway": pathway.pk,
        "day": "2026-11-21",
        "scheduled_time": "09:30",
        "bay": "4",
        "planned_levels": "l1, t12",
        "driver_name": "Byron Lovelace",
        "driver_phone": "07700 900111",
    }
    return {**data, **changes}


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    assert client.get(URL).url.startswith(reverse("login"))


@pytest.mark.parametrize("role", [roles.DISPLAY, roles.UNIT_ADMIN])
def test_roles_that_do_not_book_patients_are_refused(client, pathway, role):
    client.force_login(make_user(role))

    assert client.get(URL).status_code == 403
    assert client.post(URL, booking(pathway)).status_code == 403
    assert not Journey.objects.exists()


@pytest.mark.parametrize("role", [roles.NURSE, roles.COORDINATOR])
def test_a_nurse_or_coordinator_books_a_patient_and_lands_on_the_journey(client, pathway, morning, role):
    user = make_user(role)
    client.force_login(user)

    response = client.post(URL, booking(pathway))

    journey = Journey.objects.get()
    assert response.status_code == 302
    assert response.url == journey.get_absolute_url()
    assert (journey.patient.mrn, journey.planned_levels, journey.created_by) == ("M200100", ["T12", "L1"], user)
    assert (journey.day, journey.bay, journey.driver_phone) == (date(2026, 11, 21), "4", "07700 900111")


def test_a_patient_known_by_mrn_is_reused(client, pathway, nurse, morning):
    known = make_patient(mrn="M200100", given_name="Ada", family_name="Lovelace", date_of_birth=date(1942, 12, 10))
    client.force_login(nurse)

    client.post(URL, booking(pathway, given_name="ada"))

    assert Journey.objects.get().patient == known
    assert Patient.objects.count() == 1


def test_an_mrn_that_belongs_to_someone_else_is_refused_and_nothing_is_saved(client, pathway, nurse, morning):
    make_patient(mrn="M200100", given_name="Grace", family_name="Hopper", date_of_birth=date(1936, 12, 9))
    client.force_login(nurse)

    response = client.post(URL, booking(pathway))

    assert response.status_code == 422
    assert "MRN M200100 belongs to Grace Hopper, born 09 Dec 1936" in response.context["form"].errors["mrn"][0]
    assert not Journey.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("planned_levels", "T13", "“T13” is not a vertebral level"),
        ("date_of_birth", "2027-01-01", "The date of birth cannot be in the future."),
        ("date_of_birth", "1890-01-01", "over 120"),
        ("driver_phone", "12", "Enter a phone number that can be dialled"),
        ("mrn", "", "Enter the patient's MRN."),
        ("mrn", "M1 00; DROP", "An MRN has letters and digits only."),
        ("scheduled_time", "25:00", "Enter the booked time, such as 08:30."),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_nothing_is_saved(
    client, pathway, nurse, morning, field, value, message
):
    client.force_login(nurse)

    response = client.post(URL, booking(pathway, **{field: value}))

    assert response.status_code == 422
    assert any(message in error for error in response.context["form"].errors[field])
    assert message.split("“")[0] in response.content.decode().replace("&#x27;", "'")
    assert not Patient.objects.exists()
    assert not Journey.objects.exists()


def test_a_second_journey_the_same_day_is_refused_and_no_patient_is_added(client, pathway, nurse, morning):
    patient = make_patient(mrn="M200100", given_name="Ada", family_name="Lovelace", date_of_birth=date(1942, 12, 10))
    make_journey(pathway, nurse, patient=patient, day=date(2026, 11, 21))
    client.force_login(nurse)

    response = client.post(URL, booking(pathway))

    assert response.status_code == 422
    assert "Ada Lovelace already has a journey on 21 Nov 2026." in response.content.decode()
    assert Journey.objects.count() == 1


def test_the_form_offers_todays_date_and_only_pathways_still_offered(client, pathway, nurse, morning):
    pathway.__class__.objects.create(code="retired", name="Retired pathway", is_active=False)
    client.force_login(nurse)

    response = client.get(URL)

    html = response.content.decode()
    assert 'value="2026-11-21"' in html
    assert "Vertebroplasty" in html
    assert "Retired pathway" not in html


def test_a_bay_another_patient_holds_is_refused_beside_the_bay_field(client, pathway, nurse, morning):
    make_journey(pathway, nurse, bay="4", patient=make_patient(given_name="Grace", family_name="Hopper"))
    client.force_login(nurse)

    response = client.post(URL, booking(pathway))

    assert response.status_code == 422
    assert "Bay 4 is held by GH (Booked)" in response.context["form"].errors["bay"][0]
    assert Journey.objects.count() == 1


def test_a_planned_hand_over_of_the_bay_is_booked(client, pathway, nurse, morning):
    make_journey(pathway, nurse, bay="4")
    client.force_login(nurse)

    response = client.post(URL, booking(pathway, bay_handover="on"))

    assert response.status_code == 302
    assert Journey.objects.filter(bay="4").count() == 2


@pytest.mark.parametrize("typed", ["21/11/2026", "2026-11-21"])
def test_dates_and_times_are_typed_in_the_units_24_hour_formats(client, pathway, nurse, morning, typed):
    client.force_login(nurse)

    page = client.get(URL).content.decode()
    client.post(URL, booking(pathway, day=typed, scheduled_time="14:05"))

    assert 'type="date"' not in page
    assert 'type="time"' not in page
    assert 'placeholder="HH:MM"' in page
    journey = Journey.objects.get()
    assert (journey.day, journey.scheduled_time.strftime("%H:%M")) == (date(2026, 11, 21), "14:05")
