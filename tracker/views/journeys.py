"""The journey page, the nurse's actions on it, and the discharge sheet.

Each action: the role's permission, a valid form, then one domain verb. A refusal shows the page again
with the reason beside the form that was used; htmx requests get the page's body back to swap in.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from journey.errors import InvalidAnswer, JourneyError, StaleJourney
from journey.models import AuditEntry, Journey, ObservationRound
from journey.models.journeys import NEAR_TARGET
from tracker.access import journey_for
from tracker.forms import (
    ChecklistForm,
    DriverForm,
    EscalationForm,
    NoteForm,
    RedFlagForm,
    RoundForm,
    VersionForm,
)

CARE = "journey.record_care"


def journey_page(request: HttpRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, "journey.view_journey")
    _audit_view(request, journey, "Opened the journey page")
    return render_journey(request, journey)


def _audit_view(request: HttpRequest, journey: Journey, what: str) -> None:
    AuditEntry.objects.record(
        AuditEntry.Action.VIEWED, user=request.user, journey_id=journey.pk, patient_id=journey.patient_id, summary=what
    )


def render_journey(
    request: HttpRequest,
    journey: Journey,
    bound: dict[str, forms.Form] | None = None,
    *,
    refusal: str = "",
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    """The journey page (or, for htmx, its body). ``bound`` replaces a fresh form by the one just posted;
    ``refusal`` is shown beside the form named ``refused``."""
    now = timezone.now()
    visit = journey.current_visit
    answers = visit.current_answers() if visit else {}
    version = {"version": journey.version}
    fresh: dict[str, Any] = {
        "start_form": VersionForm(initial=version),
        "driver_form": DriverForm(initial={**version, "name": journey.driver_name, "phone": journey.driver_phone}),
        "cancel_form": _cancel_form(initial=version),
        "red_flag_form": RedFlagForm(initial=version),
    }
    if visit:
        fresh["checklist"] = ChecklistForm(visit, answers, initial=version)
        fresh["round_form"] = RoundForm(initial=version)
        fresh["override_form"] = _override_form(initial=version)
    bound = bound or {}
    fresh.update(
        {name: form for name, form in bound.items() if not name.startswith(("escalation_", "resolve_", "error_"))}
    )
    told_now = {**version, "told_at": timezone.localtime(now).strftime("%H:%M")}
    flags = []
    for flag in journey.red_flags.select_related("raised_by", "resolved_by", "visit").order_by("-raised_at"):
        escalation, resolve = f"escalation_{flag.pk}", f"resolve_{flag.pk}"
        flags.append(
            {
                "flag": flag,
                "escalation_name": escalation,
                "escalation_form": bound.get(escalation) or EscalationForm(initial=told_now),
                "resolve_name": resolve,
                "resolve_form": bound.get(resolve) or _resolve_form(initial=version),
            }
        )
    context = {
        **fresh,
        "journey": journey,
        "patient": journey.patient,
        "visit": visit,
        "now": now,
        "near_target": NEAR_TARGET,
        "timer": visit.timer(now) if visit else None,
        "conditions": visit.conditions(now, answers) if visit else [],
        "answers": answers,
        "rounds": visit.round_slots(now) if visit else [],
        "extra_rounds": visit.extra_rounds() if visit else [],
        "round_errors": _round_error_forms(visit, bound, version),
        "rounds_in_error": visit.rounds_in_error() if visit else [],
        "rail": journey.stage_rail(),
        "red_flags": flags,
        "events": journey.events.select_related("by").order_by("-at", "-pk"),
        "refusal": refusal,
        "refused": refused,
        "age": journey.patient.age_on(journey.day),
    }
    template = "tracker/_journey_body.html" if request.htmx else "tracker/journey.html"
    return render(request, template, context, status=status)


def _round_error_forms(visit: Any, bound: dict[str, forms.Form], version: dict[str, int]) -> list[dict[str, Any]]:
    """For each standing round of the open stage, the form that marks it entered in error (the one just
    posted, when it was refused)."""
    if visit is None:
        return []
    return [
        {"round": r, "name": f"error_{r.pk}", "form": bound.get(f"error_{r.pk}") or _round_error_form(initial=version)}
        for r in visit.standing_rounds()
    ]


def _round_error_form(*args: Any, **kwargs: Any) -> NoteForm:
    label = "Why is this round wrong?"
    return NoteForm(*args, label=label, button="Mark as entered in error", css="btn-outline-danger btn-sm", **kwargs)


def _resolve_form(*args: Any, **kwargs: Any) -> NoteForm:
    return NoteForm(*args, label="What was found and done", button="Resolve red flag", css="btn-success", **kwargs)


def _override_form(*args: Any, **kwargs: Any) -> NoteForm:
    label = "Clinical reason for overriding the minimum"
    return NoteForm(*args, label=label, button="Override the minimum", css="btn-warning", **kwargs)


def _cancel_form(*args: Any, **kwargs: Any) -> NoteForm:
    label = "Why is the procedure cancelled?"
    return NoteForm(*args, label=label, button="Cancel the procedure", css="btn-outline-danger", **kwargs)


def _act(
    request: HttpRequest,
    journey: Journey,
    name: str,
    form: forms.Form,
    action: Callable[[dict[str, Any]], Any],
) -> HttpResponse:
    """Run ``action`` (a domain verb) with the valid form's data; on refusal, show why beside the form."""
    if not form.is_valid():
        return render_journey(request, journey, {name: form}, refused=name, status=422)
    try:
        action(form.cleaned_data)
    except StaleJourney as refusal:
        # Fresh forms: the page re-renders at the newer version, so the next action is not refused again.
        return render_journey(request, journey, refusal=refusal.message, refused=name, status=409)
    except JourneyError as refusal:
        if isinstance(refusal, InvalidAnswer) and isinstance(form, ChecklistForm):
            form.add_item_errors(refusal.errors)
        # Answers saved before a refused completion moved the version on: show the page as it now is.
        bound = {name: form} if journey.version == form.cleaned_data["version"] else {}
        return render_journey(request, journey, bound, refusal=refusal.message, refused=name, status=422)
    if request.htmx:
        return render_journey(request, Journey.objects.for_page().get(pk=journey.pk))
    return redirect(journey)


@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    form = VersionForm(request.POST)
    return _act(
        request, journey, "start_form", form, lambda d: journey.start(by=request.user, expected_version=d["version"])
    )


@require_POST
def save_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the checklist as typed; with the complete button, then close the stage.

    One form for both, so what the nurse typed is saved before completion is judged, never lost.
    """
    journey = journey_for(request, pk, CARE)
    visit = journey.current_visit
    if visit is None:
        refusal = "There is no open stage to answer."
        return render_journey(request, journey, refusal=refusal, refused="checklist", status=422)
    form = ChecklistForm(visit, visit.current_answers(), request.POST)

    def save(data: dict[str, Any]) -> None:
        journey.record_answers(form.values(), by=request.user, expected_version=data["version"])
        if "complete" in request.POST:
            # The answers just saved moved the version on; anyone else's change since would still refuse.
            journey.complete_stage(visit.stage, by=request.user, expected_version=journey.version)

    return _act(request, journey, "checklist", form, save)


@require_POST
def record_round(request: HttpRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    form = RoundForm(request.POST, instance=ObservationRound())
    return _act(
        request,
        journey,
        "round_form",
        form,
        lambda d: journey.record_round(form.instance, by=request.user, expected_version=d["version"]),
    )


@require_POST
def round_entered_in_error(request: HttpRequest, pk: int, round_pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    observations = get_object_or_404(ObservationRound, visit__journey=journey, pk=round_pk)
    form = _round_error_form(request.POST)
    return _act(
        request,
        journey,
        f"error_{observations.pk}",
        form,
        lambda d: journey.mark_round_entered_in_error(
            observations, reason=d["note"], by=request.user, expected_version=d["version"]
        ),
    )


@require_POST
def raise_red_flag(request: HttpRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    form = RedFlagForm(request.POST)
    return _act(
        request,
        journey,
        "red_flag_form",
        form,
        lambda d: journey.raise_red_flag(d["kind"], detail=d["detail"], by=request.user, expected_version=d["version"]),
    )


@require_POST
def record_escalation(request: HttpRequest, pk: int, flag_pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    flag = get_object_or_404(journey.red_flags, pk=flag_pk)
    form = EscalationForm(request.POST)
    return _act(
        request,
        journey,
        f"escalation_{flag.pk}",
        form,
        lambda d: journey.record_escalation(
            flag,
            told_who=d["told_who"],
            told_at=form.told_at_moment(timezone.now()),
            by=request.user,
            expected_version=d["version"],
        ),
    )


@require_POST
def resolve_red_flag(request: HttpRequest, pk: int, flag_pk: int) -> HttpResponse:
    journey = journey_for(request, pk, "journey.resolve_red_flag")
    flag = get_object_or_404(journey.red_flags, pk=flag_pk)
    form = _resolve_form(request.POST)
    return _act(
        request,
        journey,
        f"resolve_{flag.pk}",
        form,
        lambda d: journey.resolve_red_flag(flag, note=d["note"], by=request.user, expected_version=d["version"]),
    )


@require_POST
def override_minimum(request: HttpRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, "journey.override_minimum")
    form = _override_form(request.POST)
    return _act(
        request,
        journey,
        "override_form",
        form,
        lambda d: journey.override_minimum(reason=d["note"], by=request.user, expected_version=d["version"]),
    )


@require_POST
def update_driver(request: HttpRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    form = DriverForm(request.POST)
    return _act(
        request,
        journey,
        "driver_form",
        form,
        lambda d: journey.update_driver(
            name=d["name"], phone=d["phone"], by=request.user, expected_version=d["version"]
        ),
    )


@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, "journey.check_in_patient")
    form = _cancel_form(request.POST)
    return _act(
        request,
        journey,
        "cancel_form",
        form,
        lambda d: journey.cancel(reason=d["note"], by=request.user, expected_version=d["version"]),
    )


def discharge_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """One printable A4 page for the patient to take home."""
    journey = journey_for(request, pk, "journey.view_journey")
    _audit_view(request, journey, "Printed the discharge sheet")
    instructions = [line.strip() for line in journey.pathway.discharge_instructions.splitlines() if line.strip()]
    context = {
        "journey": journey,
        "patient": journey.patient,
        "instructions": instructions,
        "unit_name": settings.TRACKER_UNIT_NAME,
        "unit_phone": settings.TRACKER_UNIT_PHONE,
        "printed_at": timezone.now(),
    }
    return render(request, "tracker/discharge_sheet.html", context)
