"""The board's requests as CPU time spent by the app, beside the baseline view's, in one process.

    .venv/bin/python bench/board_cpu.py [--sizes 200 1000] [--repeat 40]

wrk's figures (``make bench``) follow whatever else the two cores are doing; the CPU a request costs the
app moves much less. For each size this seeds a fresh SQLite database through the real verbs
(``bench/seed.py``), then sends each request through Django's test client with the same settings as the
served benchmark (DEBUG off, the benchmark's middleware) and prints the fewest milliseconds of
``time.thread_time()`` over ``--repeat`` tries: the baseline view, the unchanged poll (304), the board
from its shared render, the board after one change (one journey's version bumped first, as a nurse's
action would: that row is read and rendered again, the rest come from the row cache) and a cold render
(every cache bypassed). Not part of ``make test``.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_HTTPS": "0",
    "DJANGO_SECRET_KEY": "benchmark-only-" + "x" * 40,
    "TRACKER_AUDIT_KEY": "benchmark-only-audit-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "testserver",
    "TRACKER_BENCHMARK": "1",
}


def child(repeat: int) -> None:
    """Runs in a process whose DATABASE_URL names the seeded database: time each request, print a line each."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from tracker import bench

    client = Client()
    client.force_login(get_user_model().objects.get(username="coordinator"))
    for _ in range(3):
        client.get("/board/")  # warm: templates compiled, rows cached

    def fewest(request: Callable[[], int], expected: int, before: Callable[[], None] = lambda: None) -> float:
        spent = []
        for _ in range(repeat):
            before()
            started = time.thread_time()
            status = request()
            spent.append((time.thread_time() - started) * 1000)
            if status != expected:
                raise SystemExit(f"benchmark: expected {expected}, got {status}")
        return min(spent)

    etag = ""

    def current_etag() -> None:  # the poll's ETag holds within its minute: read it again before each try
        nonlocal etag
        etag = client.get("/board/rows/")["ETag"]

    figures = {
        "baseline": fewest(lambda: client.get("/bench/baseline/").status_code, 200),
        "poll 304": fewest(
            lambda: client.get("/board/rows/", headers={"If-None-Match": etag}).status_code, 304, before=current_etag
        ),
        "board": fewest(lambda: client.get("/board/").status_code, 200),
        "after change": fewest(lambda: client.get("/board/").status_code, 200, before=bench.change_one_journey),
        "cold render": fewest(lambda: client.get("/board/", headers={"X-Bench-Render": "1"}).status_code, 200),
    }
    for name, ms in figures.items():
        print(f"{name}\t{ms:.2f}\t{ms / figures['baseline']:.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.repeat)
        return 0
    # DEBUG off serves the static files' manifest, as in production.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, **ENV},
        check=True,
    )
    print(
        f"Board CPU per request (fewest of {args.repeat}, time.thread_time, in-process), load {os.getloadavg()[0]:.1f}"
    )
    print(f"{'journeys':>8} {'request':<14} {'CPU ms':>8} {'x baseline CPU':>14}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                **ENV,
                "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                "TRACKER_AUDIT_HEAD": f"{tmp}/audit-head.log",
            }
            subprocess.run(
                [sys.executable, "bench/seed.py", str(size)], cwd=ROOT, env=env, check=True, capture_output=True
            )
            done = subprocess.run(
                [sys.executable, __file__, "--child", "--repeat", str(args.repeat)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode:
                sys.exit(f"benchmark: the timed process failed:\n{done.stderr[-3000:]}")
            out = done.stdout
            for line in out.splitlines():
                name, ms, ratio = line.split("\t")
                print(f"{size:>8} {name:<14} {float(ms):>8.2f} {float(ratio):>14.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
