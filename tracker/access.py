"""Who may open which page, and where a request comes from. Every view states the permission it needs
through these helpers."""

from collections.abc import Callable
from functools import wraps
from ipaddress import ip_address
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django_htmx.middleware import HtmxDetails

from journey.models import Journey


class WardRequest(HttpRequest):
    """A request as this app's middleware leaves it (for type checking only; django-htmx's documented way):
    ``htmx`` from django-htmx, and the board's change token once a board view has read it."""

    htmx: HtmxDetails
    board_token: str


class RoleRefused(PermissionDenied):
    """A signed-in user whose role lacks ``permission`` (logged in one line by tracker/log_filters.py)."""

    def __init__(self, permission: str):
        super().__init__("Your role does not open this page.")
        self.permission = permission


def _check(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise RoleRefused(permission)


def requires(permission: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Refuse (403) a signed-in user whose role lacks ``permission``.

    Sign-in itself is enforced for every view by LoginRequiredMiddleware.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            _check(request, permission)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def journey_for(request: HttpRequest, pk: int, permission: str) -> Journey:
    """The journey, if the user's role holds ``permission``: 403 before any patient data is read."""
    _check(request, permission)
    return get_object_or_404(Journey.objects.for_page(), pk=pk)


def sign_in_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The username a sign-in attempt names, as the lockout counts it: no NUL, no longer than a username
    can be (anything else is typed junk, and must not break the count)."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(raw).replace("\x00", "")[:150]


def client_address(request: HttpRequest) -> str | None:
    """The workstation's address, for the audit and the sign-in lockout.

    REMOTE_ADDR unless TRACKER_PROXY_COUNT trusted proxies stand in front; then the address the
    outermost trusted proxy saw, counted from the right of X-Forwarded-For (the left part is whatever
    the client claimed, so it is never believed).
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRACKER_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ip_address(address))
    except ValueError:
        return None
