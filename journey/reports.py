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

Aggregation: on PostgreSQL each table is one query grouped in the database, with ``percentile_cont``
for the percentiles. SQLite has no ``percentile_cont``: there the same filtered queries fetch each
group's durations (one row per visit, no model instances) and ``percentile`` below interpolates them
in Python with the same method. Counts, shares and indicators are aggregated in the database on both.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import TruncWeek
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
TOOK_MINUTES = Func(TOOK, template="EXTRACT(EPOCH FROM %(expressions)s)::float8 / 60", output_field=FloatField())


def percentile(ordered: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` (0-1) percentile of values sorted ascending, by linear interpolation (numpy's
    default, PostgreSQL's ``percentile_cont``); None for no values."""
    if not ordered:
        return None
    rank = (len(ordered) - 1) * fraction
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def percentile_of_counts(counted: list[tuple[float, int]], fraction: float) -> float | None:
    """``percentile`` of values given as (value, how many times), without expanding them."""
    ordered = sorted(counted)
    total = sum(n for _, n in ordered)
    if not total:
        return None
    rank = (total - 1) * fraction
    low = math.floor(rank)

    def at(index: int) -> float:
        seen = 0
        for value, n in ordered:
            seen += n
            if index < seen:
                return value
        return ordered[-1][0]

    below = at(low)
    return below + (rank - low) * (at(min(low + 1, total - 1)) - below)


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, fraction: float | tuple[float, ...], expression: Any, **extra: Any):
        # Constants of ours, never user input: written into the SQL as literals. Several fractions give
        # an array of percentiles from a single sort of the group.
        if isinstance(fraction, tuple):
            literal = f"ARRAY[{', '.join(repr(float(f)) for f in fraction)}]::float8[]"
        else:
            literal = repr(float(fraction))
        super().__init__(expression, fraction=literal, **extra)


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


def completed_visits(period: Period) -> QuerySet[StageVisit]:
    """The stage visits a period's stage figures count: completed, started within the period."""
    visits = StageVisit.objects.filter(
        completed_at__isnull=False, started_at__gte=period.start, started_at__lt=period.end
    )
    if period.pathway is not None:
        visits = visits.filter(stage__pathway=period.pathway)
    return visits


def _durations_by(visits: QuerySet[StageVisit], *keys: str) -> dict[tuple, Durations]:
    """Durations grouped by ``keys`` (values() names); one query either way."""
    if in_database():
        over = Q(
            completed_at__gt=ExpressionWrapper(F("started_at") + F("target_minutes") * ONE_MINUTE, DateTimeField())
        )
        # Both percentiles from one sort of each group's minutes (an array of fractions).
        rows = (
            visits.order_by()
            .values(*keys)
            .annotate(
                n=Count("pk"),
                spread=PercentileCont((0.5, 0.9), TOOK_MINUTES, output_field=ArrayField(FloatField())),
                over=Count("pk", filter=over),
            )
        )
        # A group's targets take a few values (60, 120, 180 a level): counted, not sorted.
        targets: dict[tuple, list[tuple[float, int]]] = defaultdict(list)
        counted = visits.order_by().values(*keys, "target_minutes").annotate(n=Count("pk"))
        for row in counted:
            targets[tuple(row[k] for k in keys)].append((float(row["target_minutes"]), row["n"]))
        found = {}
        for row in rows:
            key = tuple(row[k] for k in keys)
            median, p90 = row["spread"] or (None, None)
            found[key] = Durations(row["n"], median, p90, percentile_of_counts(targets[key], 0.5), row["over"])
        return found
    groups: dict[tuple, list[tuple[float, int]]] = defaultdict(list)
    for *key, started, completed, target in visits.order_by().values_list(
        *keys, "started_at", "completed_at", "target_minutes"
    ):
        if completed is not None:  # always, by the filter: for the type checker
            groups[tuple(key)].append(((completed - started).total_seconds() / 60, target))
    return {key: _durations_of(taken) for key, taken in groups.items()}


def _durations_of(taken: list[tuple[float, int]]) -> Durations:
    minutes = sorted(m for m, _ in taken)
    targets = sorted(float(t) for _, t in taken)
    over = sum(1 for m, t in taken if m > t)
    return Durations(len(taken), percentile(minutes, 0.5), percentile(minutes, 0.9), percentile(targets, 0.5), over)


def stage_figures(period: Period) -> list[StageFigures]:
    """One row per pathway and stage, in pathway order: the pathways asked for (or every pathway still
    offered or with visits in the period), each stage even when none of its visits fall in the period."""
    visits = completed_visits(period)
    durations = _durations_by(visits, "stage_id")
    reasons = _delay_reasons_by_stage(visits, {key[0]: d.over for key, d in durations.items()})
    stages = StageDefinition.objects.select_related("pathway").order_by("pathway__name", "order")
    if period.pathway is not None:
        stages = stages.filter(pathway=period.pathway)
    else:
        stages = stages.filter(Q(pathway__is_active=True) | Q(pk__in=[key[0] for key in durations]))
    return [
        StageFigures(stage, durations.get((stage.pk,), NO_DURATIONS), reasons.get(stage.pk, [])) for stage in stages
    ]


def _delay_reasons_by_stage(visits: QuerySet[StageVisit], over: dict[int, int]) -> dict[int, list[ReasonShare]]:
    """Each stage's delay reasons as shares of its over-target visits, commonest first, then "No reason
    recorded" for the over-target visits without one."""
    rows = (
        ReasonGiven.objects.filter(occasion=Occasion.DELAY, visit__in=visits)
        .values("visit__stage_id", "category", "code")
        .annotate(n=Count("visit_id", distinct=True), label=Max("label"))
        .order_by()
    )
    explained = dict(
        ReasonGiven.objects.filter(occasion=Occasion.DELAY, visit__in=visits)
        .values("visit__stage_id")
        .annotate(n=Count("visit_id", distinct=True))
        .order_by()
        .values_list("visit__stage_id", "n")
    )
    shares: dict[int, list[ReasonShare]] = defaultdict(list)
    for row in rows:
        stage = row["visit__stage_id"]
        whole = max(over.get(stage, 0), explained.get(stage, 0))
        shares[stage].append(ReasonShare(row["category"], row["code"], row["label"], row["n"], 100 * row["n"] / whole))
    for stage, whole in over.items():
        missing = whole - explained.get(stage, 0)
        if missing > 0:
            shares[stage].append(ReasonShare("", "", "No reason recorded", missing, 100 * missing / whole))
    return {stage: sorted(found, key=lambda r: (-r.count, r.label)) for stage, found in shares.items()}


@dataclass(frozen=True)
class WeekFigures:
    stage_id: int
    week: date  # the Monday, in the unit's time zone
    durations: Durations


def weekly_figures(period: Period) -> list[WeekFigures]:
    """Each stage's durations week by week (weeks start on Monday in the unit's time zone)."""
    visits = completed_visits(period)
    zone = timezone.get_default_timezone()
    if in_database():
        by_week = _durations_by(visits.annotate(week=TruncWeek("started_at", tzinfo=zone)), "stage_id", "week")
        weeks = {(stage, timezone.localtime(week, zone).date()): d for (stage, week), d in by_week.items()}
    else:
        groups: dict[tuple, list[tuple[float, int]]] = defaultdict(list)
        for stage, started, completed, target in visits.order_by().values_list(
            "stage_id", "started_at", "completed_at", "target_minutes"
        ):
            local_day = timezone.localtime(started, zone).date()
            monday = local_day - timedelta(days=local_day.weekday())
            if completed is not None:
                groups[(stage, monday)].append(((completed - started).total_seconds() / 60, target))
        weeks = {key: _durations_of(taken) for key, taken in groups.items()}
    return [
        WeekFigures(stage, week, d) for (stage, week), d in sorted(weeks.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


# --- delay reasons over all stages ---


def delay_reasons(period: Period) -> list[ReasonShare]:
    """Every delay reason given for the period's visits, as a share of all reasons given, commonest first."""
    rows = list(
        ReasonGiven.objects.filter(occasion=Occasion.DELAY, visit__in=completed_visits(period))
        .values("category", "code")
        .annotate(n=Count("pk"), label=Max("label"))
        .order_by()
    )
    whole = sum(row["n"] for row in rows)
    shares = [ReasonShare(row["category"], row["code"], row["label"], row["n"], 100 * row["n"] / whole) for row in rows]
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
    waiting = _waiting_visits(period)
    if in_database():
        patients, median, p90, delayed = _gap_in_database(period)
    else:
        # "home" is the subquery annotated by _waiting_visits (django-stubs cannot see annotations).
        pairs = waiting.order_by().values_list("ready_for_discharge_at", "home")  # type: ignore[misc]
        gaps = sorted((home - ready).total_seconds() / 60 for ready, home in pairs if ready is not None)
        patients, median, p90 = len(gaps), percentile(gaps, 0.5), percentile(gaps, 0.9)
        delayed = sum(1 for g in gaps if g > DELAYED_DISCHARGE_MINUTES)
    return DischargeGap(patients, median, p90, delayed, _gap_reasons(waiting))


def _gap_in_database(period: Period) -> tuple[int, float | None, float | None, int]:
    """The gap's count, median, p90 and delayed count in one PostgreSQL statement, set-based (each
    table read once and grouped) rather than one correlated lookup per patient."""
    visit, journey = StageVisit._meta.db_table, Journey._meta.db_table
    pathway = "AND j.pathway_id = %(pathway)s" if period.pathway is not None else ""
    sql = f"""
        WITH waiting AS (
            SELECT v.journey_id, v.ready_for_discharge_at AS ready
            FROM {visit} v JOIN {journey} j ON j.id = v.journey_id
            WHERE v.next_is_discharge AND v.completed_at IS NOT NULL AND v.ready_for_discharge_at IS NOT NULL
              AND j.status = %(home)s AND j.day BETWEEN %(first)s AND %(last)s {pathway}
        ), home AS (
            SELECT s.journey_id, MAX(s.completed_at) AS at
            FROM {visit} s JOIN waiting w ON w.journey_id = s.journey_id GROUP BY s.journey_id
        ), gaps AS (
            SELECT EXTRACT(EPOCH FROM h.at - w.ready)::float8 / 60 AS minutes
            FROM waiting w JOIN home h ON h.journey_id = w.journey_id
        )
        SELECT COUNT(*), PERCENTILE_CONT(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY minutes),
               COUNT(*) FILTER (WHERE minutes > %(delayed)s)
        FROM gaps
    """
    params: dict[str, Any] = {
        "home": Journey.Status.COMPLETED.value,
        "first": period.first,
        "last": period.last,
        "pathway": period.pathway.pk if period.pathway is not None else None,
        "delayed": DELAYED_DISCHARGE_MINUTES,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        patients, spread, delayed = cursor.fetchone()
    median, p90 = spread or (None, None)
    return patients, median, p90, delayed


def _gap_reasons(waiting: QuerySet[StageVisit]) -> list[ReasonShare]:
    """The delay reasons given from the waiting stage on (the waiting stage itself and discharge), as
    shares of the reasons given."""
    from_waiting = Subquery(
        StageVisit.objects.filter(WAITING_STAGE, journey=OuterRef("journey_id")).values("started_at")[:1]
    )
    rows = list(
        ReasonGiven.objects.filter(occasion=Occasion.DELAY, journey__in=waiting.values("journey_id"))
        .annotate(waiting_from=from_waiting)
        .filter(visit__started_at__gte=F("waiting_from"))
        .values("category", "code")
        .annotate(n=Count("pk"), label=Max("label"))
        .order_by()
    )
    whole = sum(row["n"] for row in rows)
    shares = [ReasonShare(row["category"], row["code"], row["label"], row["n"], 100 * row["n"] / whole) for row in rows]
    return sorted(shares, key=lambda r: (-r.count, r.label))


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
    arrived = Exists(StageVisit.objects.filter(journey=OuterRef("pk")))
    returned = Exists(ReasonGiven.objects.filter(journey=OuterRef("pk"), occasion=Occasion.UNPLANNED_RETURN))
    cancelled = Q(status=Journey.Status.CANCELLED)
    counts = (
        _journeys(period)
        .annotate(came=arrived, went_back=returned)
        .aggregate(
            booked=Count("pk"),
            arrived=Count("pk", filter=Q(came=True)),
            did_not_arrive=Count("pk", filter=Q(status=Journey.Status.DID_NOT_ARRIVE)),
            cancelled_before=Count("pk", filter=cancelled & Q(came=False)),
            cancelled_after=Count("pk", filter=cancelled & Q(came=True)),
            returned=Count("pk", filter=Q(went_back=True)),
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
    gap = discharge_gap(period)
    return Report(
        period=period,
        stages=stage_figures(period),
        weeks=weekly_figures(period),
        reasons=delay_reasons(period),
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
