"""The unit's records as FHIR R4 (4.0.1) resources, for the patient's record in the hospital's systems.

Built from the models, never from a page: ``day_resources(day)`` for the nightly file (``manage.py
export_fhir``), ``journey_resources(journey)`` for one journey's ``$everything``, ``encounter(journey)`` for
a search. Every resource passes through fhir.resources' R4B model of its type (R4B is the closest the
library ships to R4; for the types used here, R4B and R4 have the same elements) and comes out as the JSON
that model writes, so a structural mistake fails here rather than at the hospital. What the library does
not check (required bindings, invariants, references, codes) ``journey.fhir_checks`` does.

Ids are stable and derived from row ids, so a journey exported twice gives the same resources and every
reference resolves inside one export:

    Patient/<patient id>             Encounter/<journey id>          Procedure/<journey id>
    Observation/round-<round id>-bp  (-hr, -rr, -spo2, -temp, -pain) Flag/<red flag id>
    Communication/<red flag id>      QuestionnaireResponse/<stage visit id>
    Location/bay-<bay>               Location/stage-<stage definition id>
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from fhir.resources.R4B import get_fhir_model_class

from journey.levels import format_levels
from journey.models import (
    Answer,
    ItemDefinition,
    Journey,
    JourneyEvent,
    ObservationRound,
    Patient,
    RedFlag,
    StageVisit,
)
from journey.models.pathways import by_level
from journey.wording import person

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
COMMUNICATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/communication-category"
LOCATION_TYPE = "http://terminology.hl7.org/CodeSystem/location-physical-type"
PROFILE = "http://hl7.org/fhir/StructureDefinition/"

# The events that end a day before it is done: cancelled, or the patient did not arrive.
ENDED_EARLY = (JourneyEvent.Kind.CANCELLED, JourneyEvent.Kind.DID_NOT_ARRIVE)
# The pathway's stage that is the procedure itself, and its item holding the cement volume per level.
PROCEDURE_STAGE = "injection"
CEMENT_ITEM = "cement_volume"


def code_system(name: str) -> str:
    """One of the unit's own code systems (stages, levels, red flags, pathways), under TRACKER_FHIR_CODE_BASE."""
    return f"{settings.TRACKER_FHIR_CODE_BASE}/CodeSystem/{name}"


def cement_extension() -> str:
    return f"{settings.TRACKER_FHIR_CODE_BASE}/StructureDefinition/cement-volume"


# The round's values as vital signs: (field, resource id suffix, LOINC code, display, UCUM unit, profile).
# Oxygen saturation carries 2708-6 (what the R4 vital-signs profile asks for) and 59408-5 (by pulse
# oximetry, how the ward measures it), as the spec's own example does.
VITAL_SIGNS = [
    ("heart_rate", "hr", "8867-4", "Heart rate", "/min", "heartrate"),
    ("resp_rate", "rr", "9279-1", "Respiratory rate", "/min", "resprate"),
    ("spo2", "spo2", "2708-6", "Oxygen saturation in Arterial blood", "%", "oxygensat"),
    ("temperature", "temp", "8310-5", "Body temperature", "Cel", "bodytemp"),
]
BLOOD_PRESSURE = ("85354-9", "Blood pressure panel with all children optional")
SYSTOLIC = ("8480-6", "Systolic blood pressure")
DIASTOLIC = ("8462-4", "Diastolic blood pressure")
PULSE_OXIMETRY = ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry")
PAIN = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
UNIT_NAMES = {"/min": "/min", "%": "%", "Cel": "°C", "mm[Hg]": "mmHg", "mL": "mL"}


# --- reading ---


def for_export(journeys: QuerySet[Journey]) -> QuerySet[Journey]:
    """Everything the resources need, in a fixed number of queries whatever the count of journeys:
    journeys with patient and pathway; visits with their stage; current answers with their item; rounds;
    red flags; the cancellation events."""
    return (
        journeys.select_related("patient", "pathway")
        .prefetch_related(
            Prefetch("visits", queryset=StageVisit.objects.select_related("stage").order_by("started_at", "pk")),
            Prefetch(
                "visits__answers",
                queryset=Answer.objects.filter(is_current=True).select_related("item").order_by("item__order", "pk"),
            ),
            Prefetch("visits__rounds", queryset=ObservationRound.objects.select_related("recorded_by")),
            Prefetch(
                "red_flags", queryset=RedFlag.objects.select_related("raised_by", "escalation_recorded_by", "visit")
            ),
            Prefetch(
                "events",
                queryset=JourneyEvent.objects.filter(kind__in=ENDED_EARLY).order_by("at", "pk"),
                to_attr="cancellations",
            ),
        )
        .order_by("scheduled_time", "bay", "pk")
    )


def day_resources(day: Any) -> list[dict]:
    """Every resource for every journey of ``day``, each once (a patient or a bay shared by two journeys too)."""
    return unique(r for journey in for_export(Journey.objects.filter(day=day)) for r in journey_resources(journey))


def unique(resources: Iterable[dict]) -> list[dict]:
    seen: set[str] = set()
    kept = []
    for resource in resources:
        key = f"{resource['resourceType']}/{resource['id']}"
        if key not in seen:
            seen.add(key)
            kept.append(resource)
    return kept


def journey_resources(journey: Journey) -> list[dict]:
    """One journey's resources, the Encounter first. ``journey`` comes from ``for_export``."""
    visits = list(journey.visits.all())
    resources = [encounter(journey), patient(journey.patient), *locations(journey)]
    procedure_resource = procedure(journey)
    if procedure_resource is not None:
        resources.append(procedure_resource)
    for visit in visits:
        for observations in visit.rounds.all():
            resources += round_observations(journey, observations)
    for flag in journey.red_flags.all():
        resources.append(red_flag(journey, flag))
        if flag.is_escalated:
            resources.append(escalation(journey, flag))
    resources += [checklist(journey, visit) for visit in visits]
    return resources


# --- resources ---


def as_fhir(resource: dict) -> dict:
    """Through fhir.resources' R4B model of its type: refuses a structural mistake, writes its JSON."""
    model = get_fhir_model_class(resource["resourceType"])
    return model.model_validate(resource).model_dump(mode="json")


def patient(record: Patient) -> dict:
    return as_fhir(
        {
            "resourceType": "Patient",
            "id": str(record.pk),
            "identifier": [
                {
                    "use": "usual",
                    "type": {"coding": [{"system": IDENTIFIER_TYPE, "code": "MR", "display": "Medical record number"}]},
                    "system": settings.TRACKER_FHIR_MRN_SYSTEM,
                    "value": record.mrn,
                }
            ],
            "name": [{"use": "official", "family": record.family_name, "given": record.given_name.split()}],
            "birthDate": record.date_of_birth.isoformat(),
        }
    )


def encounter_status(journey: Journey) -> str:
    """planned (booked), arrived (on the unit, in the pathway's first stage: the procedure's preparation
    has not begun), in-progress (any later stage), finished (gone home), cancelled (also a patient who did
    not arrive: R4's Encounter has no no-show status; Appointment would carry it)."""
    if journey.status in Journey.NOT_HELD:
        return "cancelled"
    if journey.status in (Journey.Status.COMPLETED, Journey.Status.ADMITTED_OVERNIGHT):
        # Admitted overnight: the day case is over; the stay that follows is the ward's encounter.
        return "finished"
    if journey.status == Journey.Status.IN_PROGRESS:
        return "arrived" if len(journey.visits.all()) == 1 else "in-progress"
    return "planned"


def encounter(journey: Journey) -> dict:
    """The procedure day as an ambulatory Encounter.

    ``statusHistory`` holds each FHIR status the day went through with its period (the current one left
    open). The six stages are not statuses, so each stage visit is a ``location`` entry with its period:
    a Location of mode *kind* per stage ("Flat recovery" as a kind of place on the unit, not a room we
    would have to invent), beside the bay itself (a Location *instance*, physical type bed) for the
    whole stay. A receiver that knows nothing of our stages still reads the bay and the times.
    """
    visits = list(journey.visits.all())
    arrived = visits[0].started_at if visits else None
    cancelled = _cancelled_at(journey)
    left = visits[-1].completed_at if journey.status == Journey.Status.COMPLETED else None
    ended = left or (cancelled if arrived else None)
    first_done = visits[0].completed_at if visits else None

    history = [("planned", journey.created_at, arrived or cancelled)]
    if arrived:
        history.append(("arrived", arrived, first_done or cancelled))
    if first_done:
        history.append(("in-progress", first_done, left or cancelled))
    if left:
        history.append(("finished", left, None))
    if cancelled:
        history.append(("cancelled", cancelled, None))

    locations_at = []
    bay = _bay_location_id(journey)
    if bay:
        state = "planned" if not arrived else ("completed" if ended else "active")
        locations_at.append(
            {"location": _ref("Location", bay, f"Bay {journey.bay}"), "status": state, **_period(arrived, ended)}
        )
    for visit in visits:
        state = "completed" if visit.completed_at or ended else "active"
        locations_at.append(
            {
                "location": _ref("Location", _stage_location_id(visit), visit.stage_name),
                "status": state,
                **_period(visit.started_at, visit.completed_at or cancelled),
            }
        )
    resource = {
        "resourceType": "Encounter",
        "id": str(journey.pk),
        "identifier": [{"system": f"{settings.TRACKER_FHIR_CODE_BASE}/identifier/journey", "value": str(journey.pk)}],
        "status": encounter_status(journey),
        "statusHistory": [{"status": status, **_period(start, end, required=True)} for status, start, end in history],
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [_pathway_concept(journey)],
        "subject": _patient_ref(journey),
        "period": _period(arrived or journey.scheduled_at, ended, required=True)["period"],
        "location": locations_at,
    }
    if not resource["location"]:
        del resource["location"]
    return as_fhir(resource)


def locations(journey: Journey) -> list[dict]:
    """The bay (an instance, a bed space) and a Location of mode kind for each stage the journey visited."""
    found = []
    bay = _bay_location_id(journey)
    if bay:
        found.append(
            as_fhir(
                {
                    "resourceType": "Location",
                    "id": bay,
                    "status": "active",
                    "name": f"Bay {journey.bay}",
                    "mode": "instance",
                    "physicalType": {"coding": [{"system": LOCATION_TYPE, "code": "bd", "display": "Bed"}]},
                }
            )
        )
    for visit in journey.visits.all():
        found.append(
            as_fhir(
                {
                    "resourceType": "Location",
                    "id": _stage_location_id(visit),
                    "status": "active",
                    "name": visit.stage.name,
                    "description": f"{journey.pathway.name}: the {visit.stage.name.lower()} stage of the day.",
                    "mode": "kind",
                    "type": [
                        {
                            "coding": [
                                {"system": code_system("stage"), "code": visit.stage.code, "display": visit.stage.name}
                            ]
                        }
                    ],
                }
            )
        )
    return found


def procedure(journey: Journey) -> dict | None:
    """The vertebroplasty or kyphoplasty itself, once the patient has arrived (a booking alone is a plan,
    which FHIR keeps in ServiceRequest, not Procedure).

    Status: preparation (consent to positioning), in-progress (injection stage open), completed (closed),
    not-done (cancelled before the injection), stopped (cancelled during it). Performed period: the
    injection stage.

    The cement volume per level is an extension on that level's ``bodySite`` (valueQuantity in mL, UCUM),
    and the same in words in ``note``. Why: the volume belongs to one level, and the bodySite concept is
    where the level is, so the pair cannot come apart; Procedure has no element for an amount of
    material (``usedCode`` has no quantity, ``focalDevice`` is for devices), and a separate Observation
    per level would need a code that LOINC does not have. The extension is not a modifier, so a receiver
    that does not know it may ignore it safely, and the note carries the same figures to a reader of the
    record.
    """
    visits = list(journey.visits.all())
    if not visits:
        return None
    injection = next((v for v in visits if v.stage.code == PROCEDURE_STAGE), None)
    cancelled = journey.status in Journey.NOT_HELD
    if injection is None:
        status = "not-done" if cancelled else "preparation"
    elif injection.completed_at:
        status = "completed"
    else:
        status = "stopped" if cancelled else "in-progress"
    volumes, unit = _cement_volumes(injection) if injection else ({}, "mL")
    levels = list(volumes) or list(journey.planned_levels)
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": str(journey.pk),
        "status": status,
        "code": _pathway_concept(journey),
        "subject": _patient_ref(journey),
        "encounter": _ref("Encounter", str(journey.pk)),
        "bodySite": [_level_site(level, volumes.get(level), unit) for level in levels],
    }
    if injection:
        resource.update(_period(injection.started_at, injection.completed_at, name="performedPeriod"))
    if cancelled and status in ("not-done", "stopped"):
        resource["statusReason"] = {"text": _cancel_reason(journey)}
    if volumes:
        written = ", ".join(f"{level} {_number(value)} {unit}" for level, value in volumes.items())
        resource["note"] = [{"text": f"Cement injected: {written}."}]
    return as_fhir(resource)


def round_observations(journey: Journey, observations: ObservationRound) -> list[dict]:
    """One vital-signs Observation per value of the round (blood pressure as the panel with its two
    components), and the pain score. A round marked entered in error is sent with that status, so a
    receiver that filed it from an earlier export withdraws it."""
    status = "entered-in-error" if observations.is_entered_in_error else "final"
    base = f"round-{observations.pk}"
    common = {
        "status": status,
        "subject": _patient_ref(journey),
        "encounter": _ref("Encounter", str(journey.pk)),
        "effectiveDateTime": _instant(observations.recorded_at),
        "performer": [{"display": person(observations.recorded_by)}],
    }
    vital = [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "vital-signs", "display": "Vital Signs"}]}]
    found: list[dict[str, Any]] = [
        {
            "resourceType": "Observation",
            "id": f"{base}-bp",
            "meta": {"profile": [f"{PROFILE}bp"]},
            "category": vital,
            "code": _loinc(*BLOOD_PRESSURE, text="Blood pressure"),
            **common,
            "component": [
                {"code": _loinc(*SYSTOLIC), "valueQuantity": _quantity(observations.systolic, "mm[Hg]")},
                {"code": _loinc(*DIASTOLIC), "valueQuantity": _quantity(observations.diastolic, "mm[Hg]")},
            ],
        }
    ]
    for field, suffix, code, display, unit, profile in VITAL_SIGNS:
        # Temperature arrives with the NEWS2 work on rounds; until a round records it there is none to send.
        value = getattr(observations, field, None)
        if value is None:
            continue
        concept = _loinc(code, display)
        if field == "spo2":
            concept["coding"].append({"system": LOINC, "code": PULSE_OXIMETRY[0], "display": PULSE_OXIMETRY[1]})
        found.append(
            {
                "resourceType": "Observation",
                "id": f"{base}-{suffix}",
                "meta": {"profile": [f"{PROFILE}{profile}"]},
                "category": vital,
                "code": concept,
                **common,
                "valueQuantity": _quantity(value, unit),
            }
        )
    found.append(
        {
            "resourceType": "Observation",
            "id": f"{base}-pain",
            # A score the patient reports, not a measured vital sign.
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}],
            "code": _loinc(*PAIN, text="Pain score (0-10)"),
            **common,
            "valueInteger": observations.pain,
        }
    )
    return [as_fhir(resource) for resource in found]


def red_flag(journey: Journey, flag: RedFlag) -> dict:
    """Active while open, inactive once a clinical lead resolved it; its period runs from raised to resolved."""
    label = flag.get_kind_display()
    return as_fhir(
        {
            "resourceType": "Flag",
            "id": str(flag.pk),
            "status": "active" if flag.is_open else "inactive",
            "category": [{"coding": [{"system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical"}]}],
            "code": {
                "coding": [{"system": code_system("red-flag"), "code": flag.kind, "display": label}],
                "text": f"Red flag: {label}. {flag.detail}".strip(),
            },
            "subject": _patient_ref(journey),
            **_period(flag.raised_at, flag.resolved_at),
            "encounter": _ref("Encounter", str(journey.pk)),
            "author": {"display": person(flag.raised_by)},
        }
    )


def escalation(journey: Journey, flag: RedFlag) -> dict:
    """Who was told of a red flag and when: a Communication about the Flag (Flag has no element for it)."""
    if flag.told_at is None:
        raise ValueError("Only an escalated red flag has a Communication.")
    return as_fhir(
        {
            "resourceType": "Communication",
            "id": str(flag.pk),
            "status": "completed",
            "category": [{"coding": [{"system": COMMUNICATION_CATEGORY, "code": "alert", "display": "Alert"}]}],
            "priority": "urgent",
            "subject": _patient_ref(journey),
            "about": [_ref("Flag", str(flag.pk))],
            "encounter": _ref("Encounter", str(journey.pk)),
            "sent": _instant(flag.told_at),
            "recipient": [{"display": flag.told_who}],
            "sender": {"display": person(flag.escalation_recorded_by)},
            "payload": [{"contentString": f"Red flag escalated: {flag.get_kind_display()}. {flag.detail}".strip()}],
        }
    )


def checklist(journey: Journey, visit: StageVisit) -> dict:
    """A stage's checklist answers (the standing one for each item; changed answers are history here).

    A QuestionnaireResponse rather than one Observation per answer: the answers are a checklist the ward
    fills in together (consent ticks, the time-out levels, the discharge score), which is what the
    resource is for, and each item keeps the wording the nurse saw. Its ``questionnaire`` is left out:
    the unit publishes no Questionnaire, and a canonical URL that resolves nowhere helps no receiver.
    """
    answers = [a for a in visit.answers.all() if a.value is not None]
    authored = max((a.answered_at for a in answers), default=visit.started_at)
    if visit.completed_at:
        status = "completed"
    elif journey.status in Journey.NOT_HELD:
        status = "stopped"
    else:
        status = "in-progress"
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(visit.pk),
        "status": status,
        "subject": _patient_ref(journey),
        "encounter": _ref("Encounter", str(journey.pk)),
        "authored": _instant(authored),
        "item": [_checklist_item(answer) for answer in answers],
    }
    if not resource["item"]:
        del resource["item"]
    return as_fhir(resource)


# --- pieces ---


def _checklist_item(answer: Answer) -> dict:
    item = answer.item
    value: Any = answer.value  # never None here: checklist() leaves unanswered items out
    kind = ItemDefinition.Kind
    entry: dict[str, Any] = {"linkId": item.code, "text": answer.item_label}
    if item.kind in (kind.TICK, kind.YES_NO):
        answers = [{"valueBoolean": value is True or value == "yes"}]
    elif item.kind == kind.NUMBER:
        answers = [
            {"valueQuantity": {"value": Decimal(value), "unit": item.unit}}
            if item.unit
            else {"valueDecimal": Decimal(value)}
        ]
    elif item.kind == kind.SCORE:
        answers = [{"valueInteger": int(value)}]
    elif item.kind == kind.TIME:
        answers = [{"valueTime": f"{value}:00"}]
    elif item.kind == kind.LEVELS:
        answers = [{"valueCoding": _level_coding(level)} for level in value]
    elif item.kind == kind.LEVEL_NUMBERS:
        amount = {"unit": item.unit} if item.unit else {}
        answers = [
            {
                "valueCoding": _level_coding(level),
                "item": [
                    {
                        "linkId": f"{item.code}-value",
                        "text": f"{answer.item_label} at {level}",
                        "answer": [{"valueQuantity": {"value": Decimal(number), **amount}}],
                    }
                ],
            }
            for level, number in by_level(value)
        ]
    else:  # choice, text
        answers = [{"valueString": str(value)}]
    entry["answer"] = answers
    return entry


def _cement_volumes(injection: StageVisit) -> tuple[dict[str, Decimal], str]:
    """({level: volume} in spinal order, unit) from the injection's standing cement answer."""
    for answer in injection.answers.all():
        if answer.item.code == CEMENT_ITEM and isinstance(answer.value, dict):
            return {level: Decimal(v) for level, v in by_level(answer.value)}, answer.item.unit or "mL"
    return {}, "mL"


def _level_site(level: str, volume: Decimal | None, unit: str) -> dict:
    site: dict[str, Any] = {"coding": [_level_coding(level)], "text": f"{level} vertebra"}
    if volume is not None:
        site["extension"] = [{"url": cement_extension(), "valueQuantity": _quantity(volume, unit)}]
    return site


def _level_coding(level: str) -> dict:
    return {"system": code_system("vertebral-level"), "code": level, "display": f"{level} vertebra"}


def _pathway_concept(journey: Journey) -> dict:
    pathway = journey.pathway
    levels = format_levels(journey.planned_levels)
    return {
        "coding": [{"system": code_system("pathway"), "code": pathway.code, "display": pathway.name}],
        "text": f"{pathway.name}, {levels}" if levels else pathway.name,
    }


def _loinc(code: str, display: str, *, text: str = "") -> dict:
    concept: dict[str, Any] = {"coding": [{"system": LOINC, "code": code, "display": display}]}
    concept["text"] = text or display
    return concept


def _quantity(value: Any, unit: str) -> dict:
    return {"value": Decimal(str(value)), "unit": UNIT_NAMES.get(unit, unit), "system": UCUM, "code": unit}


def _ref(kind: str, pk: str, display: str = "") -> dict:
    reference = {"reference": f"{kind}/{pk}"}
    if display:
        reference["display"] = display
    return reference


def _patient_ref(journey: Journey) -> dict:
    return _ref("Patient", str(journey.patient_id), journey.patient.full_name)


def _period(start: datetime | None, end: datetime | None, *, name: str = "period", required: bool = False) -> dict:
    period = {}
    if start:
        period["start"] = _instant(start)
    if end:
        period["end"] = _instant(end)
    return {name: period} if period or required else {}


def _instant(moment: datetime) -> str:
    """A FHIR dateTime to the second, with its offset (stored times are UTC)."""
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def as_fhir_instant(moment: datetime) -> str:
    """A moment as the export writes it (fhir.resources writes a zero offset as Z)."""
    text = _instant(moment)
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _bay_location_id(journey: Journey) -> str:
    slug = slugify(journey.bay)[:60]
    return f"bay-{slug}" if slug else ""


def _stage_location_id(visit: StageVisit) -> str:
    return f"stage-{visit.stage_id}"


def _cancelled_at(journey: Journey) -> datetime | None:
    if journey.status not in Journey.NOT_HELD:
        return None
    events = getattr(journey, "cancellations", None)
    if events is None:
        events = list(journey.events.filter(kind__in=ENDED_EARLY).order_by("at", "pk"))
    return events[-1].at if events else journey.created_at


def _cancel_reason(journey: Journey) -> str:
    events = getattr(journey, "cancellations", None) or []
    return events[-1].summary if events else "Cancelled"
