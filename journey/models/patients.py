"""Patients: one row per person, found by MRN; the rules for the details that identify them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from journey.errors import JourneyError
from journey.models.audit import AuditEntry
from journey.models.records import ClinicalRecord, NeverDeletedQuerySet, alters_data
from journey.validators import check_date_of_birth, clean_mrn, tidy


@dataclass(frozen=True)
class PatientDetails:
    """Who a booking is for, as typed at check-in or sent by the hospital's schedule."""

    mrn: str
    given_name: str
    family_name: str
    date_of_birth: date


def checked(details: PatientDetails) -> tuple[str, str, str, date]:
    """MRN, given name, family name and date of birth as stored, or a refusal naming the detail."""
    try:
        mrn = clean_mrn(details.mrn)
    except ValidationError as exc:
        raise JourneyError(" ".join(exc.messages), field="mrn") from exc
    try:
        born = check_date_of_birth(details.date_of_birth, timezone.localdate())
    except ValidationError as exc:
        raise JourneyError(" ".join(exc.messages), field="date_of_birth") from exc
    given_name, family_name = tidy(details.given_name), tidy(details.family_name)
    if not given_name or not family_name:
        raise JourneyError("Enter the patient's given and family names.", field="family_name")
    return mrn, given_name, family_name, born


class PatientManager(models.Manager["Patient"]):
    def get_queryset(self) -> NeverDeletedQuerySet[Patient]:
        return NeverDeletedQuerySet(self.model, using=self._db)

    def find_or_register(self, details: PatientDetails, *, by: Any) -> tuple[Patient, bool]:
        """The patient with this MRN, or a new one, and whether it was registered now (as get_or_create).
        Refuses an MRN already held by someone else, since a mistyped MRN must not attach a procedure to
        the wrong person's record."""
        mrn, given_name, family_name, born = checked(details)
        patient, created = self.get_or_create(
            mrn=mrn, defaults={"given_name": given_name, "family_name": family_name, "date_of_birth": born}
        )
        same_person = (
            patient.given_name.casefold() == given_name.casefold()
            and patient.family_name.casefold() == family_name.casefold()
            and patient.date_of_birth == born
        )
        if not created and not same_person:
            raise JourneyError(
                f"MRN {mrn} belongs to {patient.full_name}, born {patient.date_of_birth:%d %b %Y}. "
                "Check the MRN and the patient's details.",
                field="mrn",
            )
        if created:
            AuditEntry.objects.record(
                AuditEntry.Action.REGISTERED,
                user=by,
                patient_id=patient.pk,
                summary=f"Registered {patient.full_name}, MRN {mrn}",
            )
        return patient, created


class Patient(ClinicalRecord):
    mrn = models.CharField("MRN", max_length=20, unique=True, help_text="Medical record number.")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()

    objects = PatientManager()

    class Meta:
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.mrn})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def initials(self) -> str:
        return f"{self.given_name[:1]}{self.family_name[:1]}".upper()

    @alters_data
    def update_details(self, details: PatientDetails, *, by: Any, now: datetime | None = None) -> bool:
        """Correct the patient's names or date of birth (the hospital's record changed: ADT^A08). The MRN
        is who the patient is and never changes here. Audited with the details before and after; returns
        False when nothing changed."""
        mrn, given_name, family_name, born = checked(details)
        if mrn != self.mrn:
            raise JourneyError(f"These details are for MRN {mrn}, not {self.mrn}.", field="mrn")
        with transaction.atomic():
            patient = Patient.objects.select_for_update().get(pk=self.pk)
            before = (patient.given_name, patient.family_name, patient.date_of_birth)
            if before == (given_name, family_name, born):
                return False
            was = f"{patient.full_name}, born {patient.date_of_birth:%d %b %Y}"
            patient.given_name, patient.family_name, patient.date_of_birth = given_name, family_name, born
            patient.save(update_fields=["given_name", "family_name", "date_of_birth"])
            AuditEntry.objects.record(
                AuditEntry.Action.CHANGED,
                user=by,
                patient_id=patient.pk,
                summary=f"Patient details updated: {patient.full_name}, born {born:%d %b %Y} (was {was})",
                data={"was": {"given_name": before[0], "family_name": before[1], "date_of_birth": before[2]}},
                at=now,
            )
        self.refresh_from_db()
        return True

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
