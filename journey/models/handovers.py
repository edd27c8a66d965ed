"""Handover (SBAR) between nurses: written by the handing nurse, acknowledged by the receiving one, who is
from then on the patient's nurse. Kept, never edited: a new handover is written instead."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models

from journey.models.records import ClinicalRecord, NeverDeletedManager

# An unacknowledged handover older than this shows on the board as needing attention.
HANDOVER_WAIT = timedelta(minutes=10)


class Handover(ClinicalRecord):
    class Occasion(models.TextChoices):
        INTO_RECOVERY = "into_recovery", "Into recovery"
        CHANGE_OF_NURSE = "change_of_nurse", "Change of nurse or shift"

    journey = models.ForeignKey("journey.Journey", on_delete=models.PROTECT, related_name="handovers")
    visit = models.ForeignKey("journey.StageVisit", on_delete=models.PROTECT, related_name="handovers")
    occasion = models.CharField(max_length=20, choices=Occasion.choices)
    situation = models.TextField(help_text="Who, procedure, levels, stage and time in stage.")
    background = models.TextField(help_text="History, allergies, anticoagulants, cement volumes, any leakage.")
    assessment = models.TextField(help_text="Last vitals and NEWS2, neurology, pain, red flags.")
    recommendation = models.TextField(help_text="What is due, what to watch, the driver.")
    written_at = models.DateTimeField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = NeverDeletedManager["Handover"]()

    class Meta:
        ordering = ["journey", "written_at", "pk"]
        verbose_name = "handover"
        constraints = [
            # One handover waits at a time: a second one while the first is unread would split the story.
            models.UniqueConstraint(
                fields=["journey"], condition=models.Q(acknowledged_at__isnull=True), name="one_waiting_handover"
            )
        ]

    def __str__(self) -> str:
        return f"Handover {self.get_occasion_display().lower()} at {self.written_at:%H:%M}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def waiting_too_long(self, now: datetime) -> bool:
        return not self.is_acknowledged and now - self.written_at > HANDOVER_WAIT

    def sections(self) -> list[tuple[str, str]]:
        return [
            ("Situation", self.situation),
            ("Background", self.background),
            ("Assessment", self.assessment),
            ("Recommendation", self.recommendation),
        ]
