"""Row locking and races, proven on PostgreSQL with threads released together by a barrier.

SQLite's select_for_update does nothing (it serialises writers instead), so these run in CI's
PostgreSQL pass and are skipped, with the reason shown, on SQLite.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from journey.demo import settled_round
from journey.errors import JourneyError
from journey.models import Answer, AuditEntry, Journey, ObservationRound, StageVisit
from tests.makers import answer, make_item, make_journey, make_pathway, make_stage, make_user, walk_to

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks need PostgreSQL: run with DATABASE_URL=postgres://... (CI does)",
    ),
]


def _together(actions: list[Callable[[], str]]) -> list[str]:
    """Run each action in its own thread (own database connection), all released at once."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(action: Callable[[], str]) -> None:
        try:
            barrier.wait(timeout=20)
            result = action()
        except JourneyError as refusal:
            result = refusal.message
        except Exception as failure:  # a crash is an outcome the assertions must see, not a hung thread
            result = f"CRASH {failure!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == len(actions), "a thread did not finish"
    return outcomes


def test_two_nurses_completing_the_same_stage_at_once_end_with_one_completion_and_one_clear_refusal_50_times():
    nurse, other = make_user(), make_user()
    pathway = make_pathway()
    for trial in range(50):
        journey = make_journey(pathway, nurse)
        journey.arrive(by=nurse)
        answer(journey, "identity", True, by=nurse)
        answer(journey, "driver_confirmed", True, by=nurse)
        consent = journey.current_visit.stage

        def complete(user, pk=journey.pk, stage=consent):
            Journey.objects.get(pk=pk).complete_stage(stage, by=user)
            return "completed"

        outcomes = _together([lambda: complete(nurse), lambda: complete(other)])

        assert outcomes.count("completed") == 1, (trial, outcomes)
        (refusal,) = [o for o in outcomes if o != "completed"]
        assert refusal.startswith("Consent was already completed by Test "), (trial, refusal)
        assert StageVisit.objects.filter(journey=journey, stage=consent, completed_at__isnull=False).count() == 1
        assert StageVisit.objects.filter(journey=journey).count() == 2
    assert AuditEntry.objects.verify().intact


def test_twenty_nurses_answering_twenty_items_of_one_journey_at_once_lose_no_answer():
    pathway = make_pathway()
    first = pathway.first_stage()
    busy = make_stage(pathway, "board_round", 5, name="Board round")  # before consent: the first stage
    items = [make_item(busy, f"check_{n:02d}") for n in range(20)]
    nurses = [make_user() for _ in items]
    journey = make_journey(pathway, nurses[0])
    journey.arrive(by=nurses[0])
    assert journey.current_visit.stage == busy != first

    def answering(item, nurse):
        return lambda: (Journey.objects.get(pk=journey.pk).record_answer(item, True, by=nurse), "answered")[1]

    outcomes = _together([answering(item, nurse) for item, nurse in zip(items, nurses, strict=True)])

    assert outcomes == ["answered"] * 20
    standing = Answer.objects.filter(visit__journey=journey, is_current=True)
    assert sorted(a.item.code for a in standing) == [i.code for i in items]
    assert {a.answered_by_id for a in standing} == {n.pk for n in nurses}
    journey.refresh_from_db()
    assert journey.version == 2 + 20  # booked, arrived, then one version per answer: none overwritten
    assert journey.events.filter(kind="answer").count() == 20
    assert AuditEntry.objects.verify().intact


def test_the_same_form_posted_twice_at_once_is_written_once():
    nurse = make_user()
    journey = make_journey(make_pathway(), nurse)
    walk_to(journey, "recovery", nurse)
    journey.refresh_from_db()
    url = reverse("journey-round", args=[journey.pk])
    values = {
        "version": journey.version,
        **{k: getattr(settled_round(), k) for k in ("systolic", "diastolic", "heart_rate", "resp_rate", "spo2")},
        **{k: getattr(settled_round(), k) for k in ("legs", "pain", "dressing", "consciousness", "temperature")},
        "spo2_scale": 1,
    }
    client = Client()
    client.force_login(nurse)

    outcomes = _together([lambda: str(client.post(url, values).status_code) for _ in range(2)])

    assert sorted(outcomes) == ["302", "409"]  # one saved, the other told the page was out of date
    assert ObservationRound.objects.filter(visit__journey=journey).count() == 1
    assert journey.events.filter(kind="round").count() == 1


def test_a_retried_checklist_save_writes_the_answer_once():
    nurse = make_user()
    journey = make_journey(make_pathway(), nurse)
    journey.arrive(by=nurse)
    item = journey.current_visit.stage.items.get(code="identity")
    client = Client()
    client.force_login(nurse)
    post = {"version": journey.version, f"item_{item.pk}": "on"}

    outcomes = _together(
        [lambda: str(client.post(reverse("journey-checklist", args=[journey.pk]), post).status_code)] * 3
    )

    assert "302" in outcomes
    assert set(outcomes) <= {"302", "409"}
    assert Answer.objects.filter(visit__journey=journey, item=item).count() == 1


def test_two_nurses_posting_different_items_of_one_checklist_at_once_both_land():
    first, second = make_user(), make_user()
    journey = make_journey(make_pathway(), first)
    journey.arrive(by=first)
    visit = journey.current_visit
    items = {i.code: i.pk for i in visit.stage.items.all()}
    page = {"stage": visit.stage_id, **{f"seen_{pk}": "" for pk in items.values()}}  # both pages: nothing answered
    posts = [
        (first, {**page, f"item_{items['identity']}": "on"}),
        (second, {**page, f"item_{items['driver_confirmed']}": "on"}),
    ]
    clients = []
    for nurse, _ in posts:
        client = Client()
        client.force_login(nurse)
        clients.append(client)
    url = reverse("journey-checklist", args=[journey.pk])

    outcomes = _together(
        [lambda c=c, p=p: str(c.post(url, p).status_code) for c, (_, p) in zip(clients, posts, strict=True)]
    )

    assert outcomes == ["302", "302"]
    standing = Answer.objects.filter(visit=visit, is_current=True)
    assert {(a.item_id, a.value) for a in standing} == {(items["identity"], True), (items["driver_confirmed"], True)}
