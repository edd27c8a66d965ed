from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from journey.models import Journey
from tracker.access import requires


@requires("journey.view_journey")
def today(request: HttpRequest) -> HttpResponse:
    """The ward's day: every journey booked for today, its current stage and time in stage."""
    day: date = timezone.localdate()
    journeys = Journey.objects.on_day(day).for_list()
    return render(request, "tracker/today.html", {"day": day, "journeys": journeys, "now": timezone.now()})
