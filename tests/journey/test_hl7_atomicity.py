"""A message and the booking it makes are written together or not at all; a message stored but never
applied (the listener died) is applied when the sender, having had no ACK, sends it again."""

from __future__ import annotations

import signal
import socket
import time

import psycopg
import pytest
from django.db import connection, transaction

from journey import hl7_inbox
from journey.models import AuditEntry, HospitalAppointment, InboundMessage, Journey, Patient, ServiceCode
from tests.hl7_listener import start_hl7_listen
from tests.hl7_messages import ack_fields, siu

START, END = b"\x0b", b"\x1c\x0d"


@pytest.fixture
def codes(pathway):
    ServiceCode.objects.create(code="VERTEBROPLASTY", pathway=pathway)


def test_a_failure_after_the_booking_was_written_leaves_the_message_stored_and_nothing_else(
    codes, morning, monkeypatch
):
    def crash(**fields):
        raise RuntimeError("the process stopped here")

    monkeypatch.setattr(HospitalAppointment.objects, "create", crash)

    with pytest.raises(RuntimeError):
        hl7_inbox.receive(siu(control_id="C-1"))

    stored = InboundMessage.objects.get()
    assert (stored.outcome, stored.ack, stored.journey) == ("", "", None)
    assert not Journey.objects.exists()
    assert not Patient.objects.exists()

    monkeypatch.undo()
    again = hl7_inbox.receive(siu(control_id="C-1"))

    assert again.pk == stored.pk
    assert again.outcome == "AA"
    assert Journey.objects.count() == 1


# --- the listener killed between storing a message and applying it (PostgreSQL) ---


def _wait_for(condition, what: str, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _second_connection() -> psycopg.Connection:
    """A connection of the test's own to the test database, outside Django's, to hold a lock with."""
    database = connection.settings_dict
    return psycopg.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"], autocommit=False
    )


def _waiting_on_journeys(blocker: psycopg.Connection) -> bool:
    """Whether another session waits for a lock on the journeys table (the listener's booking)."""
    waiting = blocker.execute(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE c.relname = 'journey_journey' AND NOT l.granted"
    ).fetchone()
    return waiting is not None and waiting[0] > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (a listener process killed mid-transaction): DATABASE_URL=postgres://...",
)
def test_the_listener_killed_between_message_and_booking_loses_nothing_and_doubles_nothing(codes):
    raw = siu(control_id="KILL-1", mrn="H1")
    blocker = _second_connection()
    process, port = start_hl7_listen()
    try:
        # Hold the journeys table so the listener stores the message, then waits inside its apply transaction.
        blocker.execute("LOCK TABLE journey_journey IN SHARE MODE")
        sender = socket.create_connection(("127.0.0.1", port), timeout=30)
        sender.sendall(START + raw + END)
        _wait_for(lambda: InboundMessage.objects.filter(control_id="KILL-1").exists(), "the message to be stored")
        _wait_for(lambda: _waiting_on_journeys(blocker), "the booking to wait on the lock")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        sender.close()
    finally:
        blocker.rollback()
        blocker.close()
        if process.poll() is None:
            process.kill()

    # PostgreSQL ends the dead listener's session and rolls its transaction back.
    _wait_for(
        lambda: (
            not InboundMessage.objects.filter(control_id="KILL-1").exclude(outcome="").exists()
            and not Patient.objects.exists()
        ),
        "the dead listener's transaction to roll back",
    )
    stored = InboundMessage.objects.get(control_id="KILL-1")
    assert (stored.outcome, stored.ack) == ("", "")
    assert not Journey.objects.exists()
    assert not Patient.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REGISTERED).exists()

    # The sender had no ACK: it sends the same message again, to a listener started again.
    process, port = start_hl7_listen()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sender:
            sender.sendall(START + raw + END)
            received = b""
            while not received.endswith(END):
                received += sender.recv(65536)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)

    assert ack_fields(received[1:-2].decode())["code"] == "AA"
    assert InboundMessage.objects.get(control_id="KILL-1").outcome == "AA"
    assert Journey.objects.count() == 1
    assert AuditEntry.objects.verify().intact


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (the audit chain's lock between two processes): DATABASE_URL=postgres://...",
)
def test_a_booking_held_up_half_way_does_not_hold_the_audit_chain_for_the_ward(codes, nurse):
    """The booking's audit rows are appended just before its commit: while its patient and journey are being
    written, a nurse's change elsewhere is audited without waiting for it."""
    raw = siu(control_id="SLOW-1", mrn="H1")
    blocker = _second_connection()
    process, port = start_hl7_listen()
    try:
        blocker.execute("LOCK TABLE journey_journey IN SHARE MODE")
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sender:
            sender.sendall(START + raw + END)
            _wait_for(lambda: _waiting_on_journeys(blocker), "the booking to wait on the lock, its patient registered")
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '5s'")  # the chain's lock, if held, refuses this
                AuditEntry.objects.record(AuditEntry.Action.VIEWED, user=nurse, summary="Opened the journey page")

            blocker.rollback()
            received = b""
            while not received.endswith(END):
                received += sender.recv(65536)
    finally:
        blocker.close()
        process.send_signal(signal.SIGTERM)
        process.wait(10)

    assert ack_fields(received[1:-2].decode())["code"] == "AA"
    summaries = list(AuditEntry.objects.order_by("seq").values_list("summary", flat=True))
    assert summaries[0] == "Opened the journey page"
    assert summaries[1].startswith("Registered")
    assert AuditEntry.objects.verify().intact
