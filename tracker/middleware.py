"""Request and response concerns every page shares: sign-in redirects for htmx, sign-out on shared
workstations, no caching of patient data, and the address the audit records."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers
from django_htmx.http import HttpResponseClientRedirect

from journey.models.audit import from_address
from journey.wording import duration
from tracker.access import client_address

SIGNED_IN_AT = "ward_signed_in_at"
ACTIVE_AT = "ward_active_at"
SIGNED_OUT_BECAUSE = "ward_signed_out_because"
# Activity is written to the session at most once per resolution, not per click: one database write per
# half minute at most. The last activity recorded can be up to one resolution older than the real one, so
# the idle sign-out may come that much early. Decision: the resolution is 30 s or a thirtieth of the idle
# limit, whichever is shorter, so the sign-out is never late and never more than 1/30 of the limit early
# (30 s of 15 min; 4 s of a 2-minute limit). tests/tracker/test_sessions.py holds it to that.
ACTIVITY_RESOLUTION = 30
ACTIVITY_RESOLUTION_SHARE = 30


def activity_resolution() -> float:
    """Seconds between two writes of a session's last activity."""
    return min(ACTIVITY_RESOLUTION, settings.TRACKER_IDLE_TIMEOUT.total_seconds() / ACTIVITY_RESOLUTION_SHARE)


class HtmxSignInRedirectMiddleware:
    """An htmx request from a signed-out session sends the whole page to sign-in, never swaps the
    sign-in form into part of a page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        login = resolve_url(settings.LOGIN_URL)
        if getattr(request, "htmx", False) and response.status_code == 302 and response["Location"].startswith(login):
            return HttpResponseClientRedirect(response["Location"])
        return response


class NoStoreMiddleware:
    """Nothing the app renders is kept by a browser or a proxy: on a shared PC the next person's Back
    button must not bring up the last patient. Static files (served by whitenoise before this) are cached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


def passive(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view that a screen calls by itself (the board's poll): it never counts as someone's
    activity, so an unattended board still signs out, but it is always checked for expiry."""
    view.ward_passive = True  # type: ignore[attr-defined]
    return view


def signed_in(request: HttpRequest) -> None:
    """Start the idle and absolute clocks of a new session (called at sign-in)."""
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[ACTIVE_AT] = now


def _exempt_from_idle(user: Any) -> bool:
    # The waiting-room display sees no patient data: idle sign-out protects patient data on an
    # unattended PC, and would only blank the waiting room's screen. Its 12 hours still apply.
    return not user.has_perm("journey.view_journey") and user.has_perm("journey.view_public_board")


IDLE_HEADER = "X-Idle-Seconds-Left"


def idle_seconds_left(request: HttpRequest) -> int | None:
    """Seconds until this session is signed out for inactivity; None for no one (anonymous, or the
    display account, which idle sign-out does not apply to)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or _exempt_from_idle(user):
        return None
    active = request.session.get(ACTIVE_AT)
    if active is None:
        return None
    return max(int(active + settings.TRACKER_IDLE_TIMEOUT.total_seconds() - time.time()), 0)


class WardSessionMiddleware:
    """Sign out after TRACKER_IDLE_TIMEOUT without activity and TRACKER_SESSION_LIMIT after signing in.

    Runs before LoginRequiredMiddleware: an expired session becomes anonymous here, and the default deny
    then sends the person to sign in (a whole-page redirect for htmx)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        left = idle_seconds_left(request)
        if left is not None:
            # The page's idle warning (static/tracker/idle.js) counts down from the server's own clock.
            response[IDLE_HEADER] = str(left)
        return response

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any) -> None:
        user = request.user
        if not user.is_authenticated:
            return
        session, now = request.session, time.time()
        if SIGNED_IN_AT not in session:  # a session from before these clocks existed
            signed_in(request)
            return
        idle = now - session.get(ACTIVE_AT, 0)
        because = ""
        if now - session[SIGNED_IN_AT] > settings.TRACKER_SESSION_LIMIT.total_seconds():
            because = f"You were signed out {duration(settings.TRACKER_SESSION_LIMIT)} after signing in. Sign in again."
        elif idle > settings.TRACKER_IDLE_TIMEOUT.total_seconds() and not _exempt_from_idle(user):
            idle_limit = duration(settings.TRACKER_IDLE_TIMEOUT)
            because = f"You were signed out after {idle_limit} without activity. Sign in again."
        if because:
            logout(request)  # ends the server session; request.user is anonymous from here on
            request.session[SIGNED_OUT_BECAUSE] = because
            return
        if not getattr(view, "ward_passive", False) and idle >= activity_resolution():
            session[ACTIVE_AT] = now


class AuditAddressMiddleware:
    """The address every audit row of this request records (who and when come with each change)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with from_address(client_address(request)):
            return self.get_response(request)
