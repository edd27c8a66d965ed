"""A stage as one journey lived it, the checklist answers given in it, and the rules that close it.

``StageVisit.conditions`` lists what a stage needs before it may close, each from a small named check:
``items_answered``, ``score_reached``, ``rounds_recorded``, ``no_open_red_flag`` and ``minimum_passed``.
``StageVisit.timer`` turns them, with the clock, into the one timer every screen shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from journey.models.observations import MissedRound, ObservationRound, RoundSlot, round_slots
from journey.models.pathways import ItemDefinition, StageDefinition
from journey.models.records import ClinicalRecord, NeverDeletedManager
from journey.wording import clock, duration

if TYPE_CHECKING:
    pass

# The timer turns amber once this share of the stage's target has passed.
NEAR_TARGET = 0.8

# The one label table for the timer's states, on every screen (the browser gets it with the moments).
TIMER_LABELS = {"on-track": "On track", "near": "Near target", "over": "Over target", "ready": "Ready to move on"}
READY_FOR_DISCHARGE = "Ready for discharge"


@dataclass(frozen=True)
class Condition:
    """One thing a stage needs before it may close, met or not, in the ward's words."""

    label: str
    met: bool
    problem: str
    # Which named check said so: levels, item, score, rounds, red-flag or minimum.
    check: str = "item"
    item_id: int | None = None


@dataclass(frozen=True)
class StageTimer:
    """How long a stage has run against its target, and the moments its state changes.

    Decided by the server; the browser only compares the moments with its (offset-corrected) clock, so
    it never decides anything the server would not.
    """

    started_at: datetime
    elapsed: timedelta
    target: timedelta
    minimum_ends_at: datetime | None
    # "on-track", "near" (80% of the target), "over"; or "ready": a waiting stage (one with a minimum, or
    # the one before discharge) whose every condition is met, so it needs action but is no alarm.
    state: str
    near_at: datetime
    over_at: datetime
    # From when the stage counts as ready; None while anything but the clock holds it (a round not
    # recorded, an open red flag). An override makes it ready at once.
    ready_at: datetime | None
    ready_label: str = TIMER_LABELS["ready"]
    # The minimum's countdown, in the stage's own words ("Flat until" is recovery's, not every stage's).
    countdown_label: str = ""
    countdown_done: str = ""
    minimum_overridden: bool = False

    @property
    def minimum_left(self) -> timedelta | None:
        if self.minimum_ends_at is None:
            return None
        return max(self.minimum_ends_at - (self.started_at + self.elapsed), timedelta(0))

    @property
    def label(self) -> str:
        return self.ready_label if self.state == "ready" else TIMER_LABELS[self.state]

    @property
    def labels(self) -> dict[str, str]:
        """Every state's word (keys a template can read), for the browser to switch between without deciding."""
        words = {**TIMER_LABELS, "ready": self.ready_label}
        return {state.replace("-", "_"): word for state, word in words.items()}


class StageVisit(ClinicalRecord):
    """One stage as this journey lived it. Name, target, minimum and rounds are copied when it starts."""

    journey = models.ForeignKey("journey.Journey", on_delete=models.PROTECT, related_name="visits")
    stage = models.ForeignKey(StageDefinition, on_delete=models.PROTECT, related_name="visits")
    stage_name = models.CharField(max_length=100)
    target_minutes = models.PositiveIntegerField()
    minimum_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_is_discharge = models.BooleanField(
        default=False, help_text="The stage after this one is the discharge (copied when the stage starts)."
    )
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minimum_overridden_at = models.DateTimeField(null=True, blank=True)
    minimum_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minimum_override_reason = models.TextField(blank=True)
    ready_for_discharge_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The stage before discharge: when its last condition was met (set when it closes), for the "
        "reports' discharge gap.",
    )
    round_minutes = models.JSONField(
        default=list, blank=True, help_text="Minutes after the start at which observation rounds are due."
    )

    objects = NeverDeletedManager["StageVisit"]()

    class Meta:
        ordering = ["journey", "started_at", "pk"]
        verbose_name = "stage visit"
        constraints = [
            models.UniqueConstraint(fields=["journey", "stage"], name="each_stage_visited_once"),
            # The database itself refuses a journey in two stages at once.
            models.UniqueConstraint(
                fields=["journey"], condition=Q(completed_at__isnull=True), name="one_open_stage_per_journey"
            ),
        ]
        indexes = [
            # The reports read the visits started in a period: led by the start, so four weeks read four
            # weeks of the index, not a year's; on PostgreSQL an index-only scan. (Plain key columns, not
            # INCLUDE, which SQLite would ignore with a warning.)
            models.Index(fields=["started_at", "stage", "completed_at", "target_minutes"], name="visit_started_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.stage_name} ({self.journey})"

    @property
    def target(self) -> timedelta:
        return timedelta(minutes=self.target_minutes)

    @property
    def minimum(self) -> timedelta:
        return timedelta(minutes=self.minimum_minutes or 0)

    @property
    def minimum_ends_at(self) -> datetime | None:
        return self.started_at + self.minimum if self.minimum_minutes else None

    @property
    def took(self) -> timedelta | None:
        """How long a completed stage lasted."""
        return self.completed_at - self.started_at if self.completed_at else None

    @property
    def is_waiting_stage(self) -> bool:
        """A stage the patient waits out (a minimum) or that hands over to discharge: its timer can say ready."""
        return bool(self.minimum_minutes) or self.next_is_discharge

    def timer(self, now: datetime | None = None, *, conditions: list[Condition] | None = None) -> StageTimer:
        now = now or timezone.now()
        end = self.completed_at or now
        ready_at = self.ready_at(end, conditions) if self.completed_at is None else None
        near_at = self.started_at + self.target * NEAR_TARGET
        over_at = self.started_at + self.target
        if ready_at is not None and end >= ready_at:
            state = "ready"
        elif end > over_at:
            state = "over"
        elif end >= near_at:
            state = "near"
        else:
            state = "on-track"
        return StageTimer(
            started_at=self.started_at,
            elapsed=end - self.started_at,
            target=self.target,
            minimum_ends_at=self.minimum_ends_at,
            state=state,
            near_at=near_at,
            over_at=over_at,
            ready_at=ready_at,
            ready_label=READY_FOR_DISCHARGE if self.next_is_discharge else TIMER_LABELS["ready"],
            countdown_label=self.stage.countdown_words() if self.minimum_minutes else "",
            countdown_done=self.stage.countdown_done_words(self.minimum) if self.minimum_minutes else "",
            minimum_overridden=bool(self.minimum_overridden_at),
        )

    def ready_at(self, now: datetime, conditions: list[Condition] | None = None) -> datetime | None:
        """The moment this waiting stage may close, if only the clock stands in the way; else None."""
        if not self.is_waiting_stage:
            return None
        conditions = self.conditions(now) if conditions is None else conditions
        if any(not c.met for c in conditions if c.check != "minimum"):
            return None
        # Discharge refuses an open red flag: the stage before it is not "ready for discharge" with one.
        if self.next_is_discharge and self.journey.open_red_flags:
            return None
        if self.minimum_overridden_at:
            return self.minimum_overridden_at
        return self.minimum_ends_at or self.started_at

    def may_close(self, now: datetime) -> bool:
        return not self.problems(now)

    def is_over_target(self, now: datetime) -> bool:
        """Closing now would take longer than the stage's target (to the second)."""
        return (self.completed_at or now) - self.started_at > self.target

    def became_ready_at(self, now: datetime) -> datetime:
        """When a stage that may close at ``now`` met its last condition: the latest of its clock (the
        minimum's end, or the lead's override), its last standing observation round, its last checklist
        answer and the last red flag resolved; never later than ``now``. Kept as ``ready_for_discharge_at`` on the stage
        before discharge, where the reports measure the wait from ready to gone home."""
        clock = self.minimum_overridden_at or self.minimum_ends_at or self.started_at
        moments = [clock]
        moments += [r.recorded_at for r in self.standing_rounds()]
        moments += [a.answered_at for a in self.answers.filter(is_current=True)]
        moments += [
            f.resolved_at for f in self.journey.red_flags.filter(resolved_at__lte=now) if f.resolved_at is not None
        ]
        return min(now, max(moments))

    def current_answers(self) -> dict[int, Answer]:
        """The standing answer for each item, keyed by item id (older answers are history)."""
        if hasattr(self, "standing_answers"):  # prefetched by Journey.objects.for_list()
            return {a.item_id: a for a in self.standing_answers}
        return {a.item_id: a for a in self.answers.filter(is_current=True).select_related("answered_by")}

    def round_slots(self, now: datetime | None = None) -> list[RoundSlot]:
        return round_slots(
            self.started_at, self.round_minutes, self.standing_rounds(), now or timezone.now(), self.missed()
        )

    def missed(self) -> list[MissedRound]:
        if hasattr(self, "missed_list"):  # prefetched as a list by Journey.objects.for_list()
            return self.missed_list
        return list(self.missed_rounds.all())

    def next_extra_number(self) -> int:
        """The number an extra round takes: after the schedule and after every round kept so far."""
        taken = [r.number for r in self.standing_rounds()] + [m.number for m in self.missed()]
        return max([len(self.round_minutes), *taken]) + 1

    def _rounds(self) -> list[ObservationRound]:
        if hasattr(self, "all_rounds"):  # prefetched as a list by Journey.objects.for_list()
            return self.all_rounds
        return list(self.rounds.all())

    def _items(self) -> list[ItemDefinition]:
        if hasattr(self.stage, "checklist_items"):  # prefetched as a list by Journey.objects.for_list()
            return self.stage.checklist_items
        return list(self.stage.items.all())

    def standing_rounds(self) -> list[ObservationRound]:
        """The rounds that count: all recorded, less those marked entered in error (read from the prefetch)."""
        return [r for r in self._rounds() if not r.is_entered_in_error]

    def rounds_in_error(self) -> list[ObservationRound]:
        return [r for r in self._rounds() if r.is_entered_in_error]

    def extra_rounds(self) -> list[ObservationRound]:
        """Standing rounds with no slot of the schedule: recorded early (they do not count), past the schedule
        (a patient waiting to go home), or asked for by the NEWS2 response after it."""
        scheduled = len(self.round_minutes)
        return [r for r in self.standing_rounds() if not (r.counts and r.number <= scheduled)]

    # --- the stage-closing rules: each named check says what it needs, met or not ---

    def conditions(self, now: datetime, answers: dict[int, Answer] | None = None) -> list[Condition]:
        """Each thing this stage needs before it may close, met or not, in the ward's words."""
        answers = self.current_answers() if answers is None else answers
        return [
            *self.levels_planned(),
            *self.items_answered(answers),
            *self.score_reached(answers),
            *self.rounds_recorded(now),
            *self.no_open_red_flag(),
            *self.minimum_passed(now),
        ]

    def problems(self, now: datetime) -> list[str]:
        """Everything that keeps this stage from closing now; empty when it may close."""
        return [c.problem for c in self.conditions(now) if not c.met]

    def levels_planned(self) -> list[Condition]:
        """The planned levels recorded: a booking from the hospital's schedule may arrive without them,
        and no stage (consent first) closes until a nurse records them."""
        if self.journey.planned_levels:
            return []
        problem = "The planned levels are not recorded yet: record them (levels to confirm) before going on."
        return [Condition("Planned levels recorded", False, problem, "levels")]

    def items_answered(self, answers: dict[int, Answer]) -> list[Condition]:
        """Each required item answered, and every answer acceptable (levels as planned, a driver named...)."""
        conditions = []
        for item in self._items():
            answer = answers.get(item.pk)
            problem = item.problem_with(answer.value if answer else None, self.journey)
            if item.required or problem:
                conditions.append(Condition(item.label, not problem, problem, "item", item.pk))
        return conditions

    def score_reached(self, answers: dict[int, Answer]) -> list[Condition]:
        """The stage's score items (PADSS) all scored, adding up to its minimum."""
        stage = self.stage
        if stage.score_minimum is None:
            return []
        scored = [answers.get(i.pk) for i in self._items() if i.kind == ItemDefinition.Kind.SCORE]
        total = sum(a.value for a in scored if a and a.value is not None)
        complete = all(a and a.value is not None for a in scored)
        met = complete and total >= stage.score_minimum
        so_far = f"{total} so far" if not complete else f"{total}"
        problem = "" if met else f"{stage.score_name} is {so_far}: {stage.score_minimum} or more is needed."
        return [Condition(f"{stage.score_name} {stage.score_minimum} or more", met, problem, "score")]

    def rounds_recorded(self, now: datetime) -> list[Condition]:
        """Every scheduled observation round recorded in its window, recorded late, or marked missed by a
        clinician (an extra round recorded early fills no slot)."""
        if not self.round_minutes:
            return []
        slots = [slot for slot in self.round_slots(now) if slot.scheduled]
        missing = [str(slot.number) for slot in slots if slot.is_open]
        plural = "s" if len(missing) > 1 else ""
        problem = (
            f"Observation round{plural} {', '.join(missing)} not yet recorded "
            f"(or marked missed by a clinician, with the reason)."
        )
        label = f"All {len(slots)} observation rounds recorded or marked missed"
        return [Condition(label, not missing, problem, "rounds")]

    def no_open_red_flag(self) -> list[Condition]:
        """No open red flag, for a stage that may not close with one (discharge)."""
        if not self.stage.blocked_by_red_flag:
            return []
        flags = self.journey.open_red_flags
        problem = ""
        if flags:
            names = ", ".join(f.get_kind_display() for f in flags)
            problem = f"Open red flag ({names}): a clinician must resolve it first."
        return [Condition("No open red flag", not flags, problem, "red-flag")]

    def minimum_passed(self, now: datetime) -> list[Condition]:
        """The stage's minimum time passed, or overridden by a clinical lead."""
        ends = self.minimum_ends_at
        if not ends:
            return []
        met = now >= ends or bool(self.minimum_overridden_at)
        problem = (
            ""
            if met
            else f"{self.stage_name} lasts at least {duration(self.minimum)}: it may close at {clock(ends)} "
            f"({duration(ends - now, round_up=True)} from now)."
        )
        return [Condition(f"{self.stage_name}: {duration(self.minimum)} passed", met, problem, "minimum")]


class Answer(ClinicalRecord):
    """One answer to one checklist item. Changing an answer adds a row; the old one stays as history."""

    visit = models.ForeignKey(StageVisit, on_delete=models.PROTECT, related_name="answers")
    item = models.ForeignKey(ItemDefinition, on_delete=models.PROTECT, related_name="answers")
    item_label = models.CharField(max_length=200, help_text="The item's wording when it was answered.")
    value = models.JSONField(null=True, blank=True)
    flag = models.CharField(max_length=300, blank=True, help_text="Why this answer needs a second look.")
    answered_at = models.DateTimeField()
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_current = models.BooleanField(default=True)

    objects = NeverDeletedManager["Answer"]()

    class Meta:
        ordering = ["answered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "item"], condition=Q(is_current=True), name="one_current_answer_per_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_label}: {self.value}"


__all__ = ["NEAR_TARGET", "READY_FOR_DISCHARGE", "TIMER_LABELS", "Answer", "Condition", "StageTimer", "StageVisit"]
