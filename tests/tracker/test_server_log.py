"""The server log: a refused request is one line (who, what, which permission), a real error keeps its
traceback."""

import logging

from django.test import Client
from django.urls import reverse

from tests.makers import make_journey, make_user


def _request_log(caplog):
    return [r for r in caplog.records if r.name == "django.request"]


def test_a_refused_request_logs_one_line_with_who_what_and_the_permission(client, display, journey, caplog):
    client.force_login(display)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(journey.get_absolute_url() + "?from=board").status_code == 403

    [record] = _request_log(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        f"Refused GET /journeys/{journey.pk}/?from=board to {display.username}: needs journey.view_journey"
    )
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


def test_a_refusal_in_the_admin_is_one_line_too(client, db, caplog):
    clerk = make_user(None, is_staff=True)  # may open the admin, holds no permission in it
    client.force_login(clerk)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/admin/journey/pathway/add/").status_code == 403

    [record] = _request_log(caplog)
    assert record.getMessage() == (
        f"Refused GET /admin/journey/pathway/add/ to {clerk.username}: needs the admin's permission for this page"
    )
    assert record.exc_info is None


def test_a_real_error_still_logs_its_traceback(nurse, pathway, monkeypatch, caplog):
    journey = make_journey(pathway, nurse)
    client = Client(raise_request_exception=False)
    client.force_login(nurse)

    def broken(*args, **kwargs):
        raise RuntimeError("a real fault")

    monkeypatch.setattr("tracker.views.journeys.render_journey", broken)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        assert client.get(journey.get_absolute_url()).status_code == 500

    [record] = _request_log(caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


def test_a_form_posted_without_its_csrf_token_logs_one_line(nurse, journey, caplog):
    client = Client(enforce_csrf_checks=True)
    client.force_login(nurse)

    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        assert client.post(reverse("journey-driver", args=[journey.pk]), {}).status_code == 403

    assert "Traceback" not in caplog.text
    assert all(r.exc_info is None for r in caplog.records)
