"""The ward's day: today's list (any day, searchable) and booking a patient."""

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from journey.board import board_rows
from journey.errors import JourneyError
from journey.models import Journey
from tracker.access import requires
from tracker.forms import CheckInForm
from tracker.views.auth import display_only

# How Today lists the day: by booked time, or needs attention first (the board's order); kept per person.
TODAY_ORDER = "today_order"
TODAY_ORDERS = {"time", "attention"}


def today(request: HttpRequest) -> HttpResponse:
    """The first page: Today for the ward; the display account (which may not see it) the public board."""
    if display_only(request.user):
        return redirect("board-public")
    return _today(request)


def _day_asked(text: str) -> date | None:
    """The day typed in the unit's formats (2026-11-21 or 21/11/2026); None when empty or impossible."""
    try:
        return forms.DateField(required=False).clean(text[:20])
    except ValidationError:
        return None


@requires("journey.view_journey")
def _today(request: HttpRequest) -> HttpResponse:
    """Every journey of a day (today unless ?day= says otherwise), with stage, timer and what needs attention,
    by booked time or, as the person chooses (kept in the session), needs attention first: the board's order."""
    day = _day_asked(request.GET.get("day", "")) or timezone.localdate()
    query = request.GET.get("q", "").strip()[:100]
    order = request.GET.get("order")
    if order in TODAY_ORDERS:
        request.session[TODAY_ORDER] = order
    order = request.session.get(TODAY_ORDER, "time")
    now = timezone.now()
    journeys: Any = Journey.objects.on_day(day).matching(query).for_list()
    if order == "attention":
        journeys = [row.journey for row in board_rows(list(journeys), now)]
    context = {"day": day, "is_today": day == timezone.localdate(), "query": query, "journeys": journeys}
    return render(request, "tracker/today.html", {**context, "now": now, "order": order})


@requires("journey.check_in_patient")
def check_in(request: HttpRequest) -> HttpResponse:
    """Book a patient's procedure day; an MRN already known reuses that patient."""
    # Bound on any POST, even an empty one: an empty form posted must be told what is missing.
    form = CheckInForm(request.POST if request.method == "POST" else None, initial={"day": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            journey = Journey.objects.book(
                patient=form.patient_details(),
                pathway=data["pathway"],
                day=data["day"],
                scheduled_time=data["scheduled_time"],
                bay=data["bay"],
                planned_levels=data["planned_levels"],
                driver_name=data["driver_name"],
                driver_phone=data["driver_phone"],
                bay_handover=data["bay_handover"],
                by=request.user,
            )
        except JourneyError as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        else:
            return redirect(journey)
    status = 422 if form.is_bound else 200
    return render(request, "tracker/check_in.html", {"form": form}, status=status)
