"""The hospital's interfaces: the service-code table, appointments booked by the hospital's schedule, and
the log of every HL7 v2 message received (stored before it is applied, never deleted).

The rules for reading a message live in journey/hl7.py; storing and applying it in journey/hl7_inbox.py.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from journey.models.pathways import natural_key_depends_on
from journey.models.records import ClinicalRecord, NeverDeletedManager


class ServiceCodeManager(models.Manager["ServiceCode"]):
    def get_by_natural_key(self, code: str) -> ServiceCode:
        return self.get(code=code)


class ServiceCode(models.Model):
    """AIS-3 of a scheduling message -> the pathway the patient is booked on. Edited by the unit's admin."""

    code = models.CharField(
        max_length=50,
        unique=True,
        help_text="The procedure code the hospital's schedule sends in AIS-3 (upper case), e.g. VERTEBROPLASTY.",
    )
    pathway = models.ForeignKey("journey.Pathway", on_delete=models.PROTECT, related_name="service_codes")
    description = models.CharField(max_length=200, blank=True, help_text="What the hospital calls it.")

    objects = ServiceCodeManager()

    class Meta:
        ordering = ["code"]
        verbose_name = "procedure code from the hospital's schedule"
        verbose_name_plural = "procedure codes from the hospital's schedule"

    def __str__(self) -> str:
        return f"{self.code} -> {self.pathway}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)

    @natural_key_depends_on("journey.pathway")
    def natural_key(self) -> tuple[str]:
        return (self.code,)


class HospitalAppointment(ClinicalRecord):
    """The hospital schedule's appointment id (SCH-2, or SCH-1) of a journey it booked.

    Kept beside the journey rather than on it: a journey booked on the ward has none, and the id is the
    interface's key for later messages (rescheduled, modified, cancelled, did not arrive)."""

    appointment_id = models.CharField(
        max_length=100, unique=True, help_text="The filler appointment id (SCH-2), or the placer's (SCH-1)."
    )
    journey = models.OneToOneField("journey.Journey", on_delete=models.PROTECT, related_name="hospital_appointment")
    sender = models.CharField(max_length=200, help_text="MSH-3^MSH-4 of the message that booked it.")
    booked_at = models.DateTimeField()

    objects = NeverDeletedManager["HospitalAppointment"]()

    class Meta:
        ordering = ["-booked_at"]
        verbose_name = "appointment from the hospital's schedule"
        verbose_name_plural = "appointments from the hospital's schedule"

    def __str__(self) -> str:
        return f"Appointment {self.appointment_id}"


class InboundMessage(ClinicalRecord):
    """One HL7 v2 message as it arrived, what was done with it and the ACK that answered it."""

    class Outcome(models.TextChoices):
        PENDING = "", "Stored, not yet applied"
        APPLIED = "AA", "AA: applied"
        ERROR = "AE", "AE: understood, not applied"
        REJECTED = "AR", "AR: rejected"

    received_at = models.DateTimeField(db_index=True)
    peer = models.CharField(max_length=100, blank=True, help_text="The address the message came from.")
    sender = models.CharField(max_length=200, blank=True, help_text="MSH-3^MSH-4: sending application^facility.")
    control_id = models.CharField("control id", max_length=200, blank=True, help_text="MSH-10.")
    message_type = models.CharField(max_length=30, blank=True, help_text="MSH-9, e.g. SIU^S12.")
    raw = models.TextField(help_text="The message as received (segments separated by carriage returns).")
    outcome = models.CharField(max_length=2, choices=Outcome.choices, blank=True, db_index=True)
    error = models.TextField(blank=True, help_text="Why it was not applied, in words.")
    ack = models.TextField("ACK sent", blank=True)
    journey = models.ForeignKey(
        "journey.Journey", on_delete=models.PROTECT, null=True, blank=True, related_name="hl7_messages"
    )
    patient = models.ForeignKey(
        "journey.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="hl7_messages"
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    replayed_at = models.DateTimeField(null=True, blank=True)
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = NeverDeletedManager["InboundMessage"]()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = "HL7 message received"
        verbose_name_plural = "HL7 messages received"
        constraints = [
            # The same control id from the same sender is one message, however often it is sent.
            models.UniqueConstraint(
                fields=["sender", "control_id"], condition=~Q(control_id=""), name="one_message_per_control_id"
            ),
        ]
        permissions = [("replay_inboundmessage", "Can replay a message that was not applied")]

    def __str__(self) -> str:
        return f"{self.message_type or 'message'} {self.control_id or '(no control id)'} from {self.sender or '?'}"

    @property
    def may_replay(self) -> bool:
        return self.outcome == self.Outcome.ERROR
