"""A procedure day with a journey in every state the FHIR export maps, for the export's and the API's tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from journey.demo import answer_stage
from journey.models import Journey, Occasion, Pathway, RedFlagKind
from tests.makers import answer, coded, complete, make_journey, override, record_all_rounds, settled_round

STAGE_MINUTES = 10


def walk(journey: Journey, nurse: Any, *, start: datetime, until: str | None = None) -> datetime:
    """Arrive at ``start`` (if booked) and close a stage every 10 minutes until ``until`` is current
    (None: all the way home). Returns the clock."""
    clock = start
    if journey.status == Journey.Status.SCHEDULED:
        journey.arrive(by=nurse, now=clock)
    while journey.status == Journey.Status.IN_PROGRESS:
        visit = journey.current_visit
        assert visit is not None
        if visit.stage.code == until:
            break
        answer_stage(journey, by=nurse, now=clock + timedelta(minutes=1))
        record_all_rounds(journey, nurse, now=clock + timedelta(minutes=2))
        if visit.minimum_minutes:
            override(journey, now=clock + timedelta(minutes=3))
        clock += timedelta(minutes=STAGE_MINUTES)
        complete(journey, nurse, now=clock)
    return clock


@dataclass
class UnitDay:
    booked: Journey
    arrived: Journey
    injecting: Journey
    home: Journey
    cancelled: Journey
    did_not_arrive: Journey
    start: datetime

    @property
    def journeys(self) -> list[Journey]:
        return [self.booked, self.arrived, self.injecting, self.home, self.cancelled, self.did_not_arrive]


def make_unit_day(pathway: Pathway, nurse: Any, lead: Any, start: datetime) -> UnitDay:
    """Booked; arrived (consent); in the injection with cement recorded; home after a red flag (escalated
    and resolved) and a round entered in error; cancelled during prep; did not arrive."""
    booked = make_journey(pathway, nurse, now=start)
    arrived = make_journey(pathway, nurse, now=start)
    walk(arrived, nurse, start=start, until="consent")
    injecting = make_journey(pathway, nurse, now=start)
    clock = walk(injecting, nurse, start=start, until="injection")
    answer(injecting, "cement_volume", {"T12": "4.5", "L1": "3"}, nurse, now=clock + timedelta(minutes=5))

    home = make_journey(pathway, nurse, now=start, levels="L1")
    clock = walk(home, nurse, start=start, until="recovery")
    mistaken = home.record_round(settled_round(), by=nurse, now=clock + timedelta(minutes=15))
    home.mark_round_entered_in_error(
        mistaken, reason="Recorded on the wrong patient's chart.", by=nurse, now=clock + timedelta(minutes=16)
    )
    flag = home.raise_red_flag(
        RedFlagKind.CHEST_PAIN, detail="Tight chest", by=nurse, now=clock + timedelta(minutes=20)
    )
    home.record_escalation(
        flag, told_who="Dr Lena Lead, clinical lead", told_at=clock + timedelta(minutes=21), by=nurse,
        now=clock + timedelta(minutes=22),
    )  # fmt: skip
    home.resolve_red_flag(flag, note="ECG normal, pain settled.", by=lead, now=clock + timedelta(minutes=40))
    walk(home, nurse, start=clock + timedelta(minutes=45))

    cancelled = make_journey(pathway, nurse, now=start)
    clock = walk(cancelled, nurse, start=start, until="prep")
    cancelled.cancel(
        reason=coded(Occasion.CANCELLED_AFTER_ARRIVAL, "anticoagulant_not_held"),
        detail="INR too high on the morning's bloods.",
        by=nurse,
        now=clock + timedelta(minutes=5),
    )
    did_not_arrive = make_journey(pathway, nurse, now=start)
    did_not_arrive.mark_did_not_arrive(
        reason=coded(Occasion.DID_NOT_ARRIVE, "no_contact"),
        detail="No answer on the phone.",
        by=nurse,
        now=start + timedelta(hours=2),
    )
    for journey in (booked, arrived, injecting, home, cancelled, did_not_arrive):
        journey.refresh_from_db()
    return UnitDay(booked, arrived, injecting, home, cancelled, did_not_arrive, start)
