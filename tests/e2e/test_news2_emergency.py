"""A nurse records a round that scores NEWS2 7: the emergency red flag shows on the journey page and
on the coordinator's board."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from journey.models import Journey
from tests.makers import make_journey, make_pathway, walk_to

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_round_scoring_7_shows_the_emergency_flag_on_the_journey_and_the_board(new_page, live_server, sign_in):
    nurse_user = Journey._meta.get_field("created_by").related_model.objects.get(username="nurse")
    # Today, whatever the date: the board shows today's journeys, and the live server's clock is real.
    journey = make_journey(make_pathway(), nurse_user, day=timezone.localdate())
    walk_to(journey, "recovery", nurse_user)

    page = new_page()
    sign_in(page, "nurse")
    page.goto(f"{live_server.url}{journey.get_absolute_url()}")
    form = page.locator("form", has=page.get_by_role("button", name="Record this round"))
    form.get_by_label("Systolic BP (mmHg)").fill("128")
    form.get_by_label("Diastolic BP (mmHg)").fill("76")
    form.get_by_label("Heart rate (bpm)").fill("112")  # 2
    form.get_by_label("Respiratory rate (/min)").fill("22")  # 2
    form.get_by_label("Oxygen saturation (%)").fill("97")
    form.get_by_label("Temperature (°C)").fill("37.1")
    form.get_by_label("Responds to voice").check()  # 3
    form.get_by_label("Pain score (0-10)").fill("3")
    form.get_by_label("Strength and sensation as at baseline").check()
    form.get_by_label("Dry").check()
    form.get_by_role("button", name="Record this round").click()

    expect(page.get_by_text("NEWS2 7 · High").first).to_be_visible()
    expect(page.get_by_role("heading", name="EMERGENCY Open: NEWS2 7+: emergency")).to_be_visible()

    board = new_page()
    sign_in(board, "coordinator")
    board.goto(f"{live_server.url}/board/")
    row = board.locator("tr.board-row", has_text=journey.patient.mrn[-4:])
    expect(row).to_contain_text("Red flag: NEWS2 7+: emergency")
    expect(row).to_contain_text("NEWS2 7 · High")
    expect(row).to_contain_text("NEWS2 high: continuous monitoring")
