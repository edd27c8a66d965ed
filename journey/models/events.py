"""The journey's history: one append-only row per change, written by the verb that made it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from journey.errors import JourneyError
from journey.models.records import ClinicalRecord, NeverDeletedManager


class JourneyEvent(ClinicalRecord):
    """Append-only history of a journey: who did what, when, and in which stage."""

    class Kind(models.TextChoices):
        # The stored value keeps its first name: audit rows already hold it inside their hashes.
        BOOKED = "checked_in", "Booked"
        ARRIVED = "arrived", "Arrived"
        DID_NOT_ARRIVE = "did_not_arrive", "Did not arrive"
        RESCHEDULED = "rescheduled", "Rescheduled"
        BOOKING_CHANGED = "booking_changed", "Booking changed"
        ANSWER_RECORDED = "answer", "Checklist answer"
        STAGE_COMPLETED = "stage_completed", "Stage completed"
        MINIMUM_OVERRIDDEN = "minimum_overridden", "Minimum overridden"
        ROUND_RECORDED = "round", "Observation round"
        ENTERED_IN_ERROR = "entered_in_error", "Entered in error"
        RED_FLAG_RAISED = "red_flag", "Red flag"
        ESCALATED = "escalated", "Red flag escalated"
        RED_FLAG_RESOLVED = "red_flag_resolved", "Red flag resolved"
        DRIVER_UPDATED = "driver", "Driver details"
        ROUND_MISSED = "round_missed", "Observation round missed"
        REVIEW_ASKED = "news2_review", "NEWS2 review asked"
        SPO2_SCALE_SET = "spo2_scale", "SpO2 scale set"
        HANDOVER_WRITTEN = "handover", "Handover written"
        HANDOVER_ACKNOWLEDGED = "handover_acknowledged", "Handover acknowledged"
        CANCELLED = "cancelled", "Cancelled"
        ADMITTED_OVERNIGHT = "admitted", "Admitted overnight"
        UNPLANNED_RETURN = "unplanned_return", "Unplanned return to the procedure room"

    journey = models.ForeignKey("journey.Journey", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    at = models.DateTimeField(db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(
        "journey.StageVisit", on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    stage_name = models.CharField(max_length=100, blank=True, help_text="The stage the journey was in.")
    summary = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(help_text="The journey's version after this change.")

    objects = NeverDeletedManager["JourneyEvent"]()

    class Meta:
        ordering = ["journey", "at", "pk"]
        verbose_name = "journey event"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise JourneyError("The journey's history cannot be changed.")
        super().save(*args, **kwargs)
