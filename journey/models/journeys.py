"""A patient's procedure day: the journey and every verb that changes it.

Every change of state goes through a verb on Journey. Each verb runs in one transaction with the
journey row locked, checks the rules, writes, bumps ``version`` and appends one JourneyEvent; a refused
verb raises a JourneyError and writes nothing. The rules that close a stage live with the stage visit
(``journey/models/visits.py``); the patient's identity with the patient (``patients.py``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from journey.errors import (
    AnswerConflict,
    InvalidAnswer,
    JourneyClosed,
    JourneyError,
    NotPermitted,
    OutOfOrder,
    StageNotReady,
    StaleJourney,
    written_reason,
)
from journey.levels import parse_levels
from journey.models.audit import AuditEntry
from journey.models.events import JourneyEvent
from journey.models.observations import ObservationRound
from journey.models.pathways import ItemDefinition, Pathway, StageDefinition
from journey.models.patients import Patient, PatientDetails
from journey.models.records import ClinicalRecord, NeverDeletedQuerySet, alters_data
from journey.models.red_flags import RedFlag, RedFlagKind
from journey.models.visits import Answer, StageVisit
from journey.validators import clean_phone, tidy
from journey.wording import clock, duration, levels_text, person

# Unambiguous when read aloud or from across a waiting room: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
PUBLIC_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
PUBLIC_CODE_LENGTH = 5


class JourneyQuerySet(NeverDeletedQuerySet["Journey"]):
    def on_day(self, day: date) -> JourneyQuerySet:
        return self.filter(day=day)

    def matching(self, query: str) -> JourneyQuerySet:
        """Today's search: the exact MRN, or part of the given or family name (case-insensitive)."""
        # NUL can never match a name or MRN (and PostgreSQL refuses it in a query).
        query = query.replace("\x00", "").strip()
        if not query:
            return self
        return self.filter(
            Q(patient__mrn__iexact=query)
            | Q(patient__family_name__icontains=query)
            | Q(patient__given_name__icontains=query)
        )

    def for_list(self) -> JourneyQuerySet:
        """Everything a list of journeys shows, in six queries whatever the count: journeys with patient
        and pathway; their open stage visit with its stage; that visit's checklist items, standing answers
        and observation rounds (the timer's "ready" needs them); their open red flags."""
        open_visits = (
            StageVisit.objects.filter(completed_at__isnull=True)
            .select_related("stage")
            .prefetch_related(
                "stage__items",
                Prefetch("answers", queryset=Answer.objects.filter(is_current=True), to_attr="standing_answers"),
                "rounds",
            )
        )
        return (
            self.select_related("patient", "pathway")
            .prefetch_related(Prefetch("visits", queryset=open_visits, to_attr="open_visits"))
            .prefetch_related(
                Prefetch("red_flags", queryset=RedFlag.objects.filter(resolved_at__isnull=True), to_attr="open_flags")
            )
            .order_by("scheduled_time", "bay", "pk")
        )

    def on_board(self, day: date) -> JourneyQuerySet:
        """The status board: the list's reads (journey.board adds the pathways' stages in one query)."""
        return self.on_day(day).for_list()

    def for_page(self) -> JourneyQuerySet:
        """One journey's page: its open visit with the stage's checklist and the rounds (with who
        recorded them), and every red flag, each read once."""
        open_visit = (
            StageVisit.objects.filter(completed_at__isnull=True)
            .select_related("stage", "minimum_overridden_by")
            .prefetch_related(
                "stage__items",
                Prefetch(
                    "rounds", queryset=ObservationRound.objects.select_related("recorded_by", "entered_in_error_by")
                ),
            )
        )
        return (
            self.select_related("patient", "pathway")
            .prefetch_related(Prefetch("visits", queryset=open_visit, to_attr="open_visits"))
            .prefetch_related(
                Prefetch("red_flags", queryset=RedFlag.objects.filter(resolved_at__isnull=True), to_attr="open_flags")
            )
        )

    def bay_holder(self, day: date, bay: str, *, excluding: Patient | None = None) -> Journey | None:
        """Another patient's journey holding the bay that day: booked or in progress, its day not over."""
        bay = bay.strip()
        if not bay:
            return None
        held = self.filter(day=day, bay=bay, status__in=Journey.HOLDS_BAY).select_related("patient")
        if excluding is not None:
            held = held.exclude(patient=excluding)
        return held.order_by("scheduled_time", "pk").first()

    def refuse_held_bay(self, day: date, bay: str, *, patient: Patient, handover: bool) -> Journey | None:
        """One bay, one patient: refuse a bay another patient still holds that day, unless the nurse marks
        the booking as a planned hand-over of the bay. Returns the holder handed over from, if any."""
        holder = self.bay_holder(day, bay, excluding=patient)
        if holder is None or handover:
            return holder
        raise JourneyError(
            f"Bay {bay.strip()} is held by {holder.patient.initials} ({holder.where_now()}), whose day is not over. "
            'Choose another bay, or tick "Planned hand-over" if they leave before this patient comes.',
            field="bay",
        )

    @alters_data
    def book(
        self,
        *,
        patient: Patient | PatientDetails,
        pathway: Pathway,
        day: date,
        scheduled_time: time,
        by: Any,
        planned_levels: str | list[str],
        bay: str = "",
        driver_name: str = "",
        driver_phone: str = "",
        bay_handover: bool = False,
        now: datetime | None = None,
    ) -> Journey:
        """Book a patient's procedure day: find (or register) the patient and the journey, in one
        transaction, so a refused booking leaves no new patient behind. The day starts when the patient
        arrives (``arrive``). A refusal names the detail it is about (``JourneyError.field``). A bay held
        by another patient whose day is not over is refused unless ``bay_handover`` says it is planned."""
        now = now or timezone.now()
        try:
            levels = parse_levels(planned_levels)
        except ValidationError as exc:
            raise JourneyError(" ".join(exc.messages), field="planned_levels") from exc
        try:
            phone = clean_phone(driver_phone)
        except ValidationError as exc:
            raise JourneyError(" ".join(exc.messages), field="driver_phone") from exc
        if not pathway.is_active:
            raise JourneyError(f"The {pathway.name} pathway is no longer offered.", field="pathway")
        with transaction.atomic():
            if isinstance(patient, PatientDetails):
                patient = Patient.objects.find_or_register(patient, by=by)
            duplicate = JourneyError(f"{patient.full_name} already has a journey on {day:%d %b %Y}.", field="day")
            if self.filter(patient=patient, day=day).exclude(status__in=Journey.NOT_HELD).exists():
                raise duplicate
            handed_over_by = self.refuse_held_bay(day, bay, patient=patient, handover=bay_handover)
            try:
                with transaction.atomic():
                    journey = self.create(
                        patient=patient,
                        pathway=pathway,
                        day=day,
                        scheduled_time=scheduled_time,
                        bay=bay.strip(),
                        planned_levels=levels,
                        driver_name=tidy(driver_name),
                        driver_phone=phone,
                        public_code=self._free_public_code(),
                        created_by=by,
                        created_at=now,
                    )
                    summary = f"Booked for {pathway.name} at {levels_text(levels)}, {scheduled_time:%H:%M}"
                    if handed_over_by is not None:
                        summary += f"; bay {journey.bay} handed over from {handed_over_by.patient.initials}"
                    journey._log(JourneyEvent.Kind.BOOKED, by, now, summary)
            except IntegrityError:
                # Another workstation booked the same patient and day between the check and the insert.
                raise duplicate from None
        return journey

    def _free_public_code(self) -> str:
        while True:
            code = "".join(secrets.choice(PUBLIC_CODE_ALPHABET) for _ in range(PUBLIC_CODE_LENGTH))
            if not self.filter(public_code=code).exists():
                return code


class Journey(ClinicalRecord):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Booked"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Gone home"
        CANCELLED = "cancelled", "Cancelled"
        DID_NOT_ARRIVE = "did_not_arrive", "Did not arrive"

    # Journeys that hold no place: the patient may be booked again that day.
    NOT_HELD = (Status.CANCELLED, Status.DID_NOT_ARRIVE)
    # Journeys whose day is not over: they hold their bay.
    HOLDS_BAY = (Status.SCHEDULED, Status.IN_PROGRESS)

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="journeys")
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="journeys")
    day = models.DateField(db_index=True)
    scheduled_time = models.TimeField()
    bay = models.CharField(max_length=20, blank=True)
    planned_levels = models.JSONField(default=list, help_text='Vertebral levels in spinal order, e.g. ["T12", "L1"].')
    driver_name = models.CharField("driver's name", max_length=100, blank=True)
    driver_phone = models.CharField("driver's phone", max_length=30, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    public_code = models.CharField(
        max_length=PUBLIC_CODE_LENGTH, unique=True, help_text="Shown on screens visitors can see instead of a name."
    )
    # Bumped by every change: a page that acted on an older version is refused instead of overwriting.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = JourneyQuerySet.as_manager()

    class Meta:
        ordering = ["day", "scheduled_time", "bay"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "day"],
                condition=~Q(status__in=["cancelled", "did_not_arrive"]),
                name="one_open_journey_per_patient_per_day",
            ),
        ]
        permissions = [
            ("check_in_patient", "Can book and check in patients"),
            ("record_care", "Can answer checklists and complete stages"),
            ("override_minimum", "Can override a stage's minimum duration"),
            ("view_board", "Can view the status board"),
            ("view_public_board", "Can view the anonymised public board"),
            ("resolve_red_flag", "Can resolve a red flag"),
        ]

    def __str__(self) -> str:
        return f"{self.patient.full_name}, {self.pathway.name}, {self.day:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("journey", args=[self.pk])

    # --- reading ---

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.COMPLETED, self.Status.CANCELLED, self.Status.DID_NOT_ARRIVE)

    @property
    def scheduled_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.day, self.scheduled_time))

    @property
    def has_driver_details(self) -> bool:
        return bool(self.driver_name.strip() and self.driver_phone.strip())

    @property
    def open_red_flags(self) -> list[RedFlag]:
        if hasattr(self, "open_flags"):
            return self.open_flags
        return list(self.red_flags.filter(resolved_at__isnull=True))

    def where_now(self) -> str:
        """The current stage's name, or the journey's status when no stage is open ("Booked")."""
        visit = self.current_visit
        return visit.stage_name if visit is not None else self.get_status_display()

    def ready_for_discharge(self, now: datetime) -> bool:
        """Everything that can be met before discharge is met: the stage before discharge may close (its
        minimum passed or overridden, every round recorded, its checklist done) and no red flag is open."""
        visit = self.current_visit
        return visit is not None and visit.next_is_discharge and visit.timer(now).state == "ready"

    def alerts(self, now: datetime) -> list[Alert]:
        """What about this journey needs someone's attention now, most urgent first. Uses only what
        ``for_list`` prefetches, so a list of any length costs no extra query."""
        alerts = [Alert("red-flag", f"Red flag: {flag.get_kind_display()}") for flag in self.open_red_flags]
        visit = self.current_visit
        if visit is not None:
            overdue = [slot for slot in visit.round_slots(now) if slot.state == "overdue"]
            if overdue:
                alerts.append(Alert("round-overdue", overdue_text([slot.number for slot in overdue])))
            timer = visit.timer(now)
            if timer.state == "over":
                alerts.append(Alert("over-target", f"{visit.stage_name} over target"))
            elif timer.state == "ready":
                alerts.append(Alert("ready", timer.label))
        if not self.is_closed and not self.has_driver_details:
            alerts.append(Alert("no-driver", "No driver confirmed"))
        return alerts

    def stage_rail(self) -> list[RailStop]:
        """Every stage of the pathway in order: done (with its visit), current, or still to come."""
        visits = {v.stage_id: v for v in self.visits.select_related("completed_by", "minimum_overridden_by")}
        stops = []
        for stage in self.pathway.stages.order_by("order"):
            visit = visits.get(stage.pk)
            state = "to-come" if visit is None else ("done" if visit.completed_at else "current")
            stops.append(RailStop(stage, visit, state))
        return stops

    def baseline(self) -> dict[str, Decimal]:
        """The prep baselines that recovery compares against, by measure (systolic, heart_rate, ...): the
        answers to the items whose declared baseline role names the measure."""
        answers = (
            Answer.objects.filter(visit__journey=self, is_current=True, item__kind=ItemDefinition.Kind.NUMBER)
            .exclude(item__baseline="")
            .values_list("item__baseline", "value")
        )
        return {measure: Decimal(value) for measure, value in answers if value is not None}

    @property
    def current_visit(self) -> StageVisit | None:
        if hasattr(self, "open_visits"):
            return self.open_visits[0] if self.open_visits else None
        return self.visits.filter(completed_at__isnull=True).first()

    # --- verbs ---

    @alters_data
    def arrive(self, *, by: Any, now: datetime | None = None, expected_version: int | None = None) -> StageVisit:
        """The patient has arrived: open the pathway's first stage."""
        now = now or timezone.now()
        with self._changing(expected_version) as journey:
            if journey.status != self.Status.SCHEDULED:
                raise OutOfOrder("This patient's day has already started.")
            first = journey.pathway.first_stage()
            if first is None:
                raise JourneyError(f"The {journey.pathway.name} pathway has no stages: ask the unit's admin.")
            visit = journey._open(first, by, now)
            journey.status = self.Status.IN_PROGRESS
            journey._save_change("status")
            journey._log(JourneyEvent.Kind.ARRIVED, by, now, f"Arrived; {first.name} started", visit)
        return visit

    @alters_data
    def mark_did_not_arrive(
        self, *, reason: str, by: Any, now: datetime | None = None, expected_version: int | None = None
    ) -> None:
        """A booked patient who never came: the day ends without a stage, and the reason is kept."""
        now = now or timezone.now()
        reason = written_reason(reason, what="why the patient did not arrive", minimum=1)
        with self._changing(expected_version) as journey:
            if journey.status != self.Status.SCHEDULED:
                raise OutOfOrder(f"{journey.patient.full_name} has already arrived: cancel the procedure instead.")
            journey.status = self.Status.DID_NOT_ARRIVE
            journey._save_change("status")
            journey._log(JourneyEvent.Kind.DID_NOT_ARRIVE, by, now, f"Did not arrive: {reason}")

    @alters_data
    def record_answer(
        self,
        item: ItemDefinition,
        value: Any,
        *,
        by: Any,
        now: datetime | None = None,
        expected_version: int | None = None,
    ) -> Answer | None:
        """Answer one checklist item of the current stage; None when that answer was already recorded."""
        answers = self.record_answers({item: value}, by=by, now=now, expected_version=expected_version)
        return answers[0] if answers else None

    @alters_data
    def record_answers(
        self,
        values: dict[ItemDefinition, Any],
        *,
        by: Any,
        now: datetime | None = None,
        expected_version: int | None = None,
        stage: StageDefinition | None = None,
        seen: dict[int, int | None] | None = None,
    ) -> list[Answer]:
        """Answer items of the current stage together: all are written, or none when any does not fit.

        A changed answer keeps the old one as history; an unchanged one writes nothing (a repeated post).
        A flagged answer on an item that carries a red flag raises it at once.

        Conflicts are judged per item when ``seen`` says which answer the page showed for each item (None:
        unanswered) instead of ``expected_version``: an item left as the page showed it is not touched,
        and an item changed on the page is refused if someone changed that same item since (who and when
        are named). ``stage`` is the stage the page showed: if the journey has moved on, the page is stale.
        """
        now = now or timezone.now()
        written: list[Answer] = []
        with self._changing(expected_version) as journey:
            visit = journey._require_open_visit()
            if stage is not None and stage.pk != visit.stage_id:
                raise StaleJourney(journey._not_current_message(stage))
            for item in values:
                if item.stage_id != visit.stage_id:
                    raise OutOfOrder(
                        f"“{item.label}” belongs to {item.stage.name}, but {journey.patient.given_name} is in "
                        f"{visit.stage_name}. Answer the current stage's checklist."
                    )
            clean, errors = {}, {}
            for item, raw in values.items():
                try:
                    clean[item] = item.clean_value(raw)
                except InvalidAnswer as refusal:
                    errors[item.pk] = refusal.message
            if errors:
                raise InvalidAnswer(" ".join(errors.values()), errors)
            standing = visit.current_answers()
            shown = journey._answers_shown(visit, seen or {})
            changes, conflicts = [], []
            for item, value in clean.items():
                previous = standing.get(item.pk)
                if (previous.value if previous else None) == value:
                    continue
                if seen is not None and item.pk in seen:
                    was = shown.get(item.pk)
                    if (was.value if was else None) == value:
                        continue  # left as the page showed it: a newer answer by someone else stands
                    if (previous.pk if previous else None) != seen[item.pk]:
                        conflicts.append(_conflict_message(item, previous))
                        continue
                changes.append((item, value, previous))
            if conflicts:
                raise AnswerConflict(" ".join(conflicts))
            for item, value, previous in changes:
                written.append(journey._write_answer(visit, item, value, previous, by, now))
            if not written:
                raise _Unchanged
        return written

    def _answers_shown(self, visit: StageVisit, seen: dict[int, int | None]) -> dict[int, Answer]:
        """The answers a page showed (current or since replaced), keyed by item id."""
        ids = [pk for pk in seen.values() if pk]
        if not ids:
            return {}
        return {a.item_id: a for a in Answer.objects.filter(visit=visit, pk__in=ids)}

    def _write_answer(
        self, visit: StageVisit, item: ItemDefinition, value: Any, previous: Answer | None, by: Any, now: datetime
    ) -> Answer:
        if previous is not None:
            previous.is_current = False
            previous.save(update_fields=["is_current"])
        flag = item.flag_for(value)
        answer = Answer.objects.create(
            visit=visit, item=item, item_label=item.label, value=value, flag=flag, answered_at=now, answered_by=by
        )
        summary = f"{item.label}: {item.display(value)}"
        if previous is not None:
            summary += f" (was {item.display(previous.value)})"
        self._save_change()
        self._log(JourneyEvent.Kind.ANSWER_RECORDED, by, now, summary, visit, {"item": item.code, "value": value})
        if flag and item.red_flag and not self.red_flags.filter(kind=item.red_flag, resolved_at__isnull=True).exists():
            self._raise_red_flag(visit, item.red_flag, flag, by, now)
        return answer

    @alters_data
    def complete_stage(
        self,
        stage: StageDefinition | None = None,
        *,
        by: Any,
        now: datetime | None = None,
        expected_version: int | None = None,
    ) -> StageVisit | None:
        """Close the current stage and open the next one in pathway order; closing the last ends the day.

        ``stage`` is the stage the person meant to close: if the journey has moved on, nothing happens
        twice. Returns the next stage's visit, or None when the journey is complete.
        """
        now = now or timezone.now()
        with self._changing(expected_version) as journey:
            visit = journey._require_open_visit()
            if stage is not None and stage.pk != visit.stage_id:
                raise OutOfOrder(journey._not_current_message(stage))
            problems = visit.problems(now)
            if problems:
                raise StageNotReady(f"{visit.stage_name} cannot be completed yet: {' '.join(problems)}", problems)
            visit.completed_at = now
            visit.completed_by = by
            visit.save(update_fields=["completed_at", "completed_by"])
            following = visit.stage.next_stage()
            took = duration(now - visit.started_at)
            if following is None:
                journey.status = self.Status.COMPLETED
                next_visit = None
                summary = f"{visit.stage_name} completed ({took}); patient has gone home"
            else:
                next_visit = journey._open(following, by, now)
                summary = f"{visit.stage_name} completed ({took}); {following.name} started"
            journey._save_change("status")
            journey._log(JourneyEvent.Kind.STAGE_COMPLETED, by, now, summary, visit)
        return next_visit

    @alters_data
    def override_minimum(
        self, *, reason: str, by: Any, now: datetime | None = None, expected_version: int | None = None
    ) -> None:
        """A clinical lead lets the current stage close before its minimum; the reason is kept."""
        now = now or timezone.now()
        if not by.has_perm("journey.override_minimum"):
            raise NotPermitted("Only a clinical lead can override a minimum time.")
        reason = written_reason(reason, what="the clinical reason for the override")
        with self._changing(expected_version) as journey:
            visit = journey._require_open_visit()
            if not visit.minimum_minutes:
                raise JourneyError(f"{visit.stage_name} has no minimum time to override.")
            if visit.minimum_overridden_at:
                raise JourneyError(f"The minimum of {visit.stage_name} was already overridden.")
            visit.minimum_overridden_at = now
            visit.minimum_overridden_by = by
            visit.minimum_override_reason = reason
            visit.save(update_fields=["minimum_overridden_at", "minimum_overridden_by", "minimum_override_reason"])
            journey._save_change()
            journey._log(
                JourneyEvent.Kind.MINIMUM_OVERRIDDEN,
                by,
                now,
                f"Minimum of {visit.stage_name} ({duration(visit.minimum)}) overridden: {reason}",
                visit,
            )

    @alters_data
    def update_driver(
        self,
        *,
        name: str,
        phone: str,
        by: Any,
        now: datetime | None = None,
        expected_version: int | None = None,
        shown: tuple[str, str] | None = None,
    ) -> None:
        """Record the responsible adult who will drive the patient home.

        ``shown`` is the driver as the page showed them (instead of ``expected_version``, from a checklist
        that carries the driver in place): refused if someone changed the driver since."""
        now = now or timezone.now()
        name = tidy(name)
        try:
            phone = clean_phone(phone)
        except ValidationError as exc:
            raise JourneyError(" ".join(exc.messages), field="driver_phone") from exc
        with self._changing(expected_version) as journey:
            if shown is not None and (journey.driver_name, journey.driver_phone) not in (shown, (name, phone)):
                last = journey.events.filter(kind=JourneyEvent.Kind.DRIVER_UPDATED).select_related("by").last()
                who, when = (person(last.by), clock(last.at)) if last else ("someone", "earlier")
                raise AnswerConflict(
                    f"The driver was changed by {who} at {when} since this page was loaded: it is now "
                    f"{journey.driver_name or 'no name'}, {journey.driver_phone or 'no phone'}. "
                    "Check it and save again."
                )
            if (journey.driver_name, journey.driver_phone) == (name, phone):
                raise _Unchanged
            journey.driver_name, journey.driver_phone = name, phone
            journey._save_change("driver_name", "driver_phone")
            written = f"{name}, {phone}" if name or phone else "removed"
            journey._log(JourneyEvent.Kind.DRIVER_UPDATED, by, now, f"Driver: {written}")

    @alters_data
    def record_round(
        self,
        observations: ObservationRound,
        *,
        by: Any,
        now: datetime | None = None,
        expected_version: int | None = None,
    ) -> ObservationRound:
        """Record the next observation round of the current stage; raises the red flags its values call for.

        ``observations`` is an unsaved round holding the measured values (from the nurse's form).
        """
        now = now or timezone.now()
        with self._changing(expected_version) as journey:
            visit = journey._require_open_visit()
            if not visit.round_minutes:
                raise OutOfOrder(f"{visit.stage_name} has no observation rounds.")
            slots = visit.round_slots(now)
            pending = next((slot for slot in slots if slot.done is None), None)
            observations.visit = visit
            if pending is not None:
                observations.number, observations.due_at = pending.number, pending.due_at
            else:  # past the schedule (a patient waiting to go home): extra rounds follow on, due at no set time
                observations.number = max([len(slots), *(r.number for r in visit.standing_rounds())]) + 1
            observations.recorded_at, observations.recorded_by = now, by
            try:
                observations.full_clean()
            except ValidationError as exc:
                raise InvalidAnswer(" ".join(exc.messages)) from exc
            observations.concerns, red = observations.assess(journey.baseline())
            observations.save()
            summary = (
                f"Round {observations.number}: BP {observations.systolic}/{observations.diastolic}, "
                f"HR {observations.heart_rate}, RR {observations.resp_rate}, SpO2 {observations.spo2}%, "
                f"pain {observations.pain}/10, {observations.get_legs_display().lower()}, "
                f"dressing {observations.get_dressing_display().lower()}"
            )
            if observations.concerns:
                summary += f". Check: {'; '.join(observations.concerns)}"
            journey._save_change()
            journey._log(JourneyEvent.Kind.ROUND_RECORDED, by, now, summary, visit)
            for kind, detail in red:
                journey._raise_red_flag(visit, kind, detail, by, now, observations)
        return observations

    @alters_data
    def mark_round_entered_in_error(
        self,
        observations: ObservationRound,
        *,
        reason: str,
        by: Any,
        now: datetime | None = None,
        expected_version: int | None = None,
    ) -> None:
        """A round recorded by mistake (wrong patient, mistyped values) is marked, never deleted: it stays
        in the history with the reason, and its slot is open to be recorded again. Red flags it raised
        stay open for a clinician to resolve."""
        now = now or timezone.now()
        reason = written_reason(reason, what="why this round is wrong")
        with self._changing(expected_version) as journey:
            visit = journey._require_open_visit()
            mine = visit.rounds.filter(pk=observations.pk).first()
            if mine is None:
                raise JourneyError("Only a round of the current stage can be marked as entered in error.")
            if mine.entered_in_error_at is not None:
                raise JourneyError(
                    f"Round {mine.number} was already marked as entered in error by "
                    f"{person(mine.entered_in_error_by)} at {clock(mine.entered_in_error_at)}."
                )
            mine.entered_in_error_at, mine.entered_in_error_by, mine.entered_in_error_reason = now, by, reason
            mine.save(update_fields=["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"])
            journey._save_change()
            journey._log(
                JourneyEvent.Kind.ENTERED_IN_ERROR,
                by,
                now,
                f"Round {mine.number} (recorded {clock(mine.recorded_at)}) marked as entered in error: {reason}",
                visit,
                {"round": mine.pk},
            )

    @alters_data
    def raise_red_flag(
        self,
        kind: str,
        *,
        detail: str = "",
        by: Any,
        now: datetime | None = None,
        expected_version: int | None = None,
    ) -> RedFlag:
        """Record a red flag seen at the bedside. It marks the journey red until a clinician resolves it."""
        now = now or timezone.now()
        if kind not in RedFlagKind.values:
            raise JourneyError("Choose which red flag you saw.")
        with self._changing(expected_version) as journey:
            visit = journey._require_open_visit()
            flag = journey._raise_red_flag(visit, kind, tidy(detail)[:300], by, now)
        return flag

    @alters_data
    def record_escalation(
        self,
        flag: RedFlag,
        *,
        told_who: str,
        told_at: datetime,
        by: Any,
        now: datetime | None = None,
        expected_version: int | None = None,
    ) -> None:
        """Record who was told of a red flag, and when."""
        now = now or timezone.now()
        told_who = written_reason(told_who, what="who was told (name and role)", minimum=1)
        with self._changing(expected_version) as journey:
            flag = journey._own_flag(flag)
            if told_at > now + timedelta(minutes=1):
                raise JourneyError("The time they were told cannot be in the future.")
            if told_at < flag.raised_at - timedelta(hours=12):
                raise JourneyError("The time they were told is long before the red flag: check the time.")
            flag.told_who, flag.told_at, flag.escalation_recorded_by = told_who, told_at, by
            flag.save(update_fields=["told_who", "told_at", "escalation_recorded_by"])
            journey._save_change()
            journey._log(
                JourneyEvent.Kind.ESCALATED,
                by,
                now,
                f"Red flag “{flag.get_kind_display()}” escalated to {told_who} at {clock(told_at)}",
                flag.visit,
            )

    @alters_data
    def resolve_red_flag(
        self, flag: RedFlag, *, note: str, by: Any, now: datetime | None = None, expected_version: int | None = None
    ) -> None:
        """A clinician closes a red flag with a note; it stays in the history."""
        now = now or timezone.now()
        if not by.has_perm("journey.resolve_red_flag"):
            raise NotPermitted("Only a clinical lead can resolve a red flag.")
        note = written_reason(note, what="what was found and done")
        with self._changing(expected_version) as journey:
            flag = journey._own_flag(flag)
            flag.resolved_at, flag.resolved_by, flag.resolution_note = now, by, note
            flag.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
            journey._save_change()
            journey._log(
                JourneyEvent.Kind.RED_FLAG_RESOLVED,
                by,
                now,
                f"Red flag “{flag.get_kind_display()}” resolved: {note}",
                flag.visit,
            )

    @alters_data
    def cancel(self, *, reason: str, by: Any, now: datetime | None = None, expected_version: int | None = None) -> None:
        """Call the day off, before or after arrival; the reason is kept."""
        now = now or timezone.now()
        reason = written_reason(reason, what="why the procedure is cancelled", minimum=1)
        with self._changing(expected_version) as journey:
            journey.status = self.Status.CANCELLED
            journey._save_change("status")
            journey._log(JourneyEvent.Kind.CANCELLED, by, now, f"Cancelled: {reason}", journey.current_visit)

    # --- the machinery every verb shares ---

    @contextmanager
    def _changing(self, expected_version: int | None) -> Iterator[Journey]:
        """Lock the journey row for one change; refuse a closed journey or a stale page.

        A verb raising inside rolls everything back. ``_Unchanged`` ends the block as a no-op.
        """
        try:
            with transaction.atomic():
                # of=("self",): lock this journey only, not the patient and pathway rows it joins.
                journey = (
                    Journey.objects.select_for_update(of=("self",)).select_related("patient", "pathway").get(pk=self.pk)
                )
                if journey.is_closed:
                    raise JourneyClosed(
                        f"{journey.patient.full_name}'s journey is {journey.get_status_display().lower()}: "
                        "it can no longer be changed."
                    )
                if expected_version is not None and expected_version != journey.version:
                    raise StaleJourney(journey._stale_message())
                yield journey
        except _Unchanged:
            pass
        self.refresh_from_db()
        # What a list or page prefetched is now out of date.
        for prefetched in ("open_visits", "open_flags"):
            self.__dict__.pop(prefetched, None)

    def _save_change(self, *fields: str) -> None:
        self.version += 1
        self.save(update_fields=["version", *fields])

    def _log(
        self,
        kind: str,
        by: Any,
        now: datetime,
        summary: str,
        visit: StageVisit | None = None,
        data: dict | None = None,
    ) -> JourneyEvent:
        event = JourneyEvent.objects.create(
            journey=self,
            kind=kind,
            at=now,
            by=by,
            visit=visit,
            stage_name=visit.stage_name if visit else "",
            summary=summary,
            data=data or {},
            version=self.version,
        )
        # Every clinical change passes here, inside its verb's transaction: no change without its audit row.
        AuditEntry.objects.record(
            AuditEntry.Action.CHANGED,
            user=by,
            journey_id=self.pk,
            patient_id=self.patient_id,
            summary=summary,
            data={"event": kind, "version": self.version, **(data or {})},
            at=now,
        )
        return event

    def _open(self, stage: StageDefinition, by: Any, now: datetime) -> StageVisit:
        following = stage.next_stage()
        return StageVisit.objects.create(
            journey=self,
            stage=stage,
            stage_name=stage.name,
            target_minutes=stage.target_for(self.planned_levels),
            minimum_minutes=stage.minimum_minutes,
            next_is_discharge=following is not None and following.is_discharge,
            round_minutes=stage.round_offsets(),
            started_at=now,
            started_by=by,
        )

    def _raise_red_flag(
        self,
        visit: StageVisit,
        kind: str,
        detail: str,
        by: Any,
        now: datetime,
        observations: ObservationRound | None = None,
    ) -> RedFlag:
        flag = RedFlag.objects.create(
            journey=self,
            visit=visit,
            observation_round=observations,
            kind=kind,
            detail=detail,
            raised_at=now,
            raised_by=by,
        )
        self._save_change()
        label = RedFlagKind(kind).label
        self._log(JourneyEvent.Kind.RED_FLAG_RAISED, by, now, f"RED FLAG: {label}. {detail}".strip(), visit)
        return flag

    def _own_flag(self, flag: RedFlag) -> RedFlag:
        """The flag, re-read under the journey's lock; refused if it belongs elsewhere or is already resolved."""
        mine = self.red_flags.filter(pk=flag.pk).first()
        if mine is None:
            raise JourneyError("That red flag belongs to another patient.")
        if mine.resolved_at is not None:
            raise JourneyError(
                f"This red flag was already resolved by {person(mine.resolved_by)} at {clock(mine.resolved_at)}."
            )
        return mine

    def _require_open_visit(self) -> StageVisit:
        visit = self.visits.select_related("stage").filter(completed_at__isnull=True).first()
        if visit is None:
            raise OutOfOrder(f"{self.patient.full_name} has not arrived yet: start the day first.")
        return visit

    def open_visit(self) -> StageVisit:
        """The stage the patient is in now; refused with the nurse's words when the day has not started
        or is over."""
        visit = self.current_visit
        if visit is None:
            if self.is_closed:
                raise JourneyClosed(f"{self.patient.full_name}'s journey is {self.get_status_display().lower()}.")
            raise OutOfOrder(f"{self.patient.full_name} has not arrived yet: start the day first.")
        return visit

    def _not_current_message(self, stage: StageDefinition) -> str:
        done = self.visits.filter(stage=stage, completed_at__isnull=False).select_related("completed_by").first()
        if done is not None and done.completed_at is not None:
            return f"{stage.name} was already completed by {person(done.completed_by)} at {clock(done.completed_at)}."
        current = self.current_visit
        if current is None:
            return f"{stage.name} cannot be completed: {self.patient.full_name} is in no stage."
        return f"{stage.name} has not been reached yet: finish {current.stage_name} first."

    def _stale_message(self) -> str:
        last = self.events.select_related("by").order_by("-at", "-pk").first()
        who, when = (person(last.by), clock(last.at)) if last else ("someone", "just now")
        return f"Changed by {who} at {when} since this page was loaded."


def _conflict_message(item: ItemDefinition, standing: Answer | None) -> str:
    if standing is None:
        return f"“{item.label}” was cleared since this page was loaded: check it and save again."
    return (
        f"“{item.label}” was changed by {person(standing.answered_by)} at {clock(standing.answered_at)} since this "
        f"page was loaded (now: {item.display(standing.value)}). Check it and save again."
    )


@dataclass(frozen=True)
class Alert:
    kind: str  # red-flag, round-overdue, bay-clash, over-target, ready, no-driver
    text: str


def overdue_text(numbers: list[int]) -> str:
    """How many rounds are overdue, by number while the list stays short."""
    if len(numbers) == 1:
        return f"Observation round {numbers[0]} overdue"
    if len(numbers) <= 3:
        return f"Observation rounds {', '.join(str(n) for n in numbers)} overdue"
    return f"{len(numbers)} observation rounds overdue, from round {numbers[0]}"


@dataclass(frozen=True)
class RailStop:
    stage: StageDefinition
    visit: StageVisit | None
    state: str  # done, current, to-come


class _Unchanged(Exception):
    """Raised inside ``Journey._changing`` when the requested change is already in place (a repeated post)."""
