"""Reads of patient data through /admin/ are audited like the journey page: who, what, when, the address,
one row per record a list shows, per record opened and per history opened."""

import pytest
from django.contrib import admin
from django.urls import reverse

from journey import roles
from journey.admin import AuditedReadAdmin
from journey.models import Answer, AuditEntry, InterfaceToken, Journey, Pathway, Patient, StageDefinition
from tests.makers import answer, make_journey, make_user

VIEWED = AuditEntry.Action.VIEWED
# The pathway definitions and the interface tokens: no patient data (the other apps' admins hold accounts
# and sign-in counters).
NOT_PATIENT_DATA = {Pathway, StageDefinition, InterfaceToken}


@pytest.fixture
def records(pathway, nurse, morning):
    journeys = [make_journey(pathway, nurse) for _ in range(3)]
    for journey in journeys:
        journey.arrive(by=nurse)
        answer(journey, "identity", True, by=nurse)
    return journeys


@pytest.fixture
def superuser(db):
    return make_user(None, is_staff=True, is_superuser=True)


def _views():
    return AuditEntry.objects.filter(action=VIEWED)


def test_every_model_the_admin_shows_with_patient_data_is_audited():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label == "journey" and model not in NOT_PATIENT_DATA:
            assert isinstance(model_admin, AuditedReadAdmin), model


@pytest.mark.parametrize(
    ("model", "count"),
    [(Journey, Journey.objects.count), (Patient, Patient.objects.count), (Answer, Answer.objects.count)],
)
def test_the_admin_walk_writes_one_row_per_record_listed_opened_and_whose_history_was_opened(
    client, records, superuser, model, count
):
    client.force_login(superuser)
    opts = model._meta
    shown = count()
    first = model.objects.order_by("pk").first()

    client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), REMOTE_ADDR="10.3.3.3")
    listed = list(_views())
    client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]), REMOTE_ADDR="10.3.3.3")
    client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[first.pk]), REMOTE_ADDR="10.3.3.3")

    assert len(listed) == shown
    assert _views().count() == shown + 2
    assert {(v.user, v.address) for v in _views()} == {(superuser, "10.3.3.3")}
    assert all(v.patient_id for v in _views())
    if model is not Patient:
        assert all(v.journey_id for v in _views())
    opened, history = _views().order_by("-seq")[1], _views().order_by("-seq")[0]
    assert opened.summary.startswith("Admin: opened the")
    assert history.summary.endswith("history")


def test_a_search_in_the_admin_is_recorded_with_what_was_typed_and_each_patient_it_found(client, records, superuser):
    client.force_login(superuser)
    wanted = records[1].patient

    client.get(reverse("admin:journey_patient_changelist"), {"q": wanted.mrn})

    [view] = _views()
    assert view.patient_id == wanted.pk
    assert view.summary == f"Admin: listed in patients (search “{wanted.mrn}”)"
    assert view.data["search"] == wanted.mrn


def test_the_units_admin_opening_a_journey_is_recorded_like_the_journey_page(client, records, morning):
    unit_admin = make_user(roles.UNIT_ADMIN, is_staff=True)
    client.force_login(unit_admin)
    journey = records[0]

    client.get(reverse("admin:journey_journey_change", args=[journey.pk]), REMOTE_ADDR="10.4.4.4")

    [view] = _views()
    assert (view.user, view.address, view.at) == (unit_admin, "10.4.4.4", morning)
    assert (view.journey_id, view.patient_id) == (journey.pk, journey.patient_id)
    assert view.summary == "Admin: opened the journey (its stages and history)"


def test_a_refused_admin_page_is_not_a_read(client, records):
    clerk = make_user(None, is_staff=True)
    client.force_login(clerk)

    assert client.get(reverse("admin:journey_patient_changelist")).status_code == 403
    assert not _views().exists()
