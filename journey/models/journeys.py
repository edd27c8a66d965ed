"""A patient's procedure day: the journey and every verb that changes it.

Every change of state goes through a verb on Journey. Each verb runs in one transaction with the
journey row locked, checks the rules, writes, bumps ``version`` and appends one JourneyEvent; a refused
verb raises a JourneyError and writes nothing. The rules that close a stage live with the stage visit
(``journey/models/visits.py``); the patient's identity with the patient (``patients.py``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from operator import attrgetter
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from journey.errors import (
    AnswerConflict,
    InvalidAnswer,
    JourneyClosed,
    JourneyError,
    NotPermitted,
    NotReadyForRound,
    OutOfOrder,
    StageNotReady,
    StaleJourney,
    written_reason,
)
from journey.levels import parse_levels
from journey.models.audit import AuditEntry
from journey.models.events import JourneyEvent
from journey.models.handovers import Handover
from journey.models.observations import (
    MissedRound,
    News2Risk,
    ObservationRound,
    RoundRules,
    RoundTiming,
    Spo2Scale,
    Spo2ScaleOrder,
)
from journey.models.pathways import Configuration, ItemDefinition, Pathway, StageDefinition
from journey.models.patients import Patient, PatientDetails
from journey.models.reasons import Occasion, Reason, ReasonGiven
from journey.models.records import ClinicalRecord, NeverDeletedQuerySet, alters_data
from journey.models.red_flags import SCORED_KINDS, RedFlag, RedFlagKind
from journey.models.visits import Answer, StageTimer, StageVisit
from journey.validators import clean_phone, tidy
from journey.wording import clock, duration, levels_text, person

# Unambiguous when read aloud or from across a waiting room: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
PUBLIC_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
PUBLIC_CODE_LENGTH = 5


# Every handover of the journey, oldest first, with who wrote and who acknowledged it (the board's nurse,
# a handover waiting too long, the page's handover card).
def _handovers() -> Prefetch:
    return Prefetch(
        "handovers",
        queryset=Handover.objects.select_related("written_by", "acknowledged_by").order_by("written_at", "pk"),
        to_attr="recent_handovers",
    )


# Up to this many journeys, the board reads their lists by their ids rather than by the day's filter.
FEW_BY_ID = 50
# The board's order within a rank, and the list's.
JOURNEY_ORDER = ("scheduled_time", "bay", "pk")

# What the board reads of a day's journeys (or of their open visits), one definition each for both of
# on_board's ways of reading: by the day's filter (a subquery) or by a few ids (a list).
Selection = Callable[[Any], "models.QuerySet[Any]"]


def _the_journeys(ids: Any) -> models.QuerySet[Any]:
    return Journey.objects.filter(pk__in=ids)


def _their_open_visits(journeys: Any) -> models.QuerySet[Any]:
    return StageVisit.objects.filter(journey__in=journeys, completed_at__isnull=True)


def _their_standing_answers(visits: Any) -> models.QuerySet[Any]:
    return Answer.objects.filter(visit__in=visits, is_current=True)


def _their_rounds(visits: Any) -> models.QuerySet[Any]:
    return ObservationRound.objects.filter(visit__in=visits)


def _their_missed_rounds(visits: Any) -> models.QuerySet[Any]:
    return MissedRound.objects.filter(visit__in=visits)


def _their_open_flags(journeys: Any) -> models.QuerySet[Any]:
    return RedFlag.objects.filter(journey__in=journeys, resolved_at__isnull=True)


def _their_handovers(journeys: Any) -> models.QuerySet[Any]:
    return Handover.objects.filter(journey__in=journeys)


def _read(select: Selection, ids: Any, few: bool, order: tuple[str, ...], related: tuple[str, ...] = ()) -> list[Any]:
    """The rows ``select`` picks for ``ids``, in the order of ``order``, each with its ``related`` objects.

    Many (``ids`` a subquery): one query, sorted and joined by the database. A few (``ids`` a list, the
    rows a change made stale): the SQL Django compiles for ``select`` is kept, one per number of ids, and
    run again with these ids (``QuerySet.raw``, which converts the values as the ORM does); the rows are
    sorted here and their related objects read by their ids (``_attach``). For a handful of rows Django
    spent more building and compiling each query than running it."""
    if not few:
        queryset = select(ids).order_by(*order)
        return list(queryset.select_related(*related) if related else queryset)  # none named: none joined
    rows = sorted(_run_compiled(select, ids), key=attrgetter(*order))
    _attach(rows, related)
    return rows


def _attach(rows: list[Any], related: tuple[str, ...]) -> None:
    """Each row's ``related`` objects (foreign keys), read by id: one query per model, as a select_related
    would have joined them (a handover's writer and acknowledger are both users: one read)."""
    if not rows or not related:
        return
    fields = [cast(models.ForeignKey, rows[0]._meta.get_field(name)) for name in related]
    wanted: dict[type[models.Model], set[Any]] = {}
    for field in fields:
        wanted.setdefault(field.related_model, set()).update({getattr(row, field.attname) for row in rows} - {None})
    found = {model: {obj.pk: obj for obj in _run_compiled(_by_id(model), sorted(ids))} for model, ids in wanted.items()}
    for field in fields:
        for row in rows:
            field.set_cached_value(row, found[field.related_model].get(getattr(row, field.attname)))


def _run_compiled(select: Selection, ids: list[int]) -> list[Any]:
    if not ids:  # nothing to read (an empty IN cannot be compiled)
        return []
    queryset, sql, params, slots = _compiled(select, len(ids), connection.vendor)
    return list(
        queryset.raw(sql, [param if slot is None else ids[slot] for param, slot in zip(params, slots, strict=True)])
    )


@lru_cache(maxsize=1024)  # a few selections, each for 1 to FEW_BY_ID ids (or as many related ids)
def _compiled(
    select: Selection, count: int, vendor: str
) -> tuple[models.QuerySet[Any], str, tuple[Any, ...], tuple[int | None, ...]]:
    """``select``'s SQL for ``count`` ids, compiled once by Django from the queryset itself, and where in its
    parameters each id goes. Compiled with stand-ins no row has (ids are positive, these negative); the
    project has one database, so the default connection's vendor names the SQL's dialect."""
    stand_ins = list(range(-count, 0))
    queryset = select(stand_ins).order_by()
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    # type(p) is int, not isinstance: True is an int, and a stand-in is never a boolean.
    slots = tuple(stand_ins.index(p) if type(p) is int and p in stand_ins else None for p in params)
    if sorted(slot for slot in slots if slot is not None) != list(range(count)):
        raise ValueError(f"{select.__name__} must take each id once as a parameter of its SQL")
    return queryset, sql, tuple(params), slots


@cache
def _by_id(model: type[models.Model]) -> Selection:
    """A selection of ``model``'s rows by id (its base manager, as a select_related would read them)."""

    def select(ids: Any) -> models.QuerySet[Any]:
        return model._base_manager.filter(pk__in=ids)

    select.__name__ = f"{model.__name__} by id"
    return select


def _hang(child: models.Model, parent_field: str, parents: dict[int, Any], to_attr: str) -> None:
    """Hang a child on its parent's list, and the parent on the child, as a prefetch would."""
    field = cast(models.ForeignKey, type(child)._meta.get_field(parent_field))
    parent = parents[getattr(child, field.attname)]
    field.set_cached_value(child, parent)
    parent.__dict__[to_attr].append(child)


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
        """Everything a list of journeys shows, in eight queries whatever the count: journeys with their
        patient; the pathways; their open stage visit; the stages; the stages' checklist items, the visits'
        standing answers and observation rounds (the timer's "ready" needs them); their open red flags."""
        # The few stages and pathways are read once and shared by every visit and journey (a join made one
        # copy per row); lists (to_attr), not related managers, since a manager per visit cost a queryset
        # clone each. Together most of a 1000-journey board's read time.
        # Each list in its order within its visit or stage: the models' own orderings start with the parent
        # (the visit, the stage), which joined the journey or the pathway only to sort by them.
        open_visits = (
            StageVisit.objects.filter(completed_at__isnull=True)
            .order_by("started_at", "pk")
            .prefetch_related("stage")
            .prefetch_related(
                Prefetch(
                    "stage__items", queryset=ItemDefinition.objects.order_by("order", "pk"), to_attr="checklist_items"
                ),
                Prefetch("answers", queryset=Answer.objects.filter(is_current=True), to_attr="standing_answers"),
                Prefetch("rounds", queryset=ObservationRound.objects.order_by("number", "pk"), to_attr="all_rounds"),
                Prefetch("missed_rounds", queryset=MissedRound.objects.order_by("number", "pk"), to_attr="missed_list"),
            )
        )
        return (
            self.select_related("patient")
            .prefetch_related("pathway")
            .prefetch_related(Prefetch("visits", queryset=open_visits, to_attr="open_visits"))
            .prefetch_related(
                Prefetch("red_flags", queryset=RedFlag.objects.filter(resolved_at__isnull=True), to_attr="open_flags")
            )
            .prefetch_related(_handovers())
            .order_by("scheduled_time", "bay", "pk")
        )

    def in_unit(self) -> JourneyQuerySet:
        """Patients on the unit now: arrived, not yet gone home or cancelled."""
        return self.filter(status=Journey.Status.IN_PROGRESS)

    def for_handover_sheet(self) -> JourneyQuerySet:
        """The list's reads, plus every standing answer with its item (each patient's SBAR background)."""
        answers = Answer.objects.filter(is_current=True).select_related("item").order_by("answered_at", "pk")
        return self.for_list().prefetch_related(
            Prefetch("visits__answers", queryset=answers, to_attr="handover_answers")
        )

    def on_board(
        self, day: date, only: Collection[int] | None = None, configuration: Configuration | None = None
    ) -> list[Journey]:
        """The status board: the day's journeys (or ``only`` these) with what ``for_list`` reads, in as many
        queries, each related list read by the day rather than by the ids of every journey or visit.

        A prefetch filters by the ids of the objects it is given: on a 1000-journey board Django spent ~40
        ms turning those ids into seven lists of parameters, more than the queries themselves. Here each
        query selects by the journeys' own filter (a subquery), and the lists are hung where ``for_list``
        hangs them (``open_visits``, ``open_flags``, ``recent_handovers``; each visit's ``standing_answers``,
        ``all_rounds``, ``missed_list``; each stage's ``checklist_items``), with the stages and pathways
        shared. tests/tracker/test_board.py checks the rows it gives against ``for_list``'s, and
        tests/journey/test_board.py the few-ids read against the day's.

        ``only``: up to FEW_BY_ID of them are read by their ids with SQL compiled once (``_read``), keeping
        those of ``day``.

        ``configuration``: the pathways, stages and checklist items, when the caller keeps them (the board, a
        minute at a time); without it, or when it lacks a pathway or stage the journeys name, they are read."""
        # A few journeys (the rows a change made stale) are named by their ids (``_read``): the day's filter
        # compiled into each query as a subquery cost more than the handful of ids it found. A queryset
        # already filtered is read by the day, which keeps its filters.
        ids: Any
        if only is not None and len(only) <= FEW_BY_ID and not self.query.has_filters():
            few = True
            journeys = [j for j in _read(_the_journeys, sorted(only), few, JOURNEY_ORDER) if j.day == day]
            _attach(journeys, ("patient",))
            ids = [journey.pk for journey in journeys]
        else:
            few = False
            chosen = self.on_day(day) if only is None else self.on_day(day).filter(pk__in=only)
            journeys = list(chosen.select_related("patient").order_by(*JOURNEY_ORDER))
            ids = chosen.values("pk")
        if not journeys:
            return journeys
        visits = _read(_their_open_visits, ids, few, ("started_at", "pk"))
        visit_ids: Any = [visit.pk for visit in visits] if few else _their_open_visits(ids).values("pk")
        pathway_ids, stage_ids = {j.pathway_id for j in journeys}, {v.stage_id for v in visits}
        if configuration is not None and configuration.knows(pathway_ids, stage_ids):
            pathways, stages = configuration.pathways, configuration.stages
        else:
            pathways = {p.pk: p for p in Pathway.objects.filter(pk__in=pathway_ids)}
            stages = {s.pk: s for s in StageDefinition.objects.filter(pk__in=stage_ids)}
            # Hung in __dict__, as a prefetch's to_attr is (the models read them with hasattr).
            for stage in stages.values():
                stage.__dict__["checklist_items"] = []
            for item in ItemDefinition.objects.filter(stage__in=list(stages)).order_by("order", "pk"):
                _hang(item, "stage", stages, "checklist_items")
        by_journey = {journey.pk: journey for journey in journeys}
        by_visit = {visit.pk: visit for visit in visits}
        for journey in journeys:
            Journey.pathway.field.set_cached_value(journey, pathways[journey.pathway_id])
            journey.__dict__.update(open_visits=[], open_flags=[], recent_handovers=[])
        for visit in visits:
            visit.__dict__.update(standing_answers=[], all_rounds=[], missed_list=[])
            StageVisit.stage.field.set_cached_value(visit, stages[visit.stage_id])
            _hang(visit, "journey", by_journey, "open_visits")
        if visits:  # none on a day not begun: no query for what they would hold
            for answer in _read(_their_standing_answers, visit_ids, few, ("answered_at", "pk")):  # its Meta.ordering
                _hang(answer, "visit", by_visit, "standing_answers")
        # Rounds are recorded, and missed, only in a stage with a schedule of them (record_round and
        # mark_round_missed refuse others): with no open visit scheduling any, there are none to read.
        if any(visit.round_minutes for visit in visits):
            for found in _read(_their_rounds, visit_ids, few, ("number", "pk")):
                _hang(found, "visit", by_visit, "all_rounds")
            for missed in _read(_their_missed_rounds, visit_ids, few, ("number", "pk")):
                _hang(missed, "visit", by_visit, "missed_list")
        for flag in _read(_their_open_flags, ids, few, ("raised_at", "pk")):  # RedFlag.Meta.ordering
            _hang(flag, "journey", by_journey, "open_flags")
        handovers = _read(_their_handovers, ids, few, ("written_at", "pk"), ("written_by", "acknowledged_by"))
        for handover in handovers:
            _hang(handover, "journey", by_journey, "recent_handovers")
        return journeys

    def for_page(self) -> JourneyQuerySet:
        """One journey's page: its open visit with the stage's checklist and the rounds (with who
        recorded them), and every red flag, each read once."""
        open_visit = (
            StageVisit.objects.filter(completed_at__isnull=True)
            .select_related("stage", "minimum_overridden_by")
            .prefetch_related(
                "stage__items",
                Prefetch(
                    "rounds",
                    queryset=ObservationRound.objects.select_related(
                        "recorded_by", "entered_in_error_by", "review_recorded_by"
                    ),
                ),
                Prefetch("missed_rounds", queryset=MissedRound.objects.select_related("marked_by")),
            )
        )
        return (
            self.select_related("patient", "pathway")
            .prefetch_related(Prefetch("visits", queryset=open_visit, to_attr="open_visits"))
            .prefetch_related(
                Prefetch("red_flags", queryset=RedFlag.objects.filter(resolved_at__isnull=True), to_attr="open_flags")
            )
            .prefetch_related(_handovers())
            .prefetch_related(
                Prefetch(
                    "spo2_scale_orders",
                    queryset=Spo2ScaleOrder.objects.select_related("set_by").order_by("set_at", "pk"),
                    to_attr="scale_orders",
                )
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
        source: str = "",
    ) -> Journey:
        """Book a patient's procedure day: find (or register) the patient and the journey, in one
        transaction, so a refused booking leaves no new patient behind. The day starts when the patient
        arrives (``arrive``). A refusal names the detail it is about (``JourneyError.field``).

        No planned levels (an empty list, as a booking from the hospital's schedule may come) books the
        day with "levels to confirm": no stage closes until a nurse records them (``change_booking``).
        ``source`` names who booked it when that is not ``by``'s doing alone ("the hospital's schedule").
        A bay held by another patient whose day is not over is refused unless ``bay_handover`` says the
        hand-over is planned."""
        now = now or timezone.now()
        try:
            levels = parse_levels(planned_levels) if planned_levels != [] else []
        except ValidationError as exc:
            raise JourneyError(" ".join(exc.messages), field="planned_levels") from exc
        try:
            phone = clean_phone(driver_phone)
        except ValidationError as exc:
            raise JourneyError(" ".join(exc.messages), field="driver_phone") from exc
        if not pathway.is_active:
            raise JourneyError(f"The {pathway.name} pathway is no longer offered.", field="pathway")
        with transaction.atomic():
            registered = False
            if isinstance(patient, PatientDetails):
                patient, registered = Patient.objects.find_or_register(patient, by=by)
            duplicate = JourneyError(f"{patient.full_name} already has a journey on {day:%d %b %Y}.", field="day")
            # A patient registered just now has no journey yet (one query fewer for each new patient).
            if not registered and self.filter(patient=patient, day=day).exclude(status__in=Journey.NOT_HELD).exists():
                raise duplicate
            handed_over_by = self.refuse_held_bay(day, bay, patient=patient, handover=bay_handover)
            try:
                # No savepoint of its own: a clash refuses the whole booking, which the block above undoes.
                with transaction.atomic(savepoint=False):
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
                    booked = f"Booked by {source}" if source else "Booked"
                    summary = f"{booked} for {pathway.name} at {levels_text(levels)}, {scheduled_time:%H:%M}"
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
        ADMITTED_OVERNIGHT = "admitted", "Admitted overnight"

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
            ("admit_overnight", "Can admit a patient overnight"),
        ]

    def __str__(self) -> str:
        return f"{self.patient.full_name}, {self.pathway.name}, {self.day:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("journey", args=[self.pk])

    # --- reading ---

    @property
    def is_closed(self) -> bool:
        return self.status in (
            self.Status.COMPLETED,
            self.Status.CANCELLED,
            self.Status.DID_NOT_ARRIVE,
            self.Status.ADMITTED_OVERNIGHT,
        )

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

    def alerts(self, now: datetime, timer: StageTimer | None = None) -> list[Alert]:
        """What about this journey needs someone's attention now, most urgent first. Uses only what
        ``for_list`` prefetches, so a list of any length costs no extra query. ``timer``: the current
        stage's timer at ``now``, when the caller has it already."""
        alerts = [Alert("red-flag", f"Red flag: {flag.get_kind_display()}") for flag in self.open_red_flags]
        visit = self.current_visit
        if visit is not None:
            slots = visit.round_slots(now)
            if any(slot.state == "continuous" for slot in slots):
                alerts.append(Alert("continuous", "NEWS2 high: continuous monitoring"))
            overdue = [slot for slot in slots if slot.state == "overdue"]
            if overdue:
                alerts.append(Alert("round-overdue", overdue_text([slot.number for slot in overdue])))
            alerts.extend(
                Alert("news2-review", f"NEWS2 review needed (round {r.number})")
                for r in visit.standing_rounds()
                if r.needs_review
            )
        waiting = self.waiting_handover() if not self.is_closed else None
        if waiting is not None and waiting.waiting_too_long(now):
            alerts.append(
                Alert("handover", f"Handover waiting {duration(now - waiting.written_at)} for acknowledgement")
            )
        if visit is not None:
            timer = timer or visit.timer(now)
            if timer.state == "over":
                alerts.append(Alert("over-target", f"{visit.stage_name} over target"))
            elif timer.state == "ready":
                alerts.append(Alert("ready", timer.label))
        if not self.is_closed and not self.planned_levels:
            alerts.append(Alert("levels", "Levels to confirm"))
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

    def spo2_scale_order(self) -> Spo2ScaleOrder | None:
        """The clinician's standing SpO2 scale order (the latest), or None: Scale 1."""
        if hasattr(self, "scale_orders"):
            return self.scale_orders[-1] if self.scale_orders else None
        return self.spo2_scale_orders.select_related("set_by").order_by("set_at", "pk").last()

    @property
    def spo2_scale(self) -> int:
        order = self.spo2_scale_order()
        return order.scale if order else Spo2Scale.SCALE_1

    def waiting_handover(self) -> Handover | None:
        """The handover written and not yet acknowledged, if any (one at most)."""
        if hasattr(self, "recent_handovers"):
            return next((h for h in self.recent_handovers if not h.is_acknowledged), None)
        return self.handovers.select_related("written_by").filter(acknowledged_at__isnull=True).first()

    @property
    def nurse(self) -> Any:
        """The patient's nurse: whoever acknowledged the latest handover (None before any)."""
        if hasattr(self, "recent_handovers"):
            done = [h for h in self.recent_handovers if h.is_acknowledged]
            return done[-1].acknowledged_by if done else None
        last = (
            self.handovers.filter(acknowledged_at__isnull=False)
            .select_related("acknowledged_by")
            .order_by("acknowledged_at", "pk")
            .last()
        )
        return last.acknowledged_by if last else None

    def last_news2_round(self) -> ObservationRound | None:
        """The latest standing round with a NEWS2, in the current stage (for the board and the wall)."""
        visit = self.current_visit
        if visit is None:
            return None
        scored = [r for r in visit.standing_rounds() if r.news2_total is not None]
        return max(scored, key=lambda r: (r.recorded_at, r.pk), default=None)

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
        self,
        *,
        reason: Reason | None,
        detail: str = "",
        by: Any,
        now: datetime | None = None,
        expected_version: int | None = None,
    ) -> None:
        """A booked patient who never came: the day ends without a stage, with a coded reason kept."""
        now = now or timezone.now()
        reason, detail = _coded(reason, detail, Occasion.DID_NOT_ARRIVE)
        with self._changing(expected_version) as journey:
            if journey.status != self.Status.SCHEDULED:
                raise OutOfOrder(f"{journey.patient.full_name} has already arrived: cancel the procedure instead.")
            journey.status = self.Status.DID_NOT_ARRIVE
            journey._save_change("status")
            given = journey._give_reason(reason, detail, by, now)
            journey._log(
                JourneyEvent.Kind.DID_NOT_ARRIVE, by, now, f"Did not arrive: {given.text}", data=given.history_data
            )

    @alters_data
    def reschedule(
        self,
        *,
        day: date,
        scheduled_time: time,
        by: Any,
        now: datetime | None = None,
        expected_version: int | None = None,
        source: str = "",
    ) -> None:
        """Move a booked day to another date or time, before the patient arrives."""
        now = now or timezone.now()
        with self._changing(expected_version) as journey:
            if journey.status != self.Status.SCHEDULED:
                raise OutOfOrder(f"{journey.patient.full_name} has already arrived: the day can no longer be moved.")
            if (journey.day, journey.scheduled_time) == (day, scheduled_time):
                raise _Unchanged
            taken = (
                Journey.objects.filter(patient_id=journey.patient_id, day=day)
                .exclude(pk=journey.pk)
                .exclude(status__in=Journey.NOT_HELD)
            )
            duplicate = JourneyError(
                f"{journey.patient.full_name} already has a journey on {day:%d %b %Y}.", field="day"
            )
            if taken.exists():
                raise duplicate
            was = f"{journey.day:%d %b %Y} {journey.scheduled_time:%H:%M}"
            journey.day, journey.scheduled_time = day, scheduled_time
            try:
                with transaction.atomic():
                    journey._save_change("day", "scheduled_time")
            except IntegrityError:
                # Booked onto that day by another workstation between the check and the write.
                raise duplicate from None
            by_whom = f" by {source}" if source else ""
            journey._log(
                JourneyEvent.Kind.RESCHEDULED,
                by,
                now,
                f"Rescheduled{by_whom} to {day:%d %b %Y} {scheduled_time:%H:%M} (was {was})",
            )

    @alters_data
    def change_booking(
        self,
        *,
        by: Any,
        bay: str | None = None,
        planned_levels: str | list[str] | None = None,
        scheduled_time: time | None = None,
        now: datetime | None = None,
        expected_version: int | None = None,
        source: str = "",
        bay_handover: bool = False,
    ) -> None:
        """Change the bay, the planned levels or the booked time; what is not given stays as it is.

        Levels change until a stage has closed (consent checks them); the time until the patient arrives;
        the bay at any time. Recording levels on a day booked with "levels to confirm" is this verb too.
        A bay held by another patient whose day is not over is refused unless ``bay_handover`` says so.
        """
        now = now or timezone.now()
        levels = None
        if planned_levels is not None:
            try:
                levels = parse_levels(planned_levels)
            except ValidationError as exc:
                raise JourneyError(" ".join(exc.messages), field="planned_levels") from exc
        if bay is not None:
            bay = tidy(bay)
            if len(bay) > 20:
                raise JourneyError("A bay is at most 20 characters.", field="bay")
        with self._changing(expected_version) as journey:
            changes, fields = [], []
            if bay is not None and bay != journey.bay:
                handed_over_by = Journey.objects.refuse_held_bay(
                    journey.day, bay, patient=journey.patient, handover=bay_handover
                )
                changes.append(f"bay {bay or 'none'} (was {journey.bay or 'none'})")
                if handed_over_by is not None:
                    changes.append(f"bay {bay} handed over from {handed_over_by.patient.initials}")
                journey.bay = bay
                fields.append("bay")
            if levels is not None and levels != journey.planned_levels:
                if journey.visits.filter(completed_at__isnull=False).exists():
                    raise JourneyError(
                        f"{journey.patient.full_name}'s levels were checked at consent and can no longer change: "
                        "cancel and book again if they are wrong.",
                        field="planned_levels",
                    )
                changes.append(f"{levels_text(levels)} (was {levels_text(journey.planned_levels)})")
                journey.planned_levels = levels
                fields.append("planned_levels")
            if scheduled_time is not None and scheduled_time != journey.scheduled_time:
                if journey.status != self.Status.SCHEDULED:
                    raise OutOfOrder(
                        f"{journey.patient.full_name} has already arrived: the booked time can no longer change."
                    )
                changes.append(f"time {scheduled_time:%H:%M} (was {journey.scheduled_time:%H:%M})")
                journey.scheduled_time = scheduled_time
                fields.append("scheduled_time")
            if not changes:
                raise _Unchanged
            journey._save_change(*fields)
            by_whom = f" by {source}" if source else ""
            journey._log(
                JourneyEvent.Kind.BOOKING_CHANGED,
                by,
                now,
                f"Booking changed{by_whom}: {'; '.join(changes)}",
                journey.current_visit,
            )

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
        delay_reason: Reason | None = None,
        delay_detail: str = "",
    ) -> StageVisit | None:
        """Close the current stage and open the next one in pathway order; closing the last ends the day.

        ``stage`` is the stage the person meant to close: if the journey has moved on, nothing happens
        twice. A stage closing over its target needs ``delay_reason``, a coded reason for the delay (and
        ``delay_detail``, a few words, when it is "other"); it goes in the history and the reports.
        Returns the next stage's visit, or None when the journey is complete.
        """
        now = now or timezone.now()
        with self._changing(expected_version) as journey:
            visit = journey._require_open_visit()
            if stage is not None and stage.pk != visit.stage_id:
                raise OutOfOrder(journey._not_current_message(stage))
            problems = visit.problems(now)
            if problems:
                raise StageNotReady(f"{visit.stage_name} cannot be completed yet: {' '.join(problems)}", problems)
            over = visit.is_over_target(now)
            if over:
                if delay_reason is None:
                    raise DelayReasonNeeded(
                        f"{visit.stage_name} took {duration(now - visit.started_at)}, over its "
                        f"{duration(visit.target)} target: choose the main reason for the delay from the list."
                    )
                delay_detail = delay_reason.checked_detail(delay_detail, occasion=Occasion.DELAY)
            visit.completed_at = now
            visit.completed_by = by
            if visit.next_is_discharge:
                visit.ready_for_discharge_at = visit.became_ready_at(now)
            visit.save(update_fields=["completed_at", "completed_by", "ready_for_discharge_at"])
            following = visit.stage.next_stage()
            took = duration(now - visit.started_at)
            data: dict[str, Any] = {}
            if over and delay_reason is not None:
                given = journey._give_reason(delay_reason, delay_detail, by, now, visit)
                took += f", over its {duration(visit.target)} target: {given.text}"
                data = given.history_data
            if following is None:
                journey.status = self.Status.COMPLETED
                next_visit = None
                summary = f"{visit.stage_name} completed ({took}); patient has gone home"
            else:
                next_visit = journey._open(following, by, now)
                summary = f"{visit.stage_name} completed ({took}); {following.name} started"
            journey._save_change("status")
            journey._log(JourneyEvent.Kind.STAGE_COMPLETED, by, now, summary, visit, data)
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
        """Record an observation round of the current stage: scores its NEWS2, raises the red flags its
        values call for, and keeps whether it was on time, late, or an extra round.

        ``observations`` is an unsaved round holding the measured values (from the nurse's form). A round
        counts for a slot of the schedule from 5 minutes before that slot is due until the next slot's
        window opens (after the 5-minute grace it is late); recorded before any open slot's window, it
        is kept as an extra round that does not count.
        """
        now = now or timezone.now()
        with self._changing(expected_version) as journey:
            visit = journey._require_open_visit()
            if not visit.round_minutes:
                raise OutOfOrder(f"{visit.stage_name} has no observation rounds.")
            rules = RoundRules.objects.for_pathway(journey.pathway)
            standing = visit.standing_rounds()
            if not standing and not rules.first_round_before_handover:
                journey._require_acknowledged_handover_into(visit)
            scale = journey.spo2_scale_order()
            if observations.spo2_scale != (scale.scale if scale else Spo2Scale.SCALE_1):
                raise InvalidAnswer(journey._scale_refusal(scale))
            observations.visit = visit
            slots = visit.round_slots(now)
            # The round whose window is open now: the latest one that has opened. A round so late that the
            # next one's window has opened is not filled by this one; a clinician marks it missed.
            opened = [slot for slot in slots if slot.opens_by(now)]
            current = opened[-1] if opened else None
            if current is not None and current.is_open:
                observations.number, observations.due_at = current.number, current.due_at
                late = current.is_late_at(now)
                observations.timing = RoundTiming.LATE if late else RoundTiming.ON_TIME
            else:
                observations.number = visit.next_extra_number()
                observations.due_at = None
                coming = any(slot.is_open and not slot.opens_by(now) for slot in slots)
                observations.timing = RoundTiming.EARLY if coming else RoundTiming.EXTRA
            observations.recorded_at, observations.recorded_by = now, by
            needed = (("consciousness (ACVPU)", observations.consciousness), ("temperature", observations.temperature))
            missing = [label for label, value in needed if value in (None, "")]
            if missing:
                raise InvalidAnswer(f"Record the {' and the '.join(missing)}: NEWS2 needs them.")
            try:
                observations.full_clean()
                result = observations.score_news2()
            except ValidationError as exc:
                raise InvalidAnswer(" ".join(exc.messages)) from exc
            except ValueError as exc:
                raise InvalidAnswer(f"These values cannot be scored: {exc}") from exc
            observations.concerns, red = observations.assess(journey.baseline(), rules)
            observations.save()
            journey._save_change()
            journey._log(
                JourneyEvent.Kind.ROUND_RECORDED,
                by,
                now,
                observations.summary(),
                visit,
                {
                    "round": observations.pk,
                    "timing": observations.timing,
                    "news2": result.total,
                    "risk": result.risk,
                },
            )
            open_kinds = {flag.kind for flag in journey.red_flags.filter(resolved_at__isnull=True)}
            for kind, detail in red:
                if kind in SCORED_KINDS and kind in open_kinds:
                    continue  # the score's flag is still open: one flag, escalated once
                journey._raise_red_flag(visit, kind, detail, by, now, observations)
        return observations

    @alters_data
    def mark_round_missed(
        self, number: int, *, reason: str, by: Any, now: datetime | None = None, expected_version: int | None = None
    ) -> MissedRound:
        """A clinician marks a scheduled round that was not done as missed, with the reason; recovery may then
        close without it, and the history keeps it."""
        now = now or timezone.now()
        if not by.has_perm("journey.mark_round_missed"):
            raise NotPermitted("Only a clinician (clinical lead) can mark a round as missed.")
        reason = written_reason(reason, what="why the round was missed")
        with self._changing(expected_version) as journey:
            visit = journey._require_open_visit()
            slot = next((s for s in visit.round_slots(now) if s.number == number and s.scheduled), None)
            if slot is None:
                raise JourneyError(f"{visit.stage_name} has no scheduled round {number}.")
            if slot.done is not None:
                raise JourneyError(
                    f"Round {number} was recorded at {clock(slot.done.recorded_at)} by {person(slot.done.recorded_by)}."
                )
            if slot.missed is not None:
                raise JourneyError(
                    f"Round {number} was already marked missed by {person(slot.missed.marked_by)} "
                    f"at {clock(slot.missed.marked_at)}."
                )
            if slot.state != "overdue" and not visit.minimum_overridden_at:
                # Only a patient leaving early (the minimum overridden) misses a round before it is overdue.
                raise JourneyError(f"Round {number} is not overdue yet (due {clock(slot.due_at)}): record it instead.")
            missed = MissedRound.objects.create(
                visit=visit, number=number, due_at=slot.due_at, marked_at=now, marked_by=by, reason=reason
            )
            journey._save_change()
            journey._log(
                JourneyEvent.Kind.ROUND_MISSED,
                by,
                now,
                f"Round {number} (due {clock(slot.due_at)}) marked missed: {reason}",
                visit,
                {"round_number": number},
            )
        return missed

    @alters_data
    def record_news2_review(
        self,
        observations: ObservationRound,
        *,
        told_who: str,
        told_at: datetime,
        by: Any,
        now: datetime | None = None,
        expected_version: int | None = None,
    ) -> None:
        """Low-medium NEWS2 asks for an urgent review by a clinician: record who was asked, and when."""
        now = now or timezone.now()
        told_who = written_reason(told_who, what="who was asked to review (name and role)", minimum=1)
        with self._changing(expected_version) as journey:
            mine = ObservationRound.objects.filter(pk=observations.pk, visit__journey=journey).first()
            if mine is None:
                raise JourneyError("That round belongs to another patient.")
            if mine.news2_risk != News2Risk.LOW_MEDIUM:
                raise JourneyError(f"Round {mine.number}'s NEWS2 does not ask for a review by itself.")
            if mine.review_told_at is not None:
                raise JourneyError(
                    f"A review of round {mine.number} was already asked of {mine.review_told_who} "
                    f"at {clock(mine.review_told_at)}."
                )
            _check_told_at(told_at, since=mine.recorded_at, now=now, verb="asked", event="the round")
            mine.review_told_who, mine.review_told_at, mine.review_recorded_by = told_who, told_at, by
            mine.save(update_fields=["review_told_who", "review_told_at", "review_recorded_by"])
            journey._save_change()
            journey._log(
                JourneyEvent.Kind.REVIEW_ASKED,
                by,
                now,
                f"NEWS2 {mine.news2_total} on round {mine.number}: review asked of {told_who} at {clock(told_at)}",
                mine.visit,
                {"round": mine.pk},
            )

    @alters_data
    def set_spo2_scale(
        self, scale: int, *, reason: str, by: Any, now: datetime | None = None, expected_version: int | None = None
    ) -> Spo2ScaleOrder:
        """A clinician sets the SpO2 scale NEWS2 uses for this patient (Scale 2: hypercapnic respiratory
        failure, target 88-92%), with the reason; kept with who and when."""
        now = now or timezone.now()
        if not by.has_perm("journey.set_spo2_scale"):
            raise NotPermitted("Only a clinician (clinical lead) can set the SpO2 scale.")
        if scale not in Spo2Scale.values:
            raise JourneyError("Choose Scale 1 or Scale 2.")
        reason = written_reason(reason, what="why this scale applies")
        with self._changing(expected_version) as journey:
            current = journey.spo2_scale_order()
            if (current.scale if current else Spo2Scale.SCALE_1) == scale:
                raise JourneyError(f"{Spo2Scale(scale).label.split(' (')[0]} is already the scale in use.")
            order = Spo2ScaleOrder.objects.create(journey=journey, scale=scale, reason=reason, set_at=now, set_by=by)
            journey._save_change()
            journey._log(
                JourneyEvent.Kind.SPO2_SCALE_SET,
                by,
                now,
                f"SpO2 {Spo2Scale(scale).label} set: {reason}",
                journey.current_visit,
                {"scale": scale},
            )
        return order

    @alters_data
    def write_handover(
        self,
        *,
        occasion: str,
        situation: str,
        background: str,
        assessment: str,
        recommendation: str,
        by: Any,
        now: datetime | None = None,
        expected_version: int | None = None,
    ) -> Handover:
        """The handing nurse writes an SBAR handover; the receiving nurse acknowledges it (``acknowledge_handover``)."""
        now = now or timezone.now()
        if occasion not in Handover.Occasion.values:
            raise JourneyError("Choose when this handover happens: into recovery, or a change of nurse or shift.")
        texts = {
            name: written_reason(text, what=f"the {name}", minimum=1)
            for name, text in (
                ("situation", situation),
                ("background", background),
                ("assessment", assessment),
                ("recommendation", recommendation),
            )
        }
        with self._changing(expected_version) as journey:
            visit = journey._require_open_visit()
            waiting = journey.waiting_handover()
            if waiting is not None:
                raise JourneyError(
                    f"{person(waiting.written_by)}'s handover from {clock(waiting.written_at)} is still waiting for "
                    "the receiving nurse: it must be acknowledged first."
                )
            if occasion == Handover.Occasion.INTO_RECOVERY and not visit.round_minutes:
                raise OutOfOrder(f"{journey.patient.given_name} is in {visit.stage_name}, not in recovery.")
            handover = Handover.objects.create(
                journey=journey, visit=visit, occasion=occasion, written_at=now, written_by=by, **texts
            )
            journey._save_change()
            journey._log(
                JourneyEvent.Kind.HANDOVER_WRITTEN,
                by,
                now,
                f"Handover ({handover.get_occasion_display().lower()}) written by {person(by)}",
                visit,
                {"handover": handover.pk},
            )
        return handover

    @alters_data
    def acknowledge_handover(
        self, handover: Handover, *, by: Any, now: datetime | None = None, expected_version: int | None = None
    ) -> None:
        """The receiving nurse has read the handover; from now on they are the patient's nurse."""
        now = now or timezone.now()
        with self._changing(expected_version) as journey:
            mine = journey.handovers.select_related("written_by", "acknowledged_by").filter(pk=handover.pk).first()
            if mine is None:
                raise JourneyError("That handover belongs to another patient.")
            if mine.is_acknowledged:
                raise JourneyError(
                    f"This handover was already acknowledged by {person(mine.acknowledged_by)} "
                    f"at {clock(mine.acknowledged_at or now)}."
                )
            if mine.written_by_id == by.pk:
                raise NotPermitted("The receiving nurse acknowledges a handover: you wrote this one.")
            mine.acknowledged_at, mine.acknowledged_by = now, by
            mine.save(update_fields=["acknowledged_at", "acknowledged_by"])
            journey._save_change()
            journey._log(
                JourneyEvent.Kind.HANDOVER_ACKNOWLEDGED,
                by,
                now,
                f"Handover from {person(mine.written_by)} ({clock(mine.written_at)}) acknowledged; "
                f"{person(by)} is now the patient's nurse",
                mine.visit,
                {"handover": mine.pk},
            )

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
        if kind in SCORED_KINDS:
            raise JourneyError("NEWS2 red flags come from a round's score: record the round.")
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
            _check_told_at(told_at, since=flag.raised_at, now=now, verb="told", event="the red flag")
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
    def cancel(
        self,
        *,
        reason: Reason | None,
        detail: str = "",
        by: Any,
        now: datetime | None = None,
        expected_version: int | None = None,
    ) -> None:
        """Call the day off, before or after arrival, with a coded reason for that moment (and a few
        words when it is "other")."""
        now = now or timezone.now()
        with self._changing(expected_version) as journey:
            arrived = journey.status != self.Status.SCHEDULED
            occasion = Occasion.CANCELLED_AFTER_ARRIVAL if arrived else Occasion.CANCELLED_BEFORE_ARRIVAL
            reason, detail = _coded(reason, detail, occasion)
            journey.status = self.Status.CANCELLED
            journey._save_change("status")
            visit = journey.current_visit
            given = journey._give_reason(reason, detail, by, now, visit)
            when = "after arrival" if arrived else "before arrival"
            journey._log(
                JourneyEvent.Kind.CANCELLED, by, now, f"Cancelled {when}: {given.text}", visit, given.history_data
            )

    @alters_data
    def admit_overnight(
        self,
        *,
        reason: Reason | None,
        detail: str = "",
        by: Any,
        now: datetime | None = None,
        expected_version: int | None = None,
    ) -> None:
        """A patient who cannot go home today (no driver, a complication, not fit) ends the day admitted
        overnight: a clinician's decision, with a coded reason. Not a cancellation, not a discharge."""
        now = now or timezone.now()
        if not by.has_perm("journey.admit_overnight"):
            raise NotPermitted("Only a clinical lead can admit a patient overnight.")
        reason, detail = _coded(reason, detail, Occasion.OVERNIGHT)
        with self._changing(expected_version) as journey:
            if journey.status != self.Status.IN_PROGRESS:
                raise OutOfOrder(f"{journey.patient.full_name} has not arrived: there is no one to admit.")
            journey.status = self.Status.ADMITTED_OVERNIGHT
            journey._save_change("status")
            visit = journey.current_visit
            given = journey._give_reason(reason, detail, by, now, visit)
            journey._log(
                JourneyEvent.Kind.ADMITTED_OVERNIGHT,
                by,
                now,
                f"Admitted overnight: {given.text}",
                visit,
                given.history_data,
            )

    @alters_data
    def record_unplanned_return(
        self,
        *,
        reason: Reason | None,
        detail: str = "",
        by: Any,
        now: datetime | None = None,
        expected_version: int | None = None,
    ) -> None:
        """The patient went back to the procedure room unplanned (a day-surgery indicator): recorded with
        a coded reason against the stage they were in."""
        now = now or timezone.now()
        reason, detail = _coded(reason, detail, Occasion.UNPLANNED_RETURN)
        with self._changing(expected_version) as journey:
            visit = journey._require_open_visit()
            journey._save_change()
            given = journey._give_reason(reason, detail, by, now, visit)
            journey._log(
                JourneyEvent.Kind.UNPLANNED_RETURN,
                by,
                now,
                f"Unplanned return to the procedure room: {given.text}",
                visit,
                given.history_data,
            )

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
        for prefetched in ("open_visits", "open_flags", "recent_handovers", "scale_orders"):
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

    def _give_reason(
        self, reason: Reason, detail: str, by: Any, now: datetime, visit: StageVisit | None = None
    ) -> ReasonGiven:
        given = ReasonGiven.build(reason, detail, journey=self, visit=visit, at=now, by=by)
        given.save()
        return given

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

    def _require_acknowledged_handover_into(self, visit: StageVisit) -> None:
        handovers = list(visit.handovers.filter(occasion=Handover.Occasion.INTO_RECOVERY).select_related("written_by"))
        if any(h.is_acknowledged for h in handovers):
            return
        if handovers:
            waiting = handovers[-1]
            raise NotReadyForRound(
                f"The handover into {visit.stage_name} ({person(waiting.written_by)}, {clock(waiting.written_at)}) "
                "must be acknowledged by the receiving nurse before the first round."
            )
        raise NotReadyForRound(
            f"Write the handover into {visit.stage_name}, and have the receiving nurse acknowledge it, "
            "before the first round."
        )

    def _scale_refusal(self, order: Spo2ScaleOrder | None) -> str:
        if order is None or order.scale == Spo2Scale.SCALE_1:
            return (
                "SpO2 Scale 2 is used only when a clinician has set it for this patient: record on Scale 1, "
                "or ask a clinician to set Scale 2."
            )
        return (
            f"{person(order.set_by)} set SpO2 Scale 2 for this patient at {clock(order.set_at)}: record on Scale 2 "
            "(or ask a clinician to set Scale 1 again)."
        )

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


class DelayReasonNeeded(StageNotReady):
    """A stage over its target closes only with a coded reason for the delay."""


def _check_told_at(told_at: datetime, *, since: datetime, now: datetime, verb: str, event: str) -> None:
    """When someone was told of a red flag or asked to review a score: not in the future, and not long
    before what they were told of (a slip in the time typed)."""
    if told_at > now + timedelta(minutes=1):
        raise JourneyError(f"The time they were {verb} cannot be in the future.")
    if told_at < since - timedelta(hours=12):
        raise JourneyError(f"The time they were {verb} is long before {event}: check the time.")


def _coded(reason: Reason | None, detail: str, occasion: str) -> tuple[Reason, str]:
    """The reason and the detail to keep with it, or a refusal (no reason, one for another moment, or an
    "other" without words)."""
    if reason is None:
        raise JourneyError(f"Choose a reason from the list for: {Occasion(occasion).label.lower()}.")
    return reason, reason.checked_detail(detail, occasion=occasion)


@dataclass(frozen=True)
class Alert:
    # red-flag, continuous, round-overdue, news2-review, handover, bay-clash, over-target, ready, levels, no-driver
    kind: str
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
