"""``manage.py backtest_time_home --from 2026-10-01 --to 2026-10-31``"""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from journey.time_home import HISTORY_DAYS, PATHWAY, TARGETS, UNIT, backtest


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Write the date as YYYY-MM-DD, not {text!r}.") from None


SOURCES = {
    PATHWAY: "from the pathway's history",
    UNIT: "from the stage's history across the unit's pathways",
    TARGETS: "from the targets (one time, not a bound)",
}


class Command(BaseCommand):
    help = (
        "Replay the time home for patients who went home in the period: at the start of each of their stages, "
        f"predict with only the {HISTORY_DAYS} days before their day, and compare with when they went home."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="last", required=True, help="Last day (included), YYYY-MM-DD.")

    def handle(self, *args: Any, first: str, last: str, **options: Any) -> None:
        start, end = _day(first), _day(last)
        if end < start:
            raise CommandError("The period ends before it starts.")
        result = backtest(start, end)
        if not result.predictions:
            self.stdout.write("No patient went home in that period: nothing to replay.")
            return
        self.stdout.write(f"predictions: {result.predictions}")
        for source, said in SOURCES.items():
            made, home = result.by_source.get(source, (0, 0.0))
            self.stdout.write(f"  {said}: {made}" + (f", {home:.1f}% home by their late time" if made else ""))
        self.stdout.write(f"mean absolute error of the likely time: {result.mean_absolute_error:.1f} min")
        self.stdout.write(f"home by the late time (9 in 10 by): {result.home_by_late:.1f}% (aim: 85-95%)")
