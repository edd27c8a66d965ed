"""The status board's order, expected time home and change token, with pinned time."""

from datetime import timedelta

from journey.board import board_rows, board_token, day_index, expected_home, stage_counts
from journey.models import Configuration, Journey, RedFlagKind
from tests.makers import cancel, make_journey, make_pathway, walk_to


def rows(day, now):
    return board_rows(Journey.objects.on_board(day), now)


def test_what_needs_action_comes_first(pathway, nurse, morning):
    booked = make_journey(pathway, nurse)
    in_prep = make_journey(pathway, nurse)
    walk_to(in_prep, "prep", nurse, now=morning)
    overdue = make_journey(pathway, nurse)
    walk_to(overdue, "recovery", nurse, now=morning - timedelta(minutes=25))  # round 1 due 15 min in
    flagged = make_journey(pathway, nurse)
    walk_to(flagged, "consent", nurse, now=morning)
    flagged.raise_red_flag(RedFlagKind.CHEST_PAIN, by=nurse, now=morning)
    home = make_journey(pathway, nurse)
    cancel(home, nurse, "Rebooked for next week")

    order = [row.journey for row in rows(morning.date(), morning)]

    assert order == [flagged, overdue, in_prep, booked, home]


def test_counts_per_stage_include_booked_and_gone_home(pathway, nurse, morning):
    make_journey(pathway, nurse)
    walk_to(make_journey(pathway, nurse), "prep", nurse, now=morning)
    walk_to(make_journey(pathway, nurse), "prep", nurse, now=morning)

    assert stage_counts(rows(morning.date(), morning)) == {"scheduled": 1, "prep": 2}


def test_expected_home_adds_what_is_left_of_this_stage_and_the_targets_of_the_rest(pathway, nurse, morning):
    journey = make_journey(pathway, nurse, levels="T12 L1")
    walk_to(journey, "recovery", nurse, now=morning - timedelta(minutes=30))
    (row,) = rows(morning.date(), morning)

    # 90 min of the flat two hours left, then discharge (20 min).
    assert row.expected_home == morning + timedelta(minutes=110)
    stages = list(pathway.stages.order_by("order"))
    assert expected_home(row.journey, stages, morning) == row.expected_home


def test_a_booked_patient_is_expected_home_after_every_stage_from_the_booked_time(pathway, nurse, morning):
    make_journey(pathway, nurse, levels="L1")  # booked 08:30; targets 20+30+10+60+120+20 min
    (row,) = rows(morning.date(), morning)

    assert row.expected_home.isoformat() == "2026-11-21T12:50:00+00:00"


def test_the_token_holds_while_nothing_changes_and_moves_with_any_change(pathway, nurse, morning):
    journey = make_journey(pathway, nurse)
    day = morning.date()
    before = board_token(day, morning)

    assert board_token(day, morning + timedelta(seconds=30)) == before
    journey.arrive(by=nurse, now=morning)
    after_start = board_token(day, morning)
    assert after_start != before
    make_journey(pathway, nurse)
    assert board_token(day, morning) != after_start


def test_the_day_s_index_is_the_day_s_journeys_as_the_orm_reads_them(pathway, nurse, morning):
    # Plain SQL for speed, like the token: it must name the same journeys, versions, bays and statuses.
    day = morning.date()
    walk_to(make_journey(pathway, nurse, bay="4"), "prep", nurse, now=morning)
    cancel(make_journey(pathway, nurse), nurse)
    make_journey(pathway, nurse, day=day + timedelta(days=1))  # another day: not in it

    orm = Journey.objects.on_day(day).values_list("pk", "version", "bay", "status")

    assert sorted(day_index(day)) == sorted(orm)
    assert len(day_index(day)) == 2


def test_the_token_moves_each_minute_so_time_driven_changes_show(pathway, nurse, morning):
    make_journey(pathway, nurse)

    assert board_token(morning.date(), morning) != board_token(morning.date(), morning + timedelta(minutes=1))


def test_the_unit_s_configuration_is_read_in_three_queries_in_pathway_order(pathway, django_assert_num_queries):
    other = make_pathway("kyphoplasty", "Kyphoplasty")

    with django_assert_num_queries(3):
        kept = Configuration.read()

    assert set(kept.pathways) == {pathway.pk, other.pk}
    for found in (pathway, other):
        stages = list(found.stages.order_by("order"))
        assert kept.by_pathway[found.pk] == stages
        for stage in stages:
            assert kept.stages[stage.pk].checklist_items == list(stage.items.order_by("order", "pk"))
            assert kept.stages[stage.pk].pathway is kept.pathways[found.pk]
    assert kept.knows([pathway.pk], [stages[0].pk])
    assert not kept.knows([pathway.pk + other.pk], [])
