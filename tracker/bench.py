"""Benchmark support, switched on only by TRACKER_BENCHMARK=1 (never in a deployment).

A baseline view that returns a constant behind the same middleware and session as every page, and a
middleware that reports how many database queries a request ran (X-Queries) and how long the app took
(X-Server-Ms), so bench/run.py can print them beside the timings. A request sent with
``X-Bench-Change: 1`` first changes one of the day's journeys (the next one each time), as a nurse's
action would for the board: its version goes up. That change is neither counted nor timed by the app's
headers (wrk times the whole request), so it is kept to one UPDATE: the day's ids are read once a process.
"""

import itertools
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from journey.models import Journey


def baseline(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


_turn = itertools.count()
_day_ids: dict[date, list[int]] = {}


def change_one_journey() -> None:
    """Bump the version of the next journey of the day, as every verb does (the board keys on it). Reading
    the day's ids on every change cost the board-after-one-change figure 0.2 ms at 200 journeys and 0.9 ms
    at 1000 that no nurse's action costs the board."""
    day = timezone.localdate()
    if day not in _day_ids:
        _day_ids.clear()
        _day_ids[day] = list(Journey.objects.on_day(day).order_by("pk").values_list("pk", flat=True))
    journeys = _day_ids[day]
    if journeys:
        Journey.objects.filter(pk=journeys[next(_turn) % len(journeys)]).update(version=F("version") + 1)


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.headers.get("X-Bench-Change") == "1":
            change_one_journey()
        count = 0

        def counting(execute: Callable[..., Any], *args: Any) -> Any:
            nonlocal count
            count += 1
            return execute(*args)

        started = time.perf_counter()
        with connection.execute_wrapper(counting):
            response = self.get_response(request)
        response["X-Server-Ms"] = f"{(time.perf_counter() - started) * 1000:.1f}"
        response["X-Queries"] = str(count)
        return response
