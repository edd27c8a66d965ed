"""A patient's details corrected from the hospital's record (ADT^A08): the MRN stays, the change is audited."""

from datetime import date

import pytest

from journey.errors import JourneyError
from journey.models import AuditEntry, PatientDetails
from tests.makers import make_patient


def details(**changes):
    fields = {"mrn": "T1", "given_name": "Ada", "family_name": "Lovelace", "date_of_birth": date(1945, 5, 17)}
    return PatientDetails(**{**fields, **changes})


@pytest.fixture
def patient(db):
    return make_patient(mrn="T1", given_name="Ada", family_name="Lovelace", date_of_birth=date(1945, 5, 17))


def test_new_names_and_date_of_birth_are_kept_and_audited_with_the_old_ones(patient, nurse):
    changed = patient.update_details(details(family_name="King", date_of_birth=date(1945, 5, 18)), by=nurse)

    assert changed
    assert (patient.family_name, patient.date_of_birth) == ("King", date(1945, 5, 18))
    audit = AuditEntry.objects.get(patient_id=patient.pk, action=AuditEntry.Action.CHANGED)
    assert audit.summary == "Patient details updated: Ada King, born 18 May 1945 (was Ada Lovelace, born 17 May 1945)"
    assert audit.user == nurse


def test_the_same_details_change_nothing(patient, nurse):
    assert not patient.update_details(details(), by=nurse)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.CHANGED).exists()


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"mrn": "T2"}, "for MRN T2, not T1"),
        ({"family_name": "  "}, "given and family names"),
        ({"date_of_birth": date(2999, 1, 1)}, "cannot be in the future"),
    ],
)
def test_details_that_do_not_fit_are_refused_and_nothing_changes(patient, nurse, changes, words):
    with pytest.raises(JourneyError, match=words):
        patient.update_details(details(**changes), by=nurse)

    patient.refresh_from_db()
    assert patient.family_name == "Lovelace"
