"""The day's records as FHIR R4: what each resource says, and that every one passes fhir.resources' R4B
models and our own checks (required bindings, invariants, references, LOINC codes)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from fhir.resources.R4B import get_fhir_model_class

from journey import fhir, fhir_checks
from journey.models import Journey
from tests.fhir_day import STAGE_MINUTES, make_unit_day
from tests.makers import make_journey


@pytest.fixture
def day(pathway, nurse, lead, morning):
    return make_unit_day(pathway, nurse, lead, morning)


@pytest.fixture
def exported(day):
    return fhir.day_resources(day.start.date())


def _by_id(resources, kind):
    return {r["id"]: r for r in resources if r["resourceType"] == kind}


def _resources_of(journey):
    return fhir.journey_resources(fhir.for_export(Journey.objects.filter(pk=journey.pk)).get())


def test_every_exported_resource_parses_with_the_r4b_models_and_passes_our_checks(exported):
    for resource in exported:
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert model.model_dump(mode="json") == resource

    assert fhir_checks.check_export(exported) == []


def test_the_export_holds_each_resource_type_the_issue_names(exported):
    kinds = {r["resourceType"] for r in exported}

    assert kinds == {
        "Patient",
        "Encounter",
        "Location",
        "Procedure",
        "Observation",
        "Flag",
        "Communication",
        "QuestionnaireResponse",
    }


def test_every_journey_of_the_day_is_one_encounter_with_its_patient(day, exported):
    encounters = _by_id(exported, "Encounter")
    patients = _by_id(exported, "Patient")

    assert set(encounters) == {str(j.pk) for j in day.journeys}
    for journey in day.journeys:
        assert encounters[str(journey.pk)]["subject"]["reference"] == f"Patient/{journey.patient_id}"
        assert patients[str(journey.patient_id)]["identifier"][0]["value"] == journey.patient.mrn


def test_the_encounter_status_follows_the_journey(day, exported):
    encounters = _by_id(exported, "Encounter")
    status = {name: encounters[str(getattr(day, name).pk)]["status"] for name in vars(day) if name != "start"}

    assert status == {
        "booked": "planned",
        "arrived": "arrived",
        "injecting": "in-progress",
        "home": "finished",
        "cancelled": "cancelled",
        "did_not_arrive": "cancelled",
    }


def test_the_encounter_is_ambulatory_with_its_bay_and_a_location_period_per_stage(day):
    encounter = _resources_of(day.injecting)[0]
    visits = list(day.injecting.visits.order_by("started_at", "pk"))

    assert encounter["class"] == {"system": fhir.ACT_CODE, "code": "AMB", "display": "ambulatory"}
    bay, *stages = encounter["location"]
    held = day.injecting.bay  # one bay, one patient: each of the day's journeys has its own
    assert bay["location"] == {"reference": f"Location/bay-{held}", "display": f"Bay {held}"}
    assert bay["status"] == "active"
    assert [s["location"]["reference"] for s in stages] == [f"Location/stage-{v.stage_id}" for v in visits]
    assert [s["status"] for s in stages] == ["completed", "completed", "completed", "active"]
    first = stages[0]["period"]
    assert first["start"] == fhir.as_fhir_instant(day.start)
    assert first["end"] == fhir.as_fhir_instant(day.start + timedelta(minutes=STAGE_MINUTES))
    assert "end" not in stages[-1]["period"]


def test_the_status_history_gives_each_status_its_period(day):
    encounter = _resources_of(day.home)[0]
    history = [(h["status"], h["period"].get("start"), h["period"].get("end")) for h in encounter["statusHistory"]]
    visits = list(day.home.visits.order_by("started_at", "pk"))
    at = fhir.as_fhir_instant

    assert history == [
        ("planned", at(day.home.created_at), at(visits[0].started_at)),
        ("arrived", at(visits[0].started_at), at(visits[0].completed_at)),
        ("in-progress", at(visits[0].completed_at), at(visits[-1].completed_at)),
        ("finished", at(visits[-1].completed_at), None),
    ]
    assert encounter["period"] == {"start": at(visits[0].started_at), "end": at(visits[-1].completed_at)}


def test_a_cancelled_day_ends_its_history_with_the_cancellation(day):
    encounter = _resources_of(day.cancelled)[0]

    assert [h["status"] for h in encounter["statusHistory"]] == ["planned", "arrived", "in-progress", "cancelled"]
    assert "end" in encounter["period"]


def test_the_procedure_has_one_body_site_per_treated_level_with_its_cement_volume(day):
    procedure = _by_id(_resources_of(day.injecting), "Procedure")[str(day.injecting.pk)]
    sites = procedure["bodySite"]

    assert [s["coding"][0]["code"] for s in sites] == ["T12", "L1"]
    assert all(len(s["coding"]) == 1 for s in sites)
    volumes = [s["extension"][0]["valueQuantity"] for s in sites]
    assert [(v["value"], v["code"], v["system"]) for v in volumes] == [
        (4.5, "mL", fhir.UCUM),
        (3, "mL", fhir.UCUM),
    ]
    assert all(s["extension"][0]["url"] == fhir.cement_extension() for s in sites)
    assert procedure["note"] == [{"text": "Cement injected: T12 4.5 mL, L1 3 mL."}]
    assert procedure["status"] == "in-progress"
    assert "end" not in procedure["performedPeriod"]


def test_the_procedure_status_follows_the_injection_stage(day, exported):
    procedures = _by_id(exported, "Procedure")

    assert str(day.booked.pk) not in procedures  # a booking is a plan, not a procedure
    assert str(day.did_not_arrive.pk) not in procedures
    assert procedures[str(day.arrived.pk)]["status"] == "preparation"
    assert procedures[str(day.injecting.pk)]["status"] == "in-progress"
    assert procedures[str(day.home.pk)]["status"] == "completed"
    assert procedures[str(day.cancelled.pk)]["status"] == "not-done"
    assert (
        procedures[str(day.cancelled.pk)]["statusReason"]["text"]
        == "Cancelled after arrival: Clinical: Blood thinners not stopped (INR too high on the morning's bloods.)"
    )
    performed = procedures[str(day.home.pk)]["performedPeriod"]
    assert performed["start"] < performed["end"]


def test_each_round_value_is_a_vital_sign_observation_with_its_loinc_code_at_the_time_taken(day):
    recovery = day.home.visits.get(stage__code="recovery")
    first = recovery.rounds.filter(entered_in_error_at__isnull=True).order_by("number", "pk").first()
    observations = _by_id(_resources_of(day.home), "Observation")
    mine = {
        k.removeprefix(f"round-{first.pk}-"): v for k, v in observations.items() if k.startswith(f"round-{first.pk}-")
    }

    assert set(mine) == {"bp", "hr", "rr", "spo2", "temp", "pain"}  # every round records a temperature (NEWS2)
    for key in ("bp", "hr", "rr", "spo2"):
        assert mine[key]["category"][0]["coding"][0]["code"] == "vital-signs"
        assert mine[key]["effectiveDateTime"] == fhir.as_fhir_instant(first.recorded_at)
        assert mine[key]["status"] == "final"
    loinc = {key: [c["code"] for c in o["code"]["coding"]] for key, o in mine.items()}
    assert loinc == {
        "bp": ["85354-9"],
        "hr": ["8867-4"],
        "rr": ["9279-1"],
        "spo2": ["2708-6", "59408-5"],
        "temp": ["8310-5"],
        "pain": ["72514-3"],
    }
    components = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in mine["bp"]["component"]}
    assert components == {
        "8480-6": {"value": 128, "unit": "mmHg", "system": fhir.UCUM, "code": "mm[Hg]"},
        "8462-4": {"value": 76, "unit": "mmHg", "system": fhir.UCUM, "code": "mm[Hg]"},
    }
    assert "valueQuantity" not in mine["bp"]
    assert mine["hr"]["valueQuantity"]["value"] == first.heart_rate
    assert mine["spo2"]["valueQuantity"]["code"] == "%"
    assert mine["pain"]["valueInteger"] == first.pain


def test_temperature_is_sent_once_a_round_records_it(day):
    observations = day.home.visits.get(stage__code="recovery").rounds.first()
    observations.temperature = Decimal("37.4")  # the NEWS2 work adds the field to rounds

    sent = {o["id"]: o for o in fhir.round_observations(day.home, observations)}
    temperature = sent[f"round-{observations.pk}-temp"]

    assert temperature["code"]["coding"][0]["code"] == "8310-5"
    assert temperature["valueQuantity"] == {"value": 37.4, "unit": "°C", "system": fhir.UCUM, "code": "Cel"}
    assert fhir_checks.check_resource(temperature) == []
    assert fhir_checks.codes(temperature) == []


def test_a_round_entered_in_error_is_sent_with_that_status(day):
    mistaken = day.home.visits.get(stage__code="recovery").rounds.get(entered_in_error_at__isnull=False)
    observations = _by_id(_resources_of(day.home), "Observation")

    assert observations[f"round-{mistaken.pk}-bp"]["status"] == "entered-in-error"
    assert observations[f"round-{mistaken.pk}-pain"]["status"] == "entered-in-error"


def test_a_red_flag_is_a_flag_with_its_period_and_its_escalation_a_communication(day, morning):
    flag = day.home.red_flags.get()
    resources = _resources_of(day.home)
    sent = _by_id(resources, "Flag")[str(flag.pk)]
    told = _by_id(resources, "Communication")[str(flag.pk)]

    assert sent["status"] == "inactive"
    assert sent["period"] == {
        "start": fhir.as_fhir_instant(flag.raised_at),
        "end": fhir.as_fhir_instant(flag.resolved_at),
    }
    assert sent["code"]["coding"][0]["code"] == "chest_pain"
    assert sent["code"]["text"] == "Red flag: Chest pain. Tight chest"
    assert told["about"] == [{"reference": f"Flag/{flag.pk}"}]
    assert told["recipient"] == [{"display": "Dr Lena Lead, clinical lead"}]
    assert told["sent"] == fhir.as_fhir_instant(flag.told_at)


def test_an_open_red_flag_is_active_without_an_end(pathway, nurse, morning):
    journey = make_journey(pathway, nurse, now=morning)
    journey.arrive(by=nurse, now=morning)
    flag = journey.raise_red_flag("breathless", by=nurse, now=morning)

    sent = fhir.red_flag(journey, flag)

    assert sent["status"] == "active"
    assert sent["period"] == {"start": fhir.as_fhir_instant(morning)}


def test_each_stage_visit_checklist_is_a_questionnaire_response(day):
    responses = _by_id(_resources_of(day.injecting), "QuestionnaireResponse")
    visits = {v.stage.code: v for v in day.injecting.visits.select_related("stage")}
    positioning = responses[str(visits["positioning"].pk)]
    injection = responses[str(visits["injection"].pk)]
    answers = {item["linkId"]: item["answer"] for item in positioning["item"]}

    assert set(responses) == {str(v.pk) for v in visits.values()}
    assert positioning["status"] == "completed"
    assert answers["safe_prone"] == [{"valueBoolean": True}]
    assert [a["valueCoding"]["code"] for a in answers["timeout_levels"]] == ["T12", "L1"]
    cement = next(item for item in injection["item"] if item["linkId"] == "cement_volume")
    assert [
        (a["valueCoding"]["code"], a["item"][0]["answer"][0]["valueQuantity"]["value"]) for a in cement["answer"]
    ] == [
        ("T12", 4.5),
        ("L1", 3),
    ]
    assert injection["status"] == "in-progress"


def test_a_cancelled_days_open_checklist_is_stopped(day):
    responses = _by_id(_resources_of(day.cancelled), "QuestionnaireResponse")

    assert sorted(r["status"] for r in responses.values()) == ["completed", "stopped"]


def test_ids_are_stable_so_a_second_export_gives_the_same_resources(day, exported):
    assert fhir.day_resources(day.start.date()) == exported


def test_a_patient_or_a_bay_shared_by_two_journeys_is_exported_once(exported):
    ids = [f"{r['resourceType']}/{r['id']}" for r in exported]

    assert len(ids) == len(set(ids))
    assert ids.count("Location/bay-3") == 1


def test_the_export_reads_a_fixed_number_of_queries_whatever_the_number_of_journeys(
    day, exported, django_assert_num_queries
):
    # journeys with patient and pathway; visits with stage; current answers with item; rounds with who
    # recorded them; red flags with who raised and escalated them; the events that ended a day early
    with django_assert_num_queries(6):
        fhir.day_resources(day.start.date())
    others = [j.pk for j in day.journeys if j != day.home]
    Journey.objects.filter(pk__in=others).update(day=day.start.date() + timedelta(days=1))
    with django_assert_num_queries(6):
        fhir.day_resources(day.start.date())
