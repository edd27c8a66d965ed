"""A coordinator's board follows the ward without a reload: a stage completed at a workstation shows
within one poll interval."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from journey.models import Journey
from tests.makers import answer, make_journey, make_pathway

pytestmark = pytest.mark.django_db(transaction=True)
POLL_INTERVAL_MS = 10_000


def test_a_stage_completed_at_a_workstation_shows_on_an_open_board_within_one_poll(new_page, live_server, sign_in):
    nurse_user = Journey._meta.get_field("created_by").related_model.objects.get(username="nurse")
    # Today, whatever the date: the board shows today's journeys, and the live server's clock is real.
    journey = make_journey(make_pathway(), nurse_user, day=timezone.localdate())
    journey.arrive(by=nurse_user)
    answer(journey, "identity", True, by=nurse_user)
    answer(journey, "driver_confirmed", True, by=nurse_user)

    board = new_page()
    sign_in(board, "coordinator")
    board.goto(f"{live_server.url}/board/")
    row = board.locator("tr.board-row", has_text=journey.patient.mrn[-4:])
    expect(row).to_contain_text("Consent")

    workstation = new_page()
    sign_in(workstation, "nurse")
    workstation.goto(f"{live_server.url}{journey.get_absolute_url()}")
    workstation.get_by_role("button", name="Complete Consent").click()
    expect(workstation.get_by_role("heading", name="Prep", exact=True)).to_be_visible()

    expect(row).to_contain_text("Prep", timeout=POLL_INTERVAL_MS + 3_000)
    expect(board.locator(".board-updated")).to_have_text(re.compile(r"Updated (just now|\d s ago)"))


def test_the_board_warns_when_polls_fail_and_recovers_by_itself(new_page, live_server, sign_in):
    page = new_page()
    page.clock.install()
    sign_in(page, "coordinator")
    page.goto(f"{live_server.url}/board/")
    warning = page.locator(".board-stale-warning")
    expect(warning).to_be_hidden()

    page.route("**/board/rows/**", lambda route: route.abort())
    page.clock.run_for(25_000)
    expect(warning).to_be_visible()

    page.unroute("**/board/rows/**")
    page.clock.run_for(11_000)
    expect(warning).to_be_hidden()
