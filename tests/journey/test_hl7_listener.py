"""The MLLP listener over real TCP: several connections at once, an ACK for every message, and hostile input
that never stops it from serving the others."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection as database

from journey.mllp import Limits
from journey.models import AuditEntry, InboundMessage, Journey, ServiceCode
from tests.hl7_listener import Running, start_hl7_listen
from tests.hl7_messages import ack_fields, siu

START, END = b"\x0b", b"\x1c\x0d"


def exchange(connection: socket.socket, raw: bytes) -> str:
    """Send one MLLP frame, return the ACK's text."""
    connection.sendall(START + raw + END)
    return read_frame(connection)


def read_frame(connection: socket.socket) -> str:
    received = b""
    while not received.endswith(END):
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed by the listener after {received!r}")
        received += chunk
    assert received.startswith(START)
    return received[1:-2].decode()


def closed_by_listener(connection: socket.socket, within: float) -> bool:
    connection.settimeout(within)
    try:
        while True:
            if not connection.recv(65536):
                return True
    except TimeoutError:
        return False
    except ConnectionError:
        return True


@pytest.fixture
def codes(transactional_db, pathway):
    ServiceCode.objects.create(code="VERTEBROPLASTY", pathway=pathway)


@pytest.fixture
def running(codes) -> Iterator[Running]:
    with Running(Limits(max_bytes=1024 * 1024, frame_timeout=0.5, idle_timeout=30)) as running:
        yield running


def test_a_booking_sent_over_mllp_is_booked_and_acknowledged(running):
    with running.connect() as connection:
        ack = exchange(connection, siu(control_id="C-1", mrn="H1"))

    assert ack_fields(ack)["code"] == "AA"
    assert ack_fields(ack)["control_id"] == "C-1"
    assert Journey.objects.get().patient.mrn == "H1"


def test_one_connection_carries_many_messages_each_answered_in_turn(running):
    with running.connect() as connection:
        acks = [exchange(connection, siu(control_id=f"C-{n}", appointment_id=f"A-{n}", mrn=f"H{n}")) for n in range(5)]

    assert [ack_fields(a)["control_id"] for a in acks] == [f"C-{n}" for n in range(5)]
    assert Journey.objects.count() == 5


def test_several_connections_are_served_at_once(running):
    def sender(n: int) -> list[str]:
        with running.connect() as connection:
            return [
                ack_fields(exchange(connection, siu(appointment_id=f"A-{n}-{m}", mrn=f"H{n}X{m}")))["code"]
                for m in range(4)
            ]

    with ThreadPoolExecutor(5) as pool:
        codes = [code for result in pool.map(sender, range(5)) for code in result]

    assert codes == ["AA"] * 20
    assert Journey.objects.count() == 20


def test_the_same_control_id_on_two_connections_at_once_books_once(running):
    raw = siu(control_id="SAME")

    def sender(_: int) -> str:
        with running.connect() as connection:
            return exchange(connection, raw)

    with ThreadPoolExecutor(4) as pool:
        acks = list(pool.map(sender, range(4)))

    assert {ack_fields(a)["code"] for a in acks} == {"AA"}
    assert len(set(acks)) == 1  # the first ACK, again
    assert Journey.objects.count() == 1
    assert InboundMessage.objects.count() == 1


# --- hostile input ---

HOSTILE = {
    "no MSH": START + b"PID|1||H1^^^HOSP^MR||Quinn^Margaret\r" + END,
    "wrong separators": START + siu().replace(b"MSH|^~\\&", b"MSH^|~\\&").replace(b"|", b"#") + END,
    "not UTF-8": START + siu(family="Muller").replace(b"Muller", b"M\xfc\xffller") + END,
    "binary noise": START + bytes(range(256)) * 4 + END,
    "outside a frame": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + END,
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_frames_are_answered_ar_and_the_connection_goes_on(running, name):
    with running.connect() as connection:
        connection.sendall(HOSTILE[name])
        refused = read_frame(connection)
        after = exchange(connection, siu(control_id="GOOD"))

    assert ack_fields(refused)["code"] == "AR"
    assert ack_fields(after)["code"] == "AA"
    assert Journey.objects.count() == 1


def test_unknown_segments_are_ignored(running):
    with running.connect() as connection:
        ack = exchange(connection, siu(extra_segments=("ZXX|1|whatever^we^do^not^read", "NTE|1||A note")))

    assert ack_fields(ack)["code"] == "AA"


def test_a_ten_megabyte_message_closes_that_connection_and_nothing_is_written(running):
    huge = siu(family="Big" + "x" * (10 * 1024 * 1024))
    with running.connect() as connection:
        with contextlib.suppress(ConnectionError):  # the listener may close before all of it is sent
            connection.sendall(START + huge + END)
        assert closed_by_listener(connection, within=10)

    assert not InboundMessage.objects.exists()
    with running.connect() as connection:
        assert ack_fields(exchange(connection, siu()))["code"] == "AA"


def test_half_a_frame_and_then_silence_is_closed_after_the_timeout(running):
    with running.connect() as connection:
        connection.sendall(START + siu()[:40])
        started = time.monotonic()
        assert closed_by_listener(connection, within=5)
        assert time.monotonic() - started < 3

    assert not InboundMessage.objects.exists()


def test_hostile_connections_never_stop_a_good_one_at_the_same_time(running):
    """A second connection keeps booking while the first sends every hostile frame and a stalled half frame."""
    stop = threading.Event()
    answers = []

    def good_sender() -> None:
        with running.connect() as connection:
            n = 0
            while not stop.is_set():
                n += 1
                answers.append(ack_fields(exchange(connection, siu(appointment_id=f"G-{n}", mrn=f"G{n}")))["code"])

    worker = threading.Thread(target=good_sender)
    worker.start()
    try:
        for frame in HOSTILE.values():
            with running.connect() as hostile:
                hostile.sendall(frame)
                read_frame(hostile)
        with running.connect() as stalled:
            stalled.sendall(START + b"MSH|^~\\&|HALF")
            time.sleep(1)
        with running.connect() as huge, contextlib.suppress(ConnectionError):
            huge.sendall(START + b"MSH|" + b"x" * (3 * 1024 * 1024))
    finally:
        stop.set()
        worker.join(30)

    assert len(answers) >= 3
    assert set(answers) == {"AA"}
    assert Journey.objects.count() == len(answers)


def test_a_message_that_cannot_be_stored_gets_no_ack_so_the_sender_sends_it_again(codes):
    def database_down(block: bytes, peer: str) -> bytes:
        raise ConnectionError("the database is down")

    with Running(Limits(), handle=database_down) as running, running.connect() as connection:
        connection.sendall(START + siu() + END)
        assert closed_by_listener(connection, within=5)


def test_stopping_the_listener_answers_the_message_being_applied_first(codes):
    started = threading.Event()

    def slow(block: bytes, peer: str) -> bytes:
        started.set()
        time.sleep(0.5)
        return b"MSH|^~\\&|SPINE-TRACKER|DAY-UNIT|||20261121||ACK^S12^ACK|1|P|2.5\rMSA|AA|C-SLOW\r"

    running = Running(Limits(), handle=slow).__enter__()
    with running.connect() as connection:
        connection.sendall(START + siu(control_id="C-SLOW") + END)
        assert started.wait(5)
        running.__exit__()  # SIGTERM's path: close the listener while the message is being applied

        assert ack_fields(read_frame(connection))["control_id"] == "C-SLOW"


# --- several listener processes on one port (PostgreSQL) ---


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            if stat.read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                found.add(int(stat.parent.name))
    return found


@pytest.mark.postgres
@pytest.mark.skipif(
    database.vendor != "postgresql",
    reason="needs PostgreSQL (listener processes of their own): DATABASE_URL=postgres://...",
)
def test_listener_processes_sharing_the_port_apply_one_control_id_once_and_stop_together(codes):
    process, port = start_hl7_listen("--processes", "2", "--workers", "2")
    try:
        children = _children(process.pid)
        assert len(children) == 2

        def send(raw: bytes) -> str:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
                return exchange(connection, raw)

        same = siu(control_id="TWICE", appointment_id="APT-T", mrn="H900")
        others = [siu(control_id=f"ONCE-{n}", appointment_id=f"APT-{n}", mrn=f"H{n}") for n in range(8)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            repeats = list(pool.map(send, [same] * 6))
            answers = list(pool.map(send, others))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)

    assert len(set(repeats)) == 1  # the first ACK, every time
    assert ack_fields(repeats[0])["code"] == "AA"
    assert [ack_fields(a)["code"] for a in answers] == ["AA"] * 8
    assert InboundMessage.objects.filter(control_id="TWICE").count() == 1
    assert Journey.objects.count() == 9
    assert AuditEntry.objects.verify().intact
    assert process.returncode == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)


@pytest.mark.postgres
@pytest.mark.skipif(
    database.vendor != "postgresql",
    reason="needs PostgreSQL (listener processes of their own): DATABASE_URL=postgres://...",
)
def test_a_listener_process_that_dies_stops_the_others_for_the_supervisor_to_restart(codes):
    process, _ = start_hl7_listen("--processes", "2")
    children = _children(process.pid)
    try:
        os.kill(min(children), signal.SIGKILL)
        process.wait(20)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode != 0
    assert "stopped unexpectedly" in process.stdout.read()
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)
