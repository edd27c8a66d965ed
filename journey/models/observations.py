"""Recovery observation rounds: their schedule, what each records, and what counts as a concern or a red flag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from journey.models.records import ClinicalRecord, NeverDeletedManager
from journey.models.red_flags import RedFlagKind

# A round is overdue once its due time has passed by more than this (CLINICAL.md).
ROUND_GRACE = timedelta(minutes=5)
# Oxygen saturation under this is a red flag: possible cement embolism.
SPO2_RED_FLAG_BELOW = 92
# Systolic BP or heart rate further than this share from the prep baseline is a red flag.
BASELINE_CHANGE = Decimal("0.20")
# Outside these a value is flagged for a second look (amber), short of a red flag.
SAFE_RANGES = {
    "systolic": (90, 180),
    "diastolic": (50, 110),
    "heart_rate": (50, 110),
    "resp_rate": (10, 24),
    "spo2": (94, 100),
}
SEVERE_PAIN_FROM = 7


def _between(low: int, high: int) -> list:
    return [MinValueValidator(low), MaxValueValidator(high)]


class ObservationRound(ClinicalRecord):
    class Legs(models.TextChoices):
        AS_BASELINE = "as_baseline", "Strength and sensation as at baseline"
        NEW_WEAKNESS = "new_weakness", "New weakness"
        NEW_NUMBNESS = "new_numbness", "New numbness"

    class Dressing(models.TextChoices):
        DRY = "dry", "Dry"
        OOZING = "oozing", "Oozing"
        SOAKED = "soaked", "Soaked"

    visit = models.ForeignKey("journey.StageVisit", on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField(null=True, blank=True, help_text="Empty for a round beyond the schedule.")
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    systolic = models.PositiveSmallIntegerField("systolic BP (mmHg)", validators=_between(40, 300))
    diastolic = models.PositiveSmallIntegerField("diastolic BP (mmHg)", validators=_between(20, 200))
    heart_rate = models.PositiveSmallIntegerField("heart rate (bpm)", validators=_between(20, 250))
    resp_rate = models.PositiveSmallIntegerField("respiratory rate (/min)", validators=_between(4, 60))
    spo2 = models.PositiveSmallIntegerField("oxygen saturation (%)", validators=_between(50, 100))
    legs = models.CharField("leg strength and sensation", max_length=20, choices=Legs.choices)
    pain = models.PositiveSmallIntegerField("pain score (0-10)", validators=_between(0, 10))
    dressing = models.CharField(max_length=10, choices=Dressing.choices)
    concerns = models.JSONField(default=list, blank=True, help_text="Values flagged for a second look.")
    # A round recorded by mistake is never deleted: it is marked, kept in the history, and recorded again.
    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_in_error_reason = models.TextField(blank=True)

    objects = NeverDeletedManager["ObservationRound"]()

    class Meta:
        ordering = ["visit", "number"]
        verbose_name = "observation round"
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "number"],
                condition=models.Q(entered_in_error_at__isnull=True),
                name="one_standing_round_per_number",
            )
        ]

    def __str__(self) -> str:
        return f"Round {self.number}"

    @property
    def is_entered_in_error(self) -> bool:
        return self.entered_in_error_at is not None

    @classmethod
    def measure_name(cls, field: str) -> str:
        """A measured value's name as the form labels it ("systolic BP (mmHg)")."""
        model_field = cls._meta.get_field(field)
        return str(getattr(model_field, "verbose_name", field))

    def assess(self, baseline: dict[str, Decimal]) -> tuple[list[str], list[tuple[str, str]]]:
        """(concerns to show in amber, red flags to raise as (kind, detail)) for this round's values."""
        concerns: list[str] = []
        red: list[tuple[str, str]] = []
        for field, (low, high) in SAFE_RANGES.items():
            value = getattr(self, field)
            if not low <= value <= high:
                concerns.append(f"{self.measure_name(field).capitalize()} {value} (safe {low}-{high})")
        if self.spo2 < SPO2_RED_FLAG_BELOW:
            red.append((RedFlagKind.LOW_SPO2, f"Oxygen saturation {self.spo2}%"))
        changed = [
            f"{label} {value} (baseline {base})"
            for label, value, base in (
                ("Systolic BP", self.systolic, baseline.get("systolic")),
                ("Heart rate", self.heart_rate, baseline.get("heart_rate")),
            )
            if base and abs(Decimal(value) - base) > base * BASELINE_CHANGE
        ]
        if changed:
            red.append((RedFlagKind.VITALS_CHANGE, "; ".join(changed)))
        if self.legs != self.Legs.AS_BASELINE:
            red.append((RedFlagKind.LEG_WEAKNESS, self.get_legs_display()))
        if self.pain >= SEVERE_PAIN_FROM:
            concerns.append(f"Pain {self.pain}/10")
        if self.dressing != self.Dressing.DRY:
            concerns.append(f"Dressing {self.get_dressing_display().lower()}")
        return concerns, red


@dataclass(frozen=True)
class RoundSlot:
    """One scheduled round: when it is due and whether it was done, is due, or is overdue."""

    number: int
    due_at: datetime
    done: ObservationRound | None
    state: str  # "done", "upcoming", "due" or "overdue"


def round_slots(started_at: datetime, minutes: list[int], recorded: list[ObservationRound], now: datetime):
    """``recorded``: the standing rounds only (StageVisit.standing_rounds leaves out those entered in error)."""
    by_number = {r.number: r for r in recorded}
    slots = []
    for number, offset in enumerate(minutes, start=1):
        due = started_at + timedelta(minutes=offset)
        done = by_number.get(number)
        if done is not None:
            state = "done"
        elif now > due + ROUND_GRACE:
            state = "overdue"
        elif now >= due:
            state = "due"
        else:
            state = "upcoming"
        slots.append(RoundSlot(number, due, done, state))
    return slots
