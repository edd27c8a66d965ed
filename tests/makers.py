"""Small builders for test data. Tests do not depend on the JSON fixtures."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from journey import roles
from journey.demo import answer_stage, settled_round
from journey.models import (
    Answer,
    ItemDefinition,
    Journey,
    JourneyEvent,
    Occasion,
    Pathway,
    Patient,
    Reason,
    ReasonCategory,
    StageDefinition,
    StageVisit,
)

PASSWORD = "test-password-long-enough"
PADSS = ("vitals", "activity", "pain_nausea", "bleeding", "intake_output")
_serial = itertools.count(1)
Kind = ItemDefinition.Kind
Rule = ItemDefinition.Rule


def make_user(role: str | None = roles.NURSE, **fields: Any) -> Any:
    n = next(_serial)
    fields.setdefault("username", f"{(role or 'nobody').lower().replace(' ', '_')}{n}")
    fields.setdefault("first_name", "Test")
    fields.setdefault("last_name", f"{role or 'Nobody'} {n}")
    user = get_user_model().objects.create_user(password=PASSWORD, **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_patient(**fields: Any) -> Patient:
    n = next(_serial)
    fields.setdefault("mrn", f"T{n:06d}")
    fields.setdefault("given_name", "Ada")
    fields.setdefault("family_name", f"Tester{n}")
    fields.setdefault("date_of_birth", date(1945, 5, 17))
    return Patient.objects.create(**fields)


def make_stage(pathway: Pathway, code: str, order: int, target: int = 20, **fields: Any) -> StageDefinition:
    fields.setdefault("name", code.capitalize())
    return StageDefinition.objects.create(pathway=pathway, code=code, order=order, target_minutes=target, **fields)


def make_item(stage: StageDefinition, code: str, kind: str = Kind.TICK, **fields: Any) -> ItemDefinition:
    fields.setdefault("label", code.replace("_", " ").capitalize())
    fields.setdefault("order", stage.items.count() + 1)
    item = ItemDefinition(stage=stage, code=code, kind=kind, **fields)
    item.full_clean()
    item.save()
    return item


def make_pathway(code: str = "vertebroplasty", name: str = "Vertebroplasty") -> Pathway:
    """The design card's six stages, each with the items that carry a rule worth testing.

    Orders are 10 apart on purpose: stages run by order, not by consecutive numbers.
    """
    pathway = Pathway.objects.create(code=code, name=name)
    consent = make_stage(pathway, "consent", 10, target=20)
    make_item(consent, "identity")
    make_item(consent, "driver_confirmed", rule=Rule.DRIVER_DETAILS)
    make_item(consent, "follow_up_leaflet", required=False)
    prep = make_stage(pathway, "prep", 20, target=30)
    make_item(prep, "baseline_systolic", Kind.NUMBER, unit="mmHg", min_value=50, max_value=260, baseline="systolic")
    positioning = make_stage(pathway, "positioning", 30, target=10, name="Prone positioning")
    make_item(positioning, "safe_prone", Kind.YES_NO, required_answer="yes")
    make_item(positioning, "timeout_levels", Kind.LEVELS, rule=Rule.PLANNED_LEVELS)
    injection = make_stage(pathway, "injection", 40, target=60, target_per_level=True, name="Injection")
    make_item(
        injection,
        "cement_volume",
        Kind.LEVEL_NUMBERS,
        rule=Rule.PLANNED_LEVELS,
        unit="mL",
        min_value=0,
        max_value=15,
        flag_above=7,
    )
    make_item(injection, "cement_leakage", Kind.YES_NO, flag_answer="yes", red_flag="cement_leakage")
    recovery = make_stage(
        pathway,
        "recovery",
        50,
        target=120,
        minimum_minutes=120,
        name="Flat recovery",
        round_minutes="15, 30, 45, 60, 90, 120",
        countdown_label="Flat until",
        countdown_done="Two hours flat are done",
    )
    make_item(recovery, "lying_flat")
    discharge = make_stage(
        pathway,
        "discharge",
        60,
        target=20,
        name="Discharge",
        score_name="Discharge score (PADSS)",
        score_minimum=9,
        blocked_by_red_flag=True,
        is_discharge=True,
        prints_discharge_sheet=True,
    )
    for measure in PADSS:
        make_item(discharge, f"padss_{measure}", Kind.SCORE, choices="2 = Good\n1 = Fair\n0 = Poor")
    make_item(discharge, "driver_present", Kind.YES_NO, required_answer="yes", rule=Rule.DRIVER_DETAILS)
    return pathway


def make_journey(
    pathway: Pathway,
    by: Any,
    *,
    day: date | None = None,
    now: datetime | None = None,
    levels: str = "T12 L1",
    driver: tuple[str, str] = ("Dee Driver", "07700 900123"),
    patient: Patient | None = None,
    bay: str | None = None,
) -> Journey:
    """A booking; without ``bay``, the first bay from 3 up that nobody holds that day (one bay, one patient)."""
    day = day or date(2026, 11, 21)
    if bay is None:
        bay = next(str(n) for n in range(3, 1000) if Journey.objects.bay_holder(day, str(n)) is None)
    return Journey.objects.book(
        patient=patient or make_patient(),
        pathway=pathway,
        day=day,
        scheduled_time=time(8, 30),
        bay=bay,
        planned_levels=levels,
        driver_name=driver[0],
        driver_phone=driver[1],
        by=by,
        now=now,
    )


def walk_to(journey: Journey, stage_code: str, by: Any, *, now: datetime | None = None) -> StageVisit:
    """Start the journey (if booked) and complete stages until ``stage_code`` is current."""
    if journey.status == Journey.Status.SCHEDULED:
        journey.arrive(by=by, now=now)
    while journey.open_visit().stage.code != stage_code:
        answer_stage(journey, by=by, now=now)
        record_all_rounds(journey, by, now=now)
        if journey.open_visit().minimum_minutes:
            override(journey, now=now)
        complete(journey, by, now=now)
    return journey.open_visit()


def record_all_rounds(journey: Journey, by: Any, *, now: datetime | None = None) -> None:
    """Record every open scheduled round at its due time, so each counts (rounds are timed)."""
    for slot in journey.open_visit().round_slots(now):
        if slot.is_open and slot.scheduled:
            journey.record_round(settled_round(), by=by, now=slot.due_at)


def score_padss(journey: Journey, by: Any, points: tuple[int, ...] = (2, 2, 2, 2, 2)) -> None:
    items = journey.open_visit().stage.items
    journey.record_answers({items.get(code=f"padss_{m}"): p for m, p in zip(PADSS, points, strict=True)}, by=by)


def override(journey: Journey, *, now: datetime | None = None) -> None:
    journey.override_minimum(
        reason="Test walk: time is not the point here.", by=make_user(roles.CLINICAL_LEAD), now=now
    )


def answer(journey: Journey, code: str, value: Any, by: Any, **kwargs: Any) -> Answer | None:
    item = journey.open_visit().stage.items.get(code=code)
    return journey.record_answer(item, value, by=by, **kwargs)


def footprint(journey: Journey) -> tuple:
    """Everything a refused action must leave untouched."""
    journey.refresh_from_db()
    return (
        journey.version,
        journey.status,
        journey.driver_name,
        journey.driver_phone,
        StageVisit.objects.filter(journey=journey).count(),
        StageVisit.objects.filter(journey=journey, completed_at__isnull=False).count(),
        Answer.objects.filter(visit__journey=journey).count(),
        JourneyEvent.objects.filter(journey=journey).count(),
    )


def coded(occasion: str, code: str = "other") -> Reason:
    """A reason from the unit's list (the migration ships it; made again if a test emptied the tables)."""
    category = ReasonCategory.OTHER if code == "other" else ReasonCategory.CLINICAL
    reason, _ = Reason.objects.get_or_create(
        occasion=occasion, code=code, defaults={"category": category, "label": code.replace("_", " ").capitalize()}
    )
    return reason


def cancel(journey: Journey, by: Any, why: str = "Patient asked to rebook", **kwargs: Any) -> None:
    """Cancel with the coded "other" reason for the moment (before or after arrival) and ``why`` as its words."""
    arrived = journey.status != Journey.Status.SCHEDULED
    occasion = Occasion.CANCELLED_AFTER_ARRIVAL if arrived else Occasion.CANCELLED_BEFORE_ARRIVAL
    journey.cancel(reason=coded(occasion), detail=why, by=by, **kwargs)


def complete(journey: Journey, by: Any, **kwargs: Any) -> StageVisit | None:
    """Complete the current stage as a nurse would: with a coded delay reason when it ran over its target
    (tests about something else than delays)."""
    visit = journey.current_visit
    now = kwargs.get("now")
    if visit is not None and "delay_reason" not in kwargs and visit.is_over_target(now or timezone.now()):
        kwargs["delay_reason"] = coded(Occasion.DELAY, "awaiting_review")
    return journey.complete_stage(by=by, **kwargs)
