"""Patients: one row per person, found by MRN; the rules for the details that identify them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from journey.errors import JourneyError
from journey.models.audit import AuditEntry
from journey.models.records import ClinicalRecord, NeverDeletedQuerySet
from journey.validators import check_date_of_birth, clean_mrn, tidy


@dataclass(frozen=True)
class PatientDetails:
    """Who a booking is for, as typed at check-in or sent by the hospital's schedule."""

    mrn: str
    given_name: str
    family_name: str
    date_of_birth: date


class PatientManager(models.Manager["Patient"]):
    def get_queryset(self) -> NeverDeletedQuerySet[Patient]:
        return NeverDeletedQuerySet(self.model, using=self._db)

    def find_or_register(self, details: PatientDetails, *, by: Any) -> Patient:
        """The patient with this MRN, or a new one. Refuses an MRN already held by someone else, since a
        mistyped MRN must not attach a procedure to the wrong person's record."""
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
        return patient


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

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
