"""The journey page, the nurse's actions on it, and the discharge sheet.

Each action: the role's permission, a valid form, then one domain verb. A refusal shows the page again
with the reason beside the form that was used; htmx requests get the page's body back to swap in.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from journey.errors import InvalidAnswer, JourneyError, StaleJourney
from journey.models import AuditEntry, Journey, ObservationRound, Occasion
from journey.time_home import TimeHome, cached_history, time_home
from tracker.access import WardRequest, journey_for
from tracker.forms import (
    ChecklistForm,
    CodedReasonForm,
    DriverForm,
    EscalationForm,
    NoteForm,
    RedFlagForm,
    RoundForm,
    VersionForm,
)

CARE = "journey.record_care"


def journey_page(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, "journey.view_journey")
    _audit_view(request, journey, "Opened the journey page")
    return render_journey(request, journey)


def _audit_view(request: WardRequest, journey: Journey, what: str) -> None:
    AuditEntry.objects.record(
        AuditEntry.Action.VIEWED, user=request.user, journey_id=journey.pk, patient_id=journey.patient_id, summary=what
    )


@dataclass(frozen=True)
class Posted:
    """The action just posted and refused: which form (``name``, and the red flag or round it was about),
    the form as typed (None to show a fresh one) and why it was refused."""

    name: str
    target: int | None = None
    form: forms.BaseForm | None = None
    refusal: str = ""


@dataclass(frozen=True)
class PageForm:
    """One action form on the page, with the refusal to show beside it (if it was the one just refused)."""

    form: forms.BaseForm
    refusal: str = ""


class PageForms:
    """Builds each action form of the journey page: a fresh one at the page's version, or, for the action
    just refused, the form as the person typed it with the reason beside it."""

    def __init__(self, journey: Journey, posted: Posted | None) -> None:
        self.version = {"version": journey.version}
        self.posted = posted

    def get(
        self, name: str, make: Callable[..., forms.BaseForm], target: int | None = None, initial: dict | None = None
    ) -> PageForm:
        posted = self.posted
        fresh = {**self.version, **(initial or {})}
        if posted is not None and (posted.name, posted.target) == (name, target):
            return PageForm(posted.form or make(initial=fresh), posted.refusal)
        return PageForm(make(initial=fresh))


@dataclass(frozen=True)
class RoundErrorForm:
    """A standing round of the open stage, with the form that marks it entered in error."""

    round: ObservationRound
    form: PageForm


def render_journey(
    request: WardRequest, journey: Journey, posted: Posted | None = None, *, status: int = 200
) -> HttpResponse:
    """The journey page (or, for htmx, its body), with the refused action's form and reason in place."""
    now = timezone.now()
    visit = journey.current_visit
    answers = visit.current_answers() if visit else {}
    conditions = visit.conditions(now, answers) if visit else []
    page = PageForms(journey, posted)
    driver = {"name": journey.driver_name, "phone": journey.driver_phone}
    told_now = {"told_at": timezone.localtime(now).strftime("%H:%M")}
    flags = [
        {
            "flag": flag,
            "escalation_form": page.get("escalation", EscalationForm, flag.pk, told_now),
            "resolve_form": page.get("resolve", _resolve_form, flag.pk),
        }
        for flag in journey.red_flags.select_related("raised_by", "resolved_by", "visit").order_by("-raised_at")
    ]
    round_errors = [
        RoundErrorForm(r, page.get("round_error", _round_error_form, r.pk))
        for r in (visit.standing_rounds() if visit else [])
    ]
    context = {
        "start_form": page.get("start", VersionForm),
        "driver_form": page.get("driver", DriverForm, initial=driver),
        "cancel_form": page.get("cancel", lambda **kw: _cancel_form(journey, **kw)),
        "did_not_arrive_form": page.get("did_not_arrive", _did_not_arrive_form),
        "return_form": page.get("return", _return_form),
        "admit_form": page.get("admit", _admit_form),
        "red_flag_form": page.get("red_flag", RedFlagForm),
        "journey": journey,
        "patient": journey.patient,
        "visit": visit,
        "now": now,
        "timer": visit.timer(now, conditions=conditions) if visit else None,
        # Completing now would need a delay reason (a stage past its minimum may be "ready" and over).
        "over_target": bool(visit and visit.is_over_target(now)),
        "conditions": conditions,
        "answers": answers,
        "rounds": visit.round_slots(now) if visit else [],
        "extra_rounds": visit.extra_rounds() if visit else [],
        "round_errors": round_errors,
        "round_errors_open": any(entry.form.refusal for entry in round_errors),
        "rounds_in_error": visit.rounds_in_error() if visit else [],
        "rail": journey.stage_rail(),
        "red_flags": flags,
        "events": journey.events.select_related("by").order_by("-at", "-pk"),
        # A refusal no form on the page can show (the journey closed meanwhile) is shown at the top.
        "page_refusal": posted.refusal if posted and (not posted.name or journey.is_closed) else "",
        "age": journey.patient.age_on(journey.day),
        "time_home": _time_home(journey, now),
    }
    if visit:
        context["checklist"] = page.get("checklist", lambda initial: ChecklistForm(visit, answers, initial=initial))
        context["round_form"] = page.get("round", RoundForm)
        context["override_form"] = page.get("override", _override_form)
    template = "tracker/_journey_body.html" if request.htmx else "tracker/journey.html"
    return render(request, template, context, status=status)


def _did_not_arrive_form(*args: Any, **kwargs: Any) -> CodedReasonForm:
    label = "Why did the patient not come?"
    occasion = Occasion.DID_NOT_ARRIVE
    return CodedReasonForm(
        *args, occasion=occasion, label=label, button="Mark did not arrive", css="btn-secondary", **kwargs
    )


def _return_form(*args: Any, **kwargs: Any) -> CodedReasonForm:
    label = "Why back to the procedure room?"
    occasion = Occasion.UNPLANNED_RETURN
    return CodedReasonForm(
        *args, occasion=occasion, label=label, button="Record the return", css="btn-warning", **kwargs
    )


def _admit_form(*args: Any, **kwargs: Any) -> CodedReasonForm:
    label = "Why can the patient not go home today?"
    occasion = Occasion.OVERNIGHT
    return CodedReasonForm(*args, occasion=occasion, label=label, button="Admit overnight", css="btn-danger", **kwargs)


def _time_home(journey: Journey, now: datetime) -> TimeHome | None:
    if journey.is_closed:
        return None
    stages = list(journey.pathway.stages.order_by("order"))
    return time_home(journey, stages, now, cached_history({journey.pathway_id}, timezone.localdate(now)))


def _round_error_form(*args: Any, **kwargs: Any) -> NoteForm:
    label = "Why is this round wrong?"
    return NoteForm(*args, label=label, button="Mark as entered in error", css="btn-outline-danger btn-sm", **kwargs)


def _resolve_form(*args: Any, **kwargs: Any) -> NoteForm:
    return NoteForm(*args, label="What was found and done", button="Resolve red flag", css="btn-success", **kwargs)


def _override_form(*args: Any, **kwargs: Any) -> NoteForm:
    label = "Clinical reason for overriding the minimum"
    return NoteForm(*args, label=label, button="Override the minimum", css="btn-warning", **kwargs)


def _cancel_form(journey: Journey, *args: Any, **kwargs: Any) -> CodedReasonForm:
    """The reasons offered depend on whether the patient has arrived (two different indicators)."""
    arrived = journey.status != Journey.Status.SCHEDULED
    occasion = Occasion.CANCELLED_AFTER_ARRIVAL if arrived else Occasion.CANCELLED_BEFORE_ARRIVAL
    label = "Why is the procedure cancelled?"
    return CodedReasonForm(
        *args, occasion=occasion, label=label, button="Cancel the procedure", css="btn-outline-danger", **kwargs
    )


def _act(
    request: WardRequest,
    journey: Journey,
    name: str,
    form: forms.BaseForm,
    action: Callable[[dict[str, Any]], Any],
    target: int | None = None,
) -> HttpResponse:
    """Run ``action`` (a domain verb) with the valid form's data; on refusal, show why beside the form."""
    if not form.is_valid():
        return render_journey(request, journey, Posted(name, target, form), status=422)
    try:
        action(form.cleaned_data)
    except StaleJourney as refusal:
        # Fresh forms: the page re-renders at the newer version, so the next action is not refused again.
        return render_journey(request, journey, Posted(name, target, None, refusal.message), status=409)
    except JourneyError as refusal:
        if isinstance(refusal, InvalidAnswer) and isinstance(form, ChecklistForm):
            form.add_item_errors(refusal.errors)
        # Answers saved before a refused completion moved the version on: show the page as it now is.
        kept = form if journey.version == form.cleaned_data["version"] else None
        return render_journey(request, journey, Posted(name, target, kept, refusal.message), status=422)
    if request.htmx:
        return render_journey(request, Journey.objects.for_page().get(pk=journey.pk))
    return redirect(journey)


@require_POST
def start(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    form = VersionForm(request.POST)
    return _act(
        request, journey, "start", form, lambda d: journey.arrive(by=request.user, expected_version=d["version"])
    )


@require_POST
def save_checklist(request: WardRequest, pk: int) -> HttpResponse:
    """Save the checklist as typed; with the complete button, then close the stage.

    One form for both, so what the nurse typed is saved before completion is judged, never lost.
    """
    journey = journey_for(request, pk, CARE)
    visit = journey.current_visit
    if visit is None:
        return render_journey(request, journey, Posted("", refusal="There is no open stage to answer."), status=422)
    form = ChecklistForm(visit, visit.current_answers(), request.POST)

    def save(data: dict[str, Any]) -> None:
        journey.record_answers(form.values(), by=request.user, expected_version=data["version"])
        if "complete" in request.POST:
            # The answers just saved moved the version on; anyone else's change since would still refuse.
            journey.complete_stage(visit.stage, by=request.user, expected_version=journey.version, **form.delay())

    return _act(request, journey, "checklist", form, save)


@require_POST
def record_round(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    form = RoundForm(request.POST, instance=ObservationRound())
    return _act(
        request,
        journey,
        "round",
        form,
        lambda d: journey.record_round(form.instance, by=request.user, expected_version=d["version"]),
    )


@require_POST
def round_entered_in_error(request: WardRequest, pk: int, round_pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    observations = get_object_or_404(ObservationRound, visit__journey=journey, pk=round_pk)
    form = _round_error_form(request.POST)
    return _act(
        request,
        journey,
        "round_error",
        form,
        lambda d: journey.mark_round_entered_in_error(
            observations, reason=d["note"], by=request.user, expected_version=d["version"]
        ),
        observations.pk,
    )


@require_POST
def raise_red_flag(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    form = RedFlagForm(request.POST)
    return _act(
        request,
        journey,
        "red_flag",
        form,
        lambda d: journey.raise_red_flag(d["kind"], detail=d["detail"], by=request.user, expected_version=d["version"]),
    )


@require_POST
def record_escalation(request: WardRequest, pk: int, flag_pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    flag = get_object_or_404(journey.red_flags, pk=flag_pk)
    form = EscalationForm(request.POST)
    return _act(
        request,
        journey,
        "escalation",
        form,
        lambda d: journey.record_escalation(
            flag,
            told_who=d["told_who"],
            told_at=form.told_at_moment(timezone.now()),
            by=request.user,
            expected_version=d["version"],
        ),
        flag.pk,
    )


@require_POST
def resolve_red_flag(request: WardRequest, pk: int, flag_pk: int) -> HttpResponse:
    journey = journey_for(request, pk, "journey.resolve_red_flag")
    flag = get_object_or_404(journey.red_flags, pk=flag_pk)
    form = _resolve_form(request.POST)
    return _act(
        request,
        journey,
        "resolve",
        form,
        lambda d: journey.resolve_red_flag(flag, note=d["note"], by=request.user, expected_version=d["version"]),
        flag.pk,
    )


@require_POST
def override_minimum(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, "journey.override_minimum")
    form = _override_form(request.POST)
    return _act(
        request,
        journey,
        "override",
        form,
        lambda d: journey.override_minimum(reason=d["note"], by=request.user, expected_version=d["version"]),
    )


@require_POST
def update_driver(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    form = DriverForm(request.POST)
    return _act(
        request,
        journey,
        "driver",
        form,
        lambda d: journey.update_driver(
            name=d["name"], phone=d["phone"], by=request.user, expected_version=d["version"]
        ),
    )


@require_POST
def cancel(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, "journey.check_in_patient")
    form = _cancel_form(journey, request.POST)
    return _act(
        request,
        journey,
        "cancel",
        form,
        lambda d: journey.cancel(
            reason=d["reason"], detail=d["detail"], by=request.user, expected_version=d["version"]
        ),
    )


@require_POST
def did_not_arrive(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, "journey.check_in_patient")
    form = _did_not_arrive_form(request.POST)
    return _act(
        request,
        journey,
        "did_not_arrive",
        form,
        lambda d: journey.mark_did_not_arrive(
            reason=d["reason"], detail=d["detail"], by=request.user, expected_version=d["version"]
        ),
    )


@require_POST
def unplanned_return(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    form = _return_form(request.POST)
    return _act(
        request,
        journey,
        "return",
        form,
        lambda d: journey.record_unplanned_return(
            reason=d["reason"], detail=d["detail"], by=request.user, expected_version=d["version"]
        ),
    )


@require_POST
def admit_overnight(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, "journey.admit_overnight")
    form = _admit_form(request.POST)
    return _act(
        request,
        journey,
        "admit",
        form,
        lambda d: journey.admit_overnight(
            reason=d["reason"], detail=d["detail"], by=request.user, expected_version=d["version"]
        ),
    )


def discharge_sheet(request: WardRequest, pk: int) -> HttpResponse:
    """One printable A4 page for the patient to take home."""
    journey = journey_for(request, pk, "journey.view_journey")
    _audit_view(request, journey, "Printed the discharge sheet")
    context = {
        "journey": journey,
        "patient": journey.patient,
        "instructions": journey.pathway.instructions(),
        "emergency_symptoms": journey.pathway.emergency_symptom_list(),
        "unit_name": settings.TRACKER_UNIT_NAME,
        "unit_phone": settings.TRACKER_UNIT_PHONE,
        "printed_at": timezone.now(),
    }
    return render(request, "tracker/discharge_sheet.html", context)
