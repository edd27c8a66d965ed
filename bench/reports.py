"""Reports benchmark: a year of several units (50,000 journeys), the report's queries timed on PostgreSQL
and on SQLite, each beside a baseline from the same run.

    .venv/bin/python bench/reports.py [--journeys 50000] [--repeat 7]
        [--postgres postgres://postgres@127.0.0.1:5432/tracker_reports_bench] [--skip-sqlite] [--reuse]

For each database it makes a fresh one (the PostgreSQL database named in --postgres is dropped and
created again: never point it at a real one; with --reuse a PostgreSQL database already seeded by an
earlier run with the same --journeys is kept, migrated and timed again, to iterate on the queries without
the 90 s of seeding), migrates, loads the two shipped pathways and seeds the
journeys with bulk inserts (the verbs would take an hour; a benchmark only needs the rows): 365 days,
each journey's six stage visits with durations scattered around their targets, the observation rounds
and one checklist answer of flat recovery, coded delay reasons on a share of the over-target stages,
unplanned returns, and a few patients cancelled, not arrived or admitted overnight.

It then times, median of --repeat runs after one warm-up, each part of ``journey.reports`` over the
whole year and over the last 28 days (the page's default), and two baselines on the same connection:
``SELECT COUNT(*)`` over the stage visits, and the year's journeys counted through the ORM. Target: the
whole year's report under 500 ms on PostgreSQL. Not part of ``make test``.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/tracker_reports_bench"
TARGET_MS = 500
LAST_DAY = date(2026, 11, 20)


def child(journeys: int, repeat: int, reuse: bool) -> None:
    """Runs inside a process whose DATABASE_URL names a fresh database (or, with ``reuse``, one seeded
    before): seed, time, print JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from journey.models import Journey

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if reuse and Journey.objects.count() == journeys:
        seeded = 0.0
    else:
        if Journey.objects.exists():
            raise SystemExit("--reuse: the database holds another number of journeys; run without --reuse")
        _seed(journeys)
        seeded = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum does soon after a bulk load on a live server: statistics for the planner and
            # the visibility map that lets the reports read an index alone.
            cursor.execute("VACUUM (ANALYZE)")
    print(json.dumps({"vendor": connection.vendor, "seed_s": seeded, "timings": _time(repeat)}))


def _seed(count: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from journey import demo
    from journey.models import Answer, Journey, ObservationRound, Pathway, Patient, Reason, ReasonGiven, StageVisit
    from journey.models.journeys import PUBLIC_CODE_ALPHABET, PUBLIC_CODE_LENGTH

    demo.ensure_pathways()
    demo.ensure_staff()
    nurse = get_user_model().objects.get(username="nurse")
    rng = random.Random(13)
    pathways = list(Pathway.objects.prefetch_related("stages__items").order_by("code"))
    delay_reasons = list(Reason.objects.filter(occasion="delay"))
    returns = list(Reason.objects.filter(occasion="unplanned_return"))

    def code(n: int) -> str:
        letters = []
        for _ in range(PUBLIC_CODE_LENGTH):
            n, digit = divmod(n, len(PUBLIC_CODE_ALPHABET))
            letters.append(PUBLIC_CODE_ALPHABET[digit])
        return "".join(letters)

    with transaction.atomic():
        patients = Patient.objects.bulk_create(
            Patient(mrn=f"R{n:07d}", given_name=f"Given{n}", family_name=f"Family{n}", date_of_birth=date(1945, 1, 1))
            for n in range(count)
        )
        plans = []
        for n, patient in enumerate(patients):
            day = LAST_DAY - timedelta(days=n % 365)
            arrive = datetime(day.year, day.month, day.day, 7, tzinfo=UTC) + timedelta(minutes=5 * (n % 96))
            roll = rng.random()
            status = (
                "did_not_arrive"
                if roll < 0.015
                else "cancelled"
                if roll < 0.035
                else "admitted"
                if roll < 0.04
                else "completed"
            )
            plans.append((patient, pathways[n % len(pathways)], day, arrive, status, roll))
        journeys = Journey.objects.bulk_create(
            Journey(
                patient=patient,
                pathway=pathway,
                day=day,
                scheduled_time=arrive.time(),
                planned_levels=["T12", "L1"] if n % 3 == 0 else ["L1"],
                status=status,
                public_code=code(n),
                created_by=nurse,
                created_at=arrive - timedelta(days=7),
            )
            for n, (patient, pathway, day, arrive, status, _) in enumerate(plans)
        )
        visits, closing = [], []
        for journey, (_, pathway, _, arrive, status, roll) in zip(journeys, plans, strict=True):
            if status == "did_not_arrive" or (status == "cancelled" and roll < 0.025):
                continue
            stages = list(pathway.stages.all())
            last = len(stages) if status == "completed" else (3 if status == "cancelled" else len(stages) - 1)
            clock = arrive
            for index, stage in enumerate(stages[:last]):
                target = stage.target_for(journey.planned_levels)
                floor = stage.minimum_minutes or target * 0.5
                taken = max(floor, rng.lognormvariate(0, 0.3) * target)
                offsets = stage.round_offsets()
                lags = [rng.randint(0, 6) for _ in offsets]
                ends = clock + timedelta(minutes=taken)
                waiting = index + 1 < len(stages) and stages[index + 1].is_discharge
                # Ready for discharge as complete_stage keeps it (StageVisit.became_ready_at): the latest of
                # the minimum's end, the last round recorded and the checklist answer, never after the close.
                moments = [clock + timedelta(minutes=stage.minimum_minutes or 0), clock + timedelta(minutes=5)]
                moments += [clock + timedelta(minutes=o + lag) for o, lag in zip(offsets, lags, strict=True)]
                visit = StageVisit(
                    journey=journey,
                    stage=stage,
                    stage_name=stage.name,
                    target_minutes=target,
                    minimum_minutes=stage.minimum_minutes,
                    next_is_discharge=waiting,
                    round_minutes=offsets,
                    started_at=clock,
                    started_by=nurse,
                    completed_at=ends,
                    completed_by=nurse,
                    ready_for_discharge_at=min(ends, max(moments)) if waiting else None,
                )
                visits.append(visit)
                closing.append((journey, stage, visit, taken > target, lags))
                clock = ends
        StageVisit.objects.bulk_create(visits, batch_size=5000)
        rounds, answers, reasons = [], [], []
        for journey, stage, visit, over, lags in closing:
            if visit.round_minutes:
                for number, (offset, lag) in enumerate(zip(visit.round_minutes, lags, strict=True), start=1):
                    due = visit.started_at + timedelta(minutes=offset)
                    rounds.append(
                        ObservationRound(
                            visit=visit,
                            number=number,
                            due_at=due,
                            recorded_at=due + timedelta(minutes=lag),
                            recorded_by=nurse,
                            systolic=128,
                            diastolic=76,
                            heart_rate=72,
                            resp_rate=14,
                            spo2=97,
                            legs="as_baseline",
                            pain=3,
                            dressing="dry",
                        )
                    )
                item = next(iter(stage.items.all()), None)
            if visit.round_minutes and item is not None:
                answers.append(
                    Answer(
                        visit=visit,
                        item=item,
                        item_label=item.label,
                        value=True,
                        answered_at=visit.started_at + timedelta(minutes=5),
                        answered_by=nurse,
                    )
                )
            if over and rng.random() < 0.8:
                reason = rng.choice(delay_reasons)
                reasons.append(
                    ReasonGiven.build(
                        reason,
                        "Seeded" if reason.needs_detail else "",
                        journey=journey,
                        visit=visit,
                        at=visit.completed_at,
                        by=nurse,
                    )
                )
            if stage.is_discharge and rng.random() < 0.001:
                reasons.append(
                    ReasonGiven.build(
                        rng.choice(returns), "Seeded", journey=journey, visit=visit, at=visit.started_at, by=nurse
                    )
                )
        ObservationRound.objects.bulk_create(rounds, batch_size=5000)
        Answer.objects.bulk_create(answers, batch_size=5000)
        ReasonGiven.objects.bulk_create(reasons, batch_size=5000)


def _time(repeat: int) -> dict[str, float]:
    from django.db import connection

    from journey import reports
    from journey.models import Journey

    year = reports.Period(LAST_DAY - timedelta(days=364), LAST_DAY)
    month = reports.Period(LAST_DAY - timedelta(days=27), LAST_DAY)

    def count_visits() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM journey_stagevisit")
            cursor.fetchone()

    cases = {
        "baseline: SELECT COUNT(*) stage visits": count_visits,
        "baseline: year's journeys (ORM count)": lambda: Journey.objects.filter(
            day__gte=year.first, day__lte=year.last
        ).count(),
        "year: stage figures": lambda: reports.stage_figures(year),
        "year: week by week": lambda: reports.weekly_figures(year),
        "year: delay reasons": lambda: reports.delay_reasons(year),
        "year: discharge gap": lambda: reports.discharge_gap(year),
        "year: indicators": lambda: reports.indicators(year),
        "year: whole report": lambda: reports.report(year),
        "28 days: whole report": lambda: reports.report(month),
    }
    timings = {}
    for name, run in cases.items():
        run()  # warm-up: caches, prepared plans
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            run()
            samples.append((time.perf_counter() - started) * 1000)
        timings[name] = statistics.median(samples)
    return timings


def _run(url: str, journeys: int, repeat: int, reuse: bool = False) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "1", "TRACKER_TIME_ZONE": "Europe/London"}
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--journeys", str(journeys), "--repeat", str(repeat)]
        + (["--reuse"] if reuse else []),
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fresh_postgres(url: str, reuse: bool) -> None:
    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    if reuse:
        found = subprocess.run(
            ["psql", server, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
            check=True,
            capture_output=True,
            text=True,
        )
        if found.stdout.strip() == "1":
            return
    for statement in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", server, "-qc", statement], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--journeys", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="a database this run may drop and create")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the PostgreSQL database if an earlier run seeded it (SQLite is always fresh)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.journeys, args.repeat, args.reuse)
        return 0
    results = []
    if not args.skip_postgres:
        _fresh_postgres(args.postgres, args.reuse)
        results.append(_run(args.postgres, args.journeys, args.repeat, args.reuse))
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(_run(f"sqlite:///{tmp}/reports.sqlite3", args.journeys, args.repeat))
    print(
        f"\nReports benchmark: {args.journeys} journeys over 365 days, median of {args.repeat} runs, "
        f"{os.cpu_count()} cores"
    )
    ok = True
    for result in results:
        timings = result["timings"]
        base = timings["baseline: SELECT COUNT(*) stage visits"]
        seeded = f"seeded in {result['seed_s']:.0f} s" if result["seed_s"] else "reused, seeded by an earlier run"
        print(f"\n{result['vendor']} ({seeded})")
        print(f"  {'query':<42} {'ms':>9} {'x baseline':>11}")
        for name, ms in timings.items():
            print(f"  {name:<42} {ms:>9.1f} {ms / base:>11.1f}")
        if result["vendor"] == "postgresql":
            whole = timings["year: whole report"]
            passed = whole < TARGET_MS
            ok &= passed
            print(f"  {'PASS' if passed else 'FAIL'} the year's whole report in {whole:.0f} ms (< {TARGET_MS} ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
