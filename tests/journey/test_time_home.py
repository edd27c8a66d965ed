"""The time home as a range: earliest by the rules, likely and late from the unit's own history."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command

from journey.models import Journey, Occasion, Pathway
from journey.time_home import MIN_HISTORY, backtest, history, time_home
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
def past_month(unit, nurse):
    """30 patients on past days: consent 10..39 min, recovery 120, discharge 20 (home 150..179 min after arrival)."""
    for n in range(30):
        walk(unit, nurse, TODAY - timedelta(days=n + 1), [10 + n, 120, 20])


def stages(pathway):
    return list(pathway.stages.order_by("order"))


def test_with_too_little_history_the_range_falls_back_to_the_targets(unit, nurse):
    journey = walk(unit, nurse, TODAY, [])
    now = journey.current_visit.started_at + timedelta(minutes=5)

    home = time_home(journey, stages(unit), now, history({unit.pk}, TODAY))

    # Consent has 15 min left of its 20, then recovery 120 and discharge 20; the earliest is the flat 2 h.
    assert not home.from_history
    assert home.likely == home.late == now + timedelta(minutes=155)
    assert home.earliest == now + timedelta(minutes=120)


def test_likely_and_late_are_the_percentiles_of_the_remaining_time_of_similar_past_patients(unit, nurse, past_month):
    journey = walk(unit, nurse, TODAY, [])
    started = journey.current_visit.started_at

    home = time_home(journey, stages(unit), started, history({unit.pk}, TODAY))

    # From consent's start to home the past 30 took 150..179 min: median 164.5, p90 h = 26.1: 176.1.
    assert home.from_history
    assert home.likely == started + timedelta(minutes=164.5)
    assert home.late == started + timedelta(minutes=176.1)
    assert home.earliest == started + timedelta(minutes=120)


def test_a_patient_long_in_a_stage_is_compared_with_those_who_took_as_long(unit, nurse, past_month):
    journey = walk(unit, nurse, TODAY, [])
    now = journey.current_visit.started_at + timedelta(minutes=20)

    home = time_home(journey, stages(unit), now, history({unit.pk}, TODAY))

    # Only the 20 past patients whose consent took 20 min or more (20..39 min; home 160..179 min after its
    # start), less the 20 already spent: 140..159 -> median 149.5, p90 h = 17.1: 157.1.
    assert len([n for n in range(30) if 10 + n >= 20]) == MIN_HISTORY
    assert home.likely == now + timedelta(minutes=149.5)
    assert home.late == now + timedelta(minutes=157.1)


def test_the_likely_time_is_never_before_the_earliest(unit, nurse, past_month):
    journey = walk(unit, nurse, TODAY, [10])  # in recovery: two hours flat from now
    now = journey.current_visit.started_at

    home = time_home(journey, stages(unit), now, history({unit.pk}, TODAY))

    assert home.earliest == now + timedelta(minutes=120)
    assert home.likely >= home.earliest
    assert home.late >= home.likely


def test_the_backtest_counts_patients_home_by_the_late_time(unit, nurse, past_month, capsys):
    for n in range(3):
        walk(unit, nurse, TODAY - timedelta(days=n + 1), [15, 120, 20], start_hour=13)

    result = backtest(TODAY - timedelta(days=3), TODAY - timedelta(days=1))

    assert result.predictions == 6 * 3  # three stages each for six patients
    assert 0 <= result.home_by_late <= 100
    # The overall share is the two kinds of prediction weighted by how many of each there were.
    from_targets = result.predictions - result.from_history
    by_targets = (
        result.home_by_late * result.predictions - (result.home_by_late_from_history or 0) * result.from_history
    )
    assert 0 <= by_targets <= 100 * from_targets
    call_command("backtest_time_home", "--from", "2026-11-18", "--to", "2026-11-20")
    out = capsys.readouterr().out
    assert "home by the 90th-percentile time" in out
    assert (f"of the {result.from_history} from history" in out) == bool(result.from_history)
