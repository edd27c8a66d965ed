"""The journey page, the nurse's actions on it, and the discharge sheet.

Each action: the role's permission, a valid form, then one domain verb. A refusal shows the page again
with the reason beside the form that was used, and what was typed kept; a success says what was done beside
that form (or, for a completed stage, at the new stage's heading). htmx requests get the page's body back
to swap in; a plain POST is redirected to the page, which shows the confirmation once (kept in the session).

Every form on the page has ids of its own (``form_ids``): labels name their own field, never another
form's. Field names are not prefixed, so each action's POST reads as before.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from journey.errors import InvalidAnswer, JourneyError, StaleJourney
from journey.handover import draft_sbar
from journey.levels import format_levels
from journey.models import AuditEntry, Condition, Handover, Journey, JourneyEvent, ObservationRound, Occasion
from journey.time_home import TimeHome, cached_history, time_home
from journey.wording import clock, person
from tracker.access import WardRequest, journey_for, requires
from tracker.forms import (
    BookingForm,
    ChecklistForm,
    CodedReasonForm,
    DriverForm,
    EscalationForm,
    HandoverForm,
    MissedRoundForm,
    NoteForm,
    RedFlagForm,
    ReviewForm,
    RoundForm,
    Spo2ScaleForm,
    VersionForm,
)

CARE = "journey.record_care"
# The confirmation of an action posted without htmx, shown once by the page it redirects to.
JUST_DONE = "journey_just_done"


def form_ids(name: str, target: int | None = None) -> str:
    """The ids of one form's fields (Django's ``auto_id``): unique on the page, so every label names its
    own field. The red-flag and round forms repeat per flag or round, hence the target."""
    return f"{name}-{target}-%s" if target is not None else f"{name}-%s"


def journey_page(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, "journey.view_journey")
    _audit_view(request, journey, "Opened the journey page")
    done = _pop_done(request.session, journey)
    return render_journey(request, journey, done)


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
    # Or the action just taken, in the ward's words ("Driver: ... · 09:12 by Sam Nurse").
    done: str = ""


@dataclass(frozen=True)
class PageForm:
    """One action form on the page, with the refusal or confirmation to show beside it (if it was the
    one just posted)."""

    form: forms.BaseForm
    refusal: str = ""
    done: str = ""


@dataclass(frozen=True)
class Missing:
    """One thing the open stage still needs, and where on the page to go to give it."""

    text: str
    href: str


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
            return PageForm(
                posted.form or make(initial=fresh, auto_id=form_ids(name, target)), posted.refusal, posted.done
            )
        return PageForm(make(initial=fresh, auto_id=form_ids(name, target)))


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
    booking = {"planned_levels": format_levels(journey.planned_levels), "bay": journey.bay}
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
    slots = visit.round_slots(now) if visit else []
    overdue = [slot for slot in slots if slot.state == "overdue"]
    left_early = bool(visit and visit.minimum_overridden_at)
    missable = [
        {"slot": slot, "form": page.get("missed", MissedRoundForm, slot.number)}
        for slot in slots
        if slot.scheduled and slot.is_open and (slot.state == "overdue" or left_early)
    ]
    reviews = [
        {"round": r, "form": page.get("review", ReviewForm, r.pk, told_now)}
        for r in (visit.standing_rounds() if visit else [])
        if r.needs_review
    ]
    waiting = journey.waiting_handover()
    handovers = list(getattr(journey, "recent_handovers", []))
    handover_occasion = (
        Handover.Occasion.INTO_RECOVERY
        if visit and visit.round_minutes and not any(h.visit_id == visit.pk for h in handovers)
        else Handover.Occasion.CHANGE_OF_NURSE
    )
    context = {
        "start_form": page.get("start", VersionForm),
        "driver_form": page.get("driver", DriverForm, initial=driver),
        "booking_form": page.get("booking", BookingForm, initial=booking),
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
        "rounds": slots,
        "missable": missable,
        "missable_open": any(cast(PageForm, entry["form"]).refusal for entry in missable),
        "reviews": reviews,
        "handovers": list(reversed(handovers)),
        "waiting_handover": waiting,
        "handover_ack_form": page.get("handover_ack", VersionForm, waiting.pk) if waiting else None,
        "scale_order": journey.spo2_scale_order(),
        "scale_form": page.get("spo2_scale", Spo2ScaleForm, initial={"scale": journey.spo2_scale}),
        "extra_rounds": visit.extra_rounds() if visit else [],
        "round_errors": round_errors,
        "round_errors_open": any(entry.form.refusal for entry in round_errors),
        "rounds_in_error": visit.rounds_in_error() if visit else [],
        "rail": journey.stage_rail(),
        "red_flags": flags,
        "events": journey.events.select_related("by").order_by("-at", "-pk"),
        # A refusal no form on the page can show (the journey closed meanwhile) is shown at the top.
        "page_refusal": posted.refusal if posted and (not posted.name or journey.is_closed) else "",
        # A completed stage (or day) is confirmed at the new stage's heading, which takes the focus.
        "stage_done": posted.done if posted and posted.name == "complete" else "",
        "overdue_rounds": overdue,
        "age": journey.patient.age_on(journey.day),
        "time_home": _time_home(journey, now),
    }
    if visit:
        checklist = page.get("checklist", lambda **kwargs: ChecklistForm(visit, answers, **kwargs))
        context["checklist"] = checklist
        carries_driver = isinstance(checklist.form, ChecklistForm) and checklist.form.driver_item is not None
        if posted and posted.name == "driver" and carries_driver:
            # The driver is recorded in place on this stage's checklist: no separate driver form to show it by.
            context["page_refusal"], context["page_done"] = posted.refusal, posted.done
        context["missing"] = _missing(conditions, checklist.form)
        context["round_form"] = page.get("round", RoundForm, initial={"spo2_scale": journey.spo2_scale})
        if waiting is None and not journey.is_closed:
            draft = {"occasion": handover_occasion, **draft_sbar(journey, now).texts()}
            context["handover_form"] = page.get("handover", HandoverForm, initial=draft)
        context["override_form"] = page.get("override", _override_form)
    template = "tracker/_journey_body.html" if request.htmx else "tracker/journey.html"
    return render(request, template, context, status=status)


def _missing(conditions: list[Condition], checklist: forms.BaseForm) -> list[Missing]:
    """What the open stage still needs, each with a link to where it is given: an item's input, the
    score items, the rounds, the red flags (a minimum only waits)."""
    assert isinstance(checklist, ChecklistForm)
    missing = []
    score_item = next((i for i in checklist.items if i.kind == "score"), None)
    for condition in conditions:
        if condition.met:
            continue
        href = ""
        if condition.item_id is not None:
            href = "#" + checklist.field_id(condition.item_id)
        elif condition.check == "score" and score_item is not None:
            href = "#" + checklist.field_id(score_item.pk)
        elif condition.check == "rounds":
            href = "#rounds-heading"
        elif condition.check == "red-flag":
            href = "#flags-heading"
        missing.append(Missing(condition.problem, href))
    return missing


def _pop_done(session: SessionBase, journey: Journey) -> Posted | None:
    done = session.pop(JUST_DONE, None)
    if not done or done.get("journey") != journey.pk:
        return None
    return Posted(done["name"], done.get("target"), None, "", done["text"])


def _confirmation(journey: Journey, since: int) -> str:
    """What the action just did, from the events it wrote: "Consent completed 09:12 by Sam Nurse - Prep
    started", or the changes with when and by whom."""
    events = list(journey.events.filter(version__gt=since).select_related("by").order_by("at", "pk"))
    if not events:
        return "Nothing to save: this was already recorded."
    last = events[-1]
    when = f"{clock(last.at)} by {person(last.by)}"
    completed = [e for e in events if e.kind == JourneyEvent.Kind.STAGE_COMPLETED]
    if completed:
        visit = journey.current_visit
        then = f" - {visit.stage_name} started" if visit else " - the day is complete: the patient has gone home"
        return f"{completed[-1].stage_name} completed {when}{then}"
    if len(events) > 3:
        return f"{len(events)} changes saved {when}"
    return f"{'; '.join(e.summary for e in events)} · {when}"


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
    return time_home(journey, stages, now, cached_history(timezone.localdate(now)))


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
    """Run ``action`` (a domain verb) with the valid form's data; on refusal, show why beside the form
    with what was typed kept; on success, say what was done beside it."""
    if not form.is_valid():
        return render_journey(request, journey, Posted(name, target, form), status=422)
    before = journey.version
    try:
        action(form.cleaned_data)
    except StaleJourney as refusal:
        # What was typed is kept; the page around it now shows the latest, so the next press (at the newer
        # version) goes through unless it still clashes.
        if "version" in form.fields:
            form.data = {**form.data.dict(), "version": str(journey.version)}  # type: ignore[attr-defined]
        message = f"{refusal.message} The page now shows the latest; what you typed is kept: check it and press again."
        return render_journey(request, journey, Posted(name, target, form, message), status=409)
    except JourneyError as refusal:
        if isinstance(refusal, InvalidAnswer) and isinstance(form, ChecklistForm):
            form.add_item_errors(refusal.errors)
        elif refusal.field and refusal.field in form.fields:
            form.add_error(refusal.field, refusal.message)
        # Answers saved before a refused completion moved the version on: the page as it now is holds them.
        kept = form if journey.version == before or isinstance(refusal, InvalidAnswer) else None
        return render_journey(request, journey, Posted(name, target, kept, refusal.message), status=422)
    # A stage opened or closed (or the day over) is confirmed at the stage's heading, where focus goes.
    moved_on = name == "start" or journey.is_closed or (name == "checklist" and "complete" in request.POST)
    shown_as = "complete" if moved_on else name
    done = _confirmation(journey, before)
    if request.htmx:
        fresh = Journey.objects.for_page().get(pk=journey.pk)
        return render_journey(request, fresh, Posted(shown_as, target, None, "", done))
    request.session[JUST_DONE] = {"journey": journey.pk, "name": shown_as, "target": target, "text": done}
    return redirect(journey)


@require_POST
def start(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    form = VersionForm(request.POST, auto_id=form_ids("start"))
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
    form = ChecklistForm(visit, visit.current_answers(), request.POST, auto_id=form_ids("checklist"))

    def save(data: dict[str, Any]) -> None:
        # Per item, not per journey: a change to another item (or another form) since the page was loaded
        # does not refuse this one; a change to the same item does (Journey.record_answers).
        page_stage = visit.stage if data.get("stage") in (None, visit.stage_id) else _stage_of(journey, data["stage"])
        driver = form.driver_change()
        if driver is not None and page_stage == visit.stage:
            name, phone, shown = driver
            journey.update_driver(name=name, phone=phone, by=request.user, shown=shown)
        journey.record_answers(form.values(), by=request.user, stage=page_stage, seen=form.seen())
        if "complete" in request.POST:
            journey.complete_stage(page_stage, by=request.user, **form.delay())

    return _act(request, journey, "checklist", form, save)


def _stage_of(journey: Journey, stage_pk: int) -> Any:
    """The stage a checklist page showed (of this journey's pathway), to tell a stale page."""
    return get_object_or_404(journey.pathway.stages, pk=stage_pk)


@require_POST
def record_round(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    form = RoundForm(request.POST, instance=ObservationRound(), auto_id=form_ids("round"))
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
    form = _round_error_form(request.POST, auto_id=form_ids("round_error", observations.pk))
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
    form = RedFlagForm(request.POST, auto_id=form_ids("red_flag"))
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
    form = EscalationForm(request.POST, auto_id=form_ids("escalation", flag.pk))
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
    form = _resolve_form(request.POST, auto_id=form_ids("resolve", flag.pk))
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
    form = _override_form(request.POST, auto_id=form_ids("override"))
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
    form = DriverForm(request.POST, auto_id=form_ids("driver"))
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
def change_booking(request: WardRequest, pk: int) -> HttpResponse:
    """Record the levels of a booking that came without them, or correct the levels or the bay."""
    journey = journey_for(request, pk, CARE)
    form = BookingForm(request.POST, auto_id=form_ids("booking"))
    return _act(
        request,
        journey,
        "booking",
        form,
        lambda d: journey.change_booking(
            planned_levels=d["planned_levels"], bay=d["bay"], by=request.user, expected_version=d["version"]
        ),
    )


@require_POST
def cancel(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, "journey.check_in_patient")
    form = _cancel_form(journey, request.POST, auto_id=form_ids("cancel"))
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
    form = _did_not_arrive_form(request.POST, auto_id=form_ids("did_not_arrive"))
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
    form = _return_form(request.POST, auto_id=form_ids("return"))
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
    form = _admit_form(request.POST, auto_id=form_ids("admit"))
    return _act(
        request,
        journey,
        "admit",
        form,
        lambda d: journey.admit_overnight(
            reason=d["reason"], detail=d["detail"], by=request.user, expected_version=d["version"]
        ),
    )


@require_POST
def mark_round_missed(request: WardRequest, pk: int, number: int) -> HttpResponse:
    journey = journey_for(request, pk, "journey.mark_round_missed")
    form = MissedRoundForm(request.POST, auto_id=form_ids("missed", number))
    return _act(
        request,
        journey,
        "missed",
        form,
        lambda d: journey.mark_round_missed(number, reason=d["reason"], by=request.user, expected_version=d["version"]),
        number,
    )


@require_POST
def news2_review(request: WardRequest, pk: int, round_pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    observations = get_object_or_404(ObservationRound, visit__journey=journey, pk=round_pk)
    form = ReviewForm(request.POST, auto_id=form_ids("review", round_pk))
    return _act(
        request,
        journey,
        "review",
        form,
        lambda d: journey.record_news2_review(
            observations,
            told_who=d["told_who"],
            told_at=form.told_at_moment(timezone.now()),
            by=request.user,
            expected_version=d["version"],
        ),
        observations.pk,
    )


@require_POST
def set_spo2_scale(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, "journey.set_spo2_scale")
    form = Spo2ScaleForm(request.POST, auto_id=form_ids("spo2_scale"))
    return _act(
        request,
        journey,
        "spo2_scale",
        form,
        lambda d: journey.set_spo2_scale(
            d["scale"], reason=d["reason"], by=request.user, expected_version=d["version"]
        ),
    )


@require_POST
def write_handover(request: WardRequest, pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    form = HandoverForm(request.POST, auto_id=form_ids("handover"))

    def write(d: dict[str, Any]) -> None:
        texts = {k: d[k] for k in ("occasion", "situation", "background", "assessment", "recommendation")}
        journey.write_handover(**texts, by=request.user, expected_version=d["version"])

    return _act(request, journey, "handover", form, write)


@require_POST
def acknowledge_handover(request: WardRequest, pk: int, handover_pk: int) -> HttpResponse:
    journey = journey_for(request, pk, CARE)
    handover = get_object_or_404(journey.handovers, pk=handover_pk)
    form = VersionForm(request.POST, auto_id=form_ids("handover_ack", handover.pk))
    return _act(
        request,
        journey,
        "handover_ack",
        form,
        lambda d: journey.acknowledge_handover(handover, by=request.user, expected_version=d["version"]),
        handover.pk,
    )


@requires("journey.view_journey")
def handover_sheet(request: WardRequest) -> HttpResponse:
    """Every patient in the unit now, on printable pages, for a change of shift: each one's SBAR drafted
    from the journey, and the last handover (who has the patient)."""
    now = timezone.now()
    journeys = list(Journey.objects.on_day(timezone.localdate(now)).in_unit().for_handover_sheet())
    AuditEntry.objects.record(
        AuditEntry.Action.VIEWED, user=request.user, summary=f"Printed the handover sheet ({len(journeys)} patients)"
    )
    rows = [{"journey": j, "sbar": draft_sbar(j, now), "nurse": j.nurse} for j in journeys]
    context = {"rows": rows, "printed_at": now, "unit_name": settings.TRACKER_UNIT_NAME}
    return render(request, "tracker/handover_sheet.html", context)


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


def family_card(request: WardRequest, pk: int) -> HttpResponse:
    """A small printable card for the family: the code to look for on the waiting-room board, what its
    steps and colours mean, and the unit's phone. It carries no name: a card left behind tells nobody whose
    it is."""
    journey = journey_for(request, pk, "journey.view_journey")
    _audit_view(request, journey, "Printed the family card")
    stages = list(journey.pathway.stages.order_by("order"))
    context = {
        "journey": journey,
        "patient": journey.patient,
        "steps": [(number, stage.name) for number, stage in enumerate(stages, start=1)],
        "unit_name": settings.TRACKER_UNIT_NAME,
        "unit_phone": settings.TRACKER_UNIT_PHONE,
    }
    return render(request, "tracker/family_card.html", context)
