"""The status board's order, expected time home and change token, with pinned time."""

from datetime import timedelta

from django.db.models.sql.compiler import SQLCompiler

from journey.board import board_rows, board_token, day_index, expected_home, stage_counts
from journey.demo import settled_round
from journey.models import Configuration, Handover, Journey, RedFlagKind
from tests.makers import answer_stage, cancel, make_journey, make_pathway, walk_to


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


def _everything(journeys):
    """Every value the board's read hangs on its journeys, as plain data: a field read wrongly shows here."""

    def fields(obj):  # with each value's type: on SQLite an unconverted 1 would equal True
        return {f.attname: (type(getattr(obj, f.attname)), getattr(obj, f.attname)) for f in obj._meta.concrete_fields}

    return [
        (
            fields(j),
            fields(j.patient),
            [
                (
                    fields(v),
                    [fields(a) for a in v.standing_answers],
                    [fields(r) for r in v.all_rounds],
                    [fields(m) for m in v.missed_list],
                )
                for v in j.open_visits
            ],
            [fields(f) for f in j.open_flags],
            [
                (fields(h), h.written_by.username, h.acknowledged_by and h.acknowledged_by.username)
                for h in j.recent_handovers
            ],
        )
        for j in journeys
    ]


def test_a_few_journeys_read_by_their_ids_hold_what_the_day_s_read_holds(
    pathway, nurse, other_nurse, lead, morning, django_assert_num_queries
):
    """The board reads the rows a change made stale by their ids, running SQL Django compiled once: every
    field, list and related object is what the day's read gives, database conversions included (times,
    JSON answers, booleans)."""
    in_prep = make_journey(pathway, nurse)
    walk_to(in_prep, "prep", nurse, now=morning)
    answer_stage(in_prep, by=nurse, now=morning)  # prep's answers, standing on its open visit
    recovering = make_journey(pathway, nurse)
    start = morning - timedelta(minutes=100)
    walk_to(recovering, "recovery", nurse, now=start)
    recovering.record_round(settled_round(), by=nurse, now=start + timedelta(minutes=15))
    recovering.mark_round_missed(2, reason="Patient asleep, not woken", by=lead, now=start + timedelta(minutes=40))
    # One handover acknowledged (its nurse is the board's), then one still waiting (nobody acknowledged).
    for occasion, minutes in ((Handover.Occasion.INTO_RECOVERY, 5), (Handover.Occasion.CHANGE_OF_NURSE, 50)):
        handover = recovering.write_handover(
            occasion=occasion,
            situation="Back from theatre",
            background="T12 cement",
            assessment="Comfortable",
            recommendation="Flat two hours",
            by=nurse,
            now=start + timedelta(minutes=minutes),
        )
        if minutes == 5:
            recovering.acknowledge_handover(handover, by=other_nurse, now=start + timedelta(minutes=20))
    flagged = make_journey(pathway, nurse)
    walk_to(flagged, "consent", nurse, now=morning)
    flagged.raise_red_flag(RedFlagKind.CHEST_PAIN, by=nurse, now=morning)
    make_journey(pathway, nurse)  # booked
    day = morning.date()
    every = Journey.objects.on_board(day)
    ids = [j.pk for j in every]
    held = {j.pk: j for j in every}  # each kind of thing the board reads is there to compare
    assert held[in_prep.pk].open_visits[0].standing_answers
    assert held[recovering.pk].open_visits[0].all_rounds
    assert held[recovering.pk].open_visits[0].missed_list
    assert [h.acknowledged_by for h in held[recovering.pk].recent_handovers] == [other_nurse, None]
    assert held[flagged.pk].open_flags

    few, one = Journey.objects.on_board(day, only=ids), Journey.objects.on_board(day, only=[recovering.pk])

    with django_assert_num_queries(0):  # everything hung and attached by the read: nothing left to load
        assert _everything(few) == _everything(every)
        assert _everything(one) == _everything([j for j in every if j.pk == recovering.pk])
    # Another day's journey named among the few is not the day's: it is left out, as the day's read leaves it.
    tomorrow = make_journey(pathway, nurse, day=day + timedelta(days=1))
    assert [j.pk for j in Journey.objects.on_board(day, only=[recovering.pk, tomorrow.pk])] == [recovering.pk]
    # Asked of a queryset already filtered, the few keep its filter too (read by the day, as the many are).
    in_unit = [j.pk for j in every if j.status == Journey.Status.IN_PROGRESS]
    assert [j.pk for j in Journey.objects.in_unit().on_board(day, only=ids)] == in_unit


def test_a_few_journeys_read_again_compile_no_sql(pathway, nurse, morning, monkeypatch):
    first, second = make_journey(pathway, nurse), make_journey(pathway, nurse)
    for journey in (first, second):
        walk_to(journey, "prep", nurse, now=morning)
        answer_stage(journey, by=nurse, now=morning)
    kept = Configuration.read()  # as the board keeps it, a minute at a time
    Journey.objects.on_board(morning.date(), only=[first.pk], configuration=kept)
    compiled = []
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(self) or as_sql(self, *a, **k))

    again = Journey.objects.on_board(morning.date(), only=[second.pk], configuration=kept)

    assert [j.pk for j in again] == [second.pk]
    assert again[0].open_visits[0].standing_answers  # prep's answers, read by their visit's id
    assert compiled == []
