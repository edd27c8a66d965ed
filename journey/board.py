"""The coordinators' status board: every journey of a day, what needs action first, and a change token.

Reads only: rows are built from ``Journey.objects.on_board(day)`` (a fixed number of queries whatever
the day's length), and the token lets an unchanged board answer a poll without rendering.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from journey.models import Alert, Configuration, Journey, ObservationRound, StageDefinition, StageTimer
from journey.time_home import History, TimeHome, cached_history, time_home

TOKEN_SQL = f"SELECT COUNT(*), SUM(version), MAX(id) FROM {Journey._meta.db_table} WHERE day = %s"
INDEX_SQL = f"SELECT id, version, bay, status FROM {Journey._meta.db_table} WHERE day = %s"

# Most urgent first; a journey ranks by its most urgent alert, then by what it is doing.
ALERT_RANK = {
    "red-flag": 0,
    "continuous": 0,
    "round-overdue": 1,
    "news2-review": 1,
    "handover": 2,
    "bay-clash": 2,
    "over-target": 2,
    "ready": 3,
    "levels": 4,
    "no-driver": 4,
}
STATUS_RANK = {
    Journey.Status.IN_PROGRESS: 5,
    Journey.Status.SCHEDULED: 6,
    Journey.Status.COMPLETED: 7,
    Journey.Status.CANCELLED: 8,
    Journey.Status.DID_NOT_ARRIVE: 9,
    Journey.Status.ADMITTED_OVERNIGHT: 7,
}


@dataclass(frozen=True)
class BoardRow:
    journey: Journey
    stage_code: str  # the current stage's code, or the journey's status when no stage is open
    stage_name: str
    timer: StageTimer | None
    alerts: list[Alert]
    expected_home: datetime | None
    time_home: TimeHome | None
    rank: int
    step: int  # the current stage's place in the pathway, 1-based; 0 when no stage is open
    steps: int
    news2: ObservationRound | None = None  # a recovering patient's last scored round
    nurse: Any = None  # who acknowledged the last handover

    @property
    def needs_attention(self) -> bool:
        """Anything on the row asks for someone: a problem, or a patient ready to move on."""
        return bool(self.alerts)


def board_rows(journeys: list[Journey], now: datetime, configuration: Configuration | None = None) -> list[BoardRow]:
    """The rows of these journeys, most urgent first. ``configuration``: the pathways' stages, when the caller
    keeps them (the board, a minute at a time)."""
    # The day's few pathways' stages, read once (not prefetched onto every journey's pathway copy).
    stages: dict[int, list[StageDefinition]] = {}
    pathway_ids = {j.pathway_id for j in journeys}
    if configuration is not None and configuration.knows(pathway_ids, ()):
        stages = {pk: configuration.by_pathway[pk] for pk in pathway_ids if configuration.by_pathway[pk]}
    else:
        for stage in StageDefinition.objects.filter(pathway__in=pathway_ids).order_by("order"):
            stages.setdefault(stage.pathway_id, []).append(stage)
    # The unit's history for the time home: read once a day per process (cached), not per poll.
    past = cached_history(timezone.localdate(now)) if stages else History()
    clashes = bay_clashes(journeys)
    rows = [
        _row(journey, stages.get(journey.pathway_id, []), now, past, clashes.get(journey.pk)) for journey in journeys
    ]
    return sorted(rows, key=lambda r: (r.rank, r.journey.scheduled_time, r.journey.bay, r.journey.pk))


def bay_clashes(journeys: list[Journey]) -> dict[int, Alert]:
    """One bay, one patient: every journey sharing its bay with another patient in progress gets an alert
    naming the others (a booking is refused such a bay unless it is a planned hand-over; this shows
    any clash that still happens, a hand-over that did not, or a bay changed by hand)."""
    by_pk = {journey.pk: journey for journey in journeys}
    alerts = {}
    for bay, pks in shared_bays((j.pk, j.bay, j.status) for j in journeys).items():
        sharing = [by_pk[pk] for pk in pks]
        for journey in sharing:
            others = ", ".join(f"{o.patient.initials} ({o.where_now()})" for o in sharing if o is not journey)
            alerts[journey.pk] = Alert("bay-clash", f"Bay {bay} also holds {others}")
    return alerts


def shared_bays(journeys: Iterable[tuple[int, str, str]]) -> dict[str, list[int]]:
    """The bays more than one patient in progress is in, each with those journeys' ids, from (id, bay,
    status): what a bay-clash alert names. The board's row cache keys a row on its bay's other patients."""
    in_bay: dict[str, list[int]] = {}
    in_progress = Journey.Status.IN_PROGRESS.value  # read once: an enum member's lookup costs a thousand times
    for pk, bay, status in journeys:
        if bay and status == in_progress:
            in_bay.setdefault(bay, []).append(pk)
    return {bay: pks for bay, pks in in_bay.items() if len(pks) > 1}


def stage_counts(rows: list[BoardRow]) -> Counter[str]:
    return Counter(row.stage_code for row in rows)


def expected_home(
    journey: Journey, stages: list[StageDefinition], now: datetime, timer: StageTimer | None = None
) -> datetime | None:
    """When the patient should be ready to go home if every remaining stage runs to its target."""
    visit = journey.current_visit
    if journey.status == Journey.Status.SCHEDULED:
        start = max(now, journey.scheduled_at)
        return start + sum((timedelta(minutes=s.target_for(journey.planned_levels)) for s in stages), timedelta())
    if visit is None:
        return None
    timer = timer or visit.timer(now)
    left_here = max(timer.target - timer.elapsed, timer.minimum_left or timedelta(0), timedelta(0))
    here = visit.stage.order
    later = [s for s in stages if s.order > here]
    return now + left_here + sum((timedelta(minutes=s.target_for(journey.planned_levels)) for s in later), timedelta())


def board_token(day: date, now: datetime, variant: str = "") -> str:
    """Changes whenever any journey of the day changes (every verb bumps its version; a booking adds
    one), and at least once a minute, so that time-driven changes (a round falling overdue) show."""
    # Plain SQL: every display polls this every 10 seconds, and building the ORM query would cost
    # more than running it (one indexed range on the day).
    with connection.cursor() as cursor:
        cursor.execute(TOKEN_SQL, [day])
        count, versions, last = cursor.fetchone()
    minute = now.replace(second=0, microsecond=0).isoformat()
    raw = f"{day}|{count}|{versions}|{last}|{minute}|{variant}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def day_index(day: date) -> list[tuple[int, int, str, str]]:
    """(id, version, bay, status) of every journey of the day: what the board's row cache keys each row on.
    Plain SQL, as the token: every board fetched after a change reads it, and the ORM's rows cost more
    than the query (0.2 ms at 200 journeys, 0.7 ms at 1000)."""
    with connection.cursor() as cursor:
        cursor.execute(INDEX_SQL, [day])
        return cursor.fetchall()


def _row(
    journey: Journey, stages: list[StageDefinition], now: datetime, past: History, clash: Alert | None = None
) -> BoardRow:
    visit = journey.current_visit
    stage_ids = [stage.pk for stage in stages]
    timer = visit.timer(now) if visit else None  # once: the alerts and the time home need it too
    alerts = journey.alerts(now, timer)
    if clash is not None:
        alerts.insert(
            next((i for i, a in enumerate(alerts) if ALERT_RANK[a.kind] > ALERT_RANK["bay-clash"]), len(alerts)), clash
        )
    rank = min([ALERT_RANK[a.kind] for a in alerts] + [STATUS_RANK[Journey.Status(journey.status)]])
    return BoardRow(
        journey=journey,
        stage_code=visit.stage.code if visit else journey.status,
        stage_name=visit.stage_name if visit else journey.get_status_display(),
        timer=timer,
        alerts=alerts,
        expected_home=expected_home(journey, stages, now, timer) if not journey.is_closed else None,
        time_home=time_home(journey, stages, now, past, timer),
        rank=rank,
        step=stage_ids.index(visit.stage_id) + 1 if visit else 0,
        steps=len(stage_ids),
        news2=journey.last_news2_round() if visit is not None and visit.round_minutes else None,
        nurse=journey.nurse,
    )
