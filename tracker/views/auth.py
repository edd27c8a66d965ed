"""Signing in and out on a shared workstation, and where a person lands after signing in."""

from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_POST

from tracker.middleware import SIGNED_OUT_BECAUSE

# The pages of a journey a person can open; every other journey-* address is an action (POST only).
JOURNEY_PAGES = {"journey", "journey-discharge-sheet", "journey-family-card"}
# Addresses a screen polls by itself, and the page they belong to.
POLLED_BY = {"board-poll": "board", "board-public-poll": "board-public"}


def display_only(user: Any) -> bool:
    """The waiting-room display account: it sees the public board and nothing else."""
    return not user.has_perm("journey.view_journey") and user.has_perm("journey.view_public_board")


def page_for(path: str) -> str:
    """The page to go back to for an address a person was sent to sign in from: an action (a POST-only
    address, which a browser would open with GET and get 405) goes back to its journey's page, a polled
    fragment to its board; a page is itself."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return path
    name = match.url_name or ""
    if name.startswith("journey-") and name not in JOURNEY_PAGES and "pk" in match.kwargs:
        return reverse("journey", args=[match.kwargs["pk"]])
    if name in POLLED_BY:
        return reverse(POLLED_BY[name])
    return path


class SignInView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # Why the last session ended (idle, or the 12-hour limit), shown once.
        return {
            **super().get_context_data(**kwargs),
            "signed_out_because": self.request.session.pop(SIGNED_OUT_BECAUSE, ""),
        }

    def get_success_url(self) -> str:
        """Back to the page the person was on (never a POST-only address); the display account straight
        to the public board."""
        if display_only(self.request.user):
            return reverse("board-public")
        return page_for(self.get_redirect_url()) or self.get_default_redirect_url()


@require_POST
def stay_signed_in(request: HttpRequest) -> HttpResponse:
    """The idle warning's "Stay signed in": a request that counts as activity (WardSessionMiddleware moves
    the idle clock on) and answers nothing; the new sign-out moment comes back in a header."""
    return HttpResponse(status=204)
