"""The read-only FHIR interface for the hospital's integration engine.

Only a system holding an interface token may read (``Authorization: Bearer <token>``): the ward's
sign-in does not open it, so a nurse's browser session can never be used to pull records in bulk. Each
journey read is audited like a page view, under the token's name. Refusals and bad requests are FHIR
OperationOutcomes, as an integration engine expects.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from journey import fhir
from journey.models import AuditEntry, InterfaceToken, Journey

FHIR_JSON = "application/fhir+json"


def fhir_response(resource: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(resource, ensure_ascii=False), content_type=FHIR_JSON, status=status)


def outcome(status: int, code: str, text: str) -> HttpResponse:
    """An OperationOutcome with one error issue (``code`` from the IssueType value set)."""
    body = fhir.as_fhir(
        {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": text}]}
    )
    response = fhir_response(body, status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="fhir"'
    return response


def _bearer(request: HttpRequest) -> str:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def token_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A live interface token, or 401 before anything is read. The session's user is never consulted."""

    @login_not_required
    @require_GET
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = InterfaceToken.objects.authenticate(_bearer(request))
        if token is None:
            return outcome(401, "login", "A valid interface token is needed (Authorization: Bearer <token>).")
        return view(request, token, *args, **kwargs)

    return wrapper


def _audit(token: InterfaceToken, journeys: list[Journey], what: str) -> None:
    for journey in journeys:
        AuditEntry.objects.record(
            AuditEntry.Action.VIEWED,
            user=None,
            username=token.name,
            journey_id=journey.pk,
            patient_id=journey.patient_id,
            summary=f"FHIR read ({what}) by interface token “{token.name}”",
            data={"token": token.pk},
        )


def _bundle(request: HttpRequest, matches: list[dict], included: list[dict]) -> dict:
    base = request.build_absolute_uri(reverse("fhir-encounter-search")).removesuffix("Encounter")

    def entry(resource: dict, mode: str) -> dict:
        return {
            "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
            "resource": resource,
            "search": {"mode": mode},
        }

    return fhir.as_fhir(
        {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "meta": {"lastUpdated": timezone.now().replace(microsecond=0).isoformat()},
            "type": "searchset",
            "total": len(matches),
            "link": [{"relation": "self", "url": request.build_absolute_uri()}],
            "entry": [entry(r, "match") for r in matches] + [entry(r, "include") for r in included],
        }
    )


def _search_day(request: HttpRequest) -> date | None:
    """The ``date`` parameter: one day, plain or with the ``eq`` prefix (the only comparison served)."""
    values = request.GET.getlist("date")
    if len(values) != 1:
        return None
    try:
        return date.fromisoformat(values[0].removeprefix("eq"))
    except ValueError:
        return None


@token_required
def encounter_search(request: HttpRequest, token: InterfaceToken) -> HttpResponse:
    """``GET /fhir/Encounter?date=YYYY-MM-DD``: the day's Encounters, with the Patients and Locations they
    name as included entries, so every reference in the Bundle resolves inside it."""
    day = _search_day(request)
    if day is None:
        return outcome(400, "invalid", "Search by one day: date=YYYY-MM-DD.")
    unknown = sorted(set(request.GET) - {"date", "_format"})
    if unknown:
        return outcome(400, "not-supported", f"Search parameters not supported here: {', '.join(unknown)}.")
    journeys = list(fhir.for_export(Journey.objects.filter(day=day)))
    encounters = [fhir.encounter(journey) for journey in journeys]
    included = fhir.unique(
        resource for journey in journeys for resource in [fhir.patient(journey.patient), *fhir.locations(journey)]
    )
    _audit(token, journeys, f"Encounter search for {day:%Y-%m-%d}")
    return fhir_response(_bundle(request, encounters, included))


@token_required
def encounter_everything(request: HttpRequest, token: InterfaceToken, pk: str) -> HttpResponse:
    """``GET /fhir/Encounter/<id>/$everything``: every resource of that journey, the Encounter first."""
    found = pk.isdigit() and len(pk) < 19  # an id, and one the database's integer can hold
    journey = fhir.for_export(Journey.objects.filter(pk=int(pk))).first() if found else None
    if journey is None:
        return outcome(404, "not-found", f"There is no Encounter {pk}.")
    resources = fhir.journey_resources(journey)
    _audit(token, [journey], f"Encounter/{journey.pk}/$everything")
    return fhir_response(_bundle(request, resources, []))
