"""Board benchmark: gunicorn as in production, wrk from a second process, a baseline from the same run.

    make bench            (or: .venv/bin/python bench/run.py [--sizes 10 200 1000] [--seconds 8])

For each board size it seeds a fresh SQLite database, serves the app with gunicorn (DEBUG off,
whitenoise, 2 workers), signs in once, and drives with the same session cookie: the baseline (a view
returning a constant behind the same middleware), the full board, the board after one change (each
request first changes one journey, the next one each time, then fetches the board: one row is
rendered again, the others come from the row cache), the board cold (every cache bypassed: what a
full render costs, as once a minute when the minute in every row's key turns), and the board poll
sent with the ETag of the unchanged board (answered 304). It prints requests per second, p50/p95
latency, each as a ratio to the baseline, queries per request (fewest-most of six requests sent after
each run) and the server's peak memory; then the
server time of a cold render (median of sequential requests, X-Server-Ms), and checks the targets.
Not part of `make test`: timings belong in a benchmark, not a unit test.
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
WRK = shutil.which("wrk")
WORKERS = 2
QUERY_PROBES = 6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict[str, str]):
        self.env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [PYTHON, "-m", "gunicorn", "tracker.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{self.port}"]
        self.process = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=env)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/accounts/login/", timeout=2)
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def peak_memory_mib(self) -> tuple[float, float]:
        """(largest single process, all processes together) peak resident memory, from VmHWM."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        peaks = []
        for pid in pids:
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(found(r"VmHWM:\s+(\d+) kB", status)) / 1024)
        return max(peaks), sum(peaks)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def sign_in(base: str) -> tuple[str, urllib.request.OpenerDirector]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = found(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    form = {"username": "coordinator", "password": "ward-demo-2026", "csrfmiddlewaretoken": token}
    opener.open(f"{base}/accounts/login/", urllib.parse.urlencode(form).encode())
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "sessionid=" not in cookie:
        raise RuntimeError("could not sign in")
    return cookie, opener


def probe(opener: urllib.request.OpenerDirector, url: str, headers: dict[str, str]) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        response = opener.open(request)
        return response.status, response.headers.get("X-Queries", "?"), response.headers.get("ETag", "")
    except urllib.error.HTTPError as answer:  # 304 arrives as an "error"
        return answer.code, answer.headers.get("X-Queries", "?"), answer.headers.get("ETag", "")


def server_ms(opener: urllib.request.OpenerDirector, url: str, headers: dict[str, str], times: int) -> float:
    """The median time the app spent on ``times`` requests sent one after another (no queueing)."""
    spent = []
    for _ in range(times):
        response = opener.open(urllib.request.Request(url, headers=headers))
        response.read()
        spent.append(float(response.headers["X-Server-Ms"]))
    return statistics.median(spent)


def room_in_this_minute(seconds: int) -> None:
    """The board's token moves each minute: start a poll run only when it will not cross a minute."""
    left = 60 - time.time() % 60
    if left < seconds + 2:
        time.sleep(left + 0.5)


def found(pattern: str, text: str) -> str:
    """The first group of ``pattern`` in ``text``; a clear stop when the page or file is not what we expect."""
    match = re.search(pattern, text)
    if match is None:
        raise SystemExit(f"benchmark: expected {pattern!r} in the response, found none")
    return match.group(1)


def wrk(url: str, cookie: str, seconds: int, extra: list[str]) -> dict[str, float]:
    if WRK is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    command = [WRK, "-t1", "-c4", f"-d{seconds}s", "-s", str(ROOT / "bench/latency.lua"), "-H", f"Cookie: {cookie}"]
    out = subprocess.run([*command, *extra, url], capture_output=True, text=True, check=True).stdout
    fields = dict(re.findall(r"(\w+)=([\d.]+)", out.split("RESULT", 1)[1]))
    return {k: float(v) for k, v in fields.items()}


def measure(size: int, seconds: int, env: dict[str, str]) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**env, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "TRACKER_AUDIT_HEAD": f"{tmp}/audit-head.log"}
        subprocess.run([PYTHON, "bench/seed.py", str(size)], cwd=ROOT, env=env, check=True)
        server = Server(env)
        try:
            cookie, opener = sign_in(server.base)
            room_in_this_minute(5)
            _, _, etag = probe(opener, f"{server.base}/board/rows/", {})
            targets = [
                ("baseline", f"{server.base}/bench/baseline/", {}),
                ("board", f"{server.base}/board/", {}),
                # Each request changes one journey first: the board then renders that row alone.
                ("after change", f"{server.base}/board/", {"X-Bench-Change": "1"}),
                # The same page with every cache bypassed (shared render and rows): a cold render.
                ("render", f"{server.base}/board/", {"X-Bench-Render": "1"}),
                ("poll 304", f"{server.base}/board/rows/", {"If-None-Match": etag}),
            ]
            results = []
            for name, url, headers in targets:
                # Each run within one minute: the turn of the minute renders every row again (the cold
                # render, measured on its own below), and the poll's ETag holds only within its minute.
                room_in_this_minute(seconds)
                if name.startswith("poll"):
                    _, _, etag = probe(opener, f"{server.base}/board/rows/", {})
                    headers = {"If-None-Match": etag}
                status, first, _ = probe(opener, url, headers)
                extra = [arg for k, v in headers.items() for arg in ("-H", f"{k}: {v}")]
                figures = wrk(url, cookie, seconds, extra)
                # Queries counted after the run, in the state it measured (one probe before it found a
                # worker's shared render cold: 18 queries at 200 journeys, where 1000 found it warm: 6), over a
                # few requests, since either worker may answer and a change may touch a journey with or
                # without an open stage. The poll's ETag is its minute's: it is counted before its run.
                if name.startswith("poll"):
                    seen = [first]
                else:
                    seen = [probe(opener, url, headers)[1] for _ in range(QUERY_PROBES)]
                counts = sorted({int(q) for q in seen})
                queries = str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
                results.append({"size": size, "name": name, "status": status, "queries": queries, **figures})
            cold = server_ms(opener, f"{server.base}/board/", {"X-Bench-Render": "1"}, 15)
            results.append({"size": size, "name": "cold ms", "server_ms": cold})
            results.append({"size": size, "name": "memory", "peak": server.peak_memory_mib()})
            return results
        finally:
            server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 200, 1000])
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()
    if WRK is None:
        sys.exit("wrk is needed: apt-get install wrk")
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_HTTPS": "0",  # plain HTTP on loopback: no TLS proxy in front of this run
        "DJANGO_SECRET_KEY": "benchmark-only-" + "x" * 40,
        "TRACKER_AUDIT_KEY": "benchmark-only-audit-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TRACKER_BENCHMARK": "1",
    }
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    rows = [row for size in args.sizes for row in measure(size, args.seconds, env)]

    print(
        f"\nBoard benchmark: gunicorn {WORKERS} workers, wrk 1 thread 4 connections, {args.seconds} s a URL, "
        f"{os.cpu_count()} cores"
    )
    print(
        f"{'journeys':>8} {'URL':<12} {'status':>6} {'req/s':>8} {'x base':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'queries':>7}"
    )
    base_rps, board_p50 = {}, {}
    ok = True
    for row in rows:
        if row["name"] == "memory":
            largest, total = row["peak"]
            print(
                f"{row['size']:>8} peak memory: largest process {largest:.0f} MiB, all {WORKERS + 1} together "
                f"{total:.0f} MiB"
            )
            continue
        if row["name"] == "cold ms":
            print(f"{row['size']:>8} cold render: median server time {row['server_ms']:.1f} ms (15 requests in turn)")
            continue
        if row["name"] == "baseline":
            base_rps[row["size"]] = row["rps"]
        if row["name"] == "render":
            board_p50[row["size"]] = row["p50"]
        ratio = row["rps"] / base_rps[row["size"]]
        row["ratio"] = ratio
        print(
            f"{row['size']:>8} {row['name']:<12} {row['status']:>6} {row['rps']:>8.0f} {ratio:>7.2f} "
            f"{row['p50'] / 1000:>7.1f} {row['p95'] / 1000:>7.1f} {row['queries']:>7}"
        )
        if row["errors"] or (row["non2xx"] and row["name"] != "poll 304"):
            print(f"         ! {row['errors']:.0f} socket errors, {row['non2xx']:.0f} non-2xx answers")
            ok = False

    print("\nTargets")
    for size in args.sizes:
        poll = next(r for r in rows if r["size"] == size and r["name"] == "poll 304")
        passed = poll["ratio"] >= 0.7 and poll["status"] == 304
        ok &= passed
        print(f"  {'PASS' if passed else 'FAIL'} unchanged poll at {size}: {poll['ratio']:.2f} of baseline (>= 0.70)")
    if 200 in args.sizes:
        board = next(r for r in rows if r["size"] == 200 and r["name"] == "board")
        render = next(r for r in rows if r["size"] == 200 and r["name"] == "render")
        passed = board["ratio"] >= 0.1
        ok &= passed
        print(
            f"  {'PASS' if passed else 'FAIL'} full board at 200: {board['ratio']:.2f} of baseline (>= 0.10); "
            f"one uncached render alone: {render['ratio']:.2f}"
        )
    for size, least in ((200, 0.3), (1000, 0.15)):
        if size in args.sizes:
            after = next(r for r in rows if r["size"] == size and r["name"] == "after change")
            passed = after["ratio"] >= least
            ok &= passed
            print(
                f"  {'PASS' if passed else 'FAIL'} board after one change at {size}: {after['ratio']:.2f} of baseline "
                f"(>= {least:.2f})"
            )
    if 1000 in args.sizes:
        cold = next(r for r in rows if r["size"] == 1000 and r["name"] == "cold ms")
        passed = cold["server_ms"] < 150
        ok &= passed
        print(
            f"  {'PASS' if passed else 'FAIL'} cold board render at 1000: {cold['server_ms']:.1f} ms of server time "
            "(< 150)"
        )
    if 200 in board_p50 and 1000 in board_p50:
        growth = board_p50[1000] / board_p50[200]
        passed = growth <= 1000 / 200
        ok &= passed
        print(
            f"  {'PASS' if passed else 'FAIL'} uncached board render p50 from 200 to 1000 journeys: x{growth:.2f} "
            f"(linear would be x5.00)"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
