"""``manage.py stage_report --from 2026-10-01 --to 2026-10-31 [--pathway vertebroplasty] --csv out.csv``"""

import sys
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from journey import reports
from journey.models import Pathway


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Write the date as YYYY-MM-DD, not {text!r}.") from None


class Command(BaseCommand):
    help = (
        "Write one CSV row per pathway and stage: completed visits whose start falls in the period (whole days "
        "in the unit's time zone, both ends included), median and 90th percentile minutes (linear interpolation), "
        "the target and the share over target."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="last", required=True, help="Last day (included), YYYY-MM-DD.")
        parser.add_argument("--pathway", help="A pathway's code (default: every pathway).")
        parser.add_argument("--csv", required=True, help="The file to write ('-' for standard output).")

    def handle(self, *args: Any, first: str, last: str, pathway: str | None, csv: str, **options: Any) -> None:
        chosen = None
        if pathway:
            chosen = Pathway.objects.filter(code=pathway).first()
            if chosen is None:
                codes = ", ".join(Pathway.objects.values_list("code", flat=True))
                raise CommandError(f"No pathway with the code {pathway!r}. Known: {codes}.")
        try:
            period = reports.Period(_day(first), _day(last), chosen)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        rows = [figures.csv_row() for figures in reports.stage_figures(period)]
        if csv == "-":
            reports.write_csv(sys.stdout, reports.STAGE_CSV_COLUMNS, rows)
            return
        with open(csv, "w", newline="", encoding="utf-8") as out:
            reports.write_csv(out, reports.STAGE_CSV_COLUMNS, rows)
        self.stderr.write(f"{len(rows)} rows written to {csv}")
