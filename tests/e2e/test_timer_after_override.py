"""One timer on every screen: after a lead's override the label says ready and stays so while it ticks,
and the same journey reads the same on Today, the journey page and the board."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from journey.demo import answer_stage, settled_round
from journey.models import Journey
from tests.makers import make_journey, make_pathway, walk_to

pytestmark = pytest.mark.django_db(transaction=True)


def test_after_a_leads_override_the_timer_stays_ready_and_reads_the_same_on_every_screen(
    new_page, live_server, sign_in
):
    users = Journey._meta.get_field("created_by").related_model.objects
    nurse = users.get(username="nurse")
    went_flat = timezone.now() - timedelta(minutes=40)
    pathway = make_pathway()
    # Rounds are timed: a schedule whose rounds are all due before the override, each recorded at its time.
    pathway.stages.filter(code="recovery").update(round_minutes="15, 30")
    journey = make_journey(pathway, nurse, day=timezone.localdate())
    walk_to(journey, "recovery", nurse, now=went_flat)
    answer_stage(journey, by=nurse, now=went_flat + timedelta(minutes=1))
    for slot in journey.open_visit().round_slots(went_flat):
        journey.record_round(settled_round(), by=nurse, now=slot.due_at)

    page = new_page()
    sign_in(page, "lead")
    page.goto(f"{live_server.url}{journey.get_absolute_url()}")
    label = page.locator(".journey-summary [data-state-label]")
    expect(label).to_have_text("On track")
    page.get_by_text("Override the minimum (clinical lead)").click()
    page.get_by_label("Clinical reason for overriding the minimum").fill("Transferred flat on a trolley to the ward")
    page.get_by_role("button", name="Override the minimum").click()

    expect(label).to_have_text("Ready for discharge")
    for _ in range(6):  # the browser ticks every second: the label must not flip back
        page.wait_for_timeout(1_000)
        expect(label).to_have_text("Ready for discharge")

    for path in ("/", "/board/"):
        other = new_page()
        sign_in(other, "lead")
        other.goto(f"{live_server.url}{path}")
        row = other.locator("tr", has_text=journey.patient.mrn[-4:])
        expect(row.locator("[data-state-label]")).to_have_text("Ready for discharge")
