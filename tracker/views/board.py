"""The status board for coordinators (page, wall mode and a cheap poll) and the anonymised public board.

The poll answers 304 without rendering when the board's change token matches what the browser last
saw; the browser sends that token back itself (If-None-Match), since patient data is never cached.
"""

import hashlib
from collections import Counter
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import condition
from markupsafe import escape

from journey.board import board_rows, board_token
from journey.models import Journey
from tracker.access import WardRequest, requires
from tracker.board_cache import CachedRow, day_rows
from tracker.middleware import passive

BOARD = "journey.view_board"
PUBLIC = "journey.view_public_board"


def _filters(request: WardRequest) -> dict[str, Any]:
    return {
        "stage": request.GET.get("stage", "")[:30],
        "bay": request.GET.get("bay", "")[:20],
        "attention": request.GET.get("attention") == "1",
    }


def _board(request: WardRequest, *, fresh: bool = False) -> dict[str, Any]:
    """The board's rows (each from the row cache unless its journey changed this minute), filtered."""
    now = timezone.now()
    day = timezone.localdate(now)
    everyone = day_rows(day, now, fresh=fresh)
    wanted = _filters(request)
    rows = [
        row
        for row in everyone
        if (not wanted["stage"] or row.stage_code == wanted["stage"])
        and (not wanted["bay"] or row.bay == wanted["bay"])
        and (not wanted["attention"] or row.needs_attention)
    ]
    stages = _stage_names(everyone)
    counts = Counter(row.stage_code for row in everyone)
    bays = sorted({row.bay for row in everyone if row.bay}, key=_bay_order)
    return {
        "rows": rows,
        # Joined here, not looped in the template: a thousand rows cost a thousand template lookups.
        "rows_joined": mark_safe("".join(row.html for row in rows)),
        "counts": [(name, counts[code]) for code, name in stages],
        "stages": stages,
        "bays": bays,
        # The filters' choices, joined here for the same reason: a day may use hundreds of bays.
        "stage_options": _options(stages, wanted["stage"]),
        "bay_options": _options([(bay, bay) for bay in bays], wanted["bay"]),
        "filters": wanted,
        "query": request.GET.urlencode(),
        "now": now,
        "day": day,
    }


def _options(choices: list[tuple[str, str]], chosen: str) -> SafeString:
    return _options_of(tuple(choices), chosen)


@lru_cache(maxsize=64)
def _options_of(choices: tuple[tuple[str, str], ...], chosen: str) -> SafeString:
    # Escaped by markupsafe (Jinja2's, in C): format_html cost 8 ms on a day of 1000 bays. Kept for the
    # same choices, which change far less often than the board (escaping 1000 bays again cost 3 ms).
    return mark_safe(
        "".join(
            f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>{escape(n)}</option>' for v, n in choices
        )
    )


def _stage_names(rows: list[CachedRow]) -> list[tuple[str, str]]:
    """(code, name) of the stages the day's patients are in, in pathway order, then booked / gone home."""
    by_order = sorted(rows, key=lambda r: r.stage_order)
    return list({row.stage_code: row.stage_name for row in by_order}.items())


def _bay_order(bay: str) -> tuple[int, str]:
    return (int(bay), "") if bay.isdigit() else (10**6, bay)


def _token(request: WardRequest, *args: Any) -> str:
    # The filters and the page asking are part of what the browser has: a different view is new content.
    # Read once a request: the ETag check and the render cache ask for the same token.
    if not hasattr(request, "board_token"):
        request.board_token = board_token(timezone.localdate(), timezone.now(), variant=request.get_full_path())
    return request.board_token


# Displays showing the same board at the same change token share one render. One entry per page and
# filter, holding the render of its latest token: a change makes the previous render useless, so it is
# replaced, not kept beside it (kept by token, a busy minute of changes held hundreds of 1-2 MB renders:
# 477 MiB in one benchmark process). The token moves with any change and every minute.
BOARD_RENDER_SECONDS = 70


def _cached_board(request: WardRequest) -> dict[str, Any]:
    token = _token(request)
    key = "board-render:" + hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    # bench/run.py's cold render: neither this shared render nor any row from the row cache.
    fresh = settings.TRACKER_BENCHMARK and request.headers.get("X-Bench-Render") == "1"
    # The render's token is kept beside it, so a render made stale by a change is not read back (a 1-2 MB
    # value, unpickled for nothing: 1.7 ms at 1000 journeys).
    shown = None if fresh or cache.get(f"{key}:token") != token else cache.get(key)
    if shown is None or shown["token"] != token:
        context = _board(request, fresh=fresh)
        shown = {
            "token": token,
            "rows_html": render_to_string("tracker/_board_rows.html", context),
            "stage_options": context["stage_options"],
            "bay_options": context["bay_options"],
            "filters": context["filters"],
            "query": context["query"],
            "day": context["day"],
        }
        cache.set_many({key: shown, f"{key}:token": token}, BOARD_RENDER_SECONDS)
    return {**shown, "now": timezone.now()}


@requires(BOARD)
def board(request: WardRequest) -> HttpResponse:
    return render(request, "tracker/board.html", _cached_board(request))


@requires(BOARD)
def board_wall(request: WardRequest) -> HttpResponse:
    return render(request, "tracker/board_wall.html", {**_cached_board(request), "wall": True})


@passive
@requires(BOARD)
@condition(etag_func=_token)
def board_poll(request: WardRequest) -> HttpResponse:
    return render(request, "tracker/_board_poll.html", _cached_board(request))


def _public(request: WardRequest) -> dict[str, Any]:
    now = timezone.now()
    rows = board_rows(Journey.objects.on_board(timezone.localdate(now)), now)
    # By bay, not by urgency: the order must not tell a waiting room whose patient has a problem.
    shown = sorted((row for row in rows if not row.journey.is_closed), key=lambda r: _bay_order(r.journey.bay))
    return {"rows": shown, "now": now, "legend": range(1, max((r.steps for r in rows), default=6) + 1)}


@requires(PUBLIC)
def public_board(request: WardRequest) -> HttpResponse:
    return render(request, "tracker/board_public.html", _public(request))


@passive
@requires(PUBLIC)
@condition(etag_func=_token)
def public_poll(request: WardRequest) -> HttpResponse:
    return render(request, "tracker/_board_public_rows.html", _public(request))
