"""The unit's reports: how long each stage takes against its target and why it runs over, how long
patients wait to go home once they are ready, and the day-surgery indicators beside their benchmarks.

Read-only. Every figure is defined here once; the reports page, its CSV downloads and
``manage.py stage_report`` all read these functions.

Definitions (the README repeats them for the unit):

- **Which stage visits count**: completed visits whose *start* falls in the period, the period being
  whole days in the unit's time zone (``TRACKER_TIME_ZONE``), first and last day included. Times are
  stored in UTC, so a duration is the plain difference of two instants and a day with a clock change
  counts its real minutes (a visit from 00:30 to 03:30 local on the night the clocks go forward
  lasted two hours, not three).
- **Percentiles** use linear interpolation between the two nearest ranks, numpy's default method
  (``numpy.percentile(..., method="linear")``) and PostgreSQL's ``percentile_cont``: for n sorted
  values and a fraction p, h = (n - 1) * p and the result is x[floor(h)] + (h - floor(h)) *
  (x[floor(h) + 1] - x[floor(h)]). The median is p = 0.5; "p90" is p = 0.9.
- **Target**: each visit is compared with the target it had when it started (a per-level target such
  as the injection's 60 minutes a level differs between patients); the stage's "target" figure is the
  median of those targets. **Over target** means longer than its own target, to the second.
- **Top delay reasons**: the coded reasons given for the stage's over-target visits, each as a share
  of those visits; visits over target without a reason (before reasons were asked) show as "No
  reason recorded", so the shares add up to 100%.
- **Discharge gap**: for patients who went home, from ready for discharge to gone home (the end of
  the discharge stage). Ready for discharge is the moment the stage before discharge (flat recovery)
  met its last condition, kept on that visit when it closes (``StageVisit.became_ready_at``): the
  latest of its minimum's end (or the lead's override), its last observation round, its last
  checklist answer and the last red flag resolved, never later than its actual close.
- **Indicators** (ACHS day-surgery indicators) count journeys booked for days in the period: failure
  to arrive over the booked; cancellation after arrival, unplanned return to the procedure room,
  unplanned delayed discharge and unplanned overnight admission over the arrived (a journey that
  opened its first stage). An unplanned delayed discharge is going home more than
  ``DELAYED_DISCHARGE_MINUTES`` after being ready for discharge.

Aggregation: on PostgreSQL the database does it. The whole report is five statements in one
transaction (``tuned``: JIT off): the durations by stage and by stage and week in one grouped pass
(``GROUPING SETS``, ``percentile_cont`` for the percentiles, weeks bucketed by ``width_bucket`` over the
local Mondays computed here), the delay reasons by stage and reason once for both reason tables, the
discharge gap with its reasons, the stages, and the indicators. SQLite has no ``percentile_cont``:
there one query fetches the counted visits' times (one row per visit, no model instances) and
``percentile`` below interpolates each group in Python with the same method; counts, shares and
indicators are aggregated in the database on both.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any, NamedTuple

from django.contrib.postgres.fields import ArrayField
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone

from journey.models import (
    Journey,
    Occasion,
    Pathway,
    ReasonCategory,
    ReasonGiven,
    StageDefinition,
    StageVisit,
)

# Going home more than this long after being ready for discharge counts as an unplanned delayed discharge.
DELAYED_DISCHARGE_MINUTES = 60
# How many delay reasons a stage's row lists (the CSV of reasons has them all).
TOP_REASONS = 3
# Admitted overnight is set by its own verb (its status value, until that verb lands).
ADMITTED_OVERNIGHT = "admitted"
# The waiting stage before discharge (flat recovery): the visit whose next stage is the discharge.
WAITING_STAGE = Q(next_is_discharge=True)

STAGE_CSV_COLUMNS = [
    "pathway",
    "stage",
    "completed",
    "median_minutes",
    "p90_minutes",
    "target_minutes",
    "over_target_pct",
]

ONE_MINUTE = Value(timedelta(minutes=1), output_field=DurationField())
TOOK = ExpressionWrapper(F("completed_at") - F("started_at"), output_field=DurationField())
# PostgreSQL only: a visit's minutes as a float (sorting floats is cheaper than sorting intervals).
# DATE_PART, not EXTRACT: since PostgreSQL 14 EXTRACT returns numeric, and converting 290,000 numerics
# to float cost 165 ms against DATE_PART's 30.
TOOK_MINUTES = Func(TOOK, template="DATE_PART('epoch', %(expressions)s) / 60", output_field=FloatField())


def percentile(ordered: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` (0-1) percentile of values sorted ascending, by linear interpolation (numpy's
    default, PostgreSQL's ``percentile_cont``); None for no values."""
    if not ordered:
        return None
    rank = (len(ordered) - 1) * fraction
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


# Set while a report's reads run, so the functions a report calls do not open and tune their own.
_TUNED: ContextVar[bool] = ContextVar("reports_tuned", default=False)


@contextmanager
def tuned() -> Iterator[None]:
    """The report's reads in one transaction (a savepoint inside a caller's); on PostgreSQL with JIT
    compilation off until that transaction ends. The planner turns JIT on for any query it costs above
    ``jit_above_cost``, and a year's indicators crossed it: compiling took 120 ms of a 220 ms query that
    runs in 90 ms without (EXPLAIN ANALYZE, 50,000 journeys). These are short scans and sorts, not the
    long analytic queries JIT pays off on."""
    if _TUNED.get():
        yield
        return
    token = _TUNED.set(True)
    try:
        with transaction.atomic():
            if in_database():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL jit = off")
            yield
    finally:
        _TUNED.reset(token)


def in_database() -> bool:
    """Whether percentiles are computed by the database (PostgreSQL) or here (SQLite)."""
    return connection.vendor == "postgresql"


def one_decimal(value: float | None) -> str:
    """12.25 -> "12.3" (half up, as people round); None -> ""."""
    if value is None:
        return ""
    return str(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Period:
    """Whole days in the unit's time zone, both ends included, for one pathway or all of them."""

    first: date
    last: date
    pathway: Pathway | None = None

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("The period ends before it starts.")

    @property
    def start(self) -> datetime:
        return _local_midnight(self.first)

    @property
    def end(self) -> datetime:
        """The first instant after the period (midnight after its last day)."""
        return _local_midnight(self.last + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _minutes(value: timedelta | float | None) -> float | None:
    if value is None:
        return None
    return value.total_seconds() / 60 if isinstance(value, timedelta) else float(value)


# --- stage durations ---


@dataclass(frozen=True)
class Durations:
    completed: int
    median: float | None
    p90: float | None
    target: float | None
    over: int

    @property
    def over_pct(self) -> float | None:
        return 100 * self.over / self.completed if self.completed else None


NO_DURATIONS = Durations(0, None, None, None, 0)


@dataclass(frozen=True)
class ReasonShare:
    category: str  # ReasonCategory value, or "" for "no reason recorded"
    code: str
    label: str
    count: int
    share: float  # percent of the group it belongs to

    @property
    def category_label(self) -> str:
        return ReasonCategory(self.category).label if self.category else "Not recorded"


@dataclass(frozen=True)
class StageFigures:
    stage: StageDefinition
    durations: Durations
    reasons: list[ReasonShare] = field(default_factory=list)

    @property
    def top_reasons(self) -> list[ReasonShare]:
        return self.reasons[:TOP_REASONS]

    def csv_row(self) -> list[str]:
        d = self.durations
        return [
            self.stage.pathway.code,
            self.stage.code,
            str(d.completed),
            one_decimal(d.median),
            one_decimal(d.p90),
            one_decimal(d.target),
            one_decimal(d.over_pct),
        ]


@dataclass(frozen=True)
class WeekFigures:
    stage_id: int
    week: date  # the Monday, in the unit's time zone
    durations: Durations


def counted(period: Period, via: str = "") -> Q:
    """Which stage visits a period's stage figures count: completed, started within the period (and of
    its pathway). ``via`` reaches the visit from another model ("visit__")."""
    found = Q(
        **{
            f"{via}completed_at__isnull": False,
            f"{via}started_at__gte": period.start,
            f"{via}started_at__lt": period.end,
        }
    )
    if period.pathway is not None:
        found &= Q(**{f"{via}stage__pathway": period.pathway})
    return found


def completed_visits(period: Period) -> QuerySet[StageVisit]:
    """The stage visits a period's stage figures count."""
    return StageVisit.objects.filter(counted(period))


def mondays(period: Period) -> list[datetime]:
    """The local midnight starting each week (Monday) the period touches, from the first day's Monday."""
    monday = period.first - timedelta(days=period.first.weekday())
    found = []
    while monday <= period.last:
        found.append(_local_midnight(monday))
        monday += timedelta(days=7)
    return found


class WeekNumber(Func):
    """PostgreSQL's ``width_bucket(instant, thresholds)``: 1 for an instant in the first week of ``mondays``,
    2 for the second... Weeks bounded by local midnights computed here stay exact across a clock change,
    and a binary search in a short array costs less per row than converting every instant to local time."""

    template = "WIDTH_BUCKET(%(expressions)s::timestamptz[])"
    output_field = IntegerField()


@dataclass(frozen=True)
class Spread:
    """Each stage's durations over the whole period and week by week."""

    stages: dict[int, Durations]
    weeks: dict[tuple[int, date], Durations]


def spread(period: Period) -> Spread:
    """The period's durations by stage and by stage and week: one query on PostgreSQL, grouped both ways in
    one pass (GROUPING SETS) with ``percentile_cont``; on SQLite one fetch of the visits, grouped here."""
    if in_database():
        return _spread_in_database(period)
    zone = timezone.get_default_timezone()
    by_stage: dict[int, list[tuple[float, int]]] = defaultdict(list)
    by_week: dict[tuple[int, date], list[tuple[float, int]]] = defaultdict(list)
    for stage, started, completed, target in (
        completed_visits(period).order_by().values_list("stage_id", "started_at", "completed_at", "target_minutes")
    ):
        if completed is None:  # never, by the filter: for the type checker
            continue
        taken = ((completed - started).total_seconds() / 60, target)
        local_day = timezone.localtime(started, zone).date()
        by_stage[stage].append(taken)
        by_week[(stage, local_day - timedelta(days=local_day.weekday()))].append(taken)
    return Spread(
        {stage: _durations_of(taken) for stage, taken in by_stage.items()},
        {key: _durations_of(taken) for key, taken in by_week.items()},
    )


def _spread_in_database(period: Period) -> Spread:
    weeks = mondays(period)
    over = Q(completed_at__gt=ExpressionWrapper(F("started_at") + F("target_minutes") * ONE_MINUTE, DateTimeField()))
    visits = (
        completed_visits(period)
        .order_by()
        .annotate(
            week=WeekNumber(F("started_at"), Value(weeks, output_field=ArrayField(DateTimeField()))),
            minutes=TOOK_MINUTES,
            is_over=ExpressionWrapper(over, output_field=BooleanField()),
        )
        .values("stage_id", "week", "minutes", "is_over", "target_minutes")
    )
    inner, params = visits.query.sql_with_params()
    # GROUPING(week) is 1 on a stage's row for the whole period. The ordered-set aggregates sort each
    # group's values themselves; both percentiles come from one sort of the minutes (an array of fractions).
    sql = f"""
        SELECT stage_id, week, GROUPING(week), COUNT(*),
               PERCENTILE_CONT(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY minutes),
               COUNT(*) FILTER (WHERE is_over),
               PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY target_minutes)
        FROM ({inner}) AS visits
        GROUP BY GROUPING SETS ((stage_id), (stage_id, week))
    """
    stages: dict[int, Durations] = {}
    by_week: dict[tuple[int, date], Durations] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for stage, week, whole, n, (median, p90), over_target, target in cursor.fetchall():
            durations = Durations(n, median, p90, target, over_target)
            if whole:
                stages[stage] = durations
            else:
                by_week[(stage, weeks[week - 1].date())] = durations
    return Spread(stages, by_week)


def _durations_of(taken: list[tuple[float, int]]) -> Durations:
    minutes = sorted(m for m, _ in taken)
    targets = sorted(float(t) for _, t in taken)
    over = sum(1 for m, t in taken if m > t)
    return Durations(len(taken), percentile(minutes, 0.5), percentile(minutes, 0.9), percentile(targets, 0.5), over)


def stage_figures(
    period: Period, found: Spread | None = None, given: list[ReasonCount] | None = None
) -> list[StageFigures]:
    """One row per pathway and stage, in pathway order: the pathways asked for (or every pathway still
    offered or with visits in the period), each stage even when none of its visits fall in the period.
    (``found`` and ``given``: the period's spread and delay reason counts, when the caller has them.)"""
    with tuned():
        durations = (found or spread(period)).stages
        reasons = _reasons_by_stage(
            delay_reason_counts(period) if given is None else given, {stage: d.over for stage, d in durations.items()}
        )
        stages = StageDefinition.objects.select_related("pathway").order_by("pathway__name", "order")
        if period.pathway is not None:
            stages = stages.filter(pathway=period.pathway)
        else:
            stages = stages.filter(Q(pathway__is_active=True) | Q(pk__in=list(durations)))
        return [
            StageFigures(stage, durations.get(stage.pk, NO_DURATIONS), reasons.get(stage.pk, [])) for stage in stages
        ]


def weekly_figures(period: Period, found: Spread | None = None) -> list[WeekFigures]:
    """Each stage's durations week by week (weeks start on Monday in the unit's time zone)."""
    with tuned():
        weeks = (found or spread(period)).weeks
    return [
        WeekFigures(stage, week, d) for (stage, week), d in sorted(weeks.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


# --- delay reasons ---


class ReasonCount(NamedTuple):
    stage_id: int
    category: str
    code: str
    visits: int  # over-target visits given this reason (one reason a visit)
    label: str


def delay_reason_counts(period: Period) -> list[ReasonCount]:
    """The delay reasons given for the period's counted visits, counted by stage and reason (category and
    code, with the wording they were given in), in the database. A visit has at most one delay reason
    (a constraint), so a count of reasons is a count of visits."""
    rows = (
        ReasonGiven.objects.filter(counted(period, "visit__"), occasion=Occasion.DELAY)
        .values("visit__stage_id", "category", "code")
        .annotate(n=Count("pk"), label=Max("label"))
        .order_by()
    )
    return [ReasonCount(r["visit__stage_id"], r["category"], r["code"], r["n"], r["label"]) for r in rows]


def _reasons_by_stage(given: list[ReasonCount], over: dict[int, int]) -> dict[int, list[ReasonShare]]:
    """Each stage's delay reasons as shares of its over-target visits, commonest first, then "No reason
    recorded" for the over-target visits without one."""
    explained: dict[int, int] = defaultdict(int)
    for row in given:
        explained[row.stage_id] += row.visits
    shares: dict[int, list[ReasonShare]] = defaultdict(list)
    for row in given:
        whole = max(over.get(row.stage_id, 0), explained[row.stage_id])
        shares[row.stage_id].append(
            ReasonShare(row.category, row.code, row.label, row.visits, 100 * row.visits / whole)
        )
    for stage, whole in over.items():
        missing = whole - explained.get(stage, 0)
        if missing > 0:
            shares[stage].append(ReasonShare("", "", "No reason recorded", missing, 100 * missing / whole))
    return {stage: sorted(found, key=lambda r: (-r.count, r.label)) for stage, found in shares.items()}


def delay_reasons(period: Period, given: list[ReasonCount] | None = None) -> list[ReasonShare]:
    """Every delay reason given for the period's visits, as a share of all reasons given, commonest first."""
    if given is None:
        with tuned():
            given = delay_reason_counts(period)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    labels: dict[tuple[str, str], str] = {}
    for row in given:
        key = (row.category, row.code)
        counts[key] += row.visits
        labels[key] = max(labels.get(key, ""), row.label)
    return _shares([(category, code, labels[(category, code)], n) for (category, code), n in counts.items()])


def _shares(rows: Iterable[tuple[str, str, str, int]]) -> list[ReasonShare]:
    """(category, code, label, count) as shares of their total, commonest first, ties by label."""
    rows = list(rows)
    whole = sum(n for *_, n in rows)
    shares = [ReasonShare(category, code, label, n, 100 * n / whole) for category, code, label, n in rows]
    return sorted(shares, key=lambda r: (-r.count, r.label))


# --- the discharge gap ---


@dataclass(frozen=True)
class DischargeGap:
    patients: int
    median: float | None
    p90: float | None
    delayed: int  # gone home more than DELAYED_DISCHARGE_MINUTES after ready
    reasons: list[ReasonShare]


def _journeys(period: Period) -> QuerySet[Journey]:
    journeys = Journey.objects.filter(day__gte=period.first, day__lte=period.last)
    if period.pathway is not None:
        journeys = journeys.filter(pathway=period.pathway)
    return journeys


def _waiting_visits(period: Period) -> QuerySet[StageVisit]:
    """The stage before discharge of each patient who went home in the period, with ``home`` (when the
    last stage closed); its ``ready_for_discharge_at`` was kept when it closed."""
    home = Subquery(
        StageVisit.objects.filter(journey=OuterRef("journey_id"), completed_at__isnull=False)
        .order_by("-completed_at")
        .values("completed_at")[:1]
    )
    return StageVisit.objects.filter(
        WAITING_STAGE,
        completed_at__isnull=False,
        ready_for_discharge_at__isnull=False,
        journey__in=_journeys(period).filter(status=Journey.Status.COMPLETED),
    ).annotate(home=home)


def discharge_gap(period: Period) -> DischargeGap:
    if in_database():
        with tuned():
            return _gap_in_database(period)
    waiting = _waiting_visits(period)
    # "home" is the subquery annotated by _waiting_visits (django-stubs cannot see annotations).
    pairs = waiting.order_by().values_list("ready_for_discharge_at", "home")  # type: ignore[misc]
    gaps = sorted((home - ready).total_seconds() / 60 for ready, home in pairs if ready is not None)
    delayed = sum(1 for g in gaps if g > DELAYED_DISCHARGE_MINUTES)
    return DischargeGap(len(gaps), percentile(gaps, 0.5), percentile(gaps, 0.9), delayed, _gap_reasons(waiting))


def _gap_in_database(period: Period) -> DischargeGap:
    """The gap's count, median, p90, delayed count and reasons in one PostgreSQL statement, set-based: the
    waiting stages, joined once to the visits from them on (the waiting stage and the discharge), feed
    both the gap and its reasons, instead of one correlated lookup per patient."""
    visit, journey, given = StageVisit._meta.db_table, Journey._meta.db_table, ReasonGiven._meta.db_table
    pathway = "AND j.pathway_id = %(pathway)s" if period.pathway is not None else ""
    sql = f"""
        WITH waiting AS (
            SELECT v.journey_id, v.started_at AS since, v.ready_for_discharge_at AS ready
            FROM {visit} v JOIN {journey} j ON j.id = v.journey_id
            WHERE v.next_is_discharge AND v.completed_at IS NOT NULL AND v.ready_for_discharge_at IS NOT NULL
              AND j.status = %(home)s AND j.day BETWEEN %(first)s AND %(last)s {pathway}
        ), onwards AS MATERIALIZED (
            SELECT w.journey_id, w.ready, s.id AS visit_id, s.completed_at
            FROM waiting w JOIN {visit} s ON s.journey_id = w.journey_id AND s.started_at >= w.since
        ), gaps AS (
            SELECT DATE_PART('epoch', MAX(completed_at) - ready) / 60 AS minutes
            FROM onwards GROUP BY journey_id, ready
        )
        SELECT NULL, NULL, NULL, COUNT(*), PERCENTILE_CONT(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY minutes),
               COUNT(*) FILTER (WHERE minutes > %(delayed)s)
        FROM gaps
        UNION ALL
        SELECT r.category, r.code, MAX(r.label), COUNT(*), NULL, NULL
        FROM onwards o JOIN {given} r ON r.visit_id = o.visit_id AND r.occasion = %(delay)s
        GROUP BY r.category, r.code
    """
    params: dict[str, Any] = {
        "home": Journey.Status.COMPLETED.value,
        "first": period.first,
        "last": period.last,
        "pathway": period.pathway.pk if period.pathway is not None else None,
        "delayed": DELAYED_DISCHARGE_MINUTES,
        "delay": Occasion.DELAY.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # The gap's row is the one without a reason code.
    ((_, _, _, patients, found, delayed),) = [row for row in rows if row[1] is None]
    median, p90 = found or (None, None)
    reasons = _shares((category, code, label, n) for category, code, label, n, *_ in rows if code is not None)
    return DischargeGap(patients, median, p90, delayed, reasons)


def _gap_reasons(waiting: QuerySet[StageVisit]) -> list[ReasonShare]:
    """The delay reasons given from the waiting stage on (the waiting stage itself and discharge), as
    shares of the reasons given."""
    from_waiting = Subquery(
        StageVisit.objects.filter(WAITING_STAGE, journey=OuterRef("journey_id")).order_by().values("started_at")[:1]
    )
    rows = (
        ReasonGiven.objects.filter(occasion=Occasion.DELAY, journey__in=waiting.values("journey_id"))
        .annotate(waiting_from=from_waiting)
        .filter(visit__started_at__gte=F("waiting_from"))
        .values("category", "code")
        .annotate(n=Count("pk"), label=Max("label"))
        .order_by()
    )
    return _shares((row["category"], row["code"], row["label"], row["n"]) for row in rows)


# --- the day-surgery indicators ---


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    count: int
    denominator: int
    denominator_label: str  # "booked" or "arrived"
    benchmark: float | None  # percent (ACHS), None where the benchmark is per unit

    @property
    def rate(self) -> float | None:
        return 100 * self.count / self.denominator if self.denominator else None

    def csv_row(self) -> list[str]:
        rate = "" if self.rate is None else f"{self.rate:.2f}"
        benchmark = "" if self.benchmark is None else f"{self.benchmark:.2f}"
        return [self.name, str(self.count), str(self.denominator), self.denominator_label, rate, benchmark]


# ACHS day-surgery indicators (240 organisations, about 380,000 patients), in percent.
BENCHMARKS = {
    "did_not_arrive": 1.5,
    "cancelled_after_arrival": 0.9,
    "unplanned_return": 0.08,
    "delayed_discharge": 0.56,
    "overnight": None,  # reported per unit
}


def indicators(period: Period, gap: DischargeGap | None = None) -> list[Indicator]:
    """The day-surgery indicators for journeys booked in the period, as counts over booked or arrived."""
    # Arrived: one index probe per journey (the visits' journey index). Returned: the few journeys with
    # an unplanned return, read once into a hashed set rather than looked up per journey.
    arrived = Exists(StageVisit.objects.filter(journey=OuterRef("pk")))
    returned = ReasonGiven.objects.filter(occasion=Occasion.UNPLANNED_RETURN).values("journey_id")
    cancelled = Q(status=Journey.Status.CANCELLED)
    with tuned():
        counts = (
            _journeys(period)
            .annotate(came=arrived)
            .aggregate(
                booked=Count("pk"),
                arrived=Count("pk", filter=Q(came=True)),
                did_not_arrive=Count("pk", filter=Q(status=Journey.Status.DID_NOT_ARRIVE)),
                cancelled_before=Count("pk", filter=cancelled & Q(came=False)),
                cancelled_after=Count("pk", filter=cancelled & Q(came=True)),
                returned=Count("pk", filter=Q(pk__in=returned)),
                overnight=Count("pk", filter=Q(status=ADMITTED_OVERNIGHT)),
            )
        )
        gap = gap or discharge_gap(period)
    booked, came = counts["booked"], counts["arrived"]
    return [
        Indicator(
            "did_not_arrive",
            "Failure to arrive",
            counts["did_not_arrive"],
            booked,
            "booked",
            BENCHMARKS["did_not_arrive"],
        ),
        Indicator(
            "cancelled_before_arrival",
            "Cancellation before arrival",
            counts["cancelled_before"],
            booked,
            "booked",
            None,
        ),
        Indicator(
            "cancelled_after_arrival",
            "Cancellation after arrival",
            counts["cancelled_after"],
            came,
            "arrived",
            BENCHMARKS["cancelled_after_arrival"],
        ),
        Indicator(
            "unplanned_return",
            "Unplanned return to the procedure room",
            counts["returned"],
            came,
            "arrived",
            BENCHMARKS["unplanned_return"],
        ),
        Indicator(
            "delayed_discharge",
            "Unplanned delayed discharge",
            gap.delayed,
            came,
            "arrived",
            BENCHMARKS["delayed_discharge"],
        ),
        Indicator("overnight", "Unplanned overnight admission", counts["overnight"], came, "arrived", None),
    ]


# --- the whole report and its tables ---


@dataclass(frozen=True)
class Report:
    period: Period
    stages: list[StageFigures]
    weeks: list[WeekFigures]
    reasons: list[ReasonShare]
    gap: DischargeGap
    indicators: list[Indicator]


def report(period: Period) -> Report:
    """The whole report: the durations and the delay reasons are each read once and shared by the tables
    that show them."""
    with tuned():
        found, given, gap = spread(period), delay_reason_counts(period), discharge_gap(period)
        return Report(
            period=period,
            stages=stage_figures(period, found, given),
            weeks=weekly_figures(period, found),
            reasons=delay_reasons(period, given),
            gap=gap,
            indicators=indicators(period, gap),
        )


def tables(result: Report) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Every table of the report as (header, rows) for a CSV download; the stages table is exactly
    what ``manage.py stage_report`` writes."""
    stage_names = {figures.stage.pk: figures.stage for figures in result.stages}
    weeks = [
        [
            stage_names[w.stage_id].pathway.code if w.stage_id in stage_names else "",
            stage_names[w.stage_id].code if w.stage_id in stage_names else str(w.stage_id),
            w.week.isoformat(),
            str(w.durations.completed),
            one_decimal(w.durations.median),
            one_decimal(w.durations.p90),
            one_decimal(w.durations.target),
            one_decimal(w.durations.over_pct),
        ]
        for w in result.weeks
    ]
    stage_reasons = [
        [f.stage.pathway.code, f.stage.code, r.category_label, r.code, r.label, str(r.count), one_decimal(r.share)]
        for f in result.stages
        for r in f.reasons
    ]
    gap = result.gap
    return {
        "stages": (STAGE_CSV_COLUMNS, [figures.csv_row() for figures in result.stages]),
        "weeks": (
            ["pathway", "stage", "week_starting", *STAGE_CSV_COLUMNS[2:]],
            weeks,
        ),
        "stage-reasons": (
            ["pathway", "stage", "category", "code", "reason", "visits", "share_of_over_target_pct"],
            stage_reasons,
        ),
        "reasons": (
            ["category", "code", "reason", "count", "share_pct"],
            [[r.category_label, r.code, r.label, str(r.count), one_decimal(r.share)] for r in result.reasons],
        ),
        "discharge-gap": (
            ["patients_home", "median_minutes", "p90_minutes", f"over_{DELAYED_DISCHARGE_MINUTES}_minutes"],
            [[str(gap.patients), one_decimal(gap.median), one_decimal(gap.p90), str(gap.delayed)]],
        ),
        "discharge-gap-reasons": (
            ["category", "code", "reason", "count", "share_pct"],
            [[r.category_label, r.code, r.label, str(r.count), one_decimal(r.share)] for r in gap.reasons],
        ),
        "indicators": (
            ["indicator", "count", "out_of", "out_of_what", "rate_pct", "benchmark_pct"],
            [indicator.csv_row() for indicator in result.indicators],
        ),
    }


def write_csv(out: IO[str], header: list[str], rows: Iterable[list[str]]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
