"""Pathway templates: the ordered stages of a procedure day and each stage's checklist.

The unit's admin edits these in the Django admin. A journey snapshots what it needs when a stage
starts (see StageVisit), so editing a pathway never rewrites a day that has already happened.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import time, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from journey.errors import InvalidAnswer
from journey.levels import format_levels, parse_levels
from journey.models.red_flags import RedFlagKind
from journey.wording import duration

if TYPE_CHECKING:
    from journey.models.journeys import Journey

TEXT_MAX_LENGTH = 500

NaturalKey = TypeVar("NaturalKey", bound=Callable[..., tuple[str, ...]])


def natural_key_depends_on(*models: str) -> Callable[[NaturalKey], NaturalKey]:
    """Django's ``natural_key.dependencies``: the models whose fixtures must load first."""

    def mark(method: NaturalKey) -> NaturalKey:
        method.dependencies = list(models)  # type: ignore[attr-defined]
        return method

    return mark


class PathwayManager(models.Manager["Pathway"]):
    def get_by_natural_key(self, code: str) -> Pathway:
        return self.get(code=code)


class Pathway(models.Model):
    code = models.SlugField(unique=True, help_text="Short fixed name used by fixtures, e.g. vertebroplasty.")
    name = models.CharField(max_length=100, unique=True, help_text="What staff see, e.g. Vertebroplasty.")
    description = models.TextField(blank=True)
    discharge_instructions = models.TextField(
        blank=True, help_text="Printed on the discharge sheet the patient takes home. One instruction per line."
    )
    emergency_symptoms = models.TextField(
        blank=True,
        help_text="Printed on the discharge sheet under “Go to emergency care at once for”. One symptom per line, "
        "in the patient's words (e.g. chest pain).",
    )
    is_active = models.BooleanField(
        "offered at check-in", default=True, help_text="Untick to stop new journeys on this pathway."
    )

    objects = PathwayManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    def first_stage(self) -> StageDefinition | None:
        return self.stages.order_by("order").first()

    def instructions(self) -> list[str]:
        return [line.strip() for line in self.discharge_instructions.splitlines() if line.strip()]

    def emergency_symptom_list(self) -> list[str]:
        return [line.strip() for line in self.emergency_symptoms.splitlines() if line.strip()]


class StageDefinitionManager(models.Manager["StageDefinition"]):
    def get_by_natural_key(self, pathway_code: str, code: str) -> StageDefinition:
        return self.get(pathway__code=pathway_code, code=code)


class StageDefinition(models.Model):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField(help_text="Stages run in this order, lowest first, none skipped.")
    code = models.SlugField(help_text="Short fixed name, e.g. recovery.")
    name = models.CharField(max_length=100, help_text="What staff see, e.g. Flat recovery.")
    target_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1)],
        help_text="Expected length; the timer turns amber near it and red past it.",
    )
    target_per_level = models.BooleanField(
        "target is per planned level",
        default=False,
        help_text="Multiply the target by the number of planned vertebral levels (injection: 60 min a level).",
    )
    minimum_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="The stage cannot close before this; only a clinical lead may override it.",
    )
    description = models.TextField(blank=True, help_text="Shown to staff on the stage card.")
    round_minutes = models.CharField(
        "observation rounds due at (minutes)",
        max_length=100,
        blank=True,
        help_text="Minutes after the stage starts, e.g. 15, 30, 45, 60, 90, 120. Empty: no rounds.",
    )
    score_name = models.CharField(
        max_length=100, blank=True, help_text="The name of the total of this stage's score items, e.g. PADSS."
    )
    score_minimum = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The score items must add up to at least this for the stage to close."
    )
    blocked_by_red_flag = models.BooleanField(
        "cannot close with an open red flag",
        default=False,
        help_text="Tick for discharge: no patient goes home while a red flag is open.",
    )
    is_discharge = models.BooleanField(
        "this stage is the discharge",
        default=False,
        help_text="The stage the patient goes home from. The stage before it shows “Ready for discharge” once "
        "its minimum has passed, every round is recorded and no red flag is open. One per pathway.",
    )
    prints_discharge_sheet = models.BooleanField(
        "offers the discharge sheet",
        default=False,
        help_text="Show a button for the printable discharge sheet on this stage's card.",
    )
    countdown_label = models.CharField(
        max_length=60,
        blank=True,
        help_text="Stages with a minimum: the countdown's words before the time, e.g. “Flat until” for recovery. "
        "Empty: “<stage name> until”.",
    )
    countdown_done = models.CharField(
        max_length=100,
        blank=True,
        help_text="Stages with a minimum: what the countdown says once the minimum has passed, e.g. “Two hours "
        "flat are done”. Empty: “<minimum> passed”.",
    )

    objects = StageDefinitionManager()

    class Meta:
        ordering = ["pathway", "order"]
        verbose_name = "stage"
        constraints = [
            models.UniqueConstraint(fields=["pathway", "order"], name="stage_order_unique_in_pathway"),
            models.UniqueConstraint(fields=["pathway", "code"], name="stage_code_unique_in_pathway"),
            models.UniqueConstraint(
                fields=["pathway"], condition=models.Q(is_discharge=True), name="one_discharge_stage_per_pathway"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pathway}: {self.order}. {self.name}"

    @natural_key_depends_on("journey.pathway")
    def natural_key(self) -> tuple[str, str]:
        return (*self.pathway.natural_key(), self.code)

    def clean(self) -> None:
        errors = {}
        if self.minimum_minutes and self.target_minutes and self.minimum_minutes > self.target_minutes:
            errors["minimum_minutes"] = "The minimum cannot be longer than the target."
        try:
            self.round_offsets()
        except ValueError:
            errors["round_minutes"] = "Write whole minutes in increasing order, separated by commas: 15, 30, 60."
        if self.score_minimum is not None and not self.score_name:
            errors["score_name"] = "Name the score the minimum applies to."
        if (self.countdown_label or self.countdown_done) and not self.minimum_minutes:
            errors["countdown_label"] = "Only a stage with a minimum has a countdown."
        if self.is_discharge and self.pathway_id:
            other = self.pathway.stages.filter(is_discharge=True).exclude(pk=self.pk).first()
            if other is not None:
                errors["is_discharge"] = f"{other.name} is already this pathway's discharge stage."
        if errors:
            raise ValidationError(errors)

    def round_offsets(self) -> list[int]:
        minutes = [int(part) for part in self.round_minutes.replace(";", ",").split(",") if part.strip()]
        if any(m <= 0 for m in minutes) or minutes != sorted(set(minutes)):
            raise ValueError("round minutes must increase")
        return minutes

    def countdown_words(self) -> str:
        return self.countdown_label or f"{self.name} until"

    def countdown_done_words(self, minimum: timedelta) -> str:
        return self.countdown_done or f"{duration(minimum)} passed"

    def target_for(self, levels: list[str]) -> int:
        return self.target_minutes * max(len(levels), 1) if self.target_per_level else self.target_minutes

    def next_stage(self) -> StageDefinition | None:
        return self.pathway.stages.filter(order__gt=self.order).order_by("order").first()


@dataclass(frozen=True)
class Configuration:
    """The unit's pathways, each one's stages in order, and each stage's checklist items (hung on the stage as
    ``checklist_items``, as ``Journey.objects.for_list`` hangs them): all of it in three queries, for a reader
    that shows many journeys and may keep it a while. The board keeps one a minute per process, as long as it
    keeps its rendered rows, so an edit to a pathway reaches the board within the minute either way.

    The instances are shared by everyone holding the configuration: read them, never change them."""

    pathways: dict[int, Pathway]
    stages: dict[int, StageDefinition]
    by_pathway: dict[int, list[StageDefinition]]

    @classmethod
    def read(cls) -> Configuration:
        pathways = {pathway.pk: pathway for pathway in Pathway.objects.all()}
        stages = {stage.pk: stage for stage in StageDefinition.objects.order_by("pathway_id", "order", "pk")}
        by_pathway: dict[int, list[StageDefinition]] = {pk: [] for pk in pathways}
        for stage in stages.values():
            StageDefinition.pathway.field.set_cached_value(stage, pathways[stage.pathway_id])
            stage.__dict__["checklist_items"] = []
            by_pathway[stage.pathway_id].append(stage)
        for item in ItemDefinition.objects.order_by("order", "pk"):
            ItemDefinition.stage.field.set_cached_value(item, stages[item.stage_id])
            stages[item.stage_id].__dict__["checklist_items"].append(item)
        return cls(pathways, stages, by_pathway)

    def knows(self, pathway_ids: Collection[int], stage_ids: Collection[int]) -> bool:
        """Whether it holds all of these (a pathway or stage added since it was read: read it again)."""
        return all(pk in self.pathways for pk in pathway_ids) and all(pk in self.stages for pk in stage_ids)


class ItemDefinitionManager(models.Manager["ItemDefinition"]):
    def get_by_natural_key(self, pathway_code: str, stage_code: str, code: str) -> ItemDefinition:
        return self.get(stage__pathway__code=pathway_code, stage__code=stage_code, code=code)


class ItemDefinition(models.Model):
    """One line of a stage's checklist, and the rules for its answer."""

    class Kind(models.TextChoices):
        TICK = "tick", "Tick (done)"
        YES_NO = "yes_no", "Yes / no"
        CHOICE = "choice", "One of a list"
        NUMBER = "number", "Number"
        TEXT = "text", "Short text"
        TIME = "time", "Time of day"
        LEVELS = "levels", "Vertebral levels"
        LEVEL_NUMBERS = "level_numbers", "Number for each level"
        SCORE = "score", "Score (points from a list)"

    class Rule(models.TextChoices):
        NONE = "", "No extra rule"
        PLANNED_LEVELS = "planned_levels", "Levels must equal the journey's planned levels"
        DRIVER_DETAILS = "driver_details", "Needs the driver's name and phone on the journey"

    class YesNo(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"

    class Baseline(models.TextChoices):
        # The measures recovery's observation rounds compare against (a change of more than 20% is a red flag).
        NONE = "", "Not a baseline"
        SYSTOLIC = "systolic", "Systolic blood pressure"
        DIASTOLIC = "diastolic", "Diastolic blood pressure"
        HEART_RATE = "heart_rate", "Heart rate"
        SPO2 = "spo2", "Oxygen saturation"
        PAIN = "pain", "Pain score"

    stage = models.ForeignKey(StageDefinition, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField()
    code = models.SlugField(help_text="Short fixed name, e.g. timeout_levels. Other features look items up by it.")
    label = models.CharField(max_length=200, help_text="The line the nurse reads.")
    help_text = models.CharField(max_length=300, blank=True, help_text="A hint shown under the line.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    required = models.BooleanField(default=True, help_text="The stage cannot close until this is answered.")
    rule = models.CharField("extra rule", max_length=20, choices=Rule.choices, blank=True, default=Rule.NONE)
    baseline = models.CharField(
        "baseline of",
        max_length=20,
        choices=Baseline.choices,
        blank=True,
        default=Baseline.NONE,
        help_text="Number items only: the measure this answer is the patient's baseline of; recovery's rounds "
        "compare against it.",
    )
    # Yes / no
    required_answer = models.CharField(
        max_length=3,
        choices=YesNo.choices,
        blank=True,
        help_text="Yes/no only: the answer the stage needs to close (blank: either answer).",
    )
    flag_answer = models.CharField(
        max_length=3, choices=YesNo.choices, blank=True, help_text="Yes/no only: the answer that raises a flag."
    )
    red_flag = models.CharField(
        max_length=30,
        choices=RedFlagKind.choices,
        blank=True,
        help_text="A flagged answer raises this red flag at once (e.g. cement leakage seen).",
    )
    # One of a list
    choices = models.TextField(
        blank=True,
        help_text="One of a list: the options, one per line. Score: one per line as “2 = Within 20% of baseline”.",
    )
    accepted_choices = models.TextField(
        blank=True, help_text="One of a list only: the options that let the stage close, one per line (blank: any)."
    )
    # Numbers (also per level)
    unit = models.CharField(max_length=20, blank=True, help_text="e.g. mL, mmHg, months.")
    min_value = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    flag_above = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, help_text="A value above this is flagged."
    )
    complete_min = models.DecimalField(
        "lowest value that lets the stage close",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="e.g. 9 for the discharge score.",
    )

    objects = ItemDefinitionManager()

    class Meta:
        ordering = ["stage", "order"]
        verbose_name = "checklist item"
        constraints = [
            models.UniqueConstraint(fields=["stage", "code"], name="item_code_unique_in_stage"),
        ]

    def __str__(self) -> str:
        return self.label

    @natural_key_depends_on("journey.stagedefinition")
    def natural_key(self) -> tuple[str, str, str]:
        return (*self.stage.natural_key(), self.code)

    # --- configuration checks (admin) ---

    def clean(self) -> None:
        errors: dict[str, str] = {}
        numeric = self.kind in (self.Kind.NUMBER, self.Kind.LEVEL_NUMBERS)
        if self.kind != self.Kind.YES_NO and (self.required_answer or self.flag_answer):
            errors["required_answer"] = "Only a yes/no item has a required or flagged answer."
        if self.kind == self.Kind.CHOICE:
            options = self.options()
            if len(options) < 2:
                errors["choices"] = "List at least two options, one per line."
            elif not set(self.accepted_options()) <= set(options):
                errors["accepted_choices"] = "Every accepted option must be one of the options."
        elif self.kind == self.Kind.SCORE:
            try:
                if len(self.score_options()) < 2:
                    raise ValueError
            except ValueError:
                errors["choices"] = "List at least two scores, one per line, as “2 = Within 20% of baseline”."
            if self.accepted_choices:
                errors["accepted_choices"] = "A score item has no accepted options: the stage's score minimum decides."
        elif self.choices or self.accepted_choices:
            errors["choices"] = "Only a one-of-a-list or score item has options."
        if self.red_flag and not (self.flag_answer or self.flag_above is not None):
            errors["red_flag"] = "Say which answer raises the red flag (a flagged answer or a flag level)."
        if not numeric and any(
            v is not None for v in (self.min_value, self.max_value, self.flag_above, self.complete_min)
        ):
            errors["min_value"] = "Only number items have a range, a flag level or a lowest value."
        if numeric and self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            errors["max_value"] = "The highest allowed value must not be below the lowest."
        if self.rule == self.Rule.PLANNED_LEVELS and self.kind not in (self.Kind.LEVELS, self.Kind.LEVEL_NUMBERS):
            errors["rule"] = "Only a levels item can be checked against the planned levels."
        if self.baseline and self.kind != self.Kind.NUMBER:
            errors["baseline"] = "Only a number item can be a baseline."
        if errors:
            raise ValidationError(errors)

    def options(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def accepted_options(self) -> list[str]:
        return [line.strip() for line in self.accepted_choices.splitlines() if line.strip()]

    def score_options(self) -> list[tuple[int, str]]:
        """(points, meaning) for a score item, highest first; ValueError when an option is not “N = text”."""
        options = []
        for line in self.options():
            points, _, meaning = line.partition("=")
            options.append((int(points), meaning.strip()))
        return sorted(options, reverse=True)

    # --- answers ---

    def clean_value(self, raw: Any) -> Any:
        """Turn what the nurse entered into the stored JSON value, or refuse it with a readable reason.

        ``None`` (or an empty entry) clears the answer.
        """
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        try:
            return getattr(self, f"_clean_{self.kind}")(raw)
        except ValidationError as exc:
            raise InvalidAnswer(f"{self.label}: {' '.join(exc.messages)}") from exc

    def _clean_tick(self, raw: Any) -> bool | None:
        """Done, or not answered: an untouched box and an unticked one are the same, so a saved form
        records nothing for boxes nobody touched."""
        text = str(raw).strip().lower()
        if raw is True or text in ("1", "true", "on", "yes", "done"):
            return True
        if raw is False or text in ("0", "false", "off", "no"):
            return None
        raise ValidationError("Tick it, or leave it unticked.")

    def _clean_yes_no(self, raw: Any) -> str:
        text = str(raw).strip().lower()
        if text not in self.YesNo.values:
            raise ValidationError("Answer yes or no.")
        return text

    def _clean_choice(self, raw: Any) -> str:
        by_lower = {o.lower(): o for o in self.options()}
        text = str(raw).strip().lower()
        if text not in by_lower:
            raise ValidationError(f"Choose one of: {', '.join(self.options())}.")
        return by_lower[text]

    def _clean_number(self, raw: Any) -> str:
        return _num(self._number_in_range(raw))

    def _number_in_range(self, raw: Any, where: str = "") -> Decimal:
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            raise ValidationError(f"Enter a number{where}.") from None
        if not value.is_finite():
            raise ValidationError(f"Enter a number{where}.")
        low, high = self.min_value, self.max_value
        if (low is not None and value < low) or (high is not None and value > high):
            unit = self._unit_suffix()
            if low is not None and high is not None:
                allowed = f"from {_num(low)} to {_num(high)}{unit}"
            elif low is not None:
                allowed = f"of {_num(low)}{unit} or more"
            elif high is not None:
                allowed = f"up to {_num(high)}{unit}"
            raise ValidationError(f"Enter a number{where} {allowed}.")
        return value

    def _clean_text(self, raw: Any) -> str:
        text = " ".join(str(raw).split())
        if len(text) > TEXT_MAX_LENGTH:
            raise ValidationError(f"Keep it under {TEXT_MAX_LENGTH} characters.")
        return text

    def _clean_time(self, raw: Any) -> str:
        text = str(raw).strip().replace(".", ":")
        if ":" not in text and text.isdigit() and len(text) in (3, 4):
            text = f"{text[:-2]}:{text[-2:]}"
        try:
            hours, minutes = (int(part) for part in text.split(":"))
            return time(hours, minutes).strftime("%H:%M")
        except ValueError:
            raise ValidationError("Enter a time of day such as 07:30.") from None

    def _clean_score(self, raw: Any) -> int:
        options = dict(self.score_options())
        try:
            points = int(str(raw).strip())
        except ValueError:
            points = None
        if points not in options:
            raise ValidationError(f"Choose one of: {', '.join(str(p) for p in options)}.")
        return points

    def _clean_levels(self, raw: Any) -> list[str]:
        return parse_levels(raw)

    def _clean_level_numbers(self, raw: Any) -> dict[str, str]:
        """Accepts {"T12": "4.5"} or the text "T12 4.5, L1 3" (one level and its number per pair)."""
        if isinstance(raw, dict):
            pairs = list(raw.items())
        else:
            tokens = str(raw).replace(":", " ").replace("=", " ").replace(",", " ").replace(";", " ").split()
            if len(tokens) % 2:
                raise ValidationError("Give each level with its number, such as “T12 4.5, L1 3”.")
            pairs = list(zip(tokens[::2], tokens[1::2], strict=True))
        values: dict[str, str] = {}
        for level_text, number in pairs:
            (level,) = parse_levels([level_text])
            if level in values:
                raise ValidationError(f"{level} is given twice.")
            values[level] = _num(self._number_in_range(number, where=f" for {level}"))
        if not values:
            raise ValidationError("Give a number for each level.")
        return dict(by_level(values))

    def flag_for(self, value: Any) -> str:
        """Why this answer deserves a second look (shown in amber/red), or ''."""
        if value is None:
            return ""
        if self.kind == self.Kind.YES_NO and self.flag_answer and value == self.flag_answer:
            return f"{self.label}: {value}"
        if self.flag_above is None:
            return ""
        if self.kind == self.Kind.NUMBER and Decimal(value) > self.flag_above:
            return f"{self.label}: {value}{self._unit_suffix()} is above {_num(self.flag_above)}{self._unit_suffix()}"
        if self.kind == self.Kind.LEVEL_NUMBERS:
            high = [f"{lvl} {v}{self._unit_suffix()}" for lvl, v in by_level(value) if Decimal(v) > self.flag_above]
            if high:
                return f"{self.label}: {', '.join(high)} above {_num(self.flag_above)}{self._unit_suffix()}"
        return ""

    def problem_with(self, value: Any, journey: Journey) -> str:
        """Why this item's current answer keeps the stage from closing, or '' when it does not."""
        if value is None:
            return f"{self.label}: not yet answered." if self.required else ""
        if self.kind == self.Kind.YES_NO and self.required_answer and value != self.required_answer:
            return f"{self.label}: the answer is “{value}”; the stage needs “{self.required_answer}”."
        if self.kind == self.Kind.CHOICE and self.accepted_options() and value not in self.accepted_options():
            return f"{self.label}: “{value}” does not allow the stage to close."
        if self.complete_min is not None and self.kind == self.Kind.NUMBER and Decimal(value) < self.complete_min:
            return (
                f"{self.label}: {value} is below {_num(self.complete_min)}, the lowest that allows this stage to close."
            )
        if self.rule == self.Rule.PLANNED_LEVELS:
            entered = [level for level, _ in by_level(value)] if isinstance(value, dict) else value
            if entered != journey.planned_levels:
                return (
                    f"{self.label}: {format_levels(entered)} does not match the planned levels "
                    f"{format_levels(journey.planned_levels)}. Stop and re-check the levels."
                )
        if self.rule == self.Rule.DRIVER_DETAILS and not journey.has_driver_details:
            return f"{self.label}: record the driver's name and phone number on the journey first."
        return ""

    def display(self, value: Any) -> str:
        if self.kind == self.Kind.TICK:
            return "Done" if value else "Not done"
        if value is None:
            return "—"
        if self.kind == self.Kind.YES_NO:
            return value.capitalize()
        if self.kind == self.Kind.NUMBER:
            return f"{value}{self._unit_suffix()}"
        if self.kind == self.Kind.LEVELS:
            return format_levels(value)
        if self.kind == self.Kind.LEVEL_NUMBERS:
            return ", ".join(f"{lvl} {v}{self._unit_suffix()}" for lvl, v in by_level(value))
        if self.kind == self.Kind.SCORE:
            meaning = dict(self.score_options()).get(value, "")
            return f"{value}: {meaning}" if meaning else str(value)
        return str(value)

    def _unit_suffix(self) -> str:
        return f" {self.unit}" if self.unit else ""


def by_level(values: dict[str, str]) -> list[tuple[str, str]]:
    """A per-level answer in spinal order (PostgreSQL's jsonb does not keep the order keys were written in)."""
    return [(level, values[level]) for level in parse_levels(list(values))]


def _num(value: Decimal) -> str:
    """A number as the ward writes it: 150, 7.5 (never 1.5E+2 or 7.50)."""
    return format(Decimal(str(value)).normalize(), "f")
