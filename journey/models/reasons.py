"""Coded reasons: why a stage ran over, why a day was cancelled or missed, why a patient stayed the night.

``Reason`` is the unit's list (shipped with the schema, edited by the unit's admin; retired entries
are made inactive, never deleted, since the reasons already given point at them). ``ReasonGiven`` is
one reason recorded for one journey by a verb, with the code, category and label copied when it is
given so that editing the list later never rewrites what was said (as a stage visit copies its target).
AORN advises coded delay reasons and keeping "other" rare: "other" always needs a few words.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from journey.errors import JourneyError
from journey.models.records import ClinicalRecord, NeverDeletedManager

# "Other" must say what it was: a few words, not a letter.
OTHER_DETAIL_MINIMUM = 3
DETAIL_MAX_LENGTH = 300


class ReasonCategory(models.TextChoices):
    PATIENT = "patient", "Patient"
    CLINICAL = "clinical", "Clinical"
    STAFF = "staff", "Staff"
    EQUIPMENT = "equipment", "Equipment or imaging"
    BED_TRANSPORT = "bed_transport", "Bed or transport"
    ESCORT_SOCIAL = "escort_social", "Escort or social"
    OTHER = "other", "Other"


class Occasion(models.TextChoices):
    """What a reason explains."""

    DELAY = "delay", "Stage over its target"
    CANCELLED_BEFORE_ARRIVAL = "cancelled_before_arrival", "Cancellation before arrival"
    CANCELLED_AFTER_ARRIVAL = "cancelled_after_arrival", "Cancellation after arrival"
    DID_NOT_ARRIVE = "did_not_arrive", "Did not arrive"
    OVERNIGHT = "overnight", "Admitted overnight"
    UNPLANNED_RETURN = "unplanned_return", "Unplanned return to the procedure room"


class ReasonQuerySet(models.QuerySet["Reason"]):
    def offered_for(self, occasion: str) -> ReasonQuerySet:
        """The active reasons a person may pick for ``occasion``, in the list's order."""
        return self.filter(occasion=occasion, is_active=True).order_by("order", "label")

    def get_by_natural_key(self, occasion: str, code: str) -> Reason:
        return self.get(occasion=occasion, code=code)


class Reason(models.Model):
    occasion = models.CharField(
        "applies to", max_length=30, choices=Occasion.choices, help_text="What this reason explains."
    )
    category = models.CharField(max_length=20, choices=ReasonCategory.choices)
    code = models.SlugField(max_length=50, help_text="Short fixed name, e.g. driver_late. Reports count by it.")
    label = models.CharField(max_length=120, help_text="What staff pick from the list, e.g. Driver not available.")
    order = models.PositiveSmallIntegerField(default=100, help_text="Lower comes first in the list.")
    is_active = models.BooleanField(
        "offered", default=True, help_text="Untick to stop offering this reason; reasons already given keep it."
    )

    objects = ReasonQuerySet.as_manager()

    class Meta:
        ordering = ["occasion", "order", "label"]
        verbose_name = "coded reason"
        constraints = [
            models.UniqueConstraint(fields=["occasion", "code"], name="reason_code_unique_per_occasion"),
        ]
        permissions = [("view_reports", "Can view the unit's reports")]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.label}"

    def natural_key(self) -> tuple[str, str]:
        return (self.occasion, self.code)

    @property
    def needs_detail(self) -> bool:
        return self.category == ReasonCategory.OTHER

    def checked_detail(self, detail: str | None, *, occasion: str) -> str:
        """The detail as it will be kept, or a refusal: the reason must be offered for ``occasion`` and
        "other" needs a few words."""
        if self.occasion != occasion or not self.is_active:
            raise JourneyError(f"Choose a reason from the list for: {Occasion(occasion).label.lower()}.")
        text = " ".join((detail or "").split())[:DETAIL_MAX_LENGTH]
        if self.needs_detail and len(text) < OTHER_DETAIL_MINIMUM:
            raise JourneyError(f"“{self.label}”: write a few words to say what it was.")
        return text


class ReasonGiven(ClinicalRecord):
    """One coded reason recorded for a journey (and the stage it belongs to, for a delay)."""

    journey = models.ForeignKey("journey.Journey", on_delete=models.PROTECT, related_name="reasons_given")
    visit = models.ForeignKey(
        "journey.StageVisit", on_delete=models.PROTECT, null=True, blank=True, related_name="reasons_given"
    )
    reason = models.ForeignKey(Reason, on_delete=models.PROTECT, related_name="+")
    occasion = models.CharField(max_length=30, choices=Occasion.choices)
    category = models.CharField(max_length=20, choices=ReasonCategory.choices)
    code = models.SlugField(max_length=50)
    label = models.CharField(max_length=120, help_text="The reason's wording when it was given.")
    detail = models.CharField(max_length=DETAIL_MAX_LENGTH, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = NeverDeletedManager["ReasonGiven"]()

    class Meta:
        ordering = ["journey", "at", "pk"]
        verbose_name = "reason given"
        verbose_name_plural = "reasons given"
        indexes = [models.Index(fields=["occasion", "at"], name="reason_given_occasion_at")]
        constraints = [
            # A stage closing over its target takes the main reason for its delay, once (complete_stage):
            # the reports count delay reasons as over-target visits explained.
            models.UniqueConstraint(
                fields=["visit"], condition=models.Q(occasion="delay"), name="one_delay_reason_per_visit"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """How the history says it: “Escort or social: Driver not available (stuck in traffic)”."""
        words = f"{ReasonCategory(self.category).label}: {self.label}"
        return f"{words} ({self.detail})" if self.detail else words

    @property
    def history_data(self) -> dict[str, str]:
        """What the history event and its audit row keep of the reason."""
        return {"reason": self.code, "category": self.category, "occasion": self.occasion, "detail": self.detail}

    @classmethod
    def build(cls, reason: Reason, detail: str, **fields: Any) -> ReasonGiven:
        """An unsaved record with the reason's code, category and label copied."""
        return cls(
            reason=reason,
            occasion=reason.occasion,
            category=reason.category,
            code=reason.code,
            label=reason.label,
            detail=detail,
            **fields,
        )
