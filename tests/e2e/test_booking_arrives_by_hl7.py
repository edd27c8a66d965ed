"""In a real browser: the hospital's schedule books a patient over HL7 (MLLP), and the nurse sees them on Today.

The listener is ``manage.py hl7_listen`` in a process of its own on PostgreSQL (it reaches the test database
by name); on SQLite the test database lives in this process's memory, so the same listener code runs in a
thread here instead. The sample messages are the ones in fixtures/hl7/, sent with ``manage.py hl7_send``.
"""

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import expect

from journey.mllp import Limits
from journey.models import Journey
from tests.hl7_listener import Running, start_hl7_listen

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "fixtures" / "hl7"


@pytest.fixture
def pathways(transactional_db):
    call_command("loaddata", "vertebroplasty", "kyphoplasty", verbosity=0)


@pytest.fixture
def listener_port(pathways) -> Iterator[int]:
    if connection.vendor == "postgresql":
        process, port = start_hl7_listen()
        try:
            yield port
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(10)
    else:
        with Running(Limits()) as running:
            yield running.port


def send(sample: str, port: int) -> str:
    """``manage.py hl7_send`` in a process of its own, as a user would run it."""
    command = [sys.executable, "manage.py", "hl7_send", str(SAMPLES / sample), "--port", str(port), "--today"]
    env = {**os.environ, "DJANGO_DEBUG": "1", "TRACKER_TIME_ZONE": settings.TIME_ZONE}
    return subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=60).stdout


def test_a_booking_sent_over_mllp_appears_on_today_and_in_the_history(sign_in, new_page, listener_port, live_server):
    ack = send("s12_new_booking.hl7", listener_port)
    assert "MSA|AA|" in ack

    page = sign_in(new_page())
    row = page.get_by_role("row", name=re.compile("Margaret Quinn"))
    expect(row).to_be_visible()
    expect(row).to_contain_text("Vertebroplasty")
    expect(row).to_contain_text("T12, L1")
    row.get_by_role("link", name=re.compile("Margaret Quinn")).click()

    expect(page.get_by_role("heading", name=re.compile("Margaret Quinn"))).to_be_visible()
    expect(page.locator("#history-heading").locator("..")).to_contain_text(
        "Booked by the hospital's schedule (appointment APT-7001)"
    )


def test_a_booking_without_levels_asks_the_nurse_for_them(sign_in, new_page, listener_port, live_server):
    send("s12_levels_to_confirm.hl7", listener_port)

    page = sign_in(new_page())
    row = page.get_by_role("row", name=re.compile("Seamus O'Neill"))
    expect(row).to_contain_text("Levels to confirm")
    row.get_by_role("link", name=re.compile("Seamus O'Neill")).click()

    expect(page.get_by_role("heading", name=re.compile("Levels to confirm"))).to_be_visible()
    page.get_by_label("Planned vertebral levels").fill("L1")
    page.get_by_role("button", name="Save the booking").click()

    expect(page.locator(".history").get_by_text("Booking changed: level L1 (was levels to confirm)")).to_be_visible()
    assert Journey.objects.get().planned_levels == ["L1"]


def test_a_booking_by_hl7_goes_home_and_leaves_as_fhir_that_passes_every_check(
    sign_in, new_page, listener_port, live_server, tmp_path
):
    """The whole way through: booked over MLLP, seen on Today, the day completed, exported as FHIR, valid."""
    from django.contrib.auth import get_user_model

    from journey import fhir_checks
    from journey.demo import answer_stage, complete, hand_over, record_rounds

    send("s12_new_booking.hl7", listener_port)
    page = sign_in(new_page())
    expect(page.get_by_role("row", name=re.compile("Margaret Quinn"))).to_be_visible()

    users = get_user_model().objects
    nurse, receiving = users.get(username="nurse"), users.get(username="nurse2")
    journey = Journey.objects.get()
    clock = journey.created_at + timedelta(minutes=1)  # the day runs on from the booking, on a simulated clock
    journey.update_driver(name="Pat Quinn", phone="07700 900222", by=nurse, now=clock)
    journey.arrive(by=nurse, now=clock)
    while journey.status == Journey.Status.IN_PROGRESS:
        visit = journey.open_visit()
        answer_stage(journey, by=nurse, now=clock + timedelta(minutes=1))
        if visit.round_minutes:  # recovery: the receiving nurse acknowledges the handover before the rounds
            hand_over(journey, by=nurse, to=receiving, now=clock + timedelta(minutes=1))
        clock += timedelta(minutes=max(visit.minimum_minutes or 0, 10))
        record_rounds(journey, by=nurse, now=clock)
        complete(journey, by=nurse, now=clock)
    assert journey.status == Journey.Status.COMPLETED

    page.goto(f"{live_server.url}{journey.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Gone home")).to_be_visible()

    out = tmp_path / "day.ndjson"
    call_command("export_fhir", day=journey.day.isoformat(), out=str(out), check=True)
    resources = [json.loads(line) for line in out.read_text().splitlines()]
    problems = [p for r in resources for p in fhir_checks.check_resource(r) + fhir_checks.codes(r)]
    problems += fhir_checks.references(resources)
    assert problems == []
    kinds = {r["resourceType"] for r in resources}
    assert {"Patient", "Encounter", "Procedure", "Observation", "QuestionnaireResponse"} <= kinds
    (encounter,) = [r for r in resources if r["resourceType"] == "Encounter"]
    assert encounter["status"] == "finished"
