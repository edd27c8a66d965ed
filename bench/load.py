"""Load and faults: 50 nurses and 40 boards for 5 minutes against two gunicorn instances sharing one
PostgreSQL, with a worker of the first killed midway.

    make load     (or: .venv/bin/python bench/load.py [--minutes 5] [--database-url postgres://...])

Seeds a fresh PostgreSQL database (LOAD_DATABASE_URL, default tracker_load on the local server), starts
two gunicorn instances on different ports, runs locust headless from a second process (bench/locustfile.py)
splitting people between the two, kills one worker with SIGKILL halfway, then prints p50/p95 per request
kind and the count of 5xx responses, and checks that no journey was left half-written: each journey's
version equals its number of events, each event has its audit row, and the audit chain is intact.
"""

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
TARGETS = {"board poll": 300, "journey page": 500, "driver update (write)": 500, "today's list": 500}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=capture, text=True
    )
    return result.stdout if capture else ""


def fresh_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    command = [PYTHON, "-m", "gunicorn", "tracker.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    process = subprocess.Popen([*command, "--log-level", "warning", "--timeout", "30"], cwd=ROOT, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)
            return process
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn on {port} did not start")


def workers_of(process: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


INTEGRITY = """
from django.db.models import Count
from journey.models import AuditEntry, Journey, StageVisit
bad = [j.pk for j in Journey.objects.annotate(n=Count("events")) if j.version != j.n]
open_visits = StageVisit.objects.filter(completed_at__isnull=True).values("journey").annotate(n=Count("id"))
open_twice = open_visits.filter(n__gt=1).count()
changed = AuditEntry.objects.filter(action="changed").count()
from journey.models import JourneyEvent
events = JourneyEvent.objects.count()
check = AuditEntry.objects.verify()
print(f"journeys whose version != events: {len(bad)}; journeys with two open stages: {open_twice}; "
      f"events {events}, audit change rows {changed}; audit chain intact: {check.intact} ({check.entries} rows)")
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2, help="workers per gunicorn instance")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_load"),
    )
    args = parser.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",  # plain HTTP on loopback: no TLS proxy in front of this run
        "DJANGO_SECRET_KEY": "load-run-only-" + "x" * 40,
        "TRACKER_AUDIT_KEY": "load-run-only-audit-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    print(f"== fresh database {args.database_url}")
    fresh_database(args.database_url)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    subprocess.run([PYTHON, "bench/seed.py", "50"], cwd=ROOT, env=env, check=True)
    ids = manage(
        env,
        "shell",
        "-c",
        "from journey.models import Journey; print([j.pk for j in Journey.objects.all()])",
        capture=True,
    )

    ports = [free_port(), free_port()]
    servers = [start_gunicorn(env, port, args.workers) for port in ports]
    print(f"== two gunicorn instances ({args.workers} workers each) on ports {ports}, one database")
    work = Path(tempfile.mkdtemp(prefix="load-"))
    seconds = int(args.minutes * 60)
    locust_env = {
        **env,
        "LOAD_HOSTS": ",".join(f"http://127.0.0.1:{p}" for p in ports),
        "LOAD_JOURNEYS": ids.strip().splitlines()[-1],  # the last line: the list (a banner may come before)
        "LOAD_ERRORS_FILE": str(work / "server_errors.json"),
    }
    command = [
        PYTHON, "-m", "locust", "-f", "bench/locustfile.py", "--headless",
        "--users", "90", "--spawn-rate", "2", "--reset-stats",
        "--run-time", f"{seconds}s", "--host", f"http://127.0.0.1:{ports[0]}", "--csv", str(work / "load"),
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    killed: list[int] = []

    def kill_a_worker() -> None:
        time.sleep(max(seconds / 2, 60))
        victim = workers_of(servers[0])[0]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
        print(f"== killed gunicorn worker {victim} of the first instance at {seconds / 2:.0f} s", flush=True)

    threading.Thread(target=kill_a_worker, daemon=True).start()
    # People arrive two a second (signing in costs a deliberate ~0.4 s of password hashing each); the
    # figures start once all 90 are in (--reset-stats), and the worker is killed within that window.
    print(f"== locust: 50 nurses (every 5-15 s) and 40 boards (every 10 s) for {seconds} s", flush=True)
    try:
        subprocess.run(command, cwd=ROOT, env=locust_env, check=True)
        alive = [len(workers_of(s)) for s in servers]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)

    errors = json.loads((work / "server_errors.json").read_text())
    rows = list(csv.DictReader((work / "load_stats.csv").open()))
    print(f"\nLoad run: {args.minutes:g} min, 2 gunicorn instances x {args.workers} workers, PostgreSQL, worker killed")
    print(f"{'request':<24}{'count':>8}{'failed':>8}{'5xx':>6}{'p50 ms':>9}{'p95 ms':>9}{'target p95':>12}")
    verdicts = []
    for row in rows:
        name = row["Name"]
        if name == "Aggregated":
            continue
        p50, p95 = float(row["50%"]), float(row["95%"])
        target = TARGETS.get(name)
        fivexx = errors.get(name, 0)
        print(
            f"{name:<24}{row['Request Count']:>8}{row['Failure Count']:>8}{fivexx:>6}{p50:>9.0f}{p95:>9.0f}"
            f"{(f'< {target}' if target else ''):>12}"
        )
        if target:
            verdicts.append((f"{name} p95 {p95:.0f} ms < {target} ms", p95 < target))
    total_5xx = sum(errors.values())
    verdicts.append((f"5xx responses: {total_5xx}", total_5xx == 0))
    verdicts.append((f"workers alive after the kill: {alive} (respawned)", bool(killed) and alive[0] == args.workers))
    print()
    print(manage(env, "shell", "-c", INTEGRITY, capture=True).strip())
    for text, ok in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    sys.exit(0 if all(ok for _, ok in verdicts) else 1)


if __name__ == "__main__":
    main()
