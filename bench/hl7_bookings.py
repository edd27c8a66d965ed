"""HL7 benchmark: bookings applied per second and ACK latency, over MLLP from a second process.

    make bench-hl7        (or: .venv/bin/python bench/hl7_bookings.py [--messages 3000] [--connections 4]
                           [--workers 4] [--processes 2] [--postgres-database tracker_hl7_bench])

For SQLite (a fresh file, WAL, as deployed) and PostgreSQL (a fresh database on the local server, when one
answers), it migrates, loads the pathways (with their procedure codes), starts ``manage.py hl7_listen`` (on
PostgreSQL with ``--processes 2``, one per core of this machine; SQLite writes one at a time) and
sends SIU^S12 new bookings from this process over ``--connections`` connections at once, each message
waiting for its ACK, as an interface engine does. Every message is a new patient and appointment, so each
one stores the message, registers a patient, books a journey, writes its event and audit rows, and commits.

The baseline, from the same run: the same listener code (python-hl7's MLLP streams, the worker threads)
answering a constant ACK without the database, so the ratio shows what storing and booking costs.
Afterwards it checks that every message was answered AA and booked exactly once. Target on this 2-core
machine: at least 100 bookings a second with p95 ACK latency under 100 ms. It also prints the listener's CPU time
per message (all its processes) and the load average around each run: on a shared machine the rate follows the load.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
START, END = b"\x0b", b"\x1c\x0d"
PG = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "tracker_hl7_bench"


def s12(n: int, run: str) -> bytes:
    day = date(2026, 12, 1) + timedelta(days=n % 20)
    segments = [
        f"MSH|^~\\&|HOSPITAL-PAS|GENERAL|SPINE-TRACKER|DAY-UNIT|20261120160000||SIU^S12^SIU_S12|{run}-{n}|P|2.5",
        f"SCH||{run}-APT-{n}^HOSPITAL-PAS|||||ROUTINE^Routine booking||||^^^{day:%Y%m%d}093000",
        f"PID|1||B{run}{n}^^^HOSP^MR||Bench{n}^Patient||19480312|F",
        "RGS|1|A",
        f"AIS|1|A|{'VERTEBROPLASTY' if n % 2 else 'KYPHOPLASTY'}^Procedure^L|{day:%Y%m%d}093000|||||||T12~L1",
        f"AIL|1|A|SPINE^^{n % 8 + 1}",
    ]
    return ("\r".join(segments) + "\r").encode()


def read_ack(connection: socket.socket) -> bytes:
    received = b""
    while not received.endswith(END):
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError("listener closed the connection")
        received += chunk
    return received[1:-2]


def drive(port: int, messages: int, connections: int, run: str) -> tuple[float, list[float], dict[str, int]]:
    """Send ``messages`` S12s over ``connections`` connections; (seconds, latencies in ms, ACK codes)."""
    latencies: list[float] = []
    codes: dict[str, int] = {}
    lock = threading.Lock()
    share = [list(range(i, messages, connections)) for i in range(connections)]

    def sender(numbers: list[int]) -> None:
        mine: list[float] = []
        seen: dict[str, int] = {}
        with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
            for n in numbers:
                sent = time.perf_counter()
                connection.sendall(START + s12(n, run) + END)
                ack = read_ack(connection)
                mine.append((time.perf_counter() - sent) * 1000)
                code = ack.split(b"\rMSA|", 1)[1][:2].decode()
                seen[code] = seen.get(code, 0) + 1
        with lock:
            latencies.extend(mine)
            for code, count in seen.items():
                codes[code] = codes.get(code, 0) + count

    threads = [threading.Thread(target=sender, args=(numbers,)) for numbers in share]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, codes


class Listener:
    def __init__(self, command: list[str], env: dict[str, str]):
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert self.process.stdout is not None
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.process.stdout.readline()
            if "Listening for HL7" in line:
                self.port = int(line.rsplit(":", 1)[1])
                # Keep reading what it prints, so a full pipe never stalls it.
                threading.Thread(target=self.process.stdout.read, daemon=True).start()
                return
            if not line and self.process.poll() is not None:
                break
        raise RuntimeError("the listener did not start")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the listener has used so far, with the processes it forked, from /proc."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # a process that just ended
                continue
            if stat.parent.name == str(self.process.pid) or fields[1] == str(self.process.pid):
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def environment(database_url: str) -> dict[str, str]:
    return {**os.environ, "DJANGO_DEBUG": "1", "DATABASE_URL": database_url, "DJANGO_LOG_LEVEL": "WARNING"}


def fresh_postgres(name: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=3) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
            admin.execute(f"CREATE DATABASE {name}")
    except Exception as exc:  # no local PostgreSQL: report SQLite only
        print(f"PostgreSQL skipped: {exc}")
        return None
    return f"{PG}/{name}"


def measure(label: str, listener: Listener, options: argparse.Namespace, run: str) -> dict[str, Any]:
    cpu, load = listener.cpu_seconds(), os.getloadavg()[0]
    seconds, latencies, codes = drive(listener.port, options.messages, options.connections, run)
    row = summary(label, seconds, latencies, codes)
    row["cpu_ms"] = (listener.cpu_seconds() - cpu) * 1000 / len(latencies)
    row["load"] = f"{load:.1f}-{os.getloadavg()[0]:.1f}"
    return row


def summary(label: str, seconds: float, latencies: list[float], codes: dict[str, int]) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "run": label,
        "messages": len(latencies),
        "per_second": len(latencies) / seconds,
        "p50": statistics.median(ordered),
        "p95": ordered[int(len(ordered) * 0.95) - 1],
        "max": ordered[-1],
        "codes": ", ".join(f"{code} {count}" for code, count in sorted(codes.items())),
    }


BASELINE = """
import sys, django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()
from journey.mllp import Limits, serve_forever
ACK = b"MSH|^~\\\\&|SPINE-TRACKER|DAY-UNIT|||20261121||ACK^S12^ACK|1|P|2.5\\rMSA|AA|1\\r"
ready = lambda bound: print("Listening for HL7 over MLLP on " + bound, flush=True)
serve_forever("127.0.0.1", 0, Limits(), int(sys.argv[1]), ready, handle=lambda block, peer: ACK)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--workers", type=int, help="hl7_listen --workers (default: its own, 1 on SQLite, 4 on PostgreSQL)"
    )
    parser.add_argument(
        "--processes", type=int, default=2, help="hl7_listen --processes on PostgreSQL (default 2; SQLite: 1)"
    )
    parser.add_argument(
        "--postgres-database", default=PG_DATABASE, help=f"database dropped and made anew (default {PG_DATABASE})"
    )
    options = parser.parse_args()
    run = str(int(time.time()))
    rows: list[dict[str, Any]] = []

    with tempfile.TemporaryDirectory() as scratch:
        env = environment(f"sqlite:///{scratch}/baseline.sqlite3")
        baseline = Listener([PYTHON, "-c", BASELINE, str(options.workers or 4)], env)
        try:
            rows.append(measure("baseline (no database)", baseline, options, run))
        finally:
            baseline.stop()

        databases = [("SQLite", f"sqlite:///{scratch}/bench.sqlite3")]
        postgres = fresh_postgres(options.postgres_database)
        if postgres:
            databases.append(("PostgreSQL", postgres))
        for label, url in databases:
            env = environment(url)
            manage(env, "migrate", "--noinput", "-v0")
            manage(env, "loaddata", "vertebroplasty", "kyphoplasty", "-v0")
            workers = ["--workers", str(options.workers)] if options.workers else []
            if label == "PostgreSQL" and options.processes != 1:
                workers += ["--processes", str(options.processes)]
            listener = Listener([PYTHON, "manage.py", "hl7_listen", "--port", "0", *workers], env)
            try:
                rows.append(measure(label, listener, options, run))
            finally:
                listener.stop()
            check = manage(
                env,
                "shell",
                "-v0",
                "-c",
                "from journey.models import InboundMessage, Journey, AuditEntry; "
                "print(Journey.objects.count(), InboundMessage.objects.filter(outcome='AA').count(), "
                "AuditEntry.objects.verify().intact)",
            ).split()
            rows[-1]["booked"] = f"{check[0]} journeys, {check[1]} AA stored, audit chain intact: {check[2]}"

    base = rows[0]["per_second"]
    print(
        f"\n{options.messages} SIU^S12 per run, {options.connections} connections, "
        f"hl7_listen --workers {options.workers or 'default'} (PostgreSQL: --processes {options.processes}); "
        "latency = send to ACK, from this process\n"
    )
    print("| run | messages/s | x baseline | p50 ms | p95 ms | max ms | listener CPU ms/message | load avg | ACKs |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for row in rows:
        print(
            f"| {row['run']} | {row['per_second']:.0f} | {row['per_second'] / base:.3f} | {row['p50']:.1f} | "
            f"{row['p95']:.1f} | {row['max']:.1f} | {row['cpu_ms']:.1f} | {row['load']} | {row['codes']} |"
        )
    print()
    for row in rows[1:]:
        print(f"{row['run']}: {row['booked']}")
        met = row["per_second"] >= 100 and row["p95"] < 100
        print(f"  target >= 100 bookings/s and p95 < 100 ms: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
