"""Red flags: signs of a complication that are escalated at once and stay visible until a clinician resolves them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from journey.models.records import ClinicalRecord, NeverDeletedManager


class RedFlagKind(models.TextChoices):
    # Possible cement in the spinal canal.
    LEG_WEAKNESS = "leg_weakness", "New leg numbness or weakness"
    BLADDER_BOWEL = "bladder_bowel", "Loss of bladder or bowel control"
    # Possible cement embolism.
    CHEST_PAIN = "chest_pain", "Chest pain"
    BREATHLESS = "breathless", "Shortness of breath"
    LOW_SPO2 = "low_spo2", "Low oxygen saturation"
    VITALS_CHANGE = "vitals_change", "Blood pressure or heart rate changed from baseline"
    CEMENT_LEAKAGE = "cement_leakage", "Cement leakage seen on imaging"
    # The NEWS2 response (RCP chart 4): 5-6 an urgent response, 7 or more an emergency.
    NEWS2_MEDIUM = "news2_5", "NEWS2 5+"
    NEWS2_HIGH = "news2_7", "NEWS2 7+: emergency"


# Raised by a round's values, not chosen at the bedside.
SCORED_KINDS = (RedFlagKind.NEWS2_MEDIUM, RedFlagKind.NEWS2_HIGH)


class RedFlag(ClinicalRecord):
    journey = models.ForeignKey("journey.Journey", on_delete=models.PROTECT, related_name="red_flags")
    visit = models.ForeignKey("journey.StageVisit", on_delete=models.PROTECT, related_name="red_flags")
    observation_round = models.ForeignKey(
        "journey.ObservationRound", on_delete=models.PROTECT, null=True, blank=True, related_name="red_flags"
    )
    kind = models.CharField(max_length=30, choices=RedFlagKind.choices)
    detail = models.CharField(max_length=300, blank=True)
    raised_at = models.DateTimeField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Escalation: who was told, and when (the time they were told, which may be before it was written down).
    told_who = models.CharField("who was told", max_length=200, blank=True)
    told_at = models.DateTimeField("when they were told", null=True, blank=True)
    escalation_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution_note = models.TextField(blank=True)

    objects = NeverDeletedManager["RedFlag"]()

    class Meta:
        ordering = ["raised_at", "pk"]
        verbose_name = "red flag"

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def is_escalated(self) -> bool:
        return self.told_at is not None

    @property
    def is_emergency(self) -> bool:
        return self.kind == RedFlagKind.NEWS2_HIGH
