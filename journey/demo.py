"""A believable demo morning, made by walking journeys through the real verbs on a simulated clock.

Nothing here bypasses the rules: every answer and every stage completion goes through Journey's verbs,
with ``now`` set in the past, so the demo data is data the ward could have produced.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from importlib import import_module
from typing import Any

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from journey import roles
from journey.handover import draft_sbar
from journey.models import (
    Handover,
    ItemDefinition,
    Journey,
    ObservationRound,
    Occasion,
    Pathway,
    Patient,
    Reason,
    RedFlagKind,
    StageVisit,
)

DEMO_PASSWORD = "ward-demo-2026"

DEMO_STAFF = [
    # username, first name, last name, role, is_staff (may open the admin)
    ("nurse", "Sam", "Okafor", roles.NURSE, False),
    ("nurse2", "Jo", "Baker", roles.NURSE, False),
    ("coordinator", "Priya", "Shah", roles.COORDINATOR, False),
    ("lead", "Helen", "Marsh", roles.CLINICAL_LEAD, False),
    ("admin", "Chris", "Doyle", roles.UNIT_ADMIN, True),
    ("display", "Waiting room", "screen", roles.DISPLAY, False),
]

# Plausible answers by item code; anything not named gets an acceptable value for its kind.
_SAMPLE_ANSWERS: dict[str, Any] = {
    "fracture_age": "2",
    "last_food_drink": "06:30",
    "allergies": "None known",
    "baseline_systolic": "134",
    "baseline_diastolic": "78",
    "baseline_heart_rate": "74",
    "baseline_spo2": "97",
    "baseline_pain": "7",
}


def acceptable_value(item: ItemDefinition, journey: Journey) -> Any:
    """An answer that lets ``item`` pass its rules for ``journey``."""
    if item.code in _SAMPLE_ANSWERS:
        return _SAMPLE_ANSWERS[item.code]
    kind = ItemDefinition.Kind
    if item.kind == kind.TICK:
        return True
    if item.kind == kind.YES_NO:
        if item.required_answer:
            return item.required_answer
        return "no" if item.flag_answer == "yes" else "yes"
    if item.kind == kind.CHOICE:
        return (item.accepted_options() or item.options())[0]
    if item.kind == kind.SCORE:
        return item.score_options()[0][0]
    if item.kind == kind.NUMBER:
        return str(item.complete_min if item.complete_min is not None else item.min_value or 1)
    if item.kind == kind.TEXT:
        return "Checked"
    if item.kind == kind.TIME:
        return "07:00"
    if item.kind == kind.LEVELS:
        return list(journey.planned_levels)
    if item.kind == kind.LEVEL_NUMBERS:
        return dict.fromkeys(journey.planned_levels, "3.5")
    raise ValueError(f"No demo answer for item kind {item.kind}")


def answer_stage(journey: Journey, *, by: Any, now: datetime | None = None, only: int | None = None) -> None:
    """Answer the current stage's checklist (the first ``only`` items, or all of them)."""
    visit = journey.open_visit()
    items = list(visit.stage.items.all())
    journey.record_answers(
        {item: acceptable_value(item, journey) for item in (items[:only] if only is not None else items)},
        by=by,
        now=now,
    )


def settled_round() -> ObservationRound:
    """The observations of a patient recovering as expected."""
    return ObservationRound(
        systolic=128,
        diastolic=76,
        heart_rate=72,
        resp_rate=14,
        spo2=97,
        consciousness=ObservationRound.Consciousness.ALERT,
        temperature=Decimal("36.8"),
        legs=ObservationRound.Legs.AS_BASELINE,
        pain=3,
        dressing=ObservationRound.Dressing.DRY,
    )


def record_rounds(journey: Journey, *, by: Any, now: datetime, missed: tuple[int, ...] = ()) -> None:
    """Record every round of the current stage that is due by ``now``, each at its due time."""
    for slot in journey.open_visit().round_slots(now):
        if slot.is_open and slot.scheduled and slot.due_at <= now and slot.number not in missed:
            journey.record_round(settled_round(), by=by, now=slot.due_at)


@dataclass
class DemoPatient:
    mrn: str
    name: str
    born: date
    pathway: str
    levels: str
    bay: str
    driver: tuple[str, str] = ("", "")
    # Minutes spent in each finished stage; minutes into the current one (None: not arrived yet).
    finished: list[int] = field(default_factory=list)
    in_stage: int | None = None
    answered: int | None = None  # items answered so far in the current stage (None: all of them)
    booked_in: int = 0  # minutes from now to the booked time, for a patient not yet arrived
    home: bool = False  # walked all the way through discharge
    missed_rounds: tuple[int, ...] = ()  # observation rounds left unrecorded (shown overdue)
    cement_leak: bool = False  # leakage seen at injection: a red flag, escalated to the lead
    unwell: bool = False  # the latest round scores NEWS2 5 (feverish, fast breathing): a red flag, escalated
    handover_waiting: int = 0  # minutes since a change-of-nurse handover that nobody has acknowledged


VP, KP = "vertebroplasty", "kyphoplasty"
# fmt: off
DEMO_DAY = [
    # Home already.
    DemoPatient("M100231", "Margaret Ellis", date(1941, 3, 14), VP, "T12", "1", ("David Ellis", "07700 900123"),
                finished=[15, 25, 8, 55, 125, 15], home=True),
    # At discharge: the discharge score begun.
    DemoPatient("M100244", "Arthur Bennett", date(1938, 11, 2), VP, "L1", "2", ("June Bennett", "07700 900456"),
                finished=[18, 28, 9, 50, 122], in_stage=8, answered=1),
    # Two hours flat are done: ready for discharge.
    DemoPatient("M100259", "Dorothy Khan", date(1946, 6, 21), KP, "T12 L1", "3", ("Imran Khan", "07700 900789"),
                finished=[20, 30, 10, 110], in_stage=131),
    # Twenty minutes left flat, and the round due at 90 minutes is overdue.
    DemoPatient("M100263", "Peter Walsh", date(1950, 1, 30), VP, "L2", "4", ("Anne Walsh", "0161 496 0011"),
                finished=[17, 26, 9, 52], in_stage=100, missed_rounds=(5,)),
    # Feverish and breathing fast at the latest round: NEWS2 5, a red flag escalated, next round hourly.
    DemoPatient("M100270", "Irene Moore", date(1944, 8, 9), VP, "T11", "5", ("Colin Moore", "0161 496 0022"),
                finished=[16, 31, 8, 58], in_stage=35, unwell=True),
    # In the procedure room: cement leakage seen, a red flag escalated.
    DemoPatient("M100288", "Stanley Price", date(1939, 12, 5), KP, "L1 L2", "6", ("Ruth Price", "07700 900234"),
                finished=[19, 27, 9], in_stage=40, answered=3, cement_leak=True),
    # Injection running over its hour.
    DemoPatient("M100295", "Edna Fletcher", date(1947, 4, 17), VP, "L3", "7", ("Tom Fletcher", "07700 900345"),
                finished=[15, 29, 10], in_stage=75, answered=4),
    # A change of nurse written a quarter of an hour ago and not yet acknowledged.
    DemoPatient("M100302", "George Harris", date(1952, 9, 26), VP, "T8", "8", ("Linda Harris", "07700 900567"),
                finished=[20, 30], in_stage=20, answered=2, handover_waiting=15),
    # Prep near its target, and prep over it.
    DemoPatient("M100317", "Violet Turner", date(1943, 2, 11), VP, "L4", "9", ("Mark Turner", "07700 900678"),
                finished=[18], in_stage=27, answered=7),
    DemoPatient("M100321", "Harold Jenkins", date(1936, 7, 3), KP, "T12", "10", ("Susan Jenkins", "07700 900890"),
                finished=[22], in_stage=45, answered=5),
    # Just arrived, and no driver confirmed yet.
    DemoPatient("M100336", "Elsie Cooper", date(1949, 10, 28), VP, "L1", "11", in_stage=5, answered=3),
    # Not arrived yet.
    DemoPatient("M100340", "Albert Reid", date(1945, 5, 19), KP, "L2", "12", ("Mary Reid", "07700 900901"),
                booked_in=90),
    DemoPatient("M100352", "Winifred Hughes", date(1940, 12, 24), VP, "T10", "1", booked_in=150),
]
# fmt: on


def ensure_pathways() -> None:
    if not Pathway.objects.exists():
        call_command("loaddata", "vertebroplasty", "kyphoplasty", verbosity=0)


def ensure_reasons() -> None:
    """The unit's shipped list of coded reasons: migration 0008 writes it, but a database emptied since
    (a test's flush) has none, and the demo's late stages need a delay reason."""
    if not Reason.objects.exists():
        shipped = import_module("journey.migrations.0008_reports_coded_reasons")
        shipped.ship_reasons(django_apps, None)


def ensure_staff() -> list[tuple[str, str]]:
    """Create the demo accounts that are missing; returns (username, role) for each.

    Each is marked with the ``roles.DEMO_ACCOUNT`` group: with DEBUG off it cannot sign in (tracker/auth.py).
    """
    User = get_user_model()
    marker, _ = Group.objects.get_or_create(name=roles.DEMO_ACCOUNT)
    for username, first, last, role, is_staff in DEMO_STAFF:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "is_staff": is_staff}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.add(Group.objects.get(name=role), marker)
    return [(username, role) for username, _, _, role, _ in DEMO_STAFF]


@transaction.atomic
def seed_day(now: datetime | None = None) -> int:
    """Book and walk the demo day for today; returns how many journeys were added."""
    now = now or timezone.now()
    ensure_reasons()
    today = timezone.localdate(now)
    nurse = get_user_model().objects.get(username="nurse")
    pathways = {p.code: p for p in Pathway.objects.all()}
    added = 0
    for demo in DEMO_DAY:
        given, family = demo.name.split(" ", 1)
        patient, _ = Patient.objects.get_or_create(
            mrn=demo.mrn, defaults={"given_name": given, "family_name": family, "date_of_birth": demo.born}
        )
        if Journey.objects.filter(patient=patient, day=today).exists():
            continue
        arrived = (
            None
            if demo.in_stage is None and not demo.home
            else now - timedelta(minutes=sum(demo.finished) + (demo.in_stage or 0) + (30 if demo.home else 0))
        )
        booked = (arrived or now + timedelta(minutes=demo.booked_in)) - timedelta(minutes=10)
        journey = Journey.objects.book(
            patient=patient,
            pathway=pathways[demo.pathway],
            day=today,
            scheduled_time=_quarter_hour(timezone.localtime(booked).time()),
            bay=demo.bay,
            planned_levels=demo.levels,
            driver_name=demo.driver[0],
            driver_phone=demo.driver[1],
            by=nurse,
            now=min(booked, now) - timedelta(hours=20),
        )
        added += 1
        if arrived is not None:
            _walk(journey, demo, arrived, nurse)
    return added


def hand_over(journey: Journey, *, by: Any, to: Any, now: datetime) -> None:
    """The handing nurse writes the drafted SBAR; the receiving nurse acknowledges it two minutes later."""
    occasion = (
        Handover.Occasion.INTO_RECOVERY if journey.open_visit().round_minutes else Handover.Occasion.CHANGE_OF_NURSE
    )
    handover = journey.write_handover(occasion=occasion, **draft_sbar(journey, now).texts(), by=by, now=now)
    journey.acknowledge_handover(handover, by=to, now=now + timedelta(minutes=2))


def _walk(journey: Journey, demo: DemoPatient, arrived: datetime, nurse: Any) -> None:
    clock = arrived
    receiving = get_user_model().objects.get(username="nurse2")
    journey.arrive(by=nurse, now=clock)
    for minutes in demo.finished:
        answer_stage(journey, by=nurse, now=clock + timedelta(minutes=max(minutes - 2, 1)))
        if journey.open_visit().round_minutes:
            hand_over(journey, by=nurse, to=receiving, now=clock + timedelta(minutes=1))
        clock += timedelta(minutes=minutes)
        record_rounds(journey, by=nurse, now=clock)
        complete(journey, by=nurse, now=clock)
    if demo.in_stage is None:
        return
    if demo.answered != 0:
        answer_stage(journey, by=nurse, now=clock + timedelta(minutes=1), only=demo.answered)
    if journey.open_visit().round_minutes and demo.in_stage >= 2:
        hand_over(journey, by=nurse, to=receiving, now=clock + timedelta(minutes=1))
    now = clock + timedelta(minutes=demo.in_stage)
    if demo.unwell:
        due = [slot for slot in journey.open_visit().round_slots(now) if slot.due_at <= now]
        record_rounds(journey, by=nurse, now=now, missed=(*demo.missed_rounds, due[-1].number))
        unwell = settled_round()
        unwell.resp_rate, unwell.heart_rate, unwell.temperature = 22, 112, Decimal("38.5")
        journey.record_round(unwell, by=receiving, now=due[-1].due_at)
        told = due[-1].due_at + timedelta(minutes=2)
        for flag in journey.red_flags.filter(resolved_at__isnull=True):
            journey.record_escalation(
                flag, told_who="Dr Helen Marsh, clinical lead", told_at=told, by=receiving, now=told
            )
    else:
        record_rounds(journey, by=nurse, now=now, missed=demo.missed_rounds)
    if demo.handover_waiting:
        written = now - timedelta(minutes=demo.handover_waiting)
        journey.write_handover(
            occasion=Handover.Occasion.CHANGE_OF_NURSE, **draft_sbar(journey, written).texts(), by=nurse, now=written
        )
    if demo.cement_leak:
        seen = clock + timedelta(minutes=demo.in_stage - 5)
        leakage = journey.open_visit().stage.items.get(code="cement_leakage")
        journey.record_answer(leakage, "yes", by=nurse, now=seen)
        flag = journey.red_flags.get(kind=RedFlagKind.CEMENT_LEAKAGE)
        journey.record_escalation(
            flag, told_who="Dr Helen Marsh, clinical lead", told_at=seen, by=nurse, now=seen + timedelta(minutes=1)
        )


def _quarter_hour(moment: time) -> time:
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


# The usual delay reasons by stage, commonest first (in day surgery about a third of the waits after a
# patient is fit to go are social or transport, the rest symptoms).
DELAYS_BY_STAGE: dict[str, list[str]] = {
    "consent": ["patient_late", "awaiting_review", "nurse_unavailable", "driver_late"],
    "prep": ["not_fasted", "patient_unwell", "nurse_unavailable", "no_bed"],
    "positioning": ["imaging_unavailable", "proceduralist_unavailable", "equipment_fault"],
    "injection": ["extra_level", "imaging_unavailable", "complication", "proceduralist_unavailable"],
    "recovery": ["pain", "nausea", "awaiting_review", "nurse_unavailable"],
    "discharge": ["driver_late", "driver_late", "transport_late", "pain", "awaiting_review"],
}


def delay_reason(visit: StageVisit, now: datetime, pick: random.Random | None = None) -> Reason | None:
    """A plausible coded reason when ``visit`` closing at ``now`` runs over its target, else None."""
    if not visit.is_over_target(now):
        return None
    codes = DELAYS_BY_STAGE.get(visit.stage.code, ["awaiting_review"])
    code = pick.choice(codes) if pick else codes[0]
    return Reason.objects.offered_for(Occasion.DELAY).filter(code=code).first() or _other(Occasion.DELAY)


def _other(occasion: str) -> Reason | None:
    return Reason.objects.offered_for(occasion).filter(category="other").first()


def complete(journey: Journey, *, by: Any, now: datetime, pick: random.Random | None = None) -> None:
    """Complete the current stage, giving a delay reason when it ran over (as the nurse would)."""
    visit = journey.current_visit
    assert visit is not None
    reason = delay_reason(visit, now, pick)
    detail = "Demo: waited for the interpreter" if reason is not None and reason.needs_detail else ""
    journey.complete_stage(by=by, now=now, delay_reason=reason, delay_detail=detail)


# --- about sixty past days, so the reports and the time home have a history on first start ---

HISTORY_DAYS = 60
HISTORY_PATIENTS_A_DAY = 2


def seed_history(now: datetime | None = None, days: int = HISTORY_DAYS) -> int:
    """Walk past weekdays' patients through the real verbs with ``now`` in the past: stage times scattered
    around their targets, delay reasons when a stage runs over, and a few did-not-arrive, cancellations,
    overnight admissions and unplanned returns. Returns how many journeys were added."""
    now = now or timezone.now()
    ensure_reasons()
    pick = random.Random(13)
    User = get_user_model()
    nurse, lead = User.objects.get(username="nurse"), User.objects.get(username="lead")
    pathways = list(Pathway.objects.filter(is_active=True).order_by("code"))
    added = 0
    today = timezone.localdate(now)
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        with transaction.atomic():
            for n in range(HISTORY_PATIENTS_A_DAY):
                added += _past_patient(day, n, pathways[(back + n) % len(pathways)], nurse, lead, pick)
    return added


def _past_patient(day: date, n: int, pathway: Pathway, nurse: Any, lead: Any, pick: random.Random) -> int:
    mrn = f"H{day:%y%m%d}{n}"
    if Patient.objects.filter(mrn=mrn).exists():
        return 0
    patient = Patient.objects.create(
        mrn=mrn, given_name="Past", family_name=f"Patient {mrn}", date_of_birth=date(1944, 3, 1)
    )
    zone = timezone.get_default_timezone()
    arrive = timezone.make_aware(datetime.combine(day, time(7, 30)), zone) + timedelta(minutes=70 * n)
    journey = Journey.objects.book(
        patient=patient,
        pathway=pathway,
        day=day,
        scheduled_time=timezone.localtime(arrive, zone).time(),
        bay=str(n + 1),
        planned_levels=pick.choice(["L1", "T12", "T12 L1", "L2"]),
        driver_name="Demo Driver",
        driver_phone="07700 900000",
        by=nurse,
        now=arrive - timedelta(days=3),
    )
    roll = pick.random()
    if roll < 0.03:
        journey.mark_did_not_arrive(reason=_pick(Occasion.DID_NOT_ARRIVE, pick), detail="Demo", by=nurse, now=arrive)
        return 1
    if roll < 0.05:
        before = arrive - timedelta(hours=pick.randint(2, 30))
        journey.cancel(reason=_pick(Occasion.CANCELLED_BEFORE_ARRIVAL, pick), detail="Demo", by=nurse, now=before)
        return 1
    clock = arrive
    journey.arrive(by=nurse, now=clock)
    cancel_after, overnight, returned = roll < 0.07, 0.07 <= roll < 0.085, 0.085 <= roll < 0.1
    while journey.status == Journey.Status.IN_PROGRESS:
        visit = journey.current_visit
        assert visit is not None
        if cancel_after and visit.stage.code == "prep":
            journey.cancel(reason=_pick(Occasion.CANCELLED_AFTER_ARRIVAL, pick), detail="Demo", by=nurse, now=clock)
            break
        if overnight and visit.stage.is_discharge:
            journey.admit_overnight(reason=_pick(Occasion.OVERNIGHT, pick), detail="Demo", by=lead, now=clock)
            break
        lasted = _stage_minutes(visit, pick)
        answer_stage(journey, by=nurse, now=clock + timedelta(minutes=max(1, min(lasted - 1, 15))))
        if visit.round_minutes:  # recovery's rounds start once the receiving nurse has the handover
            receiving = get_user_model().objects.get(username="nurse2")
            hand_over(journey, by=nurse, to=receiving, now=clock + timedelta(minutes=1))
        if returned and visit.next_is_discharge:
            journey.record_unplanned_return(
                reason=_pick(Occasion.UNPLANNED_RETURN, pick), detail="Demo", by=lead, now=clock + timedelta(minutes=30)
            )
        clock += timedelta(minutes=lasted)
        record_rounds(journey, by=nurse, now=clock)
        complete(journey, by=nurse, now=clock, pick=pick)
    return 1


def _stage_minutes(visit: StageVisit, pick: random.Random) -> int:
    """Most stages near their target, one in four well over it; never under a minimum."""
    target = visit.target_minutes
    spread = pick.lognormvariate(0, 0.35 if pick.random() < 0.75 else 0.6)
    minutes = round(target * spread * (0.85 if not visit.minimum_minutes else 1.0))
    if visit.minimum_minutes:
        # Most patients get up when the minimum ends; some wait on a round or a review.
        extra = 0 if pick.random() < 0.6 else abs(minutes - visit.minimum_minutes) // 3
        minutes = visit.minimum_minutes + extra
    return max(minutes, visit.minimum_minutes or 3)


def _pick(occasion: str, pick: random.Random) -> Reason | None:
    """A coded reason for ``occasion``, "other" rarely (AORN: keep it rare)."""
    offered = list(Reason.objects.offered_for(occasion))
    coded = [r for r in offered if not r.needs_detail]
    if coded and pick.random() < 0.9:
        return pick.choice(coded)
    return offered[0] if offered else None
