"""Write one day's records as FHIR R4 resources, one JSON resource per line (NDJSON)."""

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from journey import fhir, fhir_checks
from journey.models import AuditEntry, Journey

EXPORTER = "manage.py export_fhir"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--day must be a date such as 2026-11-21, not “{text}”.") from None


class Command(BaseCommand):
    help = (
        "Export every journey of a day as FHIR R4 resources (Patient, Encounter, Location, Procedure, "
        "Observation, Flag, Communication, QuestionnaireResponse), one per line. --check validates them first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", required=True, help="The procedure day, YYYY-MM-DD.")
        parser.add_argument("--out", required=True, help="The NDJSON file to write ('-' for standard output).")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Check required bindings, invariants, references and LOINC codes; write nothing if any fails.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = _day(options["day"])
        journeys = list(fhir.for_export(Journey.objects.filter(day=day)))
        resources = fhir.unique(r for journey in journeys for r in fhir.journey_resources(journey))
        if options["check"]:
            problems = fhir_checks.check_export(resources)
            if problems:
                for problem in problems:
                    self.stderr.write(problem)
                raise CommandError(f"{len(problems)} problem(s) in the export of {day}: nothing was written.")
        # Audited before the records leave: a write that fails afterwards over-reports, never hides, a read.
        for journey in journeys:
            AuditEntry.objects.record(
                AuditEntry.Action.VIEWED,
                user=None,
                username=EXPORTER,
                journey_id=journey.pk,
                patient_id=journey.patient_id,
                summary=f"Exported as FHIR for {day:%d %b %Y}",
            )
        lines = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in resources)
        if options["out"] == "-":
            self.stdout.write(lines, ending="")
        else:
            out = Path(options["out"])
            # Whole or not at all: a reader polling the folder never picks up half a file.
            partial = out.with_name(f".{out.name}.partial")
            partial.write_text(lines, encoding="utf-8")
            os.replace(partial, out)
        checked = ", checked" if options["check"] else ""
        self.stderr.write(f"{len(resources)} resources from {len(journeys)} journeys of {day}{checked}.")
