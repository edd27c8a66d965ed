"""Pages for refusals and failures: plain words, no traceback, no patient data."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted without a valid CSRF token: most often a page left open past sign-out."""
    message = (
        "This form had expired (the page was open too long, or you were signed out). Reload the page and try again."
    )
    return render(request, "403.html", {"exception": message}, status=403)


@login_not_required
def health(request: HttpRequest) -> HttpResponse:
    """For the load balancer: the app answers and its database does. Says nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
