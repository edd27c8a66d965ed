"""The time home as a range: earliest by the rules, likely and late from the unit's own history."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command

from journey.models import Journey, Occasion, Pathway
from journey.reports import percentile
from journey.time_home import MIN_HISTORY, PATHWAY, TARGETS, UNIT, backtest, history, nine_in_ten, time_home
from tests.makers import coded, make_patient, make_stage

TODAY = date(2026, 11, 21)


@pytest.fixture
def unit(db):
    pathway = Pathway.objects.create(code="spine", name="Spine")
    make_stage(pathway, "consent", 10, target=20)
    make_stage(pathway, "recovery", 20, target=120, minimum_minutes=120, name="Flat recovery")
    make_stage(pathway, "discharge", 30, target=20, is_discharge=True)
    return pathway


def walk(pathway, nurse, day, minutes, *, start_hour=8):
    start = datetime(day.year, day.month, day.day, start_hour, tzinfo=UTC)
    journey = Journey.objects.book(
        patient=make_patient(),
        pathway=pathway,
        day=day,
        scheduled_time=start.time(),
        planned_levels="L1",
        by=nurse,
        now=start - timedelta(days=1),
    )
    journey.arrive(by=nurse, now=start)
    clock = start
    for taken in minutes:
        late = journey.current_visit.is_over_target(clock + timedelta(minutes=taken))
        clock += timedelta(minutes=taken)
        journey.complete_stage(by=nurse, now=clock, delay_reason=coded(Occasion.DELAY, "pain") if late else None)
    return journey


@pytest.fixture
def longer(db):
    """Another pathway with the same stage codes and a longer consent (the targets differ, not the codes)."""
    pathway = Pathway.objects.create(code="longer", name="Longer")
    make_stage(pathway, "consent", 10, target=40)
    make_stage(pathway, "recovery", 20, target=120, minimum_minutes=120, name="Flat recovery")
    make_stage(pathway, "discharge", 30, target=20, is_discharge=True)
    return pathway


@pytest.fixture
def past_month(unit, nurse):
    """30 patients on past days: consent 10..39 min, recovery 120, discharge 20 (home 150..179 min after arrival)."""
    for n in range(30):
        walk(unit, nurse, TODAY - timedelta(days=n + 1), [10 + n, 120, 20])


def stages(pathway):
    return list(pathway.stages.order_by("order"))


def test_with_too_little_history_the_range_falls_back_to_the_targets(unit, nurse):
    journey = walk(unit, nurse, TODAY, [])
    now = journey.current_visit.started_at + timedelta(minutes=5)

    home = time_home(journey, stages(unit), now, history(TODAY))

    # Consent has 15 min left of its 20, then recovery 120 and discharge 20; the earliest is the flat 2 h.
    assert home.source == TARGETS
    assert not home.from_history
    assert home.likely == home.late == now + timedelta(minutes=155)
    assert home.earliest == now + timedelta(minutes=120)


def test_likely_is_the_median_and_late_the_nine_in_ten_bound_of_similar_past_patients_remaining_time(
    unit, nurse, past_month
):
    journey = walk(unit, nurse, TODAY, [])
    started = journey.current_visit.started_at

    home = time_home(journey, stages(unit), started, history(TODAY))

    # From consent's start to home the past 30 took 150..179 min: median 164.5; late the 28th smallest of
    # the 30 (28 = 0.9 x 31, rounded up): 177.
    assert home.source == PATHWAY
    assert home.from_history
    assert home.likely == started + timedelta(minutes=164.5)
    assert home.late == started + timedelta(minutes=177)
    assert home.earliest == started + timedelta(minutes=120)


def test_a_patient_long_in_a_stage_is_compared_with_those_who_took_as_long(unit, nurse, past_month):
    journey = walk(unit, nurse, TODAY, [])
    now = journey.current_visit.started_at + timedelta(minutes=20)

    home = time_home(journey, stages(unit), now, history(TODAY))

    # Only the 20 past patients whose consent took 20 min or more (20..39 min; home 160..179 min after its
    # start), less the 20 already spent: 140..159 -> median 149.5, late the 19th of 20 (0.9 x 21): 158.
    assert len([n for n in range(30) if 10 + n >= 20]) == MIN_HISTORY
    assert home.likely == now + timedelta(minutes=149.5)
    assert home.late == now + timedelta(minutes=158)


def test_the_likely_time_is_never_before_the_earliest(unit, nurse, past_month):
    journey = walk(unit, nurse, TODAY, [10])  # in recovery: two hours flat from now
    now = journey.current_visit.started_at

    home = time_home(journey, stages(unit), now, history(TODAY))

    assert home.earliest == now + timedelta(minutes=120)
    assert home.likely >= home.earliest
    assert home.late >= home.likely


def test_the_late_time_is_a_bound_nine_in_ten_next_patients_are_home_by():
    # The linear 90th percentile of 20 past times covers about 86% of next patients; the 19th of 20 covers
    # 19/21 = 90.5%, whatever the times' distribution (a skewed one here, as stage times are).
    pick = random.Random(13)
    covered = {"bound": 0, "linear p90": 0}
    for _ in range(20000):
        past = sorted(pick.lognormvariate(0, 0.5) for _ in range(MIN_HISTORY))
        following = pick.lognormvariate(0, 0.5)
        covered["bound"] += following <= nine_in_ten(past)
        covered["linear p90"] += following <= percentile(past, 0.9)
    assert 0.895 < covered["bound"] / 20000 < 0.915
    assert 0.85 < covered["linear p90"] / 20000 < 0.875
    assert nine_in_ten([float(n) for n in range(30)]) == 27  # the 28th of 30


def test_a_pathway_without_history_of_its_own_learns_from_the_stage_across_the_unit(unit, longer, nurse, past_month):
    journey = walk(longer, nurse, TODAY, [])
    started = journey.current_visit.started_at

    home = time_home(journey, stages(longer), started, history(TODAY))

    # The 30 on the other pathway went home 150..179 min after consent's start, against 160 min of targets
    # (20 + 120 + 20): -10..+19 min beyond them. This pathway's targets from consent are 180 min (40 + 120
    # + 20): 170..199 -> median 184.5, late the 28th of 30: 197.
    assert home.source == UNIT
    assert home.from_history
    assert home.likely == started + timedelta(minutes=184.5)
    assert home.late == started + timedelta(minutes=197)
    assert home.earliest == started + timedelta(minutes=120)


def test_across_the_unit_too_a_patient_long_in_a_stage_is_compared_with_those_who_took_as_long(
    unit, longer, nurse, past_month
):
    journey = walk(longer, nurse, TODAY, [])
    now = journey.current_visit.started_at + timedelta(minutes=20)

    home = time_home(journey, stages(longer), now, history(TODAY))

    # The 20 whose consent took 20..39 min went home 0..19 min beyond their targets; this patient has
    # 180 - 20 = 160 min of targets left: 160..179 -> median 169.5, late the 19th of 20: 178.
    assert home.source == UNIT
    assert home.likely == now + timedelta(minutes=169.5)
    assert home.late == now + timedelta(minutes=178)


def test_a_pathway_with_a_little_history_of_its_own_pools_it_with_the_others_each_on_its_targets(unit, longer, nurse):
    for n in range(10):  # consent 10..19 min: home 150..159 min after its start, targets 160: -10..-1 beyond
        walk(unit, nurse, TODAY - timedelta(days=n + 1), [10 + n, 120, 20])
    for n in range(15):  # consent 30..44 min: home 170..184 min after its start, targets 180: -10..+4 beyond
        walk(longer, nurse, TODAY - timedelta(days=n + 1), [30 + n, 120, 20], start_hour=13)
    journey = walk(unit, nurse, TODAY, [])
    started = journey.current_visit.started_at

    home = time_home(journey, stages(unit), started, history(TODAY))

    # 10 of its own are too few; the 25 beyond the targets are -10, -10, -9, -9 .. -1, -1, 0 .. 4: median
    # -4, late the 24th (0.9 x 26 = 23.4, rounded up): 3; on this pathway's 160 min of targets: 156, 163.
    assert home.source == UNIT
    assert home.likely == started + timedelta(minutes=156)
    assert home.late == started + timedelta(minutes=163)


def test_the_backtest_counts_patients_home_by_the_late_time_by_where_the_prediction_came_from(
    unit, longer, nurse, past_month, capsys
):
    for n in range(3):
        walk(longer, nurse, TODAY - timedelta(days=n + 1), [45, 120, 20], start_hour=13)

    result = backtest(TODAY - timedelta(days=3), TODAY - timedelta(days=1))

    # Three stages each for six patients: the three on the pathway with a month of history from its own,
    # the three on the new one from the stage's history across the unit.
    assert result.predictions == 6 * 3
    assert {source: made for source, (made, _) in result.by_source.items()} == {PATHWAY: 9, UNIT: 9}
    assert result.from_history == 18
    assert result.home_by_late == sum(made * home for made, home in result.by_source.values()) / 18
    call_command("backtest_time_home", "--from", "2026-11-18", "--to", "2026-11-20")
    out = capsys.readouterr().out
    assert "from the pathway's history: 9, " in out
    assert "from the stage's history across the unit's pathways: 9, " in out
    assert "from the targets (one time, not a bound): 0" in out
    assert "home by the late time (9 in 10 by)" in out
