"""The time home as a range: the earliest the rules allow, and the likely time from the unit's own history.

- **Earliest**: now, plus what is left of the current stage's minimum, plus the minimums of the stages
  still to come (the flat two hours). Nothing can be faster.
- **Likely** (50th percentile) and **late** ("9 in 10 by"): from completed journeys of the same pathway
  over the last ``HISTORY_DAYS`` days (today excluded): for each one that passed through the patient's
  current stage and spent at least as long in it as this patient has so far, the time from that stage's
  start to gone home. Those, less the time this patient has already spent in the stage, give the
  remaining time, added to now: likely is their median (linear, as in the reports); late is the
  ⌈0.9 (n + 1)⌉-th smallest of the n, the bound a next patient like them is home by at least 9 times in
  10 (the linear 90th percentile of 20 values is only about 86%: ``nine_in_ten``). A booked patient is
  predicted from the booked time (or now, if later) with the whole-day history.
- With fewer than ``MIN_HISTORY`` such journeys (a new pathway, a quiet month, a patient longer in a stage
  than most), the same stage (by its code) across all the unit's pathways: each past patient's time from
  that stage's start to home *beyond the targets it had left* (its own snapshots, so a longer procedure
  or more levels do not count as lateness), added to this patient's targets left. Pathways share their
  stages' codes (consent .. discharge), and what decides the overrun (recovery's rounds, the wait for a
  driver) is the unit's, not the pathway's.
- With fewer than ``MIN_HISTORY`` of those too, the likely and late times fall back to the pathway's
  targets (the board's old "expected home"): one time, not a percentile, and the page says so.
- Neither likely nor late is ever before the earliest.

``manage.py backtest_time_home`` replays history and reports how often patients were home by the late
time (aim: 85-95%).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.cache import cache

from journey.models import Journey, StageDefinition, StageTimer, StageVisit
from journey.reports import percentile

HISTORY_DAYS = 90
MIN_HISTORY = 20
# The day's history does not change until tomorrow: one read a day for every screen of this process.
CACHE_SECONDS = 15 * 60
# The keys of the whole-day history (from arrival), beside stage ids and stage codes.
ARRIVAL = 0
ARRIVAL_CODE = ""

# Where the likely and late times came from.
PATHWAY = "pathway"  # this pathway's history of the stage
UNIT = "unit"  # the stage's history across the unit's pathways, beyond the targets
TARGETS = "targets"  # too little history: the pathway's targets, one time


@dataclass(frozen=True)
class TimeHome:
    earliest: datetime
    likely: datetime
    late: datetime
    source: str  # PATHWAY, UNIT or TARGETS

    @property
    def from_history(self) -> bool:
        """False: likely and late are the pathway's targets (the page says "from the targets")."""
        return self.source != TARGETS


@dataclass(frozen=True)
class History:
    # (pathway id, stage id or ARRIVAL) -> [(minutes spent in that stage, minutes from its start to home)]
    by_stage: dict[tuple[int, int], list[tuple[float, float]]] = field(default_factory=dict)
    # stage code or ARRIVAL_CODE, every pathway -> [(minutes spent in that stage, minutes from its start to
    # home beyond the targets that journey had left from there: its visits' own snapshots)]
    by_code: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


def history(before: date, days: int = HISTORY_DAYS) -> History:
    """The unit's completed journeys (every pathway: the wider pool pools them) in the ``days`` before
    ``before``: how long each spent in each stage and how long from each stage's start (and from arrival)
    to gone home. One query."""
    rows = (
        StageVisit.objects.filter(
            journey__status=Journey.Status.COMPLETED,
            journey__day__gte=before - timedelta(days=days),
            journey__day__lt=before,
            completed_at__isnull=False,
        )
        .order_by()
        .values_list(
            "journey_id",
            "journey__pathway_id",
            "stage_id",
            "stage__code",
            "target_minutes",
            "started_at",
            "completed_at",
        )
    )
    journeys: dict[int, list[tuple[int, int, str, int, datetime, datetime]]] = defaultdict(list)
    for journey_id, pathway_id, stage_id, code, target, started, completed in rows:
        if completed is not None:  # always, by the filter
            journeys[journey_id].append((pathway_id, stage_id, code, target, started, completed))
    by_stage: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
    by_code: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for visits in journeys.values():
        visits.sort(key=lambda visit: visit[4])
        pathway_id, home = visits[0][0], max(visit[5] for visit in visits)
        targets_left = 0.0  # from the last stage back: the targets still to come at each stage's start
        for _, stage_id, code, target, started, completed in reversed(visits):
            targets_left += target
            to_home = (home - started).total_seconds() / 60
            took = (completed - started).total_seconds() / 60
            by_stage[(pathway_id, stage_id)].append((took, to_home))
            by_code[code].append((took, to_home - targets_left))
        to_home = (home - visits[0][4]).total_seconds() / 60
        by_stage[(pathway_id, ARRIVAL)].append((0.0, to_home))
        by_code[ARRIVAL_CODE].append((0.0, to_home - targets_left))
    return History(dict(by_stage), dict(by_code))


def cached_history(today: date) -> History:
    key = f"time-home-history:v2:{today.isoformat()}"  # v2: a History, across every pathway
    found = cache.get(key)
    if found is None:
        found = history(today)
        cache.set(key, found, CACHE_SECONDS)
    return found


def time_home(
    journey: Journey, stages: list[StageDefinition], now: datetime, past: History, timer: StageTimer | None = None
) -> TimeHome | None:
    """The range for a journey still to go home (None once it is closed). ``timer``: the open stage's timer at
    ``now``, when the caller has worked it out already (the board, for its alerts)."""
    if journey.is_closed:
        return None
    visit = journey.current_visit
    levels = journey.planned_levels
    if visit is None:  # booked, not arrived
        start = max(now, journey.scheduled_at)
        earliest = start + _minutes(sum(s.minimum_minutes or 0 for s in stages))
        targets_left = _minutes(sum(s.target_for(levels) for s in stages))
        by_targets = start + targets_left
        key, code, spent = (journey.pathway_id, ARRIVAL), ARRIVAL_CODE, 0.0
    else:
        timer = timer or visit.timer(now)
        later = [s for s in stages if s.order > visit.stage.order]
        minimum_left = timer.minimum_left or timedelta(0)
        if visit.minimum_overridden_at:
            minimum_left = timedelta(0)
        earliest = now + minimum_left + _minutes(sum(s.minimum_minutes or 0 for s in later))
        left_here = max(timer.target - timer.elapsed, minimum_left, timedelta(0))
        later_targets = _minutes(sum(s.target_for(levels) for s in later))
        by_targets = now + left_here + later_targets
        targets_left = timer.target + later_targets  # from this stage's start
        key, code, spent = (journey.pathway_id, visit.stage_id), visit.stage.code, timer.elapsed.total_seconds() / 60
        start = now
    # Journeys that had spent at least as long in this stage as this patient has so far.
    source, remaining = PATHWAY, [to_home - spent for took, to_home in past.by_stage.get(key, []) if took >= spent]
    if len(remaining) < MIN_HISTORY:
        # The same stage across the unit's pathways: their time beyond their targets, on this one's targets.
        left = targets_left.total_seconds() / 60 - spent
        source, remaining = UNIT, [left + beyond for took, beyond in past.by_code.get(code, []) if took >= spent]
    if len(remaining) < MIN_HISTORY:
        likely = late = max(by_targets, earliest)
        return TimeHome(earliest, likely, late, TARGETS)
    remaining.sort()
    likely = max(start + _minutes(percentile(remaining, 0.5) or 0.0), earliest)
    late = max(start + _minutes(nine_in_ten(remaining)), likely)
    return TimeHome(earliest, likely, late, source)


def nine_in_ten(values: list[float]) -> float:
    """Of n sorted past values, the k-th smallest with k = ⌈0.9 (n + 1)⌉. A next patient like these n (in
    any distribution) is at or under the k-th smallest with probability k / (n + 1), so at least 9 times
    in 10: a prediction bound, where the linear 90th percentile of the same n covers only
    (0.9 (n - 1) + 1) / (n + 1) of next patients, about 86% for 20. Needs n >= 9 (MIN_HISTORY is 20)."""
    return values[min(math.ceil(0.9 * (len(values) + 1)), len(values)) - 1]


def _minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


# --- the backtest ---


@dataclass(frozen=True)
class Backtest:
    predictions: int
    mean_absolute_error: float | None  # minutes, the likely time against the actual time home
    home_by_late: float | None  # share of predictions with the patient home by the late ("9 in 10 by") time
    # Source (PATHWAY, UNIT, TARGETS) -> (predictions from it, the share of those home by their late time):
    # the targets give one time, not a 9-in-10 bound, so the share above mixes kinds of prediction.
    by_source: dict[str, tuple[int, float]] = field(default_factory=dict)

    @property
    def from_history(self) -> int:
        return sum(count for source, (count, _) in self.by_source.items() if source != TARGETS)


def backtest(first: date, last: date) -> Backtest:
    """Replay each completed journey of the days ``first``..``last``: at arrival and at the start of each
    stage, predict with only the history before that journey's day, as the board would have; compare
    with when the patient actually went home."""
    journeys = list(
        Journey.objects.filter(day__gte=first, day__lte=last, status=Journey.Status.COMPLETED)
        .select_related("pathway")
        .prefetch_related("visits__stage")
        .order_by("day")
    )
    stages: dict[int, list[StageDefinition]] = defaultdict(list)
    for stage in StageDefinition.objects.filter(pathway__in={j.pathway_id for j in journeys}).order_by("order"):
        stages[stage.pathway_id].append(stage)
    histories: dict[date, History] = {}
    errors: list[float] = []
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # source -> [predictions, home by late]
    for journey in journeys:
        if journey.day not in histories:
            histories[journey.day] = history(journey.day)
        past = histories[journey.day]
        visits = sorted(journey.visits.all(), key=lambda v: v.started_at)
        home = max(v.completed_at for v in visits if v.completed_at is not None)
        for visit in visits:
            # The journey as it stood when this stage started: this visit open, the earlier ones closed.
            at = visit.started_at
            # What a list prefetches (Journey.current_visit and open_red_flags read these first).
            journey.__dict__["open_visits"] = [_open_copy(visit)]
            journey.__dict__["open_flags"] = []
            journey.status = Journey.Status.IN_PROGRESS
            predicted = time_home(journey, stages[journey.pathway_id], at, past)
            if predicted is None:
                continue
            errors.append(abs((predicted.likely - home).total_seconds()) / 60)
            counts[predicted.source][0] += 1
            counts[predicted.source][1] += home <= predicted.late
        journey.status = Journey.Status.COMPLETED
    count = len(errors)
    return Backtest(
        predictions=count,
        mean_absolute_error=sum(errors) / count if count else None,
        home_by_late=100 * sum(home for _, home in counts.values()) / count if count else None,
        by_source={source: (made, 100 * home / made) for source, (made, home) in counts.items()},
    )


def _open_copy(visit: StageVisit) -> StageVisit:
    """The visit as it was when it started (still open, its override not yet made)."""
    copy = StageVisit(
        pk=visit.pk,
        journey_id=visit.journey_id,
        stage=visit.stage,
        stage_name=visit.stage_name,
        target_minutes=visit.target_minutes,
        minimum_minutes=visit.minimum_minutes,
        next_is_discharge=visit.next_is_discharge,
        started_at=visit.started_at,
        started_by_id=visit.started_by_id,
        round_minutes=visit.round_minutes,
    )
    return copy
