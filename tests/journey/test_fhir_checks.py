"""Our checks catch what fhir.resources lets through, and refuse nothing the specification publishes."""

import copy
import json
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class

from journey import fhir_checks

EXAMPLES = Path(__file__).resolve().parent.parent / "fhir_examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))


def _example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def _library_accepts(resource: dict) -> bool:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return True


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_the_official_r4_examples_round_trip_through_the_r4b_models(path):
    resource = json.loads(path.read_text())

    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)

    assert model.model_dump(mode="json") == resource


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_our_checks_pass_every_official_example(path):
    resource = json.loads(path.read_text())

    assert fhir_checks.check_resource(resource) == []


VITAL_SIGN_EXAMPLES = [
    "Observation-blood-pressure",
    "Observation-heart-rate",
    "Observation-respiratory-rate",
    "Observation-satO2",
    "Observation-body-temperature",
]


@pytest.mark.parametrize("name", VITAL_SIGN_EXAMPLES)
def test_our_loinc_table_agrees_with_the_specifications_vital_sign_examples(name):
    assert fhir_checks.codes(_example(name)) == []


def test_the_vendored_examples_cover_every_resource_type_we_send():
    kinds = {json.loads(p.read_text())["resourceType"] for p in EXAMPLE_FILES}

    assert kinds >= {"Patient", "Encounter", "Location", "Procedure", "Observation", "Flag", "Communication",
                     "QuestionnaireResponse", "Bundle", "OperationOutcome"}  # fmt: skip


def test_a_status_outside_its_value_set_passes_the_library_but_not_our_check():
    observation = _example("Observation-heart-rate")
    observation["status"] = "bogus"

    assert _library_accepts(observation)
    assert fhir_checks.check_resource(observation) == [
        "Observation/heart-rate: status is “bogus”, not one of amended, cancelled, corrected, entered-in-error, "
        "final, preliminary, registered, unknown"
    ]


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        ("Encounter-example", ("status",), "admitted"),
        ("Flag-example", ("status",), "open"),
        ("Procedure-example", ("status",), "done"),
        ("QuestionnaireResponse-gcs", ("status",), "finished"),
        ("Location-1", ("mode",), "room"),
        ("Communication-example", ("status",), "sent"),
    ],
)
def test_each_required_status_binding_is_checked(kind, path, value):
    resource = _example(kind)
    resource[path[0]] = value

    problems = fhir_checks.check_resource(resource)

    assert len(problems) == 1
    assert f"{path[0]} is “{value}”" in problems[0]


def test_obs_6_a_value_and_a_data_absent_reason_together_pass_the_library_but_not_our_check():
    observation = _example("Observation-heart-rate")
    observation["dataAbsentReason"] = {"text": "Patient refused"}

    assert _library_accepts(observation)
    assert fhir_checks.check_resource(observation) == [
        "Observation/heart-rate: invariant obs-6 fails (dataAbsentReason.empty() or value.empty())"
    ]


def test_a_period_that_ends_before_it_starts_fails_per_1():
    flag = _example("Flag-example")
    flag["period"] = {"start": "2016-12-01", "end": "2015-01-17"}

    assert any("per-1" in p for p in fhir_checks.check_resource(flag))


def test_a_reference_to_nothing_in_the_export_is_reported():
    observation = _example("Observation-heart-rate")
    patient = {"resourceType": "Patient", "id": "example"}

    assert fhir_checks.references([observation, patient]) == []
    assert fhir_checks.references([observation]) == [
        "Observation/heart-rate: reference Patient/example does not resolve inside the export"
    ]


def test_an_unknown_loinc_code_passes_the_library_but_not_our_check():
    observation = _example("Observation-heart-rate")
    observation["code"]["coding"][0]["code"] = "99999-9"

    assert _library_accepts(observation)
    assert "Observation/heart-rate: LOINC 99999-9 is not one we send" in fhir_checks.codes(observation)


def test_a_vital_sign_in_the_wrong_unit_is_reported():
    observation = _example("Observation-heart-rate")
    observation["valueQuantity"]["code"] = "Hz"

    assert fhir_checks.codes(observation) == ["Observation/heart-rate: LOINC 8867-4 is measured in UCUM /min, not "
                                              "http://unitsofmeasure.org Hz"]  # fmt: skip


def test_a_blood_pressure_panel_without_its_diastolic_component_is_reported():
    observation = _example("Observation-blood-pressure")
    observation["component"] = [c for c in observation["component"] if c["code"]["coding"][0]["code"] != "8462-4"]

    assert any("needs systolic and diastolic" in p for p in fhir_checks.codes(observation))


def test_a_resource_sent_twice_in_one_export_is_reported():
    patient = _example("Patient-example")

    assert "Patient/example: appears 2 times" in fhir_checks.check_export([patient, copy.deepcopy(patient)])


def test_a_structural_error_is_the_librarys_to_find():
    observation = _example("Observation-heart-rate")
    del observation["code"]

    assert fhir_checks.check_resource(observation)[0].startswith("Observation/heart-rate: not a valid FHIR resource")


def test_checking_leaves_the_resource_as_it_was():
    observation = _example("Observation-blood-pressure")
    before = copy.deepcopy(observation)

    fhir_checks.check_export([observation])

    assert observation == before
