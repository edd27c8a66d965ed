"""What fhir.resources does not check in what we send: required bindings, invariants, references, codes.

fhir.resources (pydantic) rejects structural errors, but it accepts ``Observation.status: "bogus"``, an
Observation with both a value and a dataAbsentReason (obs-6), a reference to nothing and any LOINC code.
These checks close those gaps. The invariants are the spec's own FHIRPath expressions, evaluated by
fhirpathpy with its R4 model (without the model, a choice element such as ``value`` would never match
``valueQuantity``). Used by the tests and by ``manage.py export_fhir --check``.

Each check returns a list of problems as sentences naming the resource ("Observation/round-4-bp: ...");
an empty list means the resources passed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from functools import cache

from fhir.resources.R4B import get_fhir_model_class
from fhirpathpy import compile as compile_path
from fhirpathpy.models import models
from pydantic import ValidationError

from journey import fhir

R4 = models["r4"]

EVENT_STATUS = {
    "preparation",
    "in-progress",
    "not-done",
    "on-hold",
    "stopped",
    "completed",
    "entered-in-error",
    "unknown",
}
ENCOUNTER_STATUS = {
    "planned",
    "arrived",
    "triaged",
    "in-progress",
    "onleave",
    "finished",
    "cancelled",
    "entered-in-error",
    "unknown",
}
ISSUE_TYPE = {
    "invalid", "structure", "required", "value", "invariant", "security", "login", "unknown", "expired", "forbidden",
    "suppressed", "processing", "not-supported", "duplicate", "multiple-matches", "not-found", "deleted", "too-long",
    "code-invalid", "extension", "too-costly", "business-rule", "conflict", "transient", "lock-error", "no-store",
    "exception", "timeout", "incomplete", "throttled", "informational",
}  # fmt: skip

# Required bindings (R4 4.0.1): a FHIRPath to the coded values, and the value set's codes.
EVERY_RESOURCE_BINDINGS = [
    ("descendants().ofType(Identifier).use", {"usual", "official", "temp", "secondary", "old"}),
    ("descendants().ofType(HumanName).use", {"usual", "official", "temp", "nickname", "anonymous", "old", "maiden"}),
    ("descendants().ofType(ContactPoint).system", {"phone", "fax", "email", "pager", "url", "sms", "other"}),
    ("descendants().ofType(ContactPoint).use", {"home", "work", "temp", "old", "mobile"}),
    ("descendants().ofType(Address).use", {"home", "work", "temp", "old", "billing"}),
    ("descendants().ofType(Address).type", {"postal", "physical", "both"}),
    ("descendants().ofType(Quantity).comparator", {"<", "<=", ">=", ">"}),
    ("descendants().ofType(Narrative).status", {"generated", "extensions", "additional", "empty"}),
]
REQUIRED_BINDINGS: dict[str, list[tuple[str, set[str]]]] = {
    "Patient": [("gender", {"male", "female", "other", "unknown"})],
    "Encounter": [
        ("status", ENCOUNTER_STATUS),
        ("statusHistory.status", ENCOUNTER_STATUS),
        ("location.status", {"planned", "active", "reserved", "completed"}),
    ],
    "Location": [("status", {"active", "suspended", "inactive"}), ("mode", {"instance", "kind"})],
    "Procedure": [("status", EVENT_STATUS)],
    "Observation": [
        (
            "status",
            {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"},
        )
    ],
    "Flag": [("status", {"active", "inactive", "entered-in-error"})],
    "Communication": [("status", EVENT_STATUS), ("priority", {"routine", "urgent", "asap", "stat"})],
    "QuestionnaireResponse": [("status", {"in-progress", "completed", "amended", "entered-in-error", "stopped"})],
    "Bundle": [
        (
            "type",
            {
                "document",
                "message",
                "transaction",
                "transaction-response",
                "batch",
                "batch-response",
                "history",
                "searchset",
                "collection",
            },
        ),
        ("entry.search.mode", {"match", "include", "outcome"}),
    ],
    "OperationOutcome": [
        ("issue.severity", {"fatal", "error", "warning", "information"}),
        ("issue.code", ISSUE_TYPE),
    ],
}

# Invariants (R4 4.0.1), as the spec writes them where fhirpathpy can evaluate them; each must be true.
EVERY_RESOURCE_INVARIANTS = [
    ("dom-2", "contained.contained.empty()"),
    ("dom-4", "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()"),
    ("dom-5", "contained.meta.security.empty()"),
    ("ext-1", "descendants().ofType(Extension).all(extension.exists() != value.exists())"),
    ("per-1", "descendants().ofType(Period).all(start.exists().not() or end.exists().not() or (start <= end))"),
    (
        "ref-1",
        "descendants().ofType(Reference).where(reference.exists()).all(reference.startsWith('#').not() "
        "or (reference.substring(1) in %resource.contained.id))",
    ),
]
VITAL_SIGN = "category.coding.where(system = 'http://terminology.hl7.org/CodeSystem/observation-category' "
VITAL_SIGN += "and code = 'vital-signs').exists()"
INVARIANTS: dict[str, list[tuple[str, str]]] = {
    "Patient": [
        ("pat-1", "contact.all(name.exists() or telecom.exists() or address.exists() or organization.exists())")
    ],
    "Observation": [
        ("obs-3", "referenceRange.all(low.exists() or high.exists() or text.exists())"),
        ("obs-6", "dataAbsentReason.empty() or value.empty()"),
        ("obs-7", "value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()"),
        ("obs-6 (component)", "component.all(dataAbsentReason.empty() or value.empty())"),
        ("vs-1", f"{VITAL_SIGN} implies effective.exists()"),
        (
            "vs-2",
            f"{VITAL_SIGN} implies ((component.empty() and hasMember.empty()) "
            "implies (dataAbsentReason.exists() or value.exists()))",
        ),
        ("vs-3", f"{VITAL_SIGN} implies component.all(value.exists() or dataAbsentReason.exists())"),
    ],
    "QuestionnaireResponse": [
        ("qrs-1", "descendants().where(linkId.exists()).all((answer.exists() and item.exists()).not())"),
        ("qrs-2", "repeat(answer | item).select(item.linkId.isDistinct()).allTrue()"),
    ],
    "Bundle": [
        ("bdl-1", "total.empty() or (type = 'searchset') or (type = 'history')"),
        ("bdl-2", "entry.search.empty() or (type = 'searchset')"),
        ("bdl-5", "entry.all(resource.exists() or request.exists() or response.exists())"),
        (
            "bdl-7",
            "(type = 'history') "
            "or entry.where(fullUrl.exists()).select(fullUrl & resource.meta.versionId).isDistinct()",
        ),
        ("bdl-8", "entry.all(fullUrl.contains('/_history/').not())"),
    ],
}

# The LOINC codes we send: code -> (display, UCUM unit of the value, or None where the value is no quantity).
LOINC_CODES = {
    fhir.BLOOD_PRESSURE[0]: (fhir.BLOOD_PRESSURE[1], None),
    fhir.SYSTOLIC[0]: (fhir.SYSTOLIC[1], "mm[Hg]"),
    fhir.DIASTOLIC[0]: (fhir.DIASTOLIC[1], "mm[Hg]"),
    fhir.PULSE_OXIMETRY[0]: (fhir.PULSE_OXIMETRY[1], "%"),
    fhir.PAIN[0]: (fhir.PAIN[1], None),
    **{code: (display, unit) for _, _, code, display, unit, _ in fhir.VITAL_SIGNS},
}
VITAL_SIGN_CODES = {code for _, _, code, _, _, _ in fhir.VITAL_SIGNS} | {fhir.BLOOD_PRESSURE[0]}


@cache
def _path(expression: str) -> Callable:
    return compile_path(expression, R4)


def _evaluate(resource: dict, expression: str) -> list:
    # fhirpathpy annotates what it walks: evaluate a copy, never the resource being sent.
    return _path(expression)(copy.deepcopy(resource), {"resource": resource})


def _name(resource: dict) -> str:
    return f"{resource.get('resourceType', '?')}/{resource.get('id', '?')}"


def parse(resource: dict) -> list[str]:
    """The library's structural check: the R4B model of the resource's type must accept it."""
    try:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except (KeyError, ValueError, ValidationError) as exc:
        return [f"{_name(resource)}: not a valid FHIR resource: {exc}"]
    return []


def bindings(resource: dict) -> list[str]:
    problems = []
    for path, codes in EVERY_RESOURCE_BINDINGS + REQUIRED_BINDINGS.get(resource["resourceType"], []):
        for value in _evaluate(resource, path):
            if value not in codes:
                problems.append(f"{_name(resource)}: {path} is “{value}”, not one of {', '.join(sorted(codes))}")
    return problems


def invariants(resource: dict) -> list[str]:
    problems = []
    for key, expression in EVERY_RESOURCE_INVARIANTS + INVARIANTS.get(resource["resourceType"], []):
        if _evaluate(resource, expression) != [True]:
            problems.append(f"{_name(resource)}: invariant {key} fails ({expression})")
    return problems


def check_resource(resource: dict) -> list[str]:
    """Structure (fhir.resources), required bindings and invariants of one resource."""
    return parse(resource) or bindings(resource) + invariants(resource)


def references(resources: Iterable[dict]) -> list[str]:
    """Every reference is a relative ``Type/id`` to a resource in the same set."""
    resources = list(resources)
    present = {_name(r) for r in resources}
    problems = []
    for resource in resources:
        for target in _evaluate(resource, "descendants().ofType(Reference).reference"):
            if target not in present:
                problems.append(f"{_name(resource)}: reference {target} does not resolve inside the export")
    return problems


def codes(resource: dict) -> list[str]:
    """Our Observations: LOINC coded with codes we mean; vital signs with their UCUM unit; the blood
    pressure panel with its systolic and diastolic components in mm[Hg]."""
    if resource["resourceType"] != "Observation":
        return []
    name, problems = _name(resource), []
    loinc = _evaluate(resource, f"code.coding.where(system = '{fhir.LOINC}')")
    if not loinc:
        problems.append(f"{name}: no LOINC code")
    for coding in loinc + _evaluate(resource, f"component.code.coding.where(system = '{fhir.LOINC}')"):
        known = LOINC_CODES.get(coding.get("code"))
        if known is None:
            problems.append(f"{name}: LOINC {coding.get('code')} is not one we send")
        elif coding.get("display") != known[0]:
            problems.append(f"{name}: LOINC {coding['code']} is “{known[0]}”, not “{coding.get('display')}”")
    own = [c.get("code") for c in loinc]
    if _evaluate(resource, VITAL_SIGN) == [True]:
        if not VITAL_SIGN_CODES & set(own):
            problems.append(f"{name}: a vital sign without a vital-sign LOINC code")
        problems += _units(name, resource, own[0] if own else "")
        for component in resource.get("component", []):
            problems += _units(name, component, component["code"]["coding"][0].get("code", ""))
    if fhir.BLOOD_PRESSURE[0] in own:
        parts = {c["code"]["coding"][0].get("code") for c in resource.get("component", [])}
        if parts != {fhir.SYSTOLIC[0], fhir.DIASTOLIC[0]}:
            problems.append(f"{name}: the blood pressure panel needs systolic and diastolic components, has {parts}")
    return problems


def _units(name: str, element: dict, code: str) -> list[str]:
    unit = LOINC_CODES.get(code, (None, None))[1]
    quantity = element.get("valueQuantity")
    if unit is None:
        return []
    if quantity is None:
        return [f"{name}: LOINC {code} needs a valueQuantity in {unit}"]
    if quantity.get("system") != fhir.UCUM or quantity.get("code") != unit:
        return [f"{name}: LOINC {code} is measured in UCUM {unit}, not {quantity.get('system')} {quantity.get('code')}"]
    return []


def check_export(resources: Iterable[dict]) -> list[str]:
    """Everything above, for a set of resources we send (an export file, or a Bundle's entries)."""
    resources = list(resources)
    problems = []
    for resource in resources:
        problems += check_resource(resource) + codes(resource)
    ids = [_name(r) for r in resources]
    problems += [f"{key}: appears {ids.count(key)} times" for key in sorted(set(ids)) if ids.count(key) > 1]
    return problems + references(resources)


def check_bundle(bundle: dict) -> list[str]:
    """The Bundle itself, then its entries as one export (references resolve among them)."""
    problems = check_resource(bundle)
    entries = [entry["resource"] for entry in bundle.get("entry", [])]
    for entry in bundle.get("entry", []):
        if not entry.get("fullUrl", "").endswith(f"/{_name(entry['resource'])}"):
            problems.append(f"Bundle entry {_name(entry['resource'])}: fullUrl {entry.get('fullUrl')} does not name it")
    return problems + check_export(entries)
