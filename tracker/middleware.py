from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect


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
