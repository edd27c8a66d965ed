"""A believable demo morning, made by walking journeys through the real verbs on a simulated clock.

Nothing here bypasses the rules: every answer and every stage completion goes through Journey's verbs,
with ``now`` set in the past, so the demo data is data the ward could have produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from journey import roles
from journey.models import ItemDefinition, Journey, Pathway, Patient

DEMO_PASSWORD = "ward-demo-2026"

DEMO_STAFF = [
    # username, first name, last name, role, is_staff (may open the admin)
    ("nurse", "Sam", "Okafor", roles.NURSE, False),
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
    "padss": "10",
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


def answer_stage(journey: Journey, *, by: Any, now: datetime, only: int | None = None) -> None:
    """Answer the current stage's checklist (the first ``only`` items, or all of them)."""
    visit = journey.current_visit
    items = list(visit.stage.items.all())
    for item in items[:only] if only is not None else items:
        journey.record_answer(item, acceptable_value(item, journey), by=by, now=now)


@dataclass
class DemoPatient:
    mrn: str
    given: str
    family: str
    born: date
    pathway: str
    levels: str
    bay: str
    # Minutes spent in each finished stage, then minutes into the current one; None: not arrived yet.
    finished: list[int] = field(default_factory=list)
    in_stage: int | None = None
    answered_in_stage: int | None = None  # items answered so far in the current stage (None: all)
    booked_in: int = 0  # minutes from now to the booked time, for patients not yet arrived
    driver: tuple[str, str] = ("", "")
    home: bool = False  # walked all the way to discharge


DEMO_DAY = [
    DemoPatient(
        "M100231",
        "Margaret",
        "Ellis",
        date(1941, 3, 14),
        "vertebroplasty",
        "T12",
        "1",
        finished=[15, 25, 8, 55, 125, 15],
        home=True,
        driver=("David Ellis", "07700 900123"),
    ),
    DemoPatient(
        "M100244",
        "Arthur",
        "Bennett",
        date(1938, 11, 2),
        "vertebroplasty",
        "L1",
        "2",
        finished=[18, 28, 9, 50, 122],
        in_stage=8,
        answered_in_stage=1,
        driver=("June Bennett", "07700 900456"),
    ),
    DemoPatient(
        "M100259",
        "Dorothy",
        "Khan",
        date(1946, 6, 21),
        "kyphoplasty",
        "T12 L1",
        "3",
        finished=[20, 30, 10, 110],
        in_stage=131,
        driver=("Imran Khan", "07700 900789"),
    ),
    DemoPatient(
        "M100263",
        "Peter",
        "Walsh",
        date(1950, 1, 30),
        "vertebroplasty",
        "L2",
        "4",
        finished=[17, 26, 9, 52],
        in_stage=100,
        driver=("Anne Walsh", "0161 496 0011"),
    ),
    DemoPatient(
        "M100270",
        "Irene",
        "Moore",
        date(1944, 8, 9),
        "vertebroplasty",
        "T11",
        "5",
        finished=[16, 31, 8, 58],
        in_stage=35,
        driver=("Colin Moore", "0161 496 0022"),
    ),
    DemoPatient(
        "M100288",
        "Stanley",
        "Price",
        date(1939, 12, 5),
        "kyphoplasty",
        "L1 L2",
        "6",
        finished=[19, 27, 9],
        in_stage=40,
        answered_in_stage=3,
        driver=("Ruth Price", "07700 900234"),
    ),
    DemoPatient(
        "M100295",
        "Edna",
        "Fletcher",
        date(1947, 4, 17),
        "vertebroplasty",
        "L3",
        "7",
        finished=[15, 29, 10],
        in_stage=75,
        answered_in_stage=4,
        driver=("Tom Fletcher", "07700 900345"),
    ),
    DemoPatient(
        "M100302",
        "George",
        "Harris",
        date(1952, 9, 26),
        "vertebroplasty",
        "T8",
        "8",
        finished=[20, 30],
        in_stage=6,
        answered_in_stage=2,
        driver=("Linda Harris", "07700 900567"),
    ),
    DemoPatient(
        "M100317",
        "Violet",
        "Turner",
        date(1943, 2, 11),
        "vertebroplasty",
        "L4",
        "9",
        finished=[18],
        in_stage=27,
        answered_in_stage=7,
        driver=("Mark Turner", "07700 900678"),
    ),
    DemoPatient(
        "M100321",
        "Harold",
        "Jenkins",
        date(1936, 7, 3),
        "kyphoplasty",
        "T12",
        "10",
        finished=[22],
        in_stage=45,
        answered_in_stage=5,
        driver=("Susan Jenkins", "07700 900890"),
    ),
    DemoPatient(
        "M100336",
        "Elsie",
        "Cooper",
        date(1949, 10, 28),
        "vertebroplasty",
        "L1",
        "11",
        finished=[],
        in_stage=5,
        answered_in_stage=3,
    ),
    DemoPatient(
        "M100340",
        "Albert",
        "Reid",
        date(1945, 5, 19),
        "kyphoplasty",
        "L2",
        "12",
        booked_in=90,
        driver=("Mary Reid", "07700 900901"),
    ),
    DemoPatient("M100352", "Winifred", "Hughes", date(1940, 12, 24), "vertebroplasty", "T10", "1", booked_in=150),
]


def ensure_pathways() -> None:
    if not Pathway.objects.exists():
        call_command("loaddata", "vertebroplasty", "kyphoplasty", verbosity=0)


def ensure_staff() -> list[tuple[str, str]]:
    """Create the demo accounts that are missing; returns (username, role) for each."""
    User = get_user_model()
    for username, first, last, role, is_staff in DEMO_STAFF:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "is_staff": is_staff}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.add(Group.objects.get(name=role))
    return [(username, role) for username, _, _, role, _ in DEMO_STAFF]


@transaction.atomic
def seed_day(now: datetime | None = None) -> int:
    """Book and walk the demo day for today; returns how many journeys were added."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    nurse = get_user_model().objects.get(username="nurse")
    pathways = {p.code: p for p in Pathway.objects.all()}
    added = 0
    for demo in DEMO_DAY:
        patient, _ = Patient.objects.get_or_create(
            mrn=demo.mrn,
            defaults={"given_name": demo.given, "family_name": demo.family, "date_of_birth": demo.born},
        )
        if Journey.objects.filter(patient=patient, day=today).exists():
            continue
        arrived = (
            None
            if demo.in_stage is None and not demo.home
            else now - timedelta(minutes=sum(demo.finished) + (demo.in_stage or 0) + (30 if demo.home else 0))
        )
        booked = (arrived or now + timedelta(minutes=demo.booked_in)) - timedelta(minutes=10)
        journey = Journey.objects.check_in(
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


def _walk(journey: Journey, demo: DemoPatient, arrived: datetime, nurse: Any) -> None:
    clock = arrived
    journey.start(by=nurse, now=clock)
    for minutes in demo.finished:
        answer_stage(journey, by=nurse, now=clock + timedelta(minutes=max(minutes - 2, 1)))
        clock += timedelta(minutes=minutes)
        journey.complete_stage(by=nurse, now=clock)
    if demo.in_stage is not None and demo.answered_in_stage != 0:
        answer_stage(journey, by=nurse, now=clock + timedelta(minutes=1), only=demo.answered_in_stage)


def _quarter_hour(moment: time) -> time:
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)
