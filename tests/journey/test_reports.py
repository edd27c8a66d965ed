"""The unit's reports on a small hand-built data set where every figure is worked out by hand.

The pathway here has no checklists, so each journey is walked through the real verbs with exact times:
consent (target 20), injection (60 a level), flat recovery (minimum and target 120), discharge (20).
"""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from journey import reports
from journey.models import Journey, Occasion, Pathway, Reason, ReasonCategory, StageVisit
from journey.reports import Period, percentile
from tests.makers import coded, make_patient, make_stage

DAY = date(2026, 11, 10)  # a Tuesday
NEXT_WEEK = date(2026, 11, 17)


@pytest.fixture
def unit(db):
    pathway = Pathway.objects.create(code="spine", name="Spine")
    make_stage(pathway, "consent", 10, target=20)
    make_stage(pathway, "injection", 20, target=60, target_per_level=True)
    make_stage(pathway, "recovery", 30, target=120, minimum_minutes=120, name="Flat recovery")
    make_stage(pathway, "discharge", 40, target=20, is_discharge=True)
    return pathway


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def walk(pathway, nurse, lead, *, minutes, day=DAY, start=None, levels="T12", override_at=None, delays=None):
    """Book, arrive at ``start`` and complete one stage after another, each lasting the next of ``minutes``;
    a stage over its target is completed with the delay reason ``delays`` names for it (code, or code
    and words), else "awaiting_review".

    ``override_at``: minutes into recovery at which a lead overrides its minimum.
    """
    delays = delays or {}
    start = start or at(day, 8)
    journey = Journey.objects.book(
        patient=make_patient(),
        pathway=pathway,
        day=day,
        scheduled_time=start.time(),
        planned_levels=levels,
        by=nurse,
        now=start - timedelta(days=1),
    )
    journey.arrive(by=nurse, now=start)
    clock = start
    for taken in minutes:
        visit = journey.current_visit
        if visit.minimum_minutes and override_at is not None:
            journey.override_minimum(
                reason="Settled early, proceeding lead agrees.", by=lead, now=clock + timedelta(minutes=override_at)
            )
        clock += timedelta(minutes=taken)
        code, words = delays.get(visit.stage.code, ("awaiting_review", "")) if visit.is_over_target(clock) else ("", "")
        journey.complete_stage(
            by=nurse, now=clock, delay_reason=coded(Occasion.DELAY, code) if code else None, delay_detail=words
        )
    return journey


def figures(unit, period=None):
    period = period or Period(DAY, DAY, unit)
    return {f.stage.code: f for f in reports.stage_figures(period)}


# --- the percentile method ---


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([10, 20, 30, 40, 50], 0.5, 30),
        ([10, 20, 30, 40, 50], 0.9, 46),  # h = 3.6: 40 + 0.6 * 10
        ([10, 20, 30, 40], 0.5, 25),  # an even count: halfway between the middle two
        ([10, 20, 30, 40], 0.9, 37),  # h = 2.7: 30 + 0.7 * 10
        ([7], 0.9, 7),
        ([1, 2], 1.0, 2),
        ([1, 2], 0.0, 1),
    ],
)
def test_percentiles_interpolate_linearly_between_ranks_as_numpy_does(values, fraction, expected):
    assert percentile(values, fraction) == pytest.approx(expected)


def test_no_values_have_no_percentile():
    assert percentile([], 0.5) is None


# --- stage durations against target ---


@pytest.fixture
def five_days(unit, nurse, lead):
    """Five patients; consent 10, 20, 30, 40, 50 min; injection 70 (1 level), 100 (2), 130 (2), 50 (1), 60 (1)."""
    plans = [
        ("T12", [10, 70, 120, 20], {"injection": ("imaging_unavailable", "")}),
        ("T12 L1", [20, 100, 150, 40], {"recovery": ("pain", ""), "discharge": ("driver_late", "")}),
        ("T12 L1", [30, 130, 110, 15], {"consent": ("driver_late", ""), "injection": ("imaging_unavailable", "")}),
        ("L2", [40, 50, 120, 20], {"consent": ("driver_late", "")}),
        ("L3", [50, 60], {"consent": ("other", "Interpreter late")}),  # still in recovery
    ]
    journeys = []
    for levels, minutes, delays in plans:
        override = 100 if minutes[2:3] == [110] else None
        journeys.append(walk(unit, nurse, lead, minutes=minutes, levels=levels, override_at=override, delays=delays))
    return journeys


def test_each_stage_has_its_count_median_and_90th_percentile(unit, five_days):
    consent, injection = figures(unit)["consent"].durations, figures(unit)["injection"].durations

    assert (consent.completed, consent.median, consent.p90) == (5, pytest.approx(30), pytest.approx(46))
    # Sorted 50, 60, 70, 100, 130: median 70; h = 3.6: 100 + 0.6 * 30 = 118.
    assert (injection.completed, injection.median, injection.p90) == (5, pytest.approx(70), pytest.approx(118))


def test_over_target_compares_each_visit_with_its_own_target(unit, five_days):
    consent, injection = figures(unit)["consent"].durations, figures(unit)["injection"].durations

    assert (consent.target, consent.over, consent.over_pct) == (20, 3, pytest.approx(60))
    # Targets 60, 120, 120, 60, 60 (60 a level): over are 70 > 60 and 130 > 120; 60 on 60 is not over.
    assert (injection.target, injection.over, injection.over_pct) == (60, 2, pytest.approx(40))


def test_only_completed_visits_count_and_every_stage_is_listed(unit, five_days):
    found = figures(unit)

    assert list(found) == ["consent", "injection", "recovery", "discharge"]
    assert found["recovery"].durations.completed == 4
    assert found["discharge"].durations.completed == 4
    # Recovery 110, 120, 120, 150: median 120, h = 2.7: 120 + 0.7 * 30 = 141; one over 120.
    assert found["recovery"].durations.median == pytest.approx(120)
    assert found["recovery"].durations.p90 == pytest.approx(141)
    assert found["recovery"].durations.over == 1


def test_visits_outside_the_period_do_not_count(unit, nurse, lead, five_days):
    walk(unit, nurse, lead, day=NEXT_WEEK, minutes=[99])

    assert figures(unit)["consent"].durations.completed == 5
    assert figures(unit, Period(NEXT_WEEK, NEXT_WEEK, unit))["consent"].durations.median == pytest.approx(99)
    assert figures(unit, Period(DAY, NEXT_WEEK, unit))["consent"].durations.completed == 6


def test_a_stage_with_no_visits_has_no_figures(unit):
    empty = figures(unit)["consent"]

    assert (empty.durations.completed, empty.durations.median, empty.durations.over_pct) == (0, None, None)


def test_top_delay_reasons_are_shares_of_the_over_target_visits(unit, five_days):
    # Consent over its 20 min target: 30 and 40 min (driver late), 50 min (other: interpreter late).
    reasons = figures(unit)["consent"].reasons

    assert [(r.label, r.count, round(r.share, 1)) for r in reasons] == [
        ("Driver not available or late", 2, 66.7),
        ("Other (say what)", 1, 33.3),
    ]
    assert reasons[0].category_label == "Escort or social"


def test_over_target_visits_without_a_reason_show_as_not_recorded(unit, nurse, lead, five_days):
    # A day from before reasons were asked: consent closed 35 min after it started, with none given.
    old = walk(unit, nurse, lead, minutes=[15])
    StageVisit.objects.filter(journey=old, stage__code="consent").update(
        completed_at=F("started_at") + timedelta(minutes=35)
    )

    reasons = figures(unit)["consent"].reasons

    assert [(r.label, r.count, r.share) for r in reasons] == [
        ("Driver not available or late", 2, 50),
        ("No reason recorded", 1, 25),
        ("Other (say what)", 1, 25),
    ]


def test_delay_reasons_over_all_stages_are_shares_of_all_reasons_given(unit, five_days):
    shares = reports.delay_reasons(Period(DAY, DAY, unit))

    # Seven given: driver late 3 (consent twice, discharge), imaging 2, other 1, pain 1.
    assert [(r.code, r.count, round(r.share, 2)) for r in shares] == [
        ("driver_late", 3, 42.86),
        ("imaging_unavailable", 2, 28.57),
        ("other", 1, 14.29),  # ties by label: "Other (say what)" before "Pain needing treatment"
        ("pain", 1, 14.29),
    ]


def test_weeks_start_on_monday_in_the_units_time_zone(unit, nurse, lead, five_days):
    walk(unit, nurse, lead, day=NEXT_WEEK, minutes=[99])

    weeks = [
        (w.week, w.durations.completed, w.durations.median)
        for w in reports.weekly_figures(Period(DAY, NEXT_WEEK, unit))
        if w.stage_id == unit.stages.get(code="consent").pk
    ]

    assert weeks == [(date(2026, 11, 9), 5, pytest.approx(30)), (date(2026, 11, 16), 1, pytest.approx(99))]


# --- the discharge gap ---


def test_the_discharge_gap_runs_from_ready_for_discharge_to_gone_home(unit, five_days):
    gap = reports.discharge_gap(Period(DAY, DAY, unit))

    # Ready when recovery's two hours end (or at the lead's override, if earlier, but never after it closed):
    #   recovery 120 + discharge 20 -> 20; 150 + 40 -> 30 + 40 = 70; overridden at 100, closed at 110, + 15 -> 25;
    #   120 + 20 -> 20. Sorted 20, 20, 25, 70: median 22.5; h = 2.7: 25 + 0.7 * 45 = 56.5.
    assert gap.patients == 4
    assert gap.median == pytest.approx(22.5)
    assert gap.p90 == pytest.approx(56.5)
    assert gap.delayed == 1  # only 70 min is more than an hour


def test_the_discharge_gap_lists_the_reasons_given_from_recovery_on(unit, five_days):
    # Recovery 150 min (pain) and discharge 40 min (driver late); the consent delays are not part of it.
    reasons = reports.discharge_gap(Period(DAY, DAY, unit)).reasons

    assert sorted((r.code, r.share) for r in reasons) == [("driver_late", 50), ("pain", 50)]


# --- the day-surgery indicators ---


def test_indicators_count_over_the_booked_or_the_arrived(unit, nurse, lead, five_days):
    def booked():
        return Journey.objects.book(
            patient=make_patient(),
            pathway=unit,
            day=DAY,
            scheduled_time=at(DAY, 9).time(),
            planned_levels="L1",
            by=nurse,
        )

    arrived = walk(unit, nurse, lead, minutes=[])
    arrived.cancel(reason=coded(Occasion.CANCELLED_AFTER_ARRIVAL, "not_fasted"), by=nurse, now=at(DAY, 9))
    booked().cancel(reason=coded(Occasion.CANCELLED_BEFORE_ARRIVAL, "patient_cancelled"), by=nurse, now=at(DAY, 7))
    booked().mark_did_not_arrive(reason=coded(Occasion.DID_NOT_ARRIVE, "no_contact"), by=nurse, now=at(DAY, 10))
    five_days[4].admit_overnight(reason=coded(Occasion.OVERNIGHT, "pain"), by=lead, now=at(DAY, 12))
    returned = walk(unit, nurse, lead, minutes=[15])
    returned.record_unplanned_return(reason=coded(Occasion.UNPLANNED_RETURN, "bleeding"), by=lead, now=at(DAY, 9))

    found = {i.code: i for i in reports.indicators(Period(DAY, DAY, unit))}

    # 9 booked; 7 arrived (the five walked, the one cancelled after arrival and the one who returned).
    assert (found["did_not_arrive"].count, found["did_not_arrive"].denominator) == (1, 9)
    assert found["did_not_arrive"].rate == pytest.approx(100 / 9)
    assert (found["cancelled_before_arrival"].count, found["cancelled_before_arrival"].denominator) == (1, 9)
    assert (found["cancelled_after_arrival"].count, found["cancelled_after_arrival"].denominator) == (1, 7)
    assert (found["unplanned_return"].count, found["unplanned_return"].rate) == (1, pytest.approx(100 / 7))
    assert (found["delayed_discharge"].count, found["delayed_discharge"].denominator) == (1, 7)
    assert (found["overnight"].count, found["overnight"].denominator) == (1, 7)


def test_indicators_carry_the_published_benchmarks(unit):
    found = {i.code: i.benchmark for i in reports.indicators(Period(DAY, DAY, unit))}

    assert found == {
        "did_not_arrive": 1.5,
        "cancelled_before_arrival": None,
        "cancelled_after_arrival": 0.9,
        "unplanned_return": 0.08,
        "delayed_discharge": 0.56,
        "overnight": None,
    }


def test_an_empty_period_has_counts_but_no_rates(unit):
    found = reports.indicators(Period(DAY, DAY, unit))

    assert all(i.count == 0 and i.denominator == 0 and i.rate is None for i in found)


# --- daylight saving ---


@pytest.fixture
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def test_a_stage_across_the_clocks_going_forward_lasts_its_real_minutes(unit, nurse, lead, london):
    spring = date(2026, 3, 29)  # 01:00 GMT becomes 02:00 BST
    # Arrived 00:30 GMT; consent closed at 03:30 BST (02:30 UTC): three hours on the clock, two in fact.
    walk(unit, nurse, lead, day=spring, start=datetime(2026, 3, 29, 0, 30, tzinfo=UTC), minutes=[120])

    consent = figures(unit, Period(spring, spring, unit))["consent"].durations

    assert (consent.completed, consent.median) == (1, pytest.approx(120))


def test_the_day_boundaries_are_the_units_midnights_on_the_day_the_clocks_go_back(unit, nurse, lead, london):
    autumn = date(2026, 10, 25)  # 02:00 BST becomes 01:00 GMT; the day runs 23:00 UTC on the 24th to 00:00 UTC
    walk(unit, nurse, lead, day=autumn, start=datetime(2026, 10, 24, 23, 30, tzinfo=UTC), minutes=[120])  # 00:30 BST
    walk(unit, nurse, lead, day=autumn, start=datetime(2026, 10, 25, 23, 30, tzinfo=UTC), minutes=[30])  # 23:30 GMT
    # 23:30 BST on the 24th: the day before, in the unit.
    walk(unit, nurse, lead, day=autumn, start=datetime(2026, 10, 24, 22, 30, tzinfo=UTC), minutes=[10])

    consent = figures(unit, Period(autumn, autumn, unit))["consent"].durations

    # 00:30 BST to 01:30 GMT is one hour on the clock and two in fact.
    assert consent.completed == 2
    assert sorted([consent.median, consent.p90]) == [pytest.approx(75), pytest.approx(111)]


def test_weeks_turn_at_the_units_midnight_before_monday_when_the_clocks_have_gone_forward(unit, nurse, lead, london):
    # Sunday 29 March 2026 the clocks go forward: Monday 30 March starts at 23:00 UTC on the Sunday.
    walk(unit, nurse, lead, day=date(2026, 3, 29), start=datetime(2026, 3, 29, 22, 30, tzinfo=UTC), minutes=[10])
    walk(unit, nurse, lead, day=date(2026, 3, 30), start=datetime(2026, 3, 29, 23, 30, tzinfo=UTC), minutes=[20])

    weeks = [
        (w.week, w.durations.completed, w.durations.median)
        for w in reports.weekly_figures(Period(date(2026, 3, 23), date(2026, 4, 5), unit))
        if w.stage_id == unit.stages.get(code="consent").pk
    ]

    # 23:30 BST on the Sunday is the week of 23 March; 00:30 BST on the Monday is the week of 30 March.
    assert weeks == [(date(2026, 3, 23), 1, pytest.approx(10)), (date(2026, 3, 30), 1, pytest.approx(20))]


# --- how the database runs them ---


@pytest.mark.skipif(connection.vendor != "postgresql", reason="JIT and GROUPING SETS are PostgreSQL's")
def test_the_report_reads_in_one_transaction_without_jit_and_the_percentiles_in_the_database(
    unit, five_days, django_assert_num_queries
):
    # BEGIN (a savepoint inside the test's transaction), SET LOCAL jit = off, the durations by stage and
    # week (one GROUPING SETS statement), the delay reasons, the discharge gap with its reasons, the
    # stages, the indicators, RELEASE.
    with django_assert_num_queries(8) as captured:
        reports.report(Period(DAY, DAY, unit))
    sql = [query["sql"] for query in captured.captured_queries]
    assert "SET LOCAL jit = off" in sql
    assert sum("PERCENTILE_CONT" in statement for statement in sql) == 2  # durations, discharge gap
    assert any("GROUPING SETS" in statement for statement in sql)


# --- the CSV tables ---


def test_the_stage_csv_has_the_columns_the_issue_names_with_one_decimal(unit, five_days):
    header, rows = reports.tables(reports.report(Period(DAY, DAY, unit)))["stages"]
    out = io.StringIO()
    reports.write_csv(out, header, rows)

    lines = out.getvalue().splitlines()
    assert lines[0] == "pathway,stage,completed,median_minutes,p90_minutes,target_minutes,over_target_pct"
    assert lines[1] == "spine,consent,5,30.0,46.0,20.0,60.0"
    assert lines[2] == "spine,injection,5,70.0,118.0,60.0,40.0"


def test_one_decimal_rounds_half_up():
    assert [reports.one_decimal(v) for v in (12.25, 12.35, 0.05, 46.0, None)] == ["12.3", "12.4", "0.1", "46.0", ""]


def test_the_shipped_list_has_every_category_and_an_other_for_each_occasion(db):
    for occasion in Occasion.values:
        assert Reason.objects.offered_for(occasion).filter(category=ReasonCategory.OTHER).exists()
    assert set(Reason.objects.values_list("category", flat=True)) == set(ReasonCategory.values)


# --- manage.py stage_report ---


def test_stage_report_writes_the_stage_table_to_a_csv_file(unit, five_days, tmp_path):
    out = tmp_path / "stages.csv"

    call_command("stage_report", "--from", "2026-11-10", "--to", "2026-11-10", "--pathway", "spine", "--csv", str(out))

    assert out.read_text().splitlines() == [
        "pathway,stage,completed,median_minutes,p90_minutes,target_minutes,over_target_pct",
        "spine,consent,5,30.0,46.0,20.0,60.0",
        "spine,injection,5,70.0,118.0,60.0,40.0",
        "spine,recovery,4,120.0,141.0,120.0,25.0",
        "spine,discharge,4,20.0,34.0,20.0,25.0",
    ]


def test_stage_report_counts_the_last_day_and_refuses_what_it_cannot_read(unit, five_days, tmp_path):
    out = tmp_path / "stages.csv"

    call_command("stage_report", "--from", "2026-11-09", "--to", "2026-11-10", "--csv", str(out))
    assert "spine,consent,5," in out.read_text()

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("stage_report", "--from", "10/11/2026", "--to", "2026-11-10", "--csv", str(out))
    with pytest.raises(CommandError, match="ends before it starts"):
        call_command("stage_report", "--from", "2026-11-10", "--to", "2026-11-09", "--csv", str(out))
    with pytest.raises(CommandError, match="No pathway"):
        call_command("stage_report", "--from", "2026-11-10", "--to", "2026-11-10", "--pathway", "x", "--csv", str(out))
