"""manage.py export_fhir: one resource per line, checked on request, audited per journey."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from journey import fhir, fhir_checks
from journey.models import AuditEntry
from tests.fhir_day import make_unit_day


@pytest.fixture
def day(pathway, nurse, lead, morning):
    return make_unit_day(pathway, nurse, lead, morning)


def _export(*args: str) -> str:
    err = StringIO()
    call_command("export_fhir", *args, stdout=StringIO(), stderr=err)
    return err.getvalue()


def test_export_writes_one_valid_resource_per_line(day, tmp_path):
    out = tmp_path / "day.ndjson"

    said = _export("--day", "2026-11-21", "--out", str(out), "--check")

    lines = out.read_text().splitlines()
    resources = [json.loads(line) for line in lines]
    assert resources == fhir.day_resources(day.start.date())
    assert fhir_checks.check_export(resources) == []
    assert f"{len(lines)} resources from 6 journeys of 2026-11-21, checked." in said


def test_export_to_standard_output_keeps_it_pure_ndjson(day):
    out = StringIO()

    call_command("export_fhir", "--day", "2026-11-21", "--out", "-", stdout=out, stderr=StringIO())

    assert all(json.loads(line)["resourceType"] for line in out.getvalue().splitlines())


def test_a_day_without_journeys_writes_an_empty_file(db, tmp_path):
    out = tmp_path / "empty.ndjson"

    _export("--day", "2026-01-01", "--out", str(out), "--check")

    assert out.read_text() == ""


def test_each_exported_journey_is_audited(day, tmp_path):
    _export("--day", "2026-11-21", "--out", str(tmp_path / "day.ndjson"))

    rows = AuditEntry.objects.filter(action=AuditEntry.Action.VIEWED, username="manage.py export_fhir")
    assert sorted(rows.values_list("journey_id", flat=True)) == sorted(j.pk for j in day.journeys)


def test_a_failed_check_writes_nothing(day, tmp_path, monkeypatch):
    out = tmp_path / "day.ndjson"
    monkeypatch.setattr(fhir, "encounter_status", lambda journey: "bogus")  # fhir.resources accepts it

    with pytest.raises(CommandError, match="problem"):
        _export("--day", "2026-11-21", "--out", str(out), "--check")

    assert not out.exists()
    assert not AuditEntry.objects.filter(username="manage.py export_fhir").exists()


def test_a_day_that_is_not_a_date_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="must be a date such as 2026-11-21"):
        _export("--day", "21/11/2026", "--out", str(tmp_path / "x.ndjson"))


def test_the_demo_day_with_the_shipped_pathways_exports_and_passes_every_check(db, morning, tmp_path, settings):
    # The shipped pathways hold every kind of checklist item (choice, text, time, score, per-level numbers).
    settings.DEBUG = True  # seed_demo runs in development only
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False
    out = tmp_path / "demo.ndjson"

    _export("--day", morning.date().isoformat(), "--out", str(out), "--check")

    resources = [json.loads(line) for line in out.read_text().splitlines()]
    kinds = {r["resourceType"] for r in resources}
    assert {"Encounter", "Procedure", "Observation", "Flag", "Communication", "QuestionnaireResponse"} <= kinds
    assert fhir_checks.check_export(resources) == []
