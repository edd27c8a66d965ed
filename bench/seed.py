"""Seed today's board with N journeys through the real verbs (run by bench/run.py in its own database)."""

import os
import sys
from datetime import time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from journey import demo, roles  # noqa: E402
from journey.models import Journey, Pathway, Patient  # noqa: E402

# Where the day's patients are: booked, then each of the first stages in turn.
STAGES_REACHED = (None, "consent", "prep", "positioning")


def main(count: int) -> None:
    call_command("migrate", verbosity=0)
    demo.ensure_pathways()
    demo.ensure_staff()
    # The run serves with DEBUG off, as production does, where demo accounts cannot sign in: in this
    # throwaway database the demo staff are the run's own accounts, so they lose the demo marker.
    Group.objects.get(name=roles.DEMO_ACCOUNT).user_set.clear()
    nurse = get_user_model().objects.get(username="nurse")
    pathways = list(Pathway.objects.order_by("code"))
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        for n in range(count):
            patient = Patient.objects.create(
                mrn=f"B{n:06d}",
                given_name=f"Given{n}",
                family_name=f"Family{n}",
                date_of_birth=today.replace(year=1945),
            )
            journey = Journey.objects.book(
                patient=patient,
                pathway=pathways[n % len(pathways)],
                day=today,
                scheduled_time=time(7 + (n // 60) % 10, n % 60),
                # A bay each: one bay holds one patient, and most of these patients are in progress at once.
                # (Twelve bays shared by 1000 patients in progress put a bay-clash alert naming ~60 others on
                # 750 rows: a board no ward has, whose rows grew with the square of the day.)
                bay=str(n + 1),
                planned_levels="T12 L1" if n % 3 else "L2",
                # Some still in consent have no driver yet (consent cannot close without one).
                driver_name="" if n % 8 == 1 else f"Driver {n}",
                driver_phone="" if n % 8 == 1 else "07700 900000",
                by=nurse,
                now=now - timedelta(hours=2),
            )
            target = STAGES_REACHED[n % len(STAGES_REACHED)]
            if target is None:
                continue
            clock = now - timedelta(minutes=90)
            journey.arrive(by=nurse, now=clock)
            while journey.open_visit().stage.code != target:
                demo.answer_stage(journey, by=nurse, now=clock)
                clock += timedelta(minutes=20)
                journey.complete_stage(by=nurse, now=clock)
    print(f"seeded {Journey.objects.on_day(today).count()} journeys")


if __name__ == "__main__":
    main(int(sys.argv[1]))
