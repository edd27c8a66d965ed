"""Recovery observation rounds: their schedule, what each records, and what counts as a concern or a red flag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from journey import news2 as news2_chart
from journey.models.pathways import natural_key_depends_on
from journey.models.records import ClinicalRecord, NeverDeletedManager
from journey.models.red_flags import RedFlagKind
from journey.wording import duration


def _between(low: Any, high: Any) -> list:
    return [MinValueValidator(low), MaxValueValidator(high)]


# A round is overdue once its due time has passed by more than this (CLINICAL.md); recorded after that, late.
ROUND_GRACE = timedelta(minutes=5)
# A scheduled round may be recorded from this long before it is due; earlier, it is an extra round.
ROUND_EARLY_WINDOW = timedelta(minutes=5)


class RoundRulesManager(models.Manager["RoundRules"]):
    def get_by_natural_key(self, pathway_code: str) -> RoundRules:
        return self.get(pathway__code=pathway_code)

    def for_pathway(self, pathway: Any) -> RoundRules:
        """The pathway's rules; a pathway the admin added without any gets the defaults (unsaved)."""
        try:
            return pathway.round_rules
        except RoundRules.DoesNotExist:
            return RoundRules(pathway=pathway)


class RoundRules(models.Model):
    """What a recovery round's values are checked against, per pathway: the unit's admin edits these.
    The defaults are the clinical reference's (CLINICAL.md)."""

    pathway = models.OneToOneField("journey.Pathway", on_delete=models.CASCADE, related_name="round_rules")
    # Outside these a value is flagged for a second look (amber), short of a red flag.
    systolic_low = models.PositiveSmallIntegerField("systolic BP safe from (mmHg)", default=90)
    systolic_high = models.PositiveSmallIntegerField("systolic BP safe up to (mmHg)", default=180)
    diastolic_low = models.PositiveSmallIntegerField("diastolic BP safe from (mmHg)", default=50)
    diastolic_high = models.PositiveSmallIntegerField("diastolic BP safe up to (mmHg)", default=110)
    heart_rate_low = models.PositiveSmallIntegerField("heart rate safe from (bpm)", default=50)
    heart_rate_high = models.PositiveSmallIntegerField("heart rate safe up to (bpm)", default=110)
    resp_rate_low = models.PositiveSmallIntegerField("respiratory rate safe from (/min)", default=10)
    resp_rate_high = models.PositiveSmallIntegerField("respiratory rate safe up to (/min)", default=24)
    spo2_low = models.PositiveSmallIntegerField("oxygen saturation safe from (%)", default=94)
    spo2_high = models.PositiveSmallIntegerField("oxygen saturation safe up to (%)", default=100)
    spo2_red_flag_below = models.PositiveSmallIntegerField(
        "oxygen saturation red flag below (%)",
        default=92,
        validators=_between(50, 100),
        help_text="Possible cement embolism. On SpO2 Scale 2 the red flag is below 88% instead.",
    )
    baseline_change_percent = models.PositiveSmallIntegerField(
        "red flag when systolic BP or heart rate moves from baseline by more than (%)",
        default=20,
        validators=_between(1, 100),
    )
    severe_pain_from = models.PositiveSmallIntegerField(
        "pain flagged from (0-10)", default=7, validators=_between(0, 10)
    )
    first_round_before_handover = models.BooleanField(
        "recovery's first round may be recorded before the handover into recovery is acknowledged",
        default=True,
        help_text="Untick to require the receiving nurse's acknowledgement first.",
    )

    objects = RoundRulesManager()

    class Meta:
        verbose_name = "observation round rules"
        verbose_name_plural = "observation round rules"

    def __str__(self) -> str:
        return f"Round rules: {self.pathway}"

    @natural_key_depends_on("journey.pathway")
    def natural_key(self) -> tuple[str]:
        return self.pathway.natural_key()

    def clean(self) -> None:
        errors = {}
        for measure in SAFE_RANGE_MEASURES:
            low, high = getattr(self, f"{measure}_low"), getattr(self, f"{measure}_high")
            if low is not None and high is not None and low >= high:
                errors[f"{measure}_high"] = "The upper end must be above the lower end."
        if errors:
            raise ValidationError(errors)

    def safe_ranges(self, spo2_scale: int = 1) -> dict[str, tuple[int, int]]:
        ranges = {m: (getattr(self, f"{m}_low"), getattr(self, f"{m}_high")) for m in SAFE_RANGE_MEASURES}
        if spo2_scale == 2:  # a clinician has set a target of 88-92%
            ranges["spo2"] = (SCALE_2_SPO2_FROM, 100)
        return ranges

    def spo2_red_flag_level(self, spo2_scale: int = 1) -> int:
        return SCALE_2_SPO2_FROM if spo2_scale == 2 else self.spo2_red_flag_below

    @property
    def baseline_change(self) -> Decimal:
        return Decimal(self.baseline_change_percent) / 100


SAFE_RANGE_MEASURES = ("systolic", "diastolic", "heart_rate", "resp_rate", "spo2")
# The bottom of the Scale 2 target range (88-92%): below it a Scale 2 patient's saturation is a red flag.
SCALE_2_SPO2_FROM = 88


class Consciousness(models.TextChoices):
    """ACVPU, as NEWS2 reads it."""

    ALERT = "A", "Alert"
    CONFUSION = "C", "New confusion"
    VOICE = "V", "Responds to voice"
    PAIN = "P", "Responds to pain"
    UNRESPONSIVE = "U", "Unresponsive"


class Spo2Scale(models.IntegerChoices):
    SCALE_1 = 1, "Scale 1"
    SCALE_2 = 2, "Scale 2 (hypercapnic respiratory failure, target 88-92%)"


class News2Risk(models.TextChoices):
    LOW = news2_chart.LOW, "Low"
    LOW_MEDIUM = news2_chart.LOW_MEDIUM, "Low-medium"
    MEDIUM = news2_chart.MEDIUM, "Medium"
    HIGH = news2_chart.HIGH, "High"


class RoundTiming(models.TextChoices):
    ON_TIME = "on_time", "On time"
    LATE = "late", "Late"
    EARLY = "early", "Extra round, recorded early: does not count toward the schedule"
    EXTRA = "extra", "Extra round"


class ObservationRound(ClinicalRecord):
    class Legs(models.TextChoices):
        AS_BASELINE = "as_baseline", "Strength and sensation as at baseline"
        NEW_WEAKNESS = "new_weakness", "New weakness"
        NEW_NUMBNESS = "new_numbness", "New numbness"

    class Dressing(models.TextChoices):
        DRY = "dry", "Dry"
        OOZING = "oozing", "Oozing"
        SOAKED = "soaked", "Soaked"

    Consciousness = Consciousness
    Timing = RoundTiming

    visit = models.ForeignKey("journey.StageVisit", on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField(null=True, blank=True, help_text="Empty for an extra round.")
    timing = models.CharField(
        max_length=10,
        choices=RoundTiming.choices,
        default=RoundTiming.ON_TIME,
        help_text="Kept as recorded: on time, late, or an extra round (early, or past the schedule).",
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    systolic = models.PositiveSmallIntegerField("systolic BP (mmHg)", validators=_between(40, 300))
    diastolic = models.PositiveSmallIntegerField("diastolic BP (mmHg)", validators=_between(20, 200))
    heart_rate = models.PositiveSmallIntegerField("heart rate (bpm)", validators=_between(20, 250))
    resp_rate = models.PositiveSmallIntegerField("respiratory rate (/min)", validators=_between(4, 60))
    spo2 = models.PositiveSmallIntegerField("oxygen saturation (%)", validators=_between(50, 100))
    spo2_scale = models.PositiveSmallIntegerField("SpO2 scale", choices=Spo2Scale.choices, default=Spo2Scale.SCALE_1)
    on_oxygen = models.BooleanField("on supplemental oxygen", default=False)
    # Blank only on rounds recorded before NEWS2 was scored; every new round needs them.
    consciousness = models.CharField("consciousness (ACVPU)", max_length=1, choices=Consciousness.choices, blank=True)
    temperature = models.DecimalField(
        "temperature (°C)",
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_between(*news2_chart.TEMPERATURE_LIMITS),
    )
    legs = models.CharField("leg strength and sensation", max_length=20, choices=Legs.choices)
    pain = models.PositiveSmallIntegerField("pain score (0-10)", validators=_between(0, 10))
    dressing = models.CharField(max_length=10, choices=Dressing.choices)
    concerns = models.JSONField(default=list, blank=True, help_text="Values flagged for a second look.")
    # NEWS2 as scored when recorded (the chart's version of the day, kept with the round).
    news2_total = models.PositiveSmallIntegerField("NEWS2", null=True, blank=True)
    news2_scores = models.JSONField("NEWS2 per parameter", default=dict, blank=True)
    news2_risk = models.CharField("NEWS2 risk", max_length=12, choices=News2Risk.choices, blank=True)
    # Low-medium NEWS2 asks for a clinician's review: who was asked, and when (like a red flag's escalation).
    review_told_who = models.CharField("clinician asked to review", max_length=200, blank=True)
    review_told_at = models.DateTimeField("when they were asked", null=True, blank=True)
    review_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
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
        permissions = [("mark_round_missed", "Can mark a scheduled observation round as missed")]

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

    @property
    def counts(self) -> bool:
        """Whether this round fills a scheduled slot."""
        return self.timing in (RoundTiming.ON_TIME, RoundTiming.LATE) and self.due_at is not None

    @property
    def late_by(self) -> timedelta | None:
        if self.timing != RoundTiming.LATE or self.due_at is None:
            return None
        return self.recorded_at - self.due_at

    @property
    def news2(self) -> news2_chart.News2 | None:
        """The NEWS2 kept with this round; None for a round recorded before NEWS2 was scored."""
        if self.news2_total is None:
            return None
        return news2_chart.News2(total=self.news2_total, scores=dict(self.news2_scores), risk=self.news2_risk)

    @property
    def needs_review(self) -> bool:
        """Low-medium NEWS2: a clinician must review, and nobody has been asked yet."""
        return self.news2_risk == News2Risk.LOW_MEDIUM and self.review_told_at is None

    def summary(self) -> str:
        """One line for the history: the values, NEWS2, and the timing."""
        temperature = f", T {self.temperature} °C" if self.temperature is not None else ""
        oxygen = ", on oxygen" if self.on_oxygen else ""
        text = (
            f"Round {self.number}{self.timing_words()}: BP {self.systolic}/{self.diastolic}, "
            f"HR {self.heart_rate}, RR {self.resp_rate}, SpO2 {self.spo2}%{oxygen}"
            f"{' (Scale 2)' if self.spo2_scale == 2 else ''}{temperature}"
        )
        if self.consciousness:
            text += f", {self.get_consciousness_display().lower()}"
        text += (
            f", pain {self.pain}/10, {self.get_legs_display().lower()}, dressing {self.get_dressing_display().lower()}"
        )
        if self.news2_total is not None:
            text += f". NEWS2 {self.news2_total} ({self.get_news2_risk_display().lower()})"
        if self.concerns:
            text += f". Check: {'; '.join(self.concerns)}"
        return text

    def timing_words(self) -> str:
        """' (late by 20 min)', ' (extra: recorded early, does not count)', or nothing when on time."""
        if self.timing == RoundTiming.LATE and self.late_by is not None:
            return f" (late by {duration(self.late_by)})"
        if self.timing == RoundTiming.EARLY:
            return " (extra round: recorded before its time, does not count toward the schedule)"
        if self.timing == RoundTiming.EXTRA:
            return " (extra round)"
        return ""

    def score_news2(self) -> news2_chart.News2:
        """Score this round's values and keep the score on it. Raises ValueError for a value no patient has."""
        if self.temperature is None:
            raise ValueError("temperature is needed for NEWS2.")
        result = news2_chart.news2(
            respiration_rate=self.resp_rate,
            spo2=self.spo2,
            on_oxygen=self.on_oxygen,
            systolic_bp=self.systolic,
            pulse=self.heart_rate,
            consciousness=self.consciousness,
            temperature=self.temperature,
            spo2_scale=self.spo2_scale,
        )
        self.news2_total, self.news2_scores, self.news2_risk = result.total, result.scores, result.risk
        return result

    def assess(
        self, baseline: dict[str, Decimal], rules: RoundRules | None = None
    ) -> tuple[list[str], list[tuple[str, str]]]:
        """(concerns to show in amber, red flags to raise as (kind, detail)) for this round's values,
        by the pathway's rules (the defaults when none are given) and the NEWS2 response."""
        rules = rules or RoundRules()
        concerns: list[str] = []
        red: list[tuple[str, str]] = []
        for field, (low, high) in rules.safe_ranges(self.spo2_scale).items():
            value = getattr(self, field)
            if not low <= value <= high:
                concerns.append(f"{self.measure_name(field).capitalize()} {value} (safe {low}-{high})")
        below = rules.spo2_red_flag_level(self.spo2_scale)
        if self.spo2 < below:
            red.append((RedFlagKind.LOW_SPO2, f"Oxygen saturation {self.spo2}% (red flag below {below}%)"))
        changed = [
            f"{label} {value} (baseline {base})"
            for label, value, base in (
                ("Systolic BP", self.systolic, baseline.get("systolic")),
                ("Heart rate", self.heart_rate, baseline.get("heart_rate")),
            )
            if base and abs(Decimal(value) - base) > base * rules.baseline_change
        ]
        if changed:
            red.append((RedFlagKind.VITALS_CHANGE, "; ".join(changed)))
        if self.legs != self.Legs.AS_BASELINE:
            red.append((RedFlagKind.LEG_WEAKNESS, self.get_legs_display()))
        if self.pain >= rules.severe_pain_from:
            concerns.append(f"Pain {self.pain}/10")
        if self.dressing != self.Dressing.DRY:
            concerns.append(f"Dressing {self.get_dressing_display().lower()}")
        if self.news2_total is not None:
            detail = f"NEWS2 {self.news2_total} ({self.get_news2_risk_display().lower()} risk)"
            if self.news2_total >= 7:
                red.append((RedFlagKind.NEWS2_HIGH, detail))
            elif self.news2_total >= 5:
                red.append((RedFlagKind.NEWS2_MEDIUM, detail))
            elif self.news2_risk == News2Risk.LOW_MEDIUM:
                concerns.append(f"{detail}: a clinician must review")
        return concerns, red


class MissedRound(ClinicalRecord):
    """A scheduled round that was not done, marked by a clinician with the reason; kept in the history."""

    visit = models.ForeignKey("journey.StageVisit", on_delete=models.PROTECT, related_name="missed_rounds")
    number = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    marked_at = models.DateTimeField()
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()

    objects = NeverDeletedManager["MissedRound"]()

    class Meta:
        ordering = ["visit", "number"]
        verbose_name = "missed round"
        constraints = [models.UniqueConstraint(fields=["visit", "number"], name="a_round_is_missed_once")]

    def __str__(self) -> str:
        return f"Round {self.number} missed"


class Spo2ScaleOrder(ClinicalRecord):
    """A clinician's decision of the SpO2 scale for this patient's day, kept with who and when.
    The latest one stands; Scale 1 applies until a clinician sets Scale 2."""

    journey = models.ForeignKey("journey.Journey", on_delete=models.PROTECT, related_name="spo2_scale_orders")
    scale = models.PositiveSmallIntegerField(choices=Spo2Scale.choices)
    reason = models.TextField()
    set_at = models.DateTimeField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = NeverDeletedManager["Spo2ScaleOrder"]()

    class Meta:
        ordering = ["journey", "set_at", "pk"]
        verbose_name = "SpO2 scale order"
        permissions = [("set_spo2_scale", "Can set a patient's SpO2 scale (Scale 2 for hypercapnic failure)")]

    def __str__(self) -> str:
        return f"{self.get_scale_display()} from {self.set_at:%H:%M}"


@dataclass(frozen=True)
class RoundSlot:
    """One round the patient is due: when, and whether it was done (on time or late), missed, is upcoming,
    due, overdue, or (NEWS2 high) under continuous monitoring."""

    number: int
    due_at: datetime
    done: ObservationRound | None
    state: str  # "done", "late", "missed", "upcoming", "due", "overdue" or "continuous"
    missed: MissedRound | None = None
    scheduled: bool = True  # False: a round the NEWS2 response asks for after the schedule has ended
    moved_by_news2: bool = False  # due earlier than the schedule says, because of the last NEWS2
    # Recorded after this, the round is late. Under continuous monitoring (due at once) that is the
    # schedule's own overdue time; a round the NEWS2 response adds after the schedule is never late.
    late_after: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.done is None and self.missed is None

    @property
    def late_by(self) -> timedelta | None:
        return self.done.late_by if self.done is not None else None

    @property
    def window_opens_at(self) -> datetime | None:
        """From when a recording counts for this round; None: at any time (more often is never too soon)."""
        return self.due_at - ROUND_EARLY_WINDOW if self.scheduled and not self.moved_by_news2 else None

    def opens_by(self, now: datetime) -> bool:
        opens = self.window_opens_at
        return opens is None or now >= opens

    def is_late_at(self, now: datetime) -> bool:
        return self.late_after is not None and now > self.late_after


def round_slots(
    started_at: datetime,
    minutes: list[int],
    recorded: list[ObservationRound],
    now: datetime,
    missed: list[MissedRound] | None = None,
) -> list[RoundSlot]:
    """The scheduled rounds, then (when the schedule is done and the last NEWS2 asks for it) the next round
    its response needs. ``recorded``: the standing rounds only (entered-in-error ones left out).

    The next open round is due at the earlier of the schedule and the last NEWS2's minimum frequency
    (hourly at low-medium and medium; at once, continuously, at high)."""
    by_number = {r.number: r for r in recorded if r.counts}
    missed_by_number = {m.number: m for m in missed or []}
    latest = max(recorded, key=lambda r: (r.recorded_at, r.pk or 0), default=None)
    frequency = latest.news2.minimum_frequency if latest is not None and latest.news2 is not None else None
    news2_due = latest.recorded_at + frequency if latest is not None and frequency is not None else None
    slots: list[RoundSlot] = []
    moved = False
    for number, offset in enumerate(minutes, start=1):
        due = started_at + timedelta(minutes=offset)
        done, gone = by_number.get(number), missed_by_number.get(number)
        late_after = due + ROUND_GRACE
        moves = False
        first_open_after_latest = (
            done is None and gone is None and not moved and latest is not None and due > latest.recorded_at
        )
        if first_open_after_latest and news2_due is not None:
            # The first open round after the last observation: the NEWS2 response may bring it forward.
            moved = True
            if news2_due < due:
                due, moves = news2_due, True
                if frequency:  # hourly: late an hour after the last round, as any round
                    late_after = due + ROUND_GRACE
        if done is not None and done.due_at is not None:
            due = done.due_at
        slots.append(_slot(number, due, done, gone, now, moves, frequency, late_after, scheduled=True))
    if news2_due is not None and not moved and minutes and all(not slot.is_open for slot in slots):
        # The schedule is done, but the score still asks for rounds: one more, due by the NEWS2 response.
        number = max([len(minutes), *(r.number for r in recorded)]) + 1
        follow_up_late = news2_due + ROUND_GRACE if frequency else None
        slots.append(_slot(number, news2_due, None, None, now, True, frequency, follow_up_late, scheduled=False))
    return slots


def _slot(
    number: int,
    due: datetime,
    done: ObservationRound | None,
    missed: MissedRound | None,
    now: datetime,
    moved: bool,
    frequency: timedelta | None,
    late_after: datetime | None,
    *,
    scheduled: bool,
) -> RoundSlot:
    if done is not None:
        state = "late" if done.timing == RoundTiming.LATE else "done"
    elif missed is not None:
        state = "missed"
    elif late_after is not None and now > late_after:
        state = "overdue"
    elif moved and frequency == timedelta(0):
        state = "continuous"
    elif now >= due - ROUND_EARLY_WINDOW:
        state = "due"
    else:
        state = "upcoming"
    return RoundSlot(number, due, done, state, missed, scheduled, moved, late_after)
