"""Row locking: proven on PostgreSQL (SQLite's select_for_update does nothing; it serialises writers instead)."""

import threading

import pytest
from django.db import connection, connections

from journey.errors import JourneyError
from journey.models import Journey, StageVisit
from tests.makers import answer, make_journey, make_pathway, make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks need PostgreSQL: run with DATABASE_URL=postgres://... (CI does)",
    ),
]


def test_two_nurses_completing_the_same_stage_at_once_end_with_one_completion_and_one_clear_refusal():
    nurse, other = make_user(), make_user()
    journey = make_journey(make_pathway(), nurse)
    journey.start(by=nurse)
    answer(journey, "identity", True, by=nurse)
    answer(journey, "driver_confirmed", True, by=nurse)
    consent = journey.current_visit.stage
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def complete(user):
        try:
            mine = Journey.objects.get(pk=journey.pk)
            barrier.wait(timeout=10)
            mine.complete_stage(consent, by=user)
            outcomes.append("completed")
        except JourneyError as refusal:
            outcomes.append(refusal.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=complete, args=(u,)) for u in (nurse, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert outcomes.count("completed") == 1
    (refusal,) = [o for o in outcomes if o != "completed"]
    assert refusal.startswith("Consent was already completed by Test ")
    assert StageVisit.objects.filter(journey=journey, stage=consent, completed_at__isnull=False).count() == 1
    assert StageVisit.objects.filter(journey=journey).count() == 2
